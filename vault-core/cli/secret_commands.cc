// coffer secret ... : the secrets REST API of one vault, through lib/vaultclient.
#include <fstream>
#include <iterator>
#include <sstream>

#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/cli/command.h"

namespace coffer::cli {
namespace {

using nlohmann::json;
using vaultclient::Secret;

json SecretJson(const Secret& s, bool with_value) {
  json doc = {{"name", s.name},
              {"version", s.version.empty() ? json(nullptr) : json(s.version)},
              {"id", s.id},
              {"contentType", s.content_type.empty() ? json(nullptr) : json(s.content_type)},
              {"tags", s.tags},
              {"enabled", s.enabled},
              {"created", TimeJson(s.created)},
              {"updated", TimeJson(s.updated)},
              {"notBefore", TimeJson(s.not_before)},
              {"expires", TimeJson(s.expires)}};
  if (!s.recovery_id.empty()) {
    doc["recoveryId"] = s.recovery_id;
    doc["deleted"] = TimeJson(s.deleted);
    doc["scheduledPurge"] = TimeJson(s.scheduled_purge);
  }
  if (with_value) doc["value"] = std::string(s.value.reveal());
  return doc;
}

std::vector<Column> SecretFields(const Secret& s, bool with_value) {
  std::vector<Column> columns = {
      {"Name", "name"},       {"Version", "version"},
      {"Enabled", "enabled"}, {"Content type", "contentType"},
      {"Tags", "tags"},       {"Created", "created"},
      {"Updated", "updated"}, {"Not before", "notBefore"},
      {"Expires", "expires"}, {"Id", "id"},
  };
  if (!s.recovery_id.empty()) {
    columns.push_back({"Deleted", "deleted"});
    columns.push_back({"Scheduled purge", "scheduledPurge"});
    columns.push_back({"Recovery id", "recoveryId"});
  }
  if (with_value) columns.push_back({"Value", "value"});
  return columns;
}

absl::Status PrintSecret(Context& ctx, const absl::StatusOr<Secret>& secret, bool with_value) {
  if (!secret.ok()) return secret.status();
  json doc = SecretJson(*secret, with_value);
  PrintObject(ctx.out(), ctx.format(), doc, SecretFields(*secret, with_value));
  if (with_value)
    internal::ZeroMemory(doc["value"].get_ref<std::string&>().data(),
                         doc["value"].get_ref<std::string&>().size());
  return absl::OkStatus();
}

absl::Status PrintSecrets(Context& ctx, const absl::StatusOr<std::vector<Secret>>& secrets,
                          std::vector<Column> columns) {
  if (!secrets.ok()) return secrets.status();
  json items = json::array();
  for (const Secret& s : *secrets) items.push_back(SecretJson(s, false));
  PrintList(ctx.out(), ctx.format(), items, columns);
  return absl::OkStatus();
}

// Exactly one of --value, --file and --value-stdin.
absl::StatusOr<SecretBytes> ValueToSet(Context& ctx) {
  int given =
      ctx.args().Has("--value") + ctx.args().Has("--file") + ctx.args().Has("--value-stdin");
  if (given != 1) return UsageError("give exactly one of --value, --file and --value-stdin");
  if (auto value = ctx.args().Value("--value")) return SecretBytes(*value);
  std::string text;
  if (auto file = ctx.args().Value("--file")) {
    COFFER_ASSIGN_OR_RETURN(text, ReadFile(*file));
  } else {
    text.assign(std::istreambuf_iterator<char>(ctx.in()), std::istreambuf_iterator<char>());
    if (!text.empty() && text.back() == '\n') text.pop_back();  // what `echo` adds
  }
  SecretBytes value(text);
  internal::ZeroMemory(text.data(), text.size());
  return value;
}

absl::Status Set(Context& ctx) {
  vaultclient::SetSecretOptions options;
  COFFER_ASSIGN_OR_RETURN(SecretBytes value, ValueToSet(ctx));
  options.content_type = ctx.args().Value("--content-type").value_or("");
  for (const std::string& tag : ctx.args().Values("--tag")) {
    std::size_t eq = tag.find('=');
    if (eq == std::string::npos || eq == 0)
      return UsageError("invalid --tag '" + tag + "': use k=v");
    options.tags[tag.substr(0, eq)] = tag.substr(eq + 1);
  }
  if (ctx.args().Has("--disabled")) options.enabled = false;
  COFFER_ASSIGN_OR_RETURN(options.not_before, TimeFlag(ctx, "--not-before"));
  COFFER_ASSIGN_OR_RETURN(options.expires, TimeFlag(ctx, "--expires"));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintSecret(ctx, client->SetSecret(ctx.arg(0), value, options), false);
}

absl::Status Show(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(
      Secret secret, client->GetSecret(ctx.arg(0), ctx.args().Value("--version").value_or("")));
  if (!ctx.args().Has("--value-only")) return PrintSecret(ctx, secret, true);
  ctx.out() << secret.value.reveal();
  if (ctx.out_is_terminal()) ctx.out() << "\n";
  return absl::OkStatus();
}

absl::Status List(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintSecrets(ctx, client->ListSecrets(),
                      {{"NAME", "name"},
                       {"ENABLED", "enabled"},
                       {"CONTENT TYPE", "contentType"},
                       {"UPDATED", "updated"},
                       {"EXPIRES", "expires"}});
}

absl::Status Versions(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintSecrets(ctx, client->ListVersions(ctx.arg(0)),
                      {{"VERSION", "version"},
                       {"ENABLED", "enabled"},
                       {"CREATED", "created"},
                       {"NOT BEFORE", "notBefore"},
                       {"EXPIRES", "expires"}});
}

template <class Method>
Handler ByName(Method method) {
  return [method](Context& ctx) -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
    return PrintSecret(ctx, ((*client).*method)(ctx.arg(0)), false);
  };
}

absl::Status Purge(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_RETURN_IF_ERROR(client->PurgeSecret(ctx.arg(0)));
  PrintMessage(ctx.out(), ctx.format(), "purged secret " + ctx.arg(0), {{"purged", ctx.arg(0)}});
  return absl::OkStatus();
}

absl::Status Backup(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return BackupToFile(ctx, "secret",
                      [&](const std::string& name) { return client->BackupSecret(name); });
}

absl::Status Restore(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string blob, BackupFromFile(ctx));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintSecret(ctx, client->RestoreSecret(blob), false);
}

Command Simple(const char* verb, const char* summary, Handler run) {
  return {{"secret", verb}, {"NAME"}, "", summary, {}, std::move(run)};
}

}  // namespace

std::vector<Command> SecretCommands() {
  using vaultclient::DataPlaneClient;
  return {
      {{"secret", "set"},
       {"NAME"},
       "(--value V | --file F | --value-stdin) [--content-type T] [--tag k=v]... [--disabled] "
       "[--not-before RFC3339] [--expires RFC3339]",
       "Set a secret: a new version that becomes the latest.",
       {{"--value", "V", "the value (visible to other users in ps: prefer --file)"},
        {"--file", "F", "read the value from a file, byte for byte"},
        {"--value-stdin", "", "read the value from stdin, less one trailing newline"},
        {"--content-type", "T", "e.g. text/plain"},
        {"--tag", "k=v", "a tag (repeatable)", true},
        {"--disabled", "", "create the version disabled"},
        {"--not-before", "RFC3339", "not valid before (informational)"},
        {"--expires", "RFC3339", "expiry (informational)"}},
       Set},
      {{"secret", "show"},
       {"NAME"},
       "[--version V] [--value-only]",
       "Show a secret's latest (or given) version with its value.",
       {{"--version", "V", "a version id (default: the latest)"},
        {"--value-only", "", "print only the value (a newline follows only on a terminal)"}},
       Show},
      {{"secret", "list"}, {}, "", "List the vault's secrets (without values).", {}, List},
      Simple("versions", "List a secret's versions.", Versions),
      Simple("delete", "Soft-delete a secret (recoverable until purged).",
             ByName(&DataPlaneClient::DeleteSecret)),
      Simple("recover", "Recover a soft-deleted secret.", ByName(&DataPlaneClient::RecoverSecret)),
      Simple("purge", "Purge a soft-deleted secret for good.", Purge),
      {{"secret", "backup"},
       {"NAME"},
       "--file OUT",
       "Write a backup of every version of a secret (an opaque blob) to a file.",
       {{"--file", "OUT", "where to write the backup (mode 0600)"}},
       Backup},
      {{"secret", "restore"},
       {},
       "--file IN",
       "Restore a secret from a backup file.",
       {{"--file", "IN", "a file written by `coffer secret backup`"}},
       Restore},
  };
}

}  // namespace coffer::cli
