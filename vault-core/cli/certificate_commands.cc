// coffer certificate ... : the certificates REST API of one vault, through lib/vaultclient, with
// Azure's certificates api-version. Bodies are built and read here as Azure's JSON
// (docs/azure-certificates-wire.md): certificates and CSRs travel as standard base64 DER,
// backups as base64url.
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/cli/certificate_files.h"
#include "vault-core/cli/command.h"

namespace coffer::cli {
namespace {

using nlohmann::json;


// `path` with the api-version of docs/azure-certificates-wire.md §0; without it the client
// would send its own default, the 7.6 that the secret and key commands use.
std::string Api(const std::string& path) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "api-version=2025-07-01";
}
std::string CertPath(std::string_view name) { return "/certificates/" + std::string(name); }
// The --version given, or the latest: Azure's GET /certificates/NAME/ has the trailing slash.
std::string VersionPath(Context& ctx) {
  return CertPath(ctx.arg(0)) + "/" + ctx.args().Value("--version").value_or("");
}

// Bodies carry argv and file text: bytes that are not UTF-8 must not make nlohmann throw.
std::string Dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}
json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
json ArrayAt(const json& o, const char* key) {
  auto it = o.is_object() ? o.find(key) : o.end();
  return it != o.end() && it->is_array() ? *it : json::array();
}
// The member `key` of the object `o`, made an object when it is anything else.
json& ObjectMember(json& o, const char* key) {
  json& member = o[key];
  if (!member.is_object()) member = json::object();
  return member;
}

// A bundle or item as the CLI shows it: flat, times in RFC 3339, the thumbprint in hex.
json CertJson(const json& bundle) {
  const std::string id = StringAt(bundle, "id");
  auto [name, version] = NameAndVersion(id, "/certificates/");
  const json& a = ObjectAt(bundle, "attributes");
  auto enabled = a.find("enabled");
  const std::string x5t = StringAt(bundle, "x5t");
  const std::string sha1 = Base64UrlDecode(x5t).value_or("");
  json doc = {{"name", name},
              {"version", OrNull(version)},
              {"id", id},
              {"enabled", enabled == a.end() || !enabled->is_boolean() || enabled->get<bool>()},
              {"created", UnixTimeJson(IntAt(a, "created"))},
              {"updated", UnixTimeJson(IntAt(a, "updated"))},
              {"notBefore", UnixTimeJson(IntAt(a, "nbf"))},
              {"expires", UnixTimeJson(IntAt(a, "exp"))},
              {"tags", ObjectAt(bundle, "tags")},
              {"thumbprint", OrNull(absl::AsciiStrToUpper(absl::BytesToHexString(sha1)))}};
  const json& policy = ObjectAt(bundle, "policy");
  if (!policy.empty()) {
    const json& x509 = ObjectAt(policy, "x509_props");
    doc["subject"] = OrNull(StringAt(x509, "subject"));
    doc["dnsNames"] = ArrayAt(ObjectAt(x509, "sans"), "dns_names");
    doc["issuer"] = OrNull(StringAt(ObjectAt(policy, "issuer"), "name"));
    doc["contentType"] = OrNull(StringAt(ObjectAt(policy, "secret_props"), "contentType"));
  }
  // List items never carry the certificate; a full bundle without one is still being made.
  if (!policy.empty() || bundle.contains("cer") || bundle.contains("kid")) {
    doc["pending"] = StringAt(bundle, "cer").empty();
  }
  if (!StringAt(bundle, "kid").empty()) doc["keyId"] = StringAt(bundle, "kid");
  if (!StringAt(bundle, "sid").empty()) doc["secretId"] = StringAt(bundle, "sid");
  if (!StringAt(bundle, "cer").empty()) doc["cer"] = StringAt(bundle, "cer");
  if (!StringAt(bundle, "recoveryId").empty()) {
    doc["recoveryId"] = StringAt(bundle, "recoveryId");
    doc["deleted"] = UnixTimeJson(IntAt(bundle, "deletedDate"));
    doc["scheduledPurge"] = UnixTimeJson(IntAt(bundle, "scheduledPurgeDate"));
  }
  return doc;
}

void PrintCertBundle(Context& ctx, const json& bundle) {
  json doc = CertJson(bundle);
  std::vector<Column> columns = {
      {"Name", "name"},
      {"Version", "version"},
      {"Subject", "subject"},
      {"DNS names", "dnsNames"},
      {"Issuer", "issuer"},
      {"Thumbprint", "thumbprint"},
      {"Enabled", "enabled"},
      {"Pending", "pending"},
      {"Content type", "contentType"},
      {"Tags", "tags"},
      {"Created", "created"},
      {"Updated", "updated"},
      {"Not before", "notBefore"},
      {"Expires", "expires"},
      {"Key id", "keyId"},
      {"Secret id", "secretId"},
      {"Id", "id"},
  };
  if (doc.contains("recoveryId")) {
    columns.push_back({"Deleted", "deleted"});
    columns.push_back({"Scheduled purge", "scheduledPurge"});
    columns.push_back({"Recovery id", "recoveryId"});
  }
  PrintObject(ctx.out(), ctx.format(), doc, columns);
}

absl::Status PrintCert(Context& ctx, const absl::StatusOr<std::string>& body) {
  COFFER_ASSIGN_OR_RETURN(json bundle, ParseAnswer(body));
  PrintCertBundle(ctx, bundle);
  return absl::OkStatus();
}

absl::Status PrintCerts(Context& ctx, const absl::StatusOr<std::vector<std::string>>& items,
                        const std::vector<Column>& columns) {
  return PrintItems(ctx, items, columns, CertJson);
}

void PrintOperation(Context& ctx, const json& op) {
  auto cancel = op.find("cancellation_requested");
  const json& error = ObjectAt(op, "error");
  json doc = {
      {"name", NameAndVersion(StringAt(op, "id"), "/certificates/").first},
      {"status", OrNull(StringAt(op, "status"))},
      {"statusDetails", OrNull(StringAt(op, "status_details"))},
      {"issuer", OrNull(StringAt(ObjectAt(op, "issuer"), "name"))},
      {"cancellationRequested", cancel != op.end() && cancel->is_boolean() && cancel->get<bool>()},
      {"requestId", OrNull(StringAt(op, "request_id"))},
      {"target", OrNull(StringAt(op, "target"))},
      {"error", error.empty() ? json(nullptr)
                              : json(StringAt(error, "code") + ": " + StringAt(error, "message"))},
      {"csr", OrNull(StringAt(op, "csr"))},
      {"id", StringAt(op, "id")}};
  PrintObject(ctx.out(), ctx.format(), doc,
              {
                  {"Name", "name"},
                  {"Status", "status"},
                  {"Status details", "statusDetails"},
                  {"Issuer", "issuer"},
                  {"Cancellation requested", "cancellationRequested"},
                  {"Request id", "requestId"},
                  {"Target", "target"},
                  {"Error", "error"},
                  {"CSR (base64 DER)", "csr"},
                  {"Id", "id"},
              });
}

// --csr-file: the operation's PKCS#10 request in PEM, for the CA that is to sign it.
absl::Status WriteCsr(Context& ctx, const json& op) {
  auto file = ctx.args().Value("--csr-file");
  if (!file) return absl::OkStatus();
  auto der = Base64Decode(StringAt(op, "csr"));
  if (!der || der->empty()) return absl::FailedPreconditionError("the operation has no CSR");
  return WritePrivateFile(*file, ToPem(*der, "CERTIFICATE REQUEST"));
}

// The policy a create sends: --policy-file's, with the flags' members set over it.
absl::StatusOr<json> PolicyFlags(Context& ctx) {
  json policy = json::object();
  if (auto file = ctx.args().Value("--policy-file")) {
    COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(*file));
    policy = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!policy.is_object()) return absl::InvalidArgumentError(*file + " is not a JSON object");
  }
  json& key = ObjectMember(policy, "key_props");
  json& x509 = ObjectMember(policy, "x509_props");
  json& issuer = ObjectMember(policy, "issuer");
  if (auto kty = ctx.args().Value("--kty")) key["kty"] = *kty;
  if (auto size = ctx.args().Value("--size")) {
    COFFER_ASSIGN_OR_RETURN(key["key_size"], ParseInteger(*size, "--size"));
  }
  if (auto curve = ctx.args().Value("--curve")) key["crv"] = *curve;
  if (ctx.args().Has("--not-exportable")) key["exportable"] = false;
  if (auto type = ctx.args().Value("--content-type")) {
    if (*type != "pem" && *type != "pfx") return UsageError("--content-type is pem or pfx");
    ObjectMember(policy, "secret_props")["contentType"] =
        *type == "pem" ? kPemContentType : kPfxContentType;
  }
  if (auto subject = ctx.args().Value("--subject")) x509["subject"] = *subject;
  if (ctx.args().Has("--dns")) ObjectMember(x509, "sans")["dns_names"] = ctx.args().Values("--dns");
  if (auto months = ctx.args().Value("--months")) {
    COFFER_ASSIGN_OR_RETURN(x509["validity_months"], ParseInteger(*months, "--months"));
  }
  if (auto name = ctx.args().Value("--issuer")) issuer["name"] = *name;
  if (StringAt(issuer, "name").empty()) issuer["name"] = "Self";
  if (StringAt(x509, "subject").empty() && ArrayAt(ObjectAt(x509, "sans"), "dns_names").empty()) {
    return UsageError("give the certificate a --subject (e.g. CN=example.com) or --dns names");
  }
  return policy;
}

absl::Status Create(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(json policy, PolicyFlags(ctx));
  json body = {{"policy", policy}};
  COFFER_ASSIGN_OR_RETURN(json tags, TagFlags(ctx));
  if (!tags.empty()) body["tags"] = std::move(tags);
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  const std::string& name = ctx.arg(0);
  COFFER_ASSIGN_OR_RETURN(
      json op, ParseAnswer(client->CallJson("POST", Api(CertPath(name) + "/create"), Dump(body),
                                            /*expected=*/202)));
  // The 202 always says inProgress; the operation itself tells the outcome. The vault issues a
  // Self certificate before it answers, and any other issuer's waits for a merge: no waiting.
  COFFER_ASSIGN_OR_RETURN(op,
                          ParseAnswer(client->CallJson("GET", Api(CertPath(name) + "/pending"))));
  COFFER_RETURN_IF_ERROR(WriteCsr(ctx, op));
  const std::string status = StringAt(op, "status");
  if (status == "completed") {
    return PrintCert(ctx, client->CallJson("GET", Api(CertPath(name) + "/")));
  }
  PrintOperation(ctx, op);
  if (status == "inProgress") {
    return absl::OkStatus();  // awaiting a merge
  }
  const json& error = ObjectAt(op, "error");
  return absl::UnknownError(
      "creating certificate " + name + " ended " + status +
      (error.empty() ? "" : ": " + StringAt(error, "code") + ": " + StringAt(error, "message")));
}

absl::Status Import(Context& ctx) {
  auto file = ctx.args().Value("--file");
  if (!file) return UsageError("give the --file holding the certificate and its key (PFX or PEM)");
  COFFER_ASSIGN_OR_RETURN(json tags, TagFlags(ctx));
  json body = json::object();
  COFFER_ASSIGN_OR_RETURN(std::string bytes, ReadFile(*file));
  std::string value = ImportValue(bytes);
  internal::ZeroMemory(bytes.data(), bytes.size());
  body["value"] = value;
  internal::ZeroMemory(value.data(), value.size());
  if (auto password_file = ctx.args().Value("--password-file")) {
    COFFER_ASSIGN_OR_RETURN(std::string password, ReadFile(*password_file));
    std::size_t size = password.size();
    if (size > 0 && password[size - 1] == '\n') --size;  // what `echo` adds
    if (size > 0 && password[size - 1] == '\r') --size;
    body["pwd"] = password.substr(0, size);
    internal::ZeroMemory(password.data(), password.size());
  }
  if (!tags.empty()) body["tags"] = std::move(tags);
  std::string request = Dump(body);
  body.clear();
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintCert(
      ctx, client->CallJson("POST", Api(CertPath(ctx.arg(0)) + "/import"), std::move(request)));
}

absl::Status Merge(Context& ctx) {
  auto file = ctx.args().Value("--file");
  if (!file) return UsageError("give the --file holding the signed certificate (PEM or DER)");
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(*file));
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> chain, CertificatesFromFile(text, *file));
  if (auto chain_file = ctx.args().Value("--chain-file")) {
    COFFER_ASSIGN_OR_RETURN(text, ReadFile(*chain_file));
    COFFER_ASSIGN_OR_RETURN(std::vector<std::string> more, CertificatesFromFile(text, *chain_file));
    chain.insert(chain.end(), more.begin(), more.end());
  }
  json x5c = json::array();
  for (const std::string& der : chain) x5c.push_back(Base64Encode(der));
  json body = {{"x5c", std::move(x5c)}};
  COFFER_ASSIGN_OR_RETURN(json tags, TagFlags(ctx));
  if (!tags.empty()) body["tags"] = std::move(tags);
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintCert(ctx, client->CallJson("POST", Api(CertPath(ctx.arg(0)) + "/pending/merge"),
                                         Dump(body), /*expected=*/201));
}

// --format, checked against `allowed`; `fallback` when absent.
absl::StatusOr<std::string> FormatFlag(Context& ctx, const std::vector<std::string>& allowed,
                                       const std::string& fallback) {
  auto format = ctx.args().Value("--format");
  if (!format) return fallback;
  for (const std::string& a : allowed) {
    if (*format == a) return a;
  }
  return UsageError("invalid --format '" + *format + "': use " + allowed[0] + " or " + allowed[1]);
}

absl::Status Show(Context& ctx) {
  auto out_file = ctx.args().Value("--out-file");
  const bool der_name =
      out_file && (absl::EndsWith(*out_file, ".der") || absl::EndsWith(*out_file, ".cer"));
  COFFER_ASSIGN_OR_RETURN(std::string format,
                          FormatFlag(ctx, {"pem", "der"}, der_name ? "der" : "pem"));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(json bundle, ParseAnswer(client->CallJson("GET", Api(VersionPath(ctx)))));
  if (out_file) {
    auto der = Base64Decode(StringAt(bundle, "cer"));
    if (!der || der->empty()) {
      return absl::FailedPreconditionError("certificate " + ctx.arg(0) +
                                           " has no issued certificate yet (it is pending)");
    }
    COFFER_RETURN_IF_ERROR(
        WritePrivateFile(*out_file, format == "der" ? *der : ToPem(*der, "CERTIFICATE")));
  }
  PrintCertBundle(ctx, bundle);
  return absl::OkStatus();
}

absl::Status Update(Context& ctx) {
  if (ctx.args().Has("--enabled") && ctx.args().Has("--disabled")) {
    return UsageError("give --enabled or --disabled, not both");
  }
  json attributes = json::object();
  if (ctx.args().Has("--enabled")) attributes["enabled"] = true;
  if (ctx.args().Has("--disabled")) attributes["enabled"] = false;
  json body = {{"attributes", std::move(attributes)}};
  COFFER_ASSIGN_OR_RETURN(json tags, TagFlags(ctx));
  if (!tags.empty()) body["tags"] = std::move(tags);
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintCert(ctx, client->CallJson("PATCH", Api(VersionPath(ctx)), Dump(body)));
}

std::string ListQuery(Context& ctx, const char* path) {
  return Api(std::string(path) +
             (ctx.args().Has("--include-pending") ? "?includePending=true" : ""));
}

absl::Status List(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintCerts(
      ctx, client->ListJson(ListQuery(ctx, "/certificates")),
      {{"NAME", "name"}, {"ENABLED", "enabled"}, {"UPDATED", "updated"}, {"EXPIRES", "expires"}});
}

absl::Status Versions(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintCerts(ctx, client->ListJson(Api(CertPath(ctx.arg(0)) + "/versions")),
                    {{"VERSION", "version"},
                     {"ENABLED", "enabled"},
                     {"CREATED", "created"},
                     {"EXPIRES", "expires"},
                     {"THUMBPRINT", "thumbprint"}});
}

absl::Status Deleted(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintCerts(
      ctx, client->ListJson(ListQuery(ctx, "/deletedcertificates")),
      {{"NAME", "name"}, {"DELETED", "deleted"}, {"SCHEDULED PURGE", "scheduledPurge"}});
}

// A command whose answer is a certificate bundle: `method` on the path `path(name)`.
Handler CertCall(const char* method, std::string (*path)(std::string_view)) {
  return [method, path](Context& ctx) -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
    return PrintCert(ctx, client->CallJson(method, Api(path(ctx.arg(0)))));
  };
}

std::string RecoverPath(std::string_view name) {
  return "/deletedcertificates/" + std::string(name) + "/recover";
}

absl::Status Purge(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_RETURN_IF_ERROR(
      client->CallJson("DELETE", Api("/deletedcertificates/" + ctx.arg(0)), "", 204).status());
  PrintMessage(ctx.out(), ctx.format(), "purged certificate " + ctx.arg(0),
               {{"purged", ctx.arg(0)}});
  return absl::OkStatus();
}

absl::Status Backup(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return BackupToFile(
      ctx, "certificate", [&](const std::string& name) -> absl::StatusOr<std::string> {
        COFFER_ASSIGN_OR_RETURN(
            json doc, ParseAnswer(client->CallJson("POST", Api(CertPath(name) + "/backup"))));
        return StringAt(doc, "value");
      });
}

absl::Status Restore(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(std::string blob, BackupFromFile(ctx));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  return PrintCert(
      ctx, client->CallJson("POST", Api("/certificates/restore"), json{{"value", blob}}.dump()));
}

void PrintPolicy(Context& ctx, const json& policy) {
  if (ctx.format() == OutputFormat::kJson) {
    // Azure's shape, the one --set-file takes, rather than the flat view below.
    ctx.out() << policy.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return;
  }
  const json& key = ObjectAt(policy, "key_props");
  const json& x509 = ObjectAt(policy, "x509_props");
  const json& sans = ObjectAt(x509, "sans");
  json actions = json::array();
  for (const json& a : ArrayAt(policy, "lifetime_actions")) {
    const json& trigger = ObjectAt(a, "trigger");
    const std::string type = StringAt(ObjectAt(a, "action"), "action_type");
    actions.push_back(trigger.contains("days_before_expiry")
                          ? type + " " + std::to_string(IntAt(trigger, "days_before_expiry")) +
                                " days before expiry"
                          : type + " at " + std::to_string(IntAt(trigger, "lifetime_percentage")) +
                                "% of lifetime");
  }
  auto value = [](const json& o, const char* k) { return o.contains(k) ? o[k] : json(nullptr); };
  json doc = {{"issuer", value(ObjectAt(policy, "issuer"), "name")},
              {"subject", value(x509, "subject")},
              {"dnsNames", value(sans, "dns_names")},
              {"emails", value(sans, "emails")},
              {"upns", value(sans, "upns")},
              {"kty", value(key, "kty")},
              {"size", value(key, "key_size")},
              {"curve", value(key, "crv")},
              {"exportable", value(key, "exportable")},
              {"reuseKey", value(key, "reuse_key")},
              {"contentType", value(ObjectAt(policy, "secret_props"), "contentType")},
              {"validityMonths", value(x509, "validity_months")},
              {"ekus", value(x509, "ekus")},
              {"keyUsage", value(x509, "key_usage")},
              {"lifetimeActions", actions},
              {"enabled", value(ObjectAt(policy, "attributes"), "enabled")},
              {"id", value(policy, "id")}};
  PrintObject(ctx.out(), ctx.format(), doc,
              {
                  {"Issuer", "issuer"},
                  {"Subject", "subject"},
                  {"DNS names", "dnsNames"},
                  {"Emails", "emails"},
                  {"UPNs", "upns"},
                  {"Key type", "kty"},
                  {"Key size", "size"},
                  {"Curve", "curve"},
                  {"Exportable", "exportable"},
                  {"Reuse key", "reuseKey"},
                  {"Content type", "contentType"},
                  {"Validity months", "validityMonths"},
                  {"EKUs", "ekus"},
                  {"Key usage", "keyUsage"},
                  {"Lifetime actions", "lifetimeActions"},
                  {"Enabled", "enabled"},
                  {"Id", "id"},
              });
}

absl::Status Policy(Context& ctx) {
  std::string request;
  if (auto file = ctx.args().Value("--set-file")) {
    COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(*file));
    json policy = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!policy.is_object()) return absl::InvalidArgumentError(*file + " is not a JSON object");
    policy.erase("id");  // read-only members, as `-o json certificate policy` prints them
    if (policy.contains("attributes") && policy["attributes"].is_object()) {
      policy["attributes"].erase("created");
      policy["attributes"].erase("updated");
    }
    request = Dump(policy);
  }
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  const std::string path = Api(CertPath(ctx.arg(0)) + "/policy");
  COFFER_ASSIGN_OR_RETURN(json policy,
                          ParseAnswer(request.empty() ? client->CallJson("GET", path)
                                                      : client->CallJson("PATCH", path, request)));
  PrintPolicy(ctx, policy);
  return absl::OkStatus();
}

absl::Status Operation(Context& ctx) {
  const bool cancel = ctx.args().Has("--cancel");
  const bool remove = ctx.args().Has("--delete");
  if (cancel && remove) return UsageError("give --cancel or --delete, not both");
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  const std::string path = Api(CertPath(ctx.arg(0)) + "/pending");
  absl::StatusOr<std::string> answer =
      cancel   ? client->CallJson("PATCH", path, json{{"cancellation_requested", true}}.dump())
      : remove ? client->CallJson("DELETE", path)
               : client->CallJson("GET", path);
  COFFER_ASSIGN_OR_RETURN(json op, ParseAnswer(answer));
  COFFER_RETURN_IF_ERROR(WriteCsr(ctx, op));
  PrintOperation(ctx, op);
  return absl::OkStatus();
}

// GET `path` (a secret); its value and content type, the caller wipes the value.
absl::Status GetSecretValue(vaultclient::DataPlaneClient& client, const std::string& path,
                            std::string& value, std::string& content_type) {
  COFFER_ASSIGN_OR_RETURN(json secret, ParseAnswer(client.CallJson("GET", path)));
  content_type = StringAt(secret, "contentType");
  auto it = secret.find("value");
  if (it == secret.end() || !it->is_string()) {
    return absl::InternalError("the certificate's secret has no value");
  }
  std::string& raw = it->get_ref<std::string&>();
  value = raw;
  internal::ZeroMemory(raw.data(), raw.size());
  return absl::OkStatus();
}

absl::Status Download(Context& ctx) {
  auto file = ctx.args().Value("--file");
  if (!file || file->empty()) return UsageError("give the --file to write the certificate to");
  COFFER_ASSIGN_OR_RETURN(std::string format, FormatFlag(ctx, {"pem", "pfx"}, ""));
  COFFER_ASSIGN_OR_RETURN(auto client, ctx.DataPlane());
  COFFER_ASSIGN_OR_RETURN(json bundle, ParseAnswer(client->CallJson("GET", Api(VersionPath(ctx)))));
  const std::string sid = StringAt(bundle, "sid");
  const std::size_t at = sid.find("/secrets/");
  if (at == std::string::npos) {
    return absl::FailedPreconditionError("certificate " + ctx.arg(0) +
                                         " has no issued certificate yet (it is pending)");
  }
  const std::string secret_path = sid.substr(at);  // "/secrets/NAME/VERSION"
  std::string value, content_type;
  COFFER_RETURN_IF_ERROR(GetSecretValue(*client, secret_path, value, content_type));
  const bool stored_pem = content_type == kPemContentType;
  if (format.empty()) format = stored_pem ? "pem" : "pfx";
  if (format == "pem" && !stored_pem) {  // Azure's own conversion
    internal::ZeroMemory(value.data(), value.size());
    COFFER_RETURN_IF_ERROR(GetSecretValue(
        *client, secret_path + "?outContentType=" + kPemContentType, value, content_type));
  }
  absl::StatusOr<SecretBytes> contents = CertificateFileContents(value, stored_pem, format);
  internal::ZeroMemory(value.data(), value.size());
  if (!contents.ok()) return contents.status();
  std::string raw(contents->reveal());
  absl::Status written = WritePrivateFile(*file, raw);
  internal::ZeroMemory(raw.data(), raw.size());
  COFFER_RETURN_IF_ERROR(written);
  const std::string version = NameAndVersion(sid, "/secrets/").second;
  PrintMessage(ctx.out(), ctx.format(),
               "wrote certificate " + ctx.arg(0) + " (version " + version + ") to " + *file +
                   " as " + format,
               {{"name", ctx.arg(0)}, {"version", version}, {"file", *file}, {"format", format}});
  return absl::OkStatus();
}

const std::vector<FlagSpec> kPolicyFlags = {
    {"--subject", "DN", "the subject, e.g. CN=example.com,O=Example"},
    {"--dns", "NAME", "a DNS subject alternative name (repeatable)", true},
    {"--issuer", "I", "Self (default: issued at once) or Unknown (merge a CA's certificate)"},
    {"--kty", "T", "RSA (default), RSA-HSM, EC or EC-HSM"},
    {"--size", "BITS", "RSA 2048 (default), 3072 or 4096"},
    {"--curve", "C", "EC: P-256 (default), P-384, P-521 or P-256K"},
    {"--months", "N", "validity in months (default 12)"},
    {"--content-type", "T", "the linked secret's format: pfx (default) or pem"},
    {"--not-exportable", "", "the private key never leaves the vault (always so for -HSM)"},
    {"--policy-file", "F", "start from this policy (Azure's JSON); the flags override it"},
    {"--csr-file", "F", "write the CSR here in PEM"},
    {"--tag", "k=v", "a tag (repeatable)", true}};

const FlagSpec kVersionFlag = {"--version", "V", "a version id (default: the latest)"};
const FlagSpec kTagFlag = {"--tag", "k=v", "a tag (repeatable)", true};
const FlagSpec kPendingFlag = {"--include-pending", "", "include certificates still being made"};

Command Simple(const char* verb, const char* summary, Handler run) {
  return {{"certificate", verb}, {"NAME"}, "", summary, {}, std::move(run)};
}

}  // namespace

std::vector<Command> CertificateCommands() {
  return {
      {{"certificate", "create"},
       {"NAME"},
       "(--subject DN | --dns NAME...) [--issuer Self|Unknown] [--kty T] [--size BITS] "
       "[--curve C] [--months N] [--content-type pem|pfx] [--not-exportable] "
       "[--policy-file F] [--csr-file F] [--tag k=v]...",
       "Create a certificate (a new version if NAME exists); waits for a Self issuer's.",
       kPolicyFlags,
       Create},
      {{"certificate", "import"},
       {"NAME"},
       "--file F [--password-file F] [--tag k=v]...",
       "Import a certificate with its private key from a PFX or PEM file.",
       {{"--file", "F", "PFX (PKCS#12), or PEM with a PKCS#8 key and the chain"},
        {"--password-file", "F", "the PFX's password (a trailing newline is dropped)"},
        kTagFlag},
       Import},
      {{"certificate", "merge"},
       {"NAME"},
       "--file CERT [--chain-file CA] [--tag k=v]...",
       "Complete a pending (issuer Unknown) certificate with the certificate a CA signed.",
       {{"--file", "CERT", "the signed certificate, PEM or DER (a PEM chain, leaf first)"},
        {"--chain-file", "CA", "the CA chain to append, PEM or DER"},
        kTagFlag},
       Merge},
      {{"certificate", "show"},
       {"NAME"},
       "[--version V] [--out-file F [--format pem|der]]",
       "Show a certificate's latest (or given) version; --out-file writes the certificate.",
       {kVersionFlag,
        {"--out-file", "F", "write the X.509 certificate (no key) here"},
        {"--format", "pem|der", "of --out-file (default: der for *.der, *.cer; else pem)"}},
       Show},
      {{"certificate", "download"},
       {"NAME"},
       "--file F [--format pem|pfx] [--version V]",
       "Write the certificate with its private key (the linked secret) to a file (mode 0600).",
       {{"--file", "F", "where to write it"},
        {"--format", "pem|pfx", "default: as the vault stores it (the policy's content type)"},
        kVersionFlag},
       Download},
      {{"certificate", "update"},
       {"NAME"},
       "[--version V] [--enabled|--disabled] [--tag k=v]...",
       "Enable or disable a version, or replace its tags.",
       {kVersionFlag,
        {"--enabled", "", "enable the version"},
        {"--disabled", "", "disable the version"},
        kTagFlag},
       Update},
      {{"certificate", "list"},
       {},
       "[--include-pending]",
       "List the vault's certificates.",
       {kPendingFlag},
       List},
      Simple("versions", "List a certificate's versions.", Versions),
      {{"certificate", "deleted"},
       {},
       "[--include-pending]",
       "List the soft-deleted certificates.",
       {kPendingFlag},
       Deleted},
      Simple("delete", "Soft-delete a certificate with its key and secret.",
             CertCall("DELETE", CertPath)),
      Simple("recover", "Recover a soft-deleted certificate.", CertCall("POST", RecoverPath)),
      Simple("purge", "Purge a soft-deleted certificate for good.", Purge),
      {{"certificate", "policy"},
       {"NAME"},
       "[--set-file F]",
       "Show a certificate's policy, or update it from a JSON file (Azure's policy shape).",
       {{"--set-file", "F", "members to change, e.g. from `-o json certificate policy`"}},
       Policy},
      {{"certificate", "operation"},
       {"NAME"},
       "[--cancel | --delete] [--csr-file F]",
       "Show the pending create operation (and its CSR), cancel it, or delete it.",
       {{"--cancel", "", "ask for the operation to be cancelled"},
        {"--delete", "", "delete the operation (the certificate stays)"},
        {"--csr-file", "F", "write the CSR here in PEM"}},
       Operation},
      {{"certificate", "backup"},
       {"NAME"},
       "--file OUT",
       "Write a backup of every version with its key and secret (an opaque blob) to a file.",
       {{"--file", "OUT", "where to write the backup (mode 0600)"}},
       Backup},
      {{"certificate", "restore"},
       {},
       "--file IN",
       "Restore a certificate from a backup file.",
       {{"--file", "IN", "a file written by `coffer certificate backup`"}},
       Restore},
  };
}

}  // namespace coffer::cli
