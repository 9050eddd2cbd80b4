// coffer key ... : the keys REST API of one vault, through lib/vaultclient. Bodies are built and
// read here as Azure's JSON (docs/azure-keys-wire.md); binary values print as base64url.
#include <iterator>

#include "absl/strings/numbers.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/cli/command.h"
#include "vault-core/crypto/digest.h"

namespace coffer::cli {
namespace {

using nlohmann::json;

std::string KeyPath(std::string_view name) { return "/keys/" + std::string(name); }

// A bundle or item as the CLI shows it: flat, times in RFC 3339, sizes in bits.
json KeyJson(const json& bundle) {
  const json& jwk = ObjectAt(bundle, "key");
  std::string kid = jwk.empty() ? StringAt(bundle, "kid") : StringAt(jwk, "kid");
  auto [name, version] = NameAndVersion(kid, "/keys/");
  const json& a = ObjectAt(bundle, "attributes");
  auto enabled = a.find("enabled");
  json doc = {{"name", name},
              {"version", version.empty() ? json(nullptr) : json(version)},
              {"id", kid},
              {"enabled", enabled == a.end() || !enabled->is_boolean() || enabled->get<bool>()},
              {"created", UnixTimeJson(IntAt(a, "created"))},
              {"updated", UnixTimeJson(IntAt(a, "updated"))},
              {"notBefore", UnixTimeJson(IntAt(a, "nbf"))},
              {"expires", UnixTimeJson(IntAt(a, "exp"))},
              {"tags", ObjectAt(bundle, "tags")}};
  if (!jwk.empty()) {
    doc["kty"] = StringAt(jwk, "kty");
    auto ops = jwk.find("key_ops");
    doc["keyOps"] = ops != jwk.end() && ops->is_array() ? *ops : json::array();
    if (!StringAt(jwk, "n").empty()) {
      doc["size"] = Base64UrlDecode(StringAt(jwk, "n")).value_or("").size() * 8;
    }
    if (!StringAt(jwk, "crv").empty()) doc["curve"] = StringAt(jwk, "crv");
    doc["publicKey"] = jwk;  // public parts only: the vault never returns private ones
  }
  if (!StringAt(bundle, "recoveryId").empty()) {
    doc["recoveryId"] = StringAt(bundle, "recoveryId");
    doc["deleted"] = UnixTimeJson(IntAt(bundle, "deletedDate"));
    doc["scheduledPurge"] = UnixTimeJson(IntAt(bundle, "scheduledPurgeDate"));
  }
  return doc;
}

absl::Status PrintKey(Context& ctx, const absl::StatusOr<std::string>& body) {
  COFFER_ASSIGN_OR_RETURN(json bundle, ParseAnswer(body));
  json doc = KeyJson(bundle);
  std::vector<Column> columns = {
      {"Name", "name"},       {"Version", "version"},     {"Type", "kty"},
      {"Size", "size"},       {"Curve", "curve"},         {"Operations", "keyOps"},
      {"Enabled", "enabled"}, {"Tags", "tags"},           {"Created", "created"},
      {"Updated", "updated"}, {"Not before", "notBefore"}, {"Expires", "expires"},
      {"Id", "id"},
  };
  if (doc.contains("recoveryId")) {
    columns.push_back({"Deleted", "deleted"});
    columns.push_back({"Scheduled purge", "scheduledPurge"});
    columns.push_back({"Recovery id", "recoveryId"});
  }
  PrintObject(ctx.out(), ctx.format(), doc, columns);
  return absl::OkStatus();
}

absl::Status PrintKeys(Context& ctx, const absl::StatusOr<std::vector<std::string>>& items,
                       const std::vector<Column>& columns) {
  return PrintItems(ctx, items, columns, KeyJson);
}

// {"enabled", "nbf", "exp"} from --disabled/--enabled, --not-before and --expires.
absl::StatusOr<json> AttributesFlags(Context& ctx) {
  json attributes = json::object();
  if (ctx.args().Has("--disabled")) attributes["enabled"] = false;
  if (ctx.args().Has("--enabled")) attributes["enabled"] = true;
  COFFER_ASSIGN_OR_RETURN(auto nbf, TimeFlag(ctx, "--not-before"));
  COFFER_ASSIGN_OR_RETURN(auto exp, TimeFlag(ctx, "--expires"));
  if (nbf) attributes["nbf"] = absl::ToUnixSeconds(*nbf);
  if (exp) attributes["exp"] = absl::ToUnixSeconds(*exp);
  return attributes;
}

absl::Status CommonFlags(Context& ctx, json& body) {
  COFFER_ASSIGN_OR_RETURN(body["attributes"], AttributesFlags(ctx));
  if (auto ops = ctx.args().Value("--ops")) body["key_ops"] = SplitList(*ops);
  COFFER_ASSIGN_OR_RETURN(json tags, TagFlags(ctx));
  if (!tags.empty()) body["tags"] = std::move(tags);
  return absl::OkStatus();
}

absl::Status Create(Context& ctx) {
  auto kty = ctx.args().Value("--kty");
  if (!kty) return UsageError("give --kty: RSA, RSA-HSM, EC, EC-HSM, oct or oct-HSM");
  json body = {{"kty", *kty}};
  if (auto size = ctx.args().Value("--size")) {
    int bits = 0;
    if (!absl::SimpleAtoi(*size, &bits)) return UsageError("invalid --size '" + *size + "'");
    body["key_size"] = bits;
  }
  if (auto curve = ctx.args().Value("--curve")) body["crv"] = *curve;
  COFFER_RETURN_IF_ERROR(CommonFlags(ctx, body));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKey(ctx, client->CallJson("POST", KeyPath(ctx.arg(0)) + "/create", body.dump()));
}

absl::Status Import(Context& ctx) {
  auto file = ctx.args().Value("--jwk-file");
  if (!file) return UsageError("give the --jwk-file holding the key as a JSON web key");
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(*file));
  json jwk = json::parse(text, nullptr, /*allow_exceptions=*/false);
  internal::ZeroMemory(text.data(), text.size());
  if (jwk.is_discarded() || !jwk.is_object()) {
    return absl::InvalidArgumentError(*file + " is not a JSON web key");
  }
  json body = {{"key", std::move(jwk)}};
  if (ctx.args().Has("--hsm")) body["Hsm"] = true;
  COFFER_RETURN_IF_ERROR(CommonFlags(ctx, body));
  if (body.contains("key_ops")) {
    body["key"]["key_ops"] = body["key_ops"];
    body.erase("key_ops");
  }
  std::string request = body.dump();
  body.clear();
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKey(ctx, client->CallJson("PUT", KeyPath(ctx.arg(0)), std::move(request)));
}

absl::Status Show(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKey(ctx, client->CallJson("GET", KeyPath(ctx.arg(0)) + "/" +
                                                   ctx.args().Value("--version").value_or("")));
}

absl::Status Update(Context& ctx) {
  json body = json::object();
  COFFER_RETURN_IF_ERROR(CommonFlags(ctx, body));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKey(ctx, client->CallJson("PATCH",
                                        KeyPath(ctx.arg(0)) + "/" +
                                            ctx.args().Value("--version").value_or(""),
                                        body.dump()));
}

absl::Status List(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKeys(ctx, client->ListJson("/keys"),
                   {{"NAME", "name"}, {"ENABLED", "enabled"}, {"UPDATED", "updated"},
                    {"EXPIRES", "expires"}});
}

absl::Status Versions(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKeys(ctx, client->ListJson(KeyPath(ctx.arg(0)) + "/versions"),
                   {{"VERSION", "version"}, {"ENABLED", "enabled"}, {"CREATED", "created"},
                    {"EXPIRES", "expires"}});
}

absl::Status Deleted(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKeys(
      ctx, client->ListJson("/deletedkeys"),
      {{"NAME", "name"}, {"DELETED", "deleted"}, {"SCHEDULED PURGE", "scheduledPurge"}});
}

// A command whose answer is a key bundle: `method` on the path `path(name)`.
Handler KeyCall(const char* method, std::string (*path)(std::string_view)) {
  return [method, path](Context& ctx) -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
    return PrintKey(ctx, client->CallJson(method, path(ctx.arg(0))));
  };
}

std::string DeletePath(std::string_view name) { return KeyPath(name); }
std::string RecoverPath(std::string_view name) {
  return "/deletedkeys/" + std::string(name) + "/recover";
}
std::string RotatePath(std::string_view name) { return KeyPath(name) + "/rotate"; }

absl::Status Purge(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_RETURN_IF_ERROR(
      client->CallJson("DELETE", "/deletedkeys/" + ctx.arg(0), "", 204).status());
  PrintMessage(ctx.out(), ctx.format(), "purged key " + ctx.arg(0), {{"purged", ctx.arg(0)}});
  return absl::OkStatus();
}

absl::Status Backup(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return BackupToFile(ctx, "key", [&](const std::string& name) -> absl::StatusOr<std::string> {
    COFFER_ASSIGN_OR_RETURN(json doc,
                            ParseAnswer(client->CallJson("POST", KeyPath(name) + "/backup")));
    return StringAt(doc, "value");
  });
}

absl::Status Restore(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string blob, BackupFromFile(ctx));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintKey(ctx, client->CallJson("POST", "/keys/restore", json{{"value", blob}}.dump()));
}

absl::Status RotationPolicy(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  const std::string path = KeyPath(ctx.arg(0)) + "/rotationpolicy";
  auto rotate = ctx.args().Value("--rotate-after");
  auto notify = ctx.args().Value("--notify-before");
  auto expiry = ctx.args().Value("--expires-after");
  absl::StatusOr<std::string> answer;
  if (!rotate && !notify && !expiry) {
    answer = client->CallJson("GET", path);
  } else {
    json actions = json::array();
    if (rotate) {
      actions.push_back(
          {{"trigger", {{"timeAfterCreate", *rotate}}}, {"action", {{"type", "Rotate"}}}});
    }
    if (notify) {
      actions.push_back(
          {{"trigger", {{"timeBeforeExpiry", *notify}}}, {"action", {{"type", "Notify"}}}});
    }
    json body = {{"lifetimeActions", actions}, {"attributes", json::object()}};
    if (expiry) body["attributes"]["expiryTime"] = *expiry;
    answer = client->CallJson("PUT", path, body.dump());
  }
  COFFER_ASSIGN_OR_RETURN(json policy, ParseAnswer(answer));
  json doc = {{"id", StringAt(policy, "id")},
              {"expiryTime", StringAt(ObjectAt(policy, "attributes"), "expiryTime")}};
  auto actions = policy.find("lifetimeActions");
  for (const json& a : actions != policy.end() && actions->is_array() ? *actions : json::array()) {
    const json& trigger = ObjectAt(a, "trigger");
    const std::string after = StringAt(trigger, "timeAfterCreate");
    doc[StringAt(ObjectAt(a, "action"), "type") == "Rotate" ? "rotateAfter" : "notifyBefore"] =
        after.empty() ? StringAt(trigger, "timeBeforeExpiry") : after;
  }
  PrintObject(ctx.out(), ctx.format(), doc,
              {{"Rotate after creation", "rotateAfter"},
               {"Notify before expiry", "notifyBefore"},
               {"New versions expire after", "expiryTime"},
               {"Id", "id"}});
  return absl::OkStatus();
}

// The bytes a crypto command works on: --value (text), --value-b64 (base64url) or --file.
absl::StatusOr<SecretBytes> Input(Context& ctx) {
  int given = ctx.args().Has("--value") + ctx.args().Has("--value-b64") + ctx.args().Has("--file");
  if (given != 1) return UsageError("give exactly one of --value, --value-b64 and --file");
  if (auto value = ctx.args().Value("--value")) return SecretBytes(*value);
  if (auto value = ctx.args().Value("--value-b64")) {
    auto bytes = Base64UrlDecode(*value);
    if (!bytes) return UsageError("--value-b64 is not base64url");
    return SecretBytes(*bytes);
  }
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(*ctx.args().Value("--file")));
  SecretBytes bytes(text);
  internal::ZeroMemory(text.data(), text.size());
  return bytes;
}

absl::StatusOr<std::string> Alg(Context& ctx) {
  auto alg = ctx.args().Value("--alg");
  if (!alg) return UsageError("give --alg (e.g. RS256, ES256, RSA-OAEP-256, A256GCM)");
  return *alg;
}

// The digest a signature algorithm signs: SHA-256, -384 or -512 by its name's digits.
std::string DigestFor(const std::string& alg, std::string_view data) {
  if (alg.find("384") != std::string::npos) return crypto::Sha384(data);
  if (alg.find("512") != std::string::npos) return crypto::Sha512(data);
  return crypto::Sha256(data);
}

std::string OpPath(Context& ctx, const char* op) {
  return KeyPath(ctx.arg(0)) + "/" + ctx.args().Value("--version").value_or("") + "/" + op;
}

absl::Status Sign(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string alg, Alg(ctx));
  COFFER_ASSIGN_OR_RETURN(SecretBytes data, Input(ctx));
  json body = {{"alg", alg}, {"value", Base64UrlEncode(DigestFor(alg, data.reveal()))}};
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(json result,
                          ParseAnswer(client->CallJson("POST", OpPath(ctx, "sign"), body.dump())));
  PrintObject(ctx.out(), ctx.format(),
              {{"kid", StringAt(result, "kid")}, {"signature", StringAt(result, "value")}},
              {{"Signature", "signature"}, {"Key", "kid"}});
  return absl::OkStatus();
}

absl::Status Verify(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string alg, Alg(ctx));
  COFFER_ASSIGN_OR_RETURN(SecretBytes data, Input(ctx));
  auto signature = ctx.args().Value("--signature");
  if (!signature) return UsageError("give the --signature (base64url) to verify");
  json body = {{"alg", alg},
               {"digest", Base64UrlEncode(DigestFor(alg, data.reveal()))},
               {"value", *signature}};
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(
      json result, ParseAnswer(client->CallJson("POST", OpPath(ctx, "verify"), body.dump())));
  auto answer = result.find("value");
  const bool valid = answer != result.end() && answer->is_boolean() && answer->get<bool>();
  PrintMessage(ctx.out(), ctx.format(), valid ? "signature is valid" : "signature is NOT valid",
               {{"valid", valid}});
  if (!valid) return absl::FailedPreconditionError("the signature does not verify");
  return absl::OkStatus();
}

absl::Status Encrypt(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string alg, Alg(ctx));
  COFFER_ASSIGN_OR_RETURN(SecretBytes data, Input(ctx));
  json body = {{"alg", alg}, {"value", Base64UrlEncode(data.reveal())}};
  for (const char* field : {"iv", "aad"}) {
    if (auto v = ctx.args().Value(std::string("--") + field)) body[field] = *v;
  }
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(
      json result, ParseAnswer(client->CallJson("POST", OpPath(ctx, "encrypt"), body.dump())));
  json doc = {{"kid", StringAt(result, "kid")}, {"ciphertext", StringAt(result, "value")}};
  for (const char* field : {"iv", "tag", "aad"}) {
    if (result.contains(field)) doc[field] = result[field];
  }
  PrintObject(ctx.out(), ctx.format(), doc,
              {{"Ciphertext", "ciphertext"}, {"Iv", "iv"}, {"Tag", "tag"}, {"Aad", "aad"},
               {"Key", "kid"}});
  return absl::OkStatus();
}

absl::Status Decrypt(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string alg, Alg(ctx));
  COFFER_ASSIGN_OR_RETURN(SecretBytes data, Input(ctx));
  json body = {{"alg", alg}, {"value", Base64UrlEncode(data.reveal())}};
  for (const char* field : {"iv", "aad", "tag"}) {
    if (auto v = ctx.args().Value(std::string("--") + field)) body[field] = *v;
  }
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(
      json result, ParseAnswer(client->CallJson("POST", OpPath(ctx, "decrypt"), body.dump())));
  auto answer = result.find("value");
  if (answer == result.end() || !answer->is_string()) {
    return absl::InternalError("the vault's answer has no plaintext");
  }
  std::string& value = answer->get_ref<std::string&>();
  auto plaintext = Base64UrlDecode(value);
  internal::ZeroMemory(value.data(), value.size());
  if (!plaintext) return absl::InternalError("the vault's plaintext is not base64url");
  absl::Status written = absl::OkStatus();
  if (auto out = ctx.args().Value("--out")) {
    written = WritePrivateFile(*out, *plaintext);
  } else {
    ctx.out() << *plaintext;  // raw, as `secret show --value-only` prints a value
  }
  internal::ZeroMemory(plaintext->data(), plaintext->size());
  return written;
}

absl::Status Random(Context& ctx) {
  int count = 32;
  if (auto text = ctx.args().Value("--count")) {
    if (!absl::SimpleAtoi(*text, &count)) return UsageError("invalid --count '" + *text + "'");
  }
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(
      json result, ParseAnswer(client->CallJson("POST", "/rng", json{{"count", count}}.dump())));
  PrintMessage(ctx.out(), ctx.format(), StringAt(result, "value"), result);
  return absl::OkStatus();
}

const std::vector<FlagSpec> kAttributeFlags = {
    {"--ops", "a,b", "key_ops, e.g. sign,verify (default: all the type can do)"},
    {"--tag", "k=v", "a tag (repeatable)", true},
    {"--disabled", "", "disable the version"},
    {"--not-before", "RFC3339", "no encrypt, wrap or sign before"},
    {"--expires", "RFC3339", "no encrypt, wrap or sign after"}};

std::vector<FlagSpec> With(std::vector<FlagSpec> flags, const std::vector<FlagSpec>& more) {
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

const std::vector<FlagSpec> kInputFlags = {
    {"--alg", "A", "the algorithm (JOSE name, as Azure's API)"},
    {"--value", "TEXT", "the input as text"},
    {"--value-b64", "B64", "the input as base64url"},
    {"--file", "F", "the input from a file"},
    {"--version", "V", "a version id (default: the latest)"}};

Command Simple(const char* verb, const char* summary, Handler run) {
  return {{"key", verb}, {"NAME"}, "", summary, {}, std::move(run)};
}

}  // namespace

std::vector<Command> KeyCommands() {
  const char* attribute_synopsis =
      "[--ops a,b] [--tag k=v]... [--disabled] [--not-before RFC3339] [--expires RFC3339]";
  const char* input_synopsis = "--alg A (--value TEXT | --value-b64 B64 | --file F) [--version V]";
  return {
      {{"key", "create"},
       {"NAME"},
       std::string("--kty T [--size BITS] [--curve C] ") + attribute_synopsis,
       "Create a key (a new version if NAME exists); -HSM types are made inside the HSM.",
       With({{"--kty", "T", "RSA, RSA-HSM, EC, EC-HSM, oct or oct-HSM"},
             {"--size", "BITS", "RSA 2048/3072/4096 (default 2048), oct 128/192/256"},
             {"--curve", "C", "P-256 (default), P-384, P-521 or P-256K"}},
            kAttributeFlags),
       Create},
      {{"key", "import"},
       {"NAME"},
       std::string("--jwk-file F [--hsm] ") + attribute_synopsis,
       "Import a key from a JSON web key with its private parts.",
       With({{"--jwk-file", "F", "the key as a JWK (e.g. Node's key.export({format:'jwk'}))"},
             {"--hsm", "", "import into the HSM (premium vaults)"}},
            kAttributeFlags),
       Import},
      {{"key", "show"},
       {"NAME"},
       "[--version V]",
       "Show a key's latest (or given) version and its public parts.",
       {{"--version", "V", "a version id (default: the latest)"}},
       Show},
      {{"key", "update"},
       {"NAME"},
       std::string("[--version V] [--enabled] ") + attribute_synopsis,
       "Change a version's operations, tags, dates or enabled state.",
       With({{"--version", "V", "a version id (default: the latest)"},
             {"--enabled", "", "enable the version"}},
            kAttributeFlags),
       Update},
      {{"key", "list"}, {}, "", "List the vault's keys.", {}, List},
      Simple("versions", "List a key's versions.", Versions),
      {{"key", "deleted"}, {}, "", "List the soft-deleted keys.", {}, Deleted},
      Simple("delete", "Soft-delete a key (recoverable until purged).",
             KeyCall("DELETE", DeletePath)),
      Simple("recover", "Recover a soft-deleted key.", KeyCall("POST", RecoverPath)),
      Simple("purge", "Purge a soft-deleted key for good.", Purge),
      Simple("rotate", "Make a new version of the same type and size.",
             KeyCall("POST", RotatePath)),
      {{"key", "rotation-policy"},
       {"NAME"},
       "[--rotate-after DUR] [--notify-before DUR] [--expires-after DUR]",
       "Show a key's rotation policy, or set it when a flag is given (ISO 8601 durations).",
       {{"--rotate-after", "DUR", "rotate this long after a version's creation, e.g. P90D"},
        {"--notify-before", "DUR", "record KeyNearExpiry this long before expiry, e.g. P30D"},
        {"--expires-after", "DUR", "rotated versions expire this long after creation, e.g. P1Y"}},
       RotationPolicy},
      {{"key", "backup"},
       {"NAME"},
       "--file OUT",
       "Write a backup of every version of a key (an opaque blob) to a file.",
       {{"--file", "OUT", "where to write the backup (mode 0600)"}},
       Backup},
      {{"key", "restore"},
       {},
       "--file IN",
       "Restore a key from a backup file.",
       {{"--file", "IN", "a file written by `coffer key backup`"}},
       Restore},
      {{"key", "sign"},
       {"NAME"},
       input_synopsis,
       "Sign the input's digest (hashed here with the algorithm's SHA-2); prints base64url.",
       kInputFlags,
       Sign},
      {{"key", "verify"},
       {"NAME"},
       std::string(input_synopsis) + " --signature B64",
       "Verify a signature of the input; exits non-zero when it does not verify.",
       With(kInputFlags, {{"--signature", "B64", "the signature, base64url"}}),
       Verify},
      {{"key", "encrypt"},
       {"NAME"},
       std::string(input_synopsis) + " [--iv B64] [--aad B64]",
       "Encrypt the input; prints the ciphertext (and iv, tag) as base64url.",
       With(kInputFlags, {{"--iv", "B64", "AES only; default: the vault draws one"},
                          {"--aad", "B64", "AES-GCM additional data"}}),
       Encrypt},
      {{"key", "decrypt"},
       {"NAME"},
       "--alg A (--value-b64 B64 | --file F) [--iv B64] [--tag B64] [--aad B64] [--out F]",
       "Decrypt a ciphertext; writes the plaintext raw to stdout or --out (mode 0600).",
       With(kInputFlags, {{"--iv", "B64", "AES: the iv encrypt returned"},
                          {"--tag", "B64", "AES-GCM: the tag encrypt returned"},
                          {"--aad", "B64", "AES-GCM additional data"},
                          {"--out", "F", "write the plaintext here instead of stdout"}}),
       Decrypt},
      {{"key", "random"},
       {},
       "[--count N]",
       "Random bytes from the vault (1 to 128; default 32), base64url.",
       {{"--count", "N", "how many bytes"}},
       Random},
  };
}

}  // namespace coffer::cli
