#include "vault-core/cli/cli.h"

#include <algorithm>

namespace coffer::cli {
namespace {

const std::vector<Command>& AllCommands() {
  static const std::vector<Command>* commands = [] {
    auto* all = new std::vector<Command>();
    for (auto group : {VaultCommands, PrincipalCommands, PolicyCommands, ClusterCommands,
                       SecretCommands, KeyCommands, CertificateCommands, OtherCommands,
                       HsmCommands}) {
      for (Command& c : group()) all->push_back(std::move(c));
    }
    return all;
  }();
  return *commands;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

bool StartsWith(const std::vector<std::string>& path, const std::vector<std::string>& prefix) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

// A last positional written "FILE..." takes one or more words; the others take one each.
bool PositionalsFit(const Command& c, std::size_t given) {
  const std::string last = c.positionals.empty() ? "" : c.positionals.back();
  bool variadic = last.size() > 3 && last.substr(last.size() - 3) == "...";
  return variadic ? given >= c.positionals.size() : given == c.positionals.size();
}

std::string UsageLine(const Command& c) {
  std::string line = "coffer " + Join(c.path);
  if (!c.positionals.empty()) line += " " + Join(c.positionals);
  if (!c.synopsis.empty()) line += " " + c.synopsis;
  return line;
}

void PrintFlags(std::ostream& out, const std::vector<FlagSpec>& flags) {
  std::vector<std::pair<std::string, std::string>> lines;
  std::size_t width = 0;
  for (const FlagSpec& f : flags) {
    std::string left = (f.short_name.empty() ? "" : f.short_name + ", ") + f.name;
    if (!f.value_name.empty()) left += " " + f.value_name;
    width = std::max(width, left.size());
    lines.emplace_back(left, f.help);
  }
  for (const auto& [left, help] : lines) {
    out << "  " << left << std::string(width - left.size() + 2, ' ') << help << "\n";
  }
}

// The commands under `prefix` ("coffer --help" lists them all).
void PrintGroupHelp(std::ostream& out, const std::vector<std::string>& prefix) {
  out << "usage: coffer " << (prefix.empty() ? "COMMAND" : Join(prefix) + " COMMAND")
      << " [ARGS] [FLAGS]\n\nCommands:\n";
  std::size_t width = 0;
  for (const Command& c : AllCommands()) {
    if (StartsWith(c.path, prefix)) width = std::max(width, Join(c.path).size());
  }
  for (const Command& c : AllCommands()) {
    if (!StartsWith(c.path, prefix)) continue;
    std::string name = Join(c.path);
    out << "  " << name << std::string(width - name.size() + 2, ' ') << c.summary << "\n";
  }
  out << "\nGlobal flags:\n";
  PrintFlags(out, GlobalFlags());
  out << "\n`coffer COMMAND --help` describes a command. Exit codes: 0 ok, 1 error, 2 usage, "
         "3 not found,\n4 unauthenticated or denied, 5 conflict, 6 audit log tampered, "
         "7 unavailable (docs/cli.md).\n";
}

void PrintCommandHelp(std::ostream& out, const Command& c) {
  out << "usage: " << UsageLine(c) << "\n\n" << c.summary << "\n";
  if (!c.flags.empty()) {
    out << "\nFlags:\n";
    PrintFlags(out, c.flags);
  }
  out << "\nGlobal flags (-o, --admin-*, --vault-url, ...): see `coffer --help`.\n";
}

bool IsGlobalValueFlag(const std::string& token) {
  for (const FlagSpec& f : GlobalFlags()) {
    if ((token == f.name || token == f.short_name) && !f.value_name.empty()) return true;
  }
  return false;
}

absl::Status Run(const std::vector<std::string>& argv, const Env& env, Io io,
                 const http::ClientFactory& http) {
  // Global flags may come before the command words; they are parsed with the rest.
  std::vector<std::string> rest;
  std::size_t i = 0;
  for (; i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-'; ++i) {
    if (argv[i] == "--help" || argv[i] == "-h") {
      PrintGroupHelp(io.out, {});
      return absl::OkStatus();
    }
    rest.push_back(argv[i]);
    if (IsGlobalValueFlag(argv[i]) && i + 1 < argv.size()) rest.push_back(argv[++i]);
  }
  std::vector<std::string> path;
  const Command* command = nullptr;
  for (; i < argv.size() && command == nullptr; ++i) {
    path.push_back(argv[i]);
    bool prefix = false;
    for (const Command& c : AllCommands()) {
      if (c.path == path) command = &c;
      prefix = prefix || StartsWith(c.path, path);
    }
    if (!prefix) return UsageError("unknown command '" + Join(path) + "' (see coffer --help)");
    if (command == nullptr && i + 1 < argv.size() && argv[i + 1][0] == '-') break;
  }
  if (command == nullptr) {
    bool help = std::any_of(argv.begin(), argv.end(),
                            [](const std::string& a) { return a == "--help" || a == "-h"; });
    PrintGroupHelp(help ? io.out : io.err, path);
    return help ? absl::OkStatus() : QuietExit(kExitUsage);
  }
  rest.insert(rest.end(), argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
  std::vector<FlagSpec> specs = GlobalFlags();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  auto args = Args::Parse(rest, specs);
  if (!args.ok())
    return UsageError(std::string(args.status().message()) + " (see " + "coffer " +
                      Join(command->path) + " --help)");
  if (args->Has("--help")) {
    PrintCommandHelp(io.out, *command);
    return absl::OkStatus();
  }
  if (!PositionalsFit(*command, args->positional().size())) {
    return UsageError("usage: " + UsageLine(*command));
  }
  auto format = ParseOutputFormat(args->Value("--output").value_or("table"));
  if (!format.ok()) return format.status();
  Context context(*args, *format, env, io, http);
  return command->run(context);
}

}  // namespace

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec>* flags = new std::vector<FlagSpec>{
      {"--output", "FORMAT", "json or table (default table)", false, "-o"},
      {"--admin-socket", "PATH",
       "admin API unix socket (default $COFFER_ADMIN_SOCKET, else ./coffer-admin.sock)"},
      {"--admin-address", "HOST:PORT", "admin API over TCP with mutual TLS instead"},
      {"--admin-ca", "FILE", "CA certificate (PEM) of the admin API's server certificate"},
      {"--admin-cert", "FILE", "client certificate (PEM) for the admin API"},
      {"--admin-key", "FILE", "its private key (PEM)"},
      {"--vault-url", "URL", "the vault of data-plane commands (default $COFFER_VAULT_URL)"},
      {"--connect-to", "ADDR[:PORT]",
       "dial ADDR instead of the vault URL's host, like curl (default $COFFER_CONNECT_TO)"},
      {"--ca-file", "FILE", "CA bundle (PEM) for the vault's TLS (default $COFFER_CA_FILE)"},
      {"--help", "", "show help", false, "-h"},
  };
  return *flags;
}

int RunCli(const std::vector<std::string>& argv, const Env& env, Io io,
           const http::ClientFactory& http) {
  if (argv.empty()) {
    PrintGroupHelp(io.err, {});
    return kExitUsage;
  }
  absl::Status status = Run(argv, env, io, http);
  if (!status.ok() && !QuietExitCode(status).has_value()) {
    std::string message(status.message());
    std::replace_if(
        message.begin(), message.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    io.err << "coffer: " << message << "\n";
  }
  io.out.flush();
  return ExitCodeFor(status);
}

}  // namespace coffer::cli
