#ifndef COFFER_VAULT_CORE_CLI_COMMAND_H_
#define COFFER_VAULT_CORE_CLI_COMMAND_H_

// What every `coffer` command sees: its parsed arguments, the output streams, the environment,
// and clients of the admin API and the data plane built from the global flags.

#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/http/client.h"
#include "lib/vaultclient/admin_client.h"
#include "lib/vaultclient/data_plane_client.h"
#include "vault-core/cli/args.h"
#include "vault-core/cli/output.h"

namespace coffer::cli {

using Env = std::map<std::string, std::string>;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;
};

class Context {
 public:
  Context(const Args& args, OutputFormat format, const Env& env, Io io,
          const http::ClientFactory& http)
      : args_(args), format_(format), env_(env), io_(io), http_(http) {}

  const Args& args() const { return args_; }
  // Positional word `i` (the command checked the count).
  const std::string& arg(std::size_t i) const { return args_.positional().at(i); }
  OutputFormat format() const { return format_; }
  std::istream& in() { return io_.in; }
  std::ostream& out() { return io_.out; }
  std::ostream& err() { return io_.err; }
  bool out_is_terminal() const { return io_.out_is_terminal; }

  // A flag's value, else the environment variable's (when `env_name` is not empty).
  std::string FlagOrEnv(std::string_view flag, const char* env_name) const;
  // The whole environment (`coffer hsm` hands it to the vault's config loader).
  const Env& env() const { return env_; }

  // From --admin-socket / --admin-address and friends.
  absl::StatusOr<std::unique_ptr<vaultclient::AdminClient>> Admin() const;
  // From --vault-url, --connect-to, --ca-file and the AZURE_* variables; usage errors name
  // what is missing.
  absl::StatusOr<std::unique_ptr<vaultclient::DataPlaneClient>> DataPlane() const;

 private:
  const Args& args_;
  const OutputFormat format_;
  const Env& env_;
  Io io_;
  const http::ClientFactory& http_;
};

using Handler = std::function<absl::Status(Context&)>;

// A whole file, for --file flags; INVALID_ARGUMENT naming the path when it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);
// Creates or truncates `path` with mode 0600 and writes `contents` (backups, plaintexts).
absl::Status WritePrivateFile(const std::string& path, const std::string& contents);
// `backup` and `restore` of any object kind: the blob goes to and comes from --file (mode 0600
// when written); the kind's own call is `backup(name)` / `restore(blob)`.
absl::Status BackupToFile(Context& ctx, const char* kind,
                          const std::function<absl::StatusOr<std::string>(const std::string&)>& backup);
absl::StatusOr<std::string> BackupFromFile(Context& ctx);
// An RFC 3339 flag's time, nullopt when the flag is absent; a usage error when malformed.
absl::StatusOr<std::optional<absl::Time>> TimeFlag(Context& ctx, const char* flag);
// The repeatable --tag k=v flags as a JSON object ({} when none); a usage error for one
// without '=' or with an empty key.
absl::StatusOr<nlohmann::json> TagFlags(Context& ctx);

// Readers of the vault's JSON, for commands that build and read Azure's bodies themselves
// (keys, certificates). ParseAnswer passes a failed call's status on and makes an answer that is
// not JSON INTERNAL. The *At readers take a missing or mistyped member as absent ({}, "", 0),
// where nlohmann's own accessors would throw.
absl::StatusOr<nlohmann::json> ParseAnswer(const absl::StatusOr<std::string>& body);
const nlohmann::json& ObjectAt(const nlohmann::json& o, const char* key);
std::string StringAt(const nlohmann::json& o, const char* key);
long long IntAt(const nlohmann::json& o, const char* key);
// Prints a listing's items (the vault's JSON, one string each), each turned into the CLI's view
// by `view`, as a table of `columns` or as JSON.
absl::Status PrintItems(Context& ctx, const absl::StatusOr<std::vector<std::string>>& items,
                        const std::vector<Column>& columns,
                        const std::function<nlohmann::json(const nlohmann::json&)>& view);
// An object id "https://host/keys/NAME[/VERSION]" with `collection` "/keys/" -> {NAME, VERSION}
// (VERSION empty when absent); {id, ""} when the id has no such segment.
std::pair<std::string, std::string> NameAndVersion(const std::string& id,
                                                   std::string_view collection);

struct Command {
  std::vector<std::string> path;         // {"vault", "create"}
  std::vector<std::string> positionals;  // {"NAME"}: exactly these, in order; a last "FILE..."
                                         // takes one or more
  std::string synopsis;                  // the flags part of the usage line
  std::string summary;                   // one line
  std::vector<FlagSpec> flags;
  Handler run;
};

// One list per command group (vault_commands.cc, ...).
std::vector<Command> VaultCommands();
std::vector<Command> PrincipalCommands();
std::vector<Command> PolicyCommands();
std::vector<Command> ClusterCommands();
std::vector<Command> SecretCommands();
std::vector<Command> KeyCommands();
std::vector<Command> CertificateCommands();
std::vector<Command> OtherCommands();  // installation, audit
std::vector<Command> HsmCommands();    // local: the key ceremony between replicas' HSMs

}  // namespace coffer::cli

#endif  // COFFER_VAULT_CORE_CLI_COMMAND_H_
