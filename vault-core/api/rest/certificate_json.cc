#include "vault-core/api/rest/certificate_json.h"

#include <cctype>

#include "absl/strings/match.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/api/rest/object_json.h"
#include "vault-core/crypto/vault_certificates.h"

namespace coffer::api::rest {
namespace {

using nlohmann::json;

// A member the request sets: present, and not null or `{}`.
bool Set(const json& object, const char* key) {
  if (!object.contains(key)) return false;
  const json& v = object[key];
  return !v.is_null() && !(v.is_object() && v.empty());
}

absl::StatusOr<const json*> Object(const json& parent, const char* key, const std::string& where,
                                   const std::set<std::string>& known) {
  if (!Set(parent, key)) return static_cast<const json*>(nullptr);
  const json& v = parent[key];
  if (!v.is_object()) return Bad("'" + where + "' must be an object.");
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(v, known, where + "."));
  return &v;
}

absl::Status ReadBool(const json& o, const char* key, const std::string& where, bool& out) {
  if (!Set(o, key)) return absl::OkStatus();
  if (!o[key].is_boolean()) return Bad("'" + where + "' must be a boolean.");
  out = o[key].get<bool>();
  return absl::OkStatus();
}

absl::Status ReadInt(const json& o, const char* key, const std::string& where, int& out) {
  if (!Set(o, key)) return absl::OkStatus();
  if (!o[key].is_number_integer() || o[key].get<std::int64_t>() < 0 ||
      o[key].get<std::int64_t>() > 100000) {
    return Bad("'" + where + "' must be a small non-negative integer.");
  }
  out = o[key].get<int>();
  return absl::OkStatus();
}

absl::Status ReadString(const json& o, const char* key, const std::string& where,
                        std::string& out, std::size_t max = 1024) {
  if (!Set(o, key)) return absl::OkStatus();
  if (!o[key].is_string() || o[key].get_ref<const std::string&>().size() > max) {
    return Bad("'" + where + "' must be a string of at most " + std::to_string(max) +
               " characters.");
  }
  out = o[key].get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadStrings(const json& o, const char* key, const std::string& where,
                         std::vector<std::string>& out) {
  if (!o.contains(key) || o[key].is_null()) return absl::OkStatus();
  const json& v = o[key];
  if (!v.is_array() || v.size() > 100) return Bad("'" + where + "' must be an array of strings.");
  std::vector<std::string> values;
  for (const json& item : v) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > 1024) {
      return Bad("'" + where + "' must be an array of strings.");
    }
    values.push_back(item.get<std::string>());
  }
  out = std::move(values);
  return absl::OkStatus();
}

absl::Status ApplyKeyProps(const json& policy, domain::CertificatePolicy& p) {
  COFFER_ASSIGN_OR_RETURN(
      const json* k, Object(policy, "key_props", "policy.key_props",
                            {"exportable", "kty", "key_size", "reuse_key", "crv"}));
  if (k == nullptr) return absl::OkStatus();
  COFFER_RETURN_IF_ERROR(ReadBool(*k, "exportable", "key_props.exportable", p.exportable));
  const std::string old_kty = p.kty;
  COFFER_RETURN_IF_ERROR(ReadString(*k, "kty", "key_props.kty", p.kty, 16));
  COFFER_RETURN_IF_ERROR(ReadBool(*k, "reuse_key", "key_props.reuse_key", p.reuse_key));
  COFFER_RETURN_IF_ERROR(ReadString(*k, "crv", "key_props.crv", p.crv, 16));
  const bool ec = p.kty.rfind("EC", 0) == 0;
  // The SDK sends key_size with EC keys too; an EC key's size is its curve's.
  if (!ec) COFFER_RETURN_IF_ERROR(ReadInt(*k, "key_size", "key_props.key_size", p.key_size));
  if (ec && p.crv.empty()) p.crv = "P-256";
  if (!ec) p.crv.clear();
  if (!ec && old_kty.rfind("EC", 0) == 0 && !Set(*k, "key_size")) p.key_size = 2048;
  // HSM keys never leave the HSM: asking for one implies not exportable unless said otherwise.
  if (p.kty.size() > 4 && p.kty.compare(p.kty.size() - 4, 4, "-HSM") == 0 &&
      !Set(*k, "exportable")) {
    p.exportable = false;
  }
  return absl::OkStatus();
}

absl::Status ApplyX509Props(const json& policy, domain::CertificatePolicy& p) {
  COFFER_ASSIGN_OR_RETURN(
      const json* x,
      Object(policy, "x509_props", "policy.x509_props",
             {"subject", "ekus", "sans", "key_usage", "validity_months", "basic_constraints"}));
  if (x == nullptr) return absl::OkStatus();
  COFFER_RETURN_IF_ERROR(ReadString(*x, "subject", "x509_props.subject", p.subject));
  COFFER_RETURN_IF_ERROR(ReadStrings(*x, "ekus", "x509_props.ekus", p.ekus));
  COFFER_RETURN_IF_ERROR(ReadStrings(*x, "key_usage", "x509_props.key_usage", p.key_usage));
  COFFER_RETURN_IF_ERROR(
      ReadInt(*x, "validity_months", "x509_props.validity_months", p.validity_months));
  COFFER_ASSIGN_OR_RETURN(const json* sans,
                          Object(*x, "sans", "x509_props.sans",
                                 {"emails", "dns_names", "upns", "uris", "ipAddresses"}));
  if (sans != nullptr) {
    COFFER_RETURN_IF_ERROR(ReadStrings(*sans, "emails", "sans.emails", p.emails));
    COFFER_RETURN_IF_ERROR(ReadStrings(*sans, "dns_names", "sans.dns_names", p.dns_names));
    COFFER_RETURN_IF_ERROR(ReadStrings(*sans, "upns", "sans.upns", p.upns));
    for (const char* unsupported : {"uris", "ipAddresses"}) {
      std::vector<std::string> values;
      COFFER_RETURN_IF_ERROR(ReadStrings(*sans, unsupported, "sans", values));
      if (!values.empty()) {
        return Bad(std::string("sans.") + unsupported + " are not supported by this vault.");
      }
    }
  }
  COFFER_ASSIGN_OR_RETURN(const json* bc, Object(*x, "basic_constraints",
                                                 "x509_props.basic_constraints", {"ca"}));
  if (bc != nullptr) {
    bool ca = false;
    COFFER_RETURN_IF_ERROR(ReadBool(*bc, "ca", "basic_constraints.ca", ca));
    if (ca) return Bad("This vault issues no CA certificates: basic_constraints.ca must be false.");
  }
  return absl::OkStatus();
}

absl::Status ApplyLifetimeActions(const json& policy, domain::CertificatePolicy& p) {
  if (!policy.contains("lifetime_actions") || policy["lifetime_actions"].is_null()) {
    return absl::OkStatus();
  }
  const json& actions = policy["lifetime_actions"];
  if (!actions.is_array() || actions.size() > 2) {
    return Bad("'policy.lifetime_actions' must be an array of at most two actions.");
  }
  std::vector<domain::CertificateLifetimeAction> out;
  for (const json& a : actions) {
    if (!a.is_object()) return Bad("A lifetime action must be an object.");
    COFFER_RETURN_IF_ERROR(OnlyKnownFields(a, {"trigger", "action"}, "lifetime_actions[]."));
    domain::CertificateLifetimeAction action;
    COFFER_ASSIGN_OR_RETURN(const json* trigger,
                            Object(a, "trigger", "lifetime_actions[].trigger",
                                   {"lifetime_percentage", "days_before_expiry"}));
    if (trigger != nullptr) {
      COFFER_RETURN_IF_ERROR(ReadInt(*trigger, "lifetime_percentage", "trigger.lifetime_percentage",
                                     action.lifetime_percentage));
      COFFER_RETURN_IF_ERROR(ReadInt(*trigger, "days_before_expiry", "trigger.days_before_expiry",
                                     action.days_before_expiry));
    }
    COFFER_ASSIGN_OR_RETURN(const json* what, Object(a, "action", "lifetime_actions[].action",
                                                     {"action_type"}));
    if (what != nullptr) {
      COFFER_RETURN_IF_ERROR(ReadString(*what, "action_type", "action.action_type",
                                        action.action, 32));
    }
    out.push_back(std::move(action));
  }
  p.lifetime_actions = std::move(out);
  return absl::OkStatus();
}

absl::Status ApplyPolicy(const json& policy, domain::CertificatePolicy& p) {
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(policy,
                                         {"id", "key_props", "secret_props", "x509_props",
                                          "lifetime_actions", "issuer", "attributes"},
                                         "policy."));
  COFFER_RETURN_IF_ERROR(ApplyKeyProps(policy, p));
  COFFER_ASSIGN_OR_RETURN(const json* secret,
                          Object(policy, "secret_props", "policy.secret_props", {"contentType"}));
  if (secret != nullptr) {
    COFFER_RETURN_IF_ERROR(
        ReadString(*secret, "contentType", "secret_props.contentType", p.content_type, 64));
  }
  COFFER_RETURN_IF_ERROR(ApplyX509Props(policy, p));
  COFFER_RETURN_IF_ERROR(ApplyLifetimeActions(policy, p));
  COFFER_ASSIGN_OR_RETURN(const json* issuer, Object(policy, "issuer", "policy.issuer",
                                                     {"name", "cty", "cert_transparency"}));
  if (issuer != nullptr) {
    COFFER_RETURN_IF_ERROR(ReadString(*issuer, "name", "issuer.name", p.issuer_name, 127));
    // Self and Unknown in any case are those two, never an issuer object's name.
    for (const char* reserved : {domain::kSelfIssuer, domain::kUnknownIssuer}) {
      if (absl::EqualsIgnoreCase(p.issuer_name, reserved)) p.issuer_name = reserved;
    }
    COFFER_RETURN_IF_ERROR(ReadString(*issuer, "cty", "issuer.cty", p.certificate_type, 64));
    if (Set(*issuer, "cert_transparency")) {
      bool transparency = false;
      COFFER_RETURN_IF_ERROR(
          ReadBool(*issuer, "cert_transparency", "issuer.cert_transparency", transparency));
      p.cert_transparency = transparency;
    }
  }
  if (Set(policy, "attributes")) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(policy["attributes"]));
    if (a.enabled) p.enabled = *a.enabled;
  }
  // Encipherment usages (the default's keyEncipherment, or an RSA policy's before a switch to
  // EC) are RSA's: RFC 5480 forbids them for EC keys. Unless the request names the usages
  // itself, an EC policy keeps the others, or digitalSignature.
  const bool usage_set = policy.contains("x509_props") && policy["x509_props"].is_object() &&
                         Set(policy["x509_props"], "key_usage");
  if (!usage_set && p.kty.rfind("EC", 0) == 0) {
    std::vector<std::string> kept;
    for (const std::string& usage : p.key_usage) {
      if (usage.find("ncipher") == std::string::npos) kept.push_back(usage);
    }
    p.key_usage = kept.empty() ? std::vector<std::string>{"digitalSignature"} : kept;
  }
  return absl::OkStatus();
}

absl::Status ReadOptions(const json& body, bool& enabled, domain::Tags& tags,
                         bool& preserve_order) {
  if (Set(body, "attributes")) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(body["attributes"]));
    if (a.enabled) enabled = *a.enabled;
  }
  if (Set(body, "tags")) {
    COFFER_ASSIGN_OR_RETURN(tags, ParseTags(body["tags"]));
  }
  return ReadBool(body, "preserveCertOrder", "preserveCertOrder", preserve_order);
}

// Base64 as Node's decoder takes it: either alphabet, padding optional, whitespace ignored.
std::optional<std::string> LenientBase64(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    clean.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  }
  while (clean.size() % 4 != 0) clean.push_back('=');
  std::optional<std::string> decoded = Base64Decode(clean);
  internal::ZeroMemory(clean.data(), clean.size());  // it may be a private key's PEM
  return decoded;
}


// One x5c element, decoded to DER whichever of the forms callers use it came in; a PEM element
// may hold several certificates, which join the chain in their order.
absl::Status AppendCertificates(const std::string& element, std::vector<std::string>& chain) {
  std::optional<std::string> bytes = LenientBase64(element);
  if (!bytes.has_value() || bytes->empty()) return Bad("An x5c element is not base64.");
  if (crypto::IsPemText(*bytes)) {
    const std::string begin = "-----BEGIN CERTIFICATE-----";
    const std::string end = "-----END CERTIFICATE-----";
    std::size_t from = bytes->find(begin);
    if (from == std::string::npos) return Bad("An x5c element's PEM holds no certificate.");
    while (from != std::string::npos) {
      from += begin.size();
      const std::size_t to = bytes->find(end, from);
      if (to == std::string::npos) return Bad("An x5c element's PEM is cut short.");
      auto der = LenientBase64(std::string_view(*bytes).substr(from, to - from));
      if (!der.has_value() || der->empty()) return Bad("An x5c element's PEM is not base64.");
      chain.push_back(std::move(*der));
      from = bytes->find(begin, to);
    }
    return absl::OkStatus();
  }
  if (static_cast<unsigned char>((*bytes)[0]) == 0x30) {  // DER: a SEQUENCE
    chain.push_back(std::move(*bytes));
    return absl::OkStatus();
  }
  // The SDK's own samples pass the bytes of base64 text: base64 of base64.
  std::optional<std::string> inner = LenientBase64(*bytes);
  if (!inner.has_value() || inner->empty()) return Bad("An x5c element is not a certificate.");
  chain.push_back(std::move(*inner));
  return absl::OkStatus();
}

void WriteStrings(JsonWriter& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key).BeginArray();
  for (const auto& v : values) w.String(v);
  w.EndArray();
}

void WriteTags(JsonWriter& w, const domain::Tags& tags) {
  if (tags.empty()) return;
  w.Key("tags").BeginObject();
  for (const auto& [key, value] : tags) w.Key(key).String(value);
  w.EndObject();
}

std::string Url(std::string_view base_url, std::string_view path) {
  return std::string(base_url) + std::string(path);
}

void WriteCommon(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                 const domain::Certificate& c) {
  const domain::CertificateProperties& p = c.properties;
  w.Key("id");
  WriteId(w, base_url, "certificates", p.name, p.version);
  if (!p.pending) {
    w.Key("kid");
    WriteId(w, base_url, "keys", p.name, p.version);
    w.Key("sid");
    WriteId(w, base_url, "secrets", p.name, p.version);
    w.Key("x5t").String(Base64UrlEncode(p.x5t));
    w.Key("cer").String(Base64Encode(c.der));
  }
  w.Key("attributes");
  WriteAttributes(w, vault, p.attributes);
  WriteTags(w, p.tags);
  if (c.policy.has_value()) {
    w.Key("policy");
    WriteCertificatePolicy(w, base_url, p.name, *c.policy);
  }
  if (p.from_operation) {
    w.Key("pending").BeginObject().Key("id").String(
        Url(base_url, "/certificates/" + p.name + "/pending"));
    w.EndObject();
  }
  if (p.preserve_order) w.Key("preserveCertOrder").Bool(true);
}

void WriteItemCommon(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                     const domain::CertificateProperties& p, bool with_version) {
  w.Key("id");
  WriteId(w, base_url, "certificates", p.name, with_version ? p.version : "");
  if (!p.pending) w.Key("x5t").String(Base64UrlEncode(p.x5t));
  w.Key("attributes");
  WriteAttributes(w, vault, p.attributes);
  WriteTags(w, p.tags);
}

void WriteDeletedDates(JsonWriter& w, std::string_view base_url,
                       const domain::DeletedCertificate& d) {
  w.Key("recoveryId");
  WriteId(w, base_url, "deletedcertificates", d.certificate.properties.name, "");
  w.Key("deletedDate")
      .Int(absl::ToUnixSeconds(d.deleted))
      .Key("scheduledPurgeDate")
      .Int(absl::ToUnixSeconds(d.scheduled_purge));
}

}  // namespace

absl::StatusOr<CreateCertificateRequest> ParseCreateCertificate(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(
      OnlyKnownFields(doc, {"policy", "attributes", "tags", "preserveCertOrder"}, ""));
  CreateCertificateRequest out;
  domain::CertificatePolicy& p = out.policy;
  // Azure: no issuer name means Unknown (a request that waits for a merge).
  p.issuer_name = domain::kUnknownIssuer;
  if (Set(doc, "policy")) {
    if (!doc["policy"].is_object()) return Bad("'policy' must be an object.");
    COFFER_RETURN_IF_ERROR(ApplyPolicy(doc["policy"], p));
    const json& policy = doc["policy"];
    if (!policy.contains("lifetime_actions") || policy["lifetime_actions"].is_null()) {
      p.lifetime_actions = domain::DefaultLifetimeActions(p.issuer_name);
    }

  } else {
    return Bad("A certificate create needs a policy.");
  }
  COFFER_RETURN_IF_ERROR(ReadOptions(doc, out.options.enabled, out.options.tags,
                                     out.options.preserve_order));
  return out;
}

absl::StatusOr<ImportCertificateRequest> ParseImportCertificate(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  WipeOnExit wipe{doc};  // the private key and the password
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(
      doc, {"value", "pwd", "policy", "attributes", "tags", "preserveCertOrder"}, ""));
  ImportCertificateRequest request;
  domain::CertificateImport& out = request.import;
  if (!doc.contains("value") || !doc["value"].is_string() ||
      doc["value"].get_ref<const std::string&>().empty()) {
    return Bad("'value' must be the certificate: a base64 PFX or PEM text.");
  }
  const std::string& value = doc["value"].get_ref<const std::string&>();
  if (crypto::IsPemText(value)) {
    out.value = SecretBytes(value);
  } else {
    std::optional<std::string> decoded = LenientBase64(value);
    if (!decoded.has_value()) return Bad("'value' is neither PEM text nor base64.");
    out.value = SecretBytes(*decoded);
    internal::ZeroMemory(decoded->data(), decoded->size());
  }
  if (doc.contains("pwd") && !doc["pwd"].is_null()) {
    if (!doc["pwd"].is_string() || doc["pwd"].get_ref<const std::string&>().size() > 1024) {
      return Bad("'pwd' must be a string of at most 1024 characters.");
    }
    out.password = SecretBytes(doc["pwd"].get_ref<const std::string&>());
  }
  if (Set(doc, "policy")) {
    if (!doc["policy"].is_object()) return Bad("'policy' must be an object.");
    // Checked now, laid over the policy the certificate itself gives once it is read.
    domain::CertificatePolicy scratch;
    COFFER_RETURN_IF_ERROR(ApplyPolicy(doc["policy"], scratch));
    request.policy_patch = doc["policy"].dump();
  }
  COFFER_RETURN_IF_ERROR(ReadOptions(doc, out.enabled, out.tags, out.preserve_order));
  return request;
}

absl::StatusOr<MergeCertificateRequest> ParseMergeCertificate(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"x5c", "attributes", "tags"}, ""));
  if (!doc.contains("x5c") || !doc["x5c"].is_array() || doc["x5c"].empty() ||
      doc["x5c"].size() > 10) {
    return Bad("'x5c' must be an array of one to ten base64 certificates, leaf first.");
  }
  MergeCertificateRequest out;
  for (const json& element : doc["x5c"]) {
    if (!element.is_string()) return Bad("'x5c' elements must be base64 strings.");
    COFFER_RETURN_IF_ERROR(AppendCertificates(element.get<std::string>(), out.chain));
  }
  if (out.chain.size() > 10) return Bad("A merged chain has at most ten certificates.");
  if (Set(doc, "attributes")) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(doc["attributes"]));
    out.overrides.enabled = a.enabled;  // nbf and exp are the certificate's own
  }
  if (Set(doc, "tags")) {
    COFFER_ASSIGN_OR_RETURN(out.overrides.tags, ParseTags(doc["tags"]));
  }
  return out;
}

absl::StatusOr<domain::CertificateUpdate> ParseUpdateCertificate(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"attributes", "tags"}, ""));
  domain::CertificateUpdate out;
  if (Set(doc, "attributes")) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(doc["attributes"]));
    // nbf and exp are the certificate's validity: ignored, as clients echo what GET showed.
    out.enabled = a.enabled;
  }
  if (doc.contains("tags") && !doc["tags"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(out.tags, ParseTags(doc["tags"]));
  }
  return out;
}

absl::Status ParseCancelOperation(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"cancellation_requested"}, ""));
  if (!doc.contains("cancellation_requested") || doc["cancellation_requested"] != json(true)) {
    return Bad("The body must be {\"cancellation_requested\": true}.");
  }
  return absl::OkStatus();
}

absl::Status ApplyPolicyPatch(std::string_view body, domain::CertificatePolicy& policy) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  return ApplyPolicy(doc, policy);
}

absl::Status ApplyIssuerPatch(std::string_view body, domain::CertificateIssuer& issuer) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  WipeOnExit wipe{doc};  // the CA account's password
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(
      doc, {"id", "provider", "credentials", "org_details", "attributes"}, ""));
  COFFER_RETURN_IF_ERROR(ReadString(doc, "provider", "provider", issuer.provider, 127));
  COFFER_ASSIGN_OR_RETURN(const json* credentials,
                          Object(doc, "credentials", "credentials", {"account_id", "pwd"}));
  if (credentials != nullptr) {
    COFFER_RETURN_IF_ERROR(
        ReadString(*credentials, "account_id", "credentials.account_id", issuer.account_id));
    if (Set(*credentials, "pwd")) {
      if (!(*credentials)["pwd"].is_string() ||
          (*credentials)["pwd"].get_ref<const std::string&>().size() > 1024) {
        return Bad("'credentials.pwd' must be a string of at most 1024 characters.");
      }
      issuer.password = SecretBytes((*credentials)["pwd"].get_ref<const std::string&>());
    }
  }
  COFFER_ASSIGN_OR_RETURN(const json* org, Object(doc, "org_details", "org_details",
                                                  {"id", "admin_details", "zip"}));
  if (org != nullptr) {
    COFFER_RETURN_IF_ERROR(ReadString(*org, "id", "org_details.id", issuer.organization_id));
    if (org->contains("admin_details") && !(*org)["admin_details"].is_null()) {
      const json& admins = (*org)["admin_details"];
      if (!admins.is_array() || admins.size() > 20) {
        return Bad("'org_details.admin_details' must be an array of at most 20 contacts.");
      }
      issuer.admins.clear();
      for (const json& a : admins) {
        if (!a.is_object()) return Bad("An admin_details entry must be an object.");
        COFFER_RETURN_IF_ERROR(OnlyKnownFields(
            a, {"first_name", "last_name", "email", "phone"}, "admin_details[]."));
        domain::CertificateIssuer::Admin admin;
        COFFER_RETURN_IF_ERROR(ReadString(a, "first_name", "first_name", admin.first_name, 256));
        COFFER_RETURN_IF_ERROR(ReadString(a, "last_name", "last_name", admin.last_name, 256));
        COFFER_RETURN_IF_ERROR(ReadString(a, "email", "email", admin.email, 256));
        COFFER_RETURN_IF_ERROR(ReadString(a, "phone", "phone", admin.phone, 64));
        issuer.admins.push_back(std::move(admin));
      }
    }
  }
  if (Set(doc, "attributes")) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(doc["attributes"]));
    if (a.enabled) issuer.enabled = *a.enabled;
  }
  return absl::OkStatus();
}

absl::StatusOr<domain::CertificateIssuer> ParseIssuer(std::string_view body, bool create) {
  domain::CertificateIssuer issuer;
  COFFER_RETURN_IF_ERROR(ApplyIssuerPatch(body, issuer));
  if (create && issuer.provider.empty()) return Bad("An issuer needs a 'provider'.");
  return issuer;
}

absl::StatusOr<std::vector<domain::CertificateContact>> ParseContacts(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"id", "contacts"}, ""));
  if (!doc.contains("contacts") || !doc["contacts"].is_array()) {
    return Bad("'contacts' must be an array.");
  }
  std::vector<domain::CertificateContact> out;
  for (const json& c : doc["contacts"]) {
    if (!c.is_object()) return Bad("A contact must be an object.");
    COFFER_RETURN_IF_ERROR(OnlyKnownFields(c, {"email", "name", "phone"}, "contacts[]."));
    domain::CertificateContact contact;
    COFFER_RETURN_IF_ERROR(ReadString(c, "email", "email", contact.email, 254));
    COFFER_RETURN_IF_ERROR(ReadString(c, "name", "name", contact.name, 254));
    COFFER_RETURN_IF_ERROR(ReadString(c, "phone", "phone", contact.phone, 64));
    out.push_back(std::move(contact));
  }
  return out;
}

void WriteCertificateBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                            const domain::Certificate& certificate) {
  w.BeginObject();
  WriteCommon(w, base_url, vault, certificate);
  w.EndObject();
}

void WriteCertificateItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                          const domain::CertificateProperties& properties, bool with_version) {
  w.BeginObject();
  WriteItemCommon(w, base_url, vault, properties, with_version);
  w.EndObject();
}

void WriteDeletedCertificateBundle(JsonWriter& w, std::string_view base_url,
                                   const domain::Vault& vault,
                                   const domain::DeletedCertificate& deleted) {
  w.BeginObject();
  WriteDeletedDates(w, base_url, deleted);
  WriteCommon(w, base_url, vault, deleted.certificate);
  w.EndObject();
}

void WriteDeletedCertificateItem(JsonWriter& w, std::string_view base_url,
                                 const domain::Vault& vault,
                                 const domain::DeletedCertificate& deleted) {
  w.BeginObject();
  WriteDeletedDates(w, base_url, deleted);
  WriteItemCommon(w, base_url, vault, deleted.certificate.properties, false);
  w.EndObject();
}

void WriteCertificatePolicy(JsonWriter& w, std::string_view base_url, std::string_view name,
                            const domain::CertificatePolicy& p) {
  const bool ec = p.kty.rfind("EC", 0) == 0;
  w.BeginObject().Key("id").String(Url(base_url, "/certificates/" + std::string(name) + "/policy"));
  w.Key("key_props").BeginObject().Key("exportable").Bool(p.exportable).Key("kty").String(p.kty);
  if (ec) {
    w.Key("crv").String(p.crv);
  } else {
    w.Key("key_size").Int(p.key_size);
  }
  w.Key("reuse_key").Bool(p.reuse_key).EndObject();
  w.Key("secret_props").BeginObject().Key("contentType").String(p.content_type).EndObject();
  w.Key("x509_props").BeginObject();
  if (!p.subject.empty()) w.Key("subject").String(p.subject);
  if (!p.emails.empty() || !p.dns_names.empty() || !p.upns.empty()) {
    w.Key("sans").BeginObject();
    if (!p.emails.empty()) WriteStrings(w, "emails", p.emails);
    if (!p.dns_names.empty()) WriteStrings(w, "dns_names", p.dns_names);
    if (!p.upns.empty()) WriteStrings(w, "upns", p.upns);
    w.EndObject();
  }
  WriteStrings(w, "ekus", p.ekus);
  WriteStrings(w, "key_usage", p.key_usage);
  w.Key("validity_months").Int(p.validity_months);
  w.Key("basic_constraints").BeginObject().Key("ca").Bool(false).EndObject();
  w.EndObject();
  w.Key("lifetime_actions").BeginArray();
  for (const auto& a : p.lifetime_actions) {
    w.BeginObject().Key("trigger").BeginObject();
    if (a.lifetime_percentage != 0) w.Key("lifetime_percentage").Int(a.lifetime_percentage);
    if (a.days_before_expiry != 0) w.Key("days_before_expiry").Int(a.days_before_expiry);
    w.EndObject().Key("action").BeginObject().Key("action_type").String(a.action).EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("issuer").BeginObject().Key("name").String(p.issuer_name);
  if (!p.certificate_type.empty()) w.Key("cty").String(p.certificate_type);
  if (p.cert_transparency) w.Key("cert_transparency").Bool(*p.cert_transparency);
  w.EndObject();
  w.Key("attributes").BeginObject().Key("enabled").Bool(p.enabled);
  if (p.created) w.Key("created").Int(absl::ToUnixSeconds(*p.created));
  if (p.updated) w.Key("updated").Int(absl::ToUnixSeconds(*p.updated));
  w.EndObject().EndObject();
}

void WriteCertificateOperation(JsonWriter& w, std::string_view base_url,
                               const domain::CertificateOperation& op) {
  w.BeginObject()
      .Key("id")
      .String(Url(base_url, "/certificates/" + op.name + "/pending"))
      .Key("issuer")
      .BeginObject()
      .Key("name")
      .String(op.issuer_name);
  if (!op.certificate_type.empty()) w.Key("cty").String(op.certificate_type);
  w.EndObject();
  if (!op.csr.empty()) w.Key("csr").String(Base64Encode(op.csr));
  w.Key("cancellation_requested").Bool(op.cancellation_requested);
  w.Key("status").String(op.status);
  if (!op.status_details.empty()) w.Key("status_details").String(op.status_details);
  // Only a failure carries an error: the JS poller throws on any `error`, which would hide a
  // cancellation's status from its caller.
  if (!op.error_code.empty()) {
    w.Key("error").BeginObject().Key("code").String(op.error_code);
    w.Key("message").String(op.error_message).EndObject();
  }
  if (op.status == "completed") {
    w.Key("target").String(Url(base_url, "/certificates/" + op.name));
  }
  w.Key("request_id").String(op.request_id).EndObject();
}

void WriteIssuer(JsonWriter& w, std::string_view base_url,
                 const domain::CertificateIssuer& issuer) {
  w.BeginObject()
      .Key("id")
      .String(Url(base_url, "/certificates/issuers/" + issuer.name))
      .Key("provider")
      .String(issuer.provider);
  w.Key("credentials").BeginObject();
  if (!issuer.account_id.empty()) w.Key("account_id").String(issuer.account_id);
  w.EndObject();
  if (!issuer.organization_id.empty() || !issuer.admins.empty()) {
    w.Key("org_details").BeginObject();
    if (!issuer.organization_id.empty()) w.Key("id").String(issuer.organization_id);
    w.Key("admin_details").BeginArray();
    for (const auto& a : issuer.admins) {
      w.BeginObject();
      if (!a.first_name.empty()) w.Key("first_name").String(a.first_name);
      if (!a.last_name.empty()) w.Key("last_name").String(a.last_name);
      if (!a.email.empty()) w.Key("email").String(a.email);
      if (!a.phone.empty()) w.Key("phone").String(a.phone);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.Key("attributes")
      .BeginObject()
      .Key("enabled")
      .Bool(issuer.enabled)
      .Key("created")
      .Int(absl::ToUnixSeconds(issuer.created))
      .Key("updated")
      .Int(absl::ToUnixSeconds(issuer.updated))
      .EndObject()
      .EndObject();
}

void WriteContacts(JsonWriter& w, std::string_view base_url,
                   const std::vector<domain::CertificateContact>& contacts) {
  w.BeginObject().Key("id").String(Url(base_url, "/certificates/contacts"));
  w.Key("contacts").BeginArray();
  for (const auto& c : contacts) {
    w.BeginObject();
    if (!c.email.empty()) w.Key("email").String(c.email);
    if (!c.name.empty()) w.Key("name").String(c.name);
    if (!c.phone.empty()) w.Key("phone").String(c.phone);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace coffer::api::rest
