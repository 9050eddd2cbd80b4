// coffer principal create|list|show|delete, principal secret|certificate add|remove, and
// coffer identity create|list|show|delete for managed identities (PrincipalAdmin).
#include "absl/time/clock.h"
#include "coffer/admin/v1/admin.pb.h"
#include "lib/base/status.h"
#include "vault-core/cli/command.h"

namespace coffer::cli {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;

json ClientSecretJson(const v1::ClientSecret& s) {
  return {{"id", s.id()},
          {"hint", s.hint()},
          {"created", UnixTimeJson(s.created_unix())},
          {"expires", UnixTimeJson(s.expires_unix())}};
}

json CertificateJson(const v1::ClientCertificate& c) {
  return {{"id", c.id()},
          {"thumbprint", c.thumbprint()},
          {"thumbprintSha256", c.thumbprint_sha256()},
          {"subject", c.subject()},
          {"notBefore", UnixTimeJson(c.not_before_unix())},
          {"notAfter", UnixTimeJson(c.not_after_unix())},
          {"created", UnixTimeJson(c.created_unix())}};
}

json PrincipalJson(const v1::Principal& p) {
  json secrets = json::array();
  for (const v1::ClientSecret& s : p.secrets()) secrets.push_back(ClientSecretJson(s));
  json certificates = json::array();
  for (const v1::ClientCertificate& c : p.certificates()) certificates.push_back(CertificateJson(c));
  json doc = {{"objectId", p.object_id()},
              {"clientId", p.client_id()},
              {"displayName", p.display_name()},
              {"created", UnixTimeJson(p.created_unix())},
              {"secrets", std::move(secrets)},
              {"certificates", std::move(certificates)}};
  if (p.kind() == v1::PRINCIPAL_KIND_MANAGED_IDENTITY) {
    doc["kind"] = "managedIdentity";
    doc["cluster"] = p.service_account().cluster();
    doc["namespace"] = p.service_account().namespace_();
    doc["serviceAccount"] = p.service_account().name();
  } else {
    doc["kind"] = "servicePrincipal";
  }
  return doc;
}

absl::Status ShowPrincipal(Context& ctx, const absl::StatusOr<v1::Principal>& principal) {
  if (!principal.ok()) return principal.status();
  json doc = PrincipalJson(*principal);
  if (ctx.format() == OutputFormat::kJson) {
    PrintObject(ctx.out(), ctx.format(), doc, {});
    return absl::OkStatus();
  }
  if (doc["kind"] == "managedIdentity") {
    PrintObject(ctx.out(), ctx.format(), doc,
                {{"Cluster", "cluster"},
                 {"Namespace", "namespace"},
                 {"Service account", "serviceAccount"},
                 {"Object id", "objectId"},
                 {"Client id", "clientId"},
                 {"Created", "created"}});
    return absl::OkStatus();
  }
  PrintObject(ctx.out(), ctx.format(), doc,
              {{"Display name", "displayName"},
               {"Object id", "objectId"},
               {"Client id", "clientId"},
               {"Created", "created"}});
  if (!doc["secrets"].empty()) {
    ctx.out() << "\nClient secrets:\n";
    PrintList(ctx.out(), ctx.format(), doc["secrets"],
              {{"ID", "id"}, {"HINT", "hint"}, {"CREATED", "created"}, {"EXPIRES", "expires"}});
  }
  if (!doc["certificates"].empty()) {
    ctx.out() << "\nClient certificates:\n";
    PrintList(ctx.out(), ctx.format(), doc["certificates"],
              {{"ID", "id"}, {"THUMBPRINT", "thumbprint"}, {"NOT AFTER", "notAfter"},
               {"SUBJECT", "subject"}});
  }
  return absl::OkStatus();
}

absl::Status Create(Context& ctx) {
  v1::CreatePrincipalRequest request;
  auto name = ctx.args().Value("--display-name");
  if (!name || name->empty()) return UsageError("give the principal a --display-name");
  request.set_display_name(*name);
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  return ShowPrincipal(ctx, admin->CreatePrincipal(request));
}

absl::Status List(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  v1::ListPrincipalsRequest request;
  request.set_kind(v1::PRINCIPAL_KIND_SERVICE_PRINCIPAL);
  COFFER_ASSIGN_OR_RETURN(v1::ListPrincipalsResponse response, admin->ListPrincipals(request));
  json items = json::array();
  for (const v1::Principal& p : response.principals()) {
    json item = PrincipalJson(p);
    item["secretCount"] = p.secrets_size();
    item["certificateCount"] = p.certificates_size();
    items.push_back(std::move(item));
  }
  PrintList(ctx.out(), ctx.format(), items,
            {{"DISPLAY NAME", "displayName"},
             {"OBJECT ID", "objectId"},
             {"CLIENT ID", "clientId"},
             {"SECRETS", "secretCount"},
             {"CERTIFICATES", "certificateCount"}});
  return absl::OkStatus();
}

absl::Status Show(Context& ctx) {
  v1::GetPrincipalRequest request;
  request.set_object_id(ctx.arg(0));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  return ShowPrincipal(ctx, admin->GetPrincipal(request));
}

absl::Status Delete(Context& ctx) {
  v1::DeletePrincipalRequest request;
  request.set_object_id(ctx.arg(0));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_RETURN_IF_ERROR(admin->DeletePrincipal(request).status());
  PrintMessage(ctx.out(), ctx.format(), "deleted principal " + ctx.arg(0),
               {{"deleted", ctx.arg(0)}});
  return absl::OkStatus();
}

absl::Status AddSecret(Context& ctx) {
  v1::AddClientSecretRequest request;
  request.set_object_id(ctx.arg(0));
  if (auto expires_in = ctx.args().Value("--expires-in")) {
    COFFER_ASSIGN_OR_RETURN(long long seconds, ParseDurationSeconds(*expires_in, "--expires-in"));
    request.set_expires_unix(absl::ToUnixSeconds(absl::Now()) + seconds);
  }
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_ASSIGN_OR_RETURN(v1::AddClientSecretResponse response, admin->AddClientSecret(request));
  json secret = ClientSecretJson(response.secret());
  if (ctx.format() == OutputFormat::kJson) {
    secret["objectId"] = ctx.arg(0);
    secret["value"] = response.value();
    PrintObject(ctx.out(), ctx.format(), secret, {});
  } else {
    ctx.out() << "Client secret " << response.secret().id() << " added to " << ctx.arg(0)
              << " (expires: " << CellText(secret["expires"]) << ").\n"
              << "Copy the value now: it is not stored and cannot be shown again.\n\n"
              << "  " << response.value() << "\n\n";
  }
  response.mutable_value()->assign(response.value().size(), '\0');
  return absl::OkStatus();
}

// The first certificate of a PEM file. ClientCertificateCredential reads one file holding the
// private key and the certificate; only the certificate is sent, the key never leaves here.
absl::StatusOr<std::string> FirstCertificate(const std::string& pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::size_t begin = pem.find(kBegin);
  std::size_t end = begin == std::string::npos ? begin : pem.find(kEnd, begin);
  if (end == std::string::npos) return UsageError("the --file holds no PEM certificate");
  return pem.substr(begin, end + kEnd.size() - begin) + "\n";
}

absl::Status AddCertificate(Context& ctx) {
  auto file = ctx.args().Value("--file");
  if (!file || file->empty()) return UsageError("give the certificate's PEM --file");
  COFFER_ASSIGN_OR_RETURN(std::string pem, ReadFile(*file));
  v1::AddClientCertificateRequest request;
  request.set_object_id(ctx.arg(0));
  absl::StatusOr<std::string> certificate = FirstCertificate(pem);
  pem.assign(pem.size(), '\0');  // it may hold the private key
  if (!certificate.ok()) return certificate.status();
  request.set_certificate_pem(*certificate);
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_ASSIGN_OR_RETURN(v1::AddClientCertificateResponse response,
                          admin->AddClientCertificate(request));
  json doc = CertificateJson(response.certificate());
  doc["objectId"] = ctx.arg(0);
  PrintMessage(ctx.out(), ctx.format(),
               "Certificate " + response.certificate().id() + " added to " + ctx.arg(0) +
                   " (thumbprint " + response.certificate().thumbprint() +
                   ", expires " + CellText(doc["notAfter"]) + ").",
               doc);
  return absl::OkStatus();
}

absl::Status RemoveCertificate(Context& ctx) {
  v1::RemoveClientCertificateRequest request;
  request.set_object_id(ctx.arg(0));
  request.set_certificate_id(ctx.arg(1));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_RETURN_IF_ERROR(admin->RemoveClientCertificate(request).status());
  PrintMessage(ctx.out(), ctx.format(), "removed certificate " + ctx.arg(1),
               {{"removed", ctx.arg(1)}, {"objectId", ctx.arg(0)}});
  return absl::OkStatus();
}

absl::Status CreateIdentity(Context& ctx) {
  v1::CreateManagedIdentityRequest request;
  v1::ServiceAccountSubject* sa = request.mutable_service_account();
  for (auto [flag, field] : {std::pair{"--cluster", sa->mutable_cluster()},
                             std::pair{"--namespace", sa->mutable_namespace_()},
                             std::pair{"--service-account", sa->mutable_name()}}) {
    auto value = ctx.args().Value(flag);
    if (!value || value->empty()) {
      return UsageError(std::string("name the ServiceAccount with --cluster, --namespace and ") +
                        "--service-account (missing " + flag + ")");
    }
    *field = *value;
  }
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  return ShowPrincipal(ctx, admin->CreateManagedIdentity(request));
}

absl::Status ListIdentities(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  v1::ListPrincipalsRequest request;
  request.set_kind(v1::PRINCIPAL_KIND_MANAGED_IDENTITY);
  COFFER_ASSIGN_OR_RETURN(v1::ListPrincipalsResponse response, admin->ListPrincipals(request));
  json items = json::array();
  for (const v1::Principal& p : response.principals()) items.push_back(PrincipalJson(p));
  PrintList(ctx.out(), ctx.format(), items,
            {{"CLUSTER", "cluster"},
             {"NAMESPACE", "namespace"},
             {"SERVICE ACCOUNT", "serviceAccount"},
             {"OBJECT ID", "objectId"}});
  return absl::OkStatus();
}

absl::Status RemoveSecret(Context& ctx) {
  v1::RemoveClientSecretRequest request;
  request.set_object_id(ctx.arg(0));
  request.set_secret_id(ctx.arg(1));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_RETURN_IF_ERROR(admin->RemoveClientSecret(request).status());
  PrintMessage(ctx.out(), ctx.format(), "removed client secret " + ctx.arg(1),
               {{"removed", ctx.arg(1)}, {"objectId", ctx.arg(0)}});
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> PrincipalCommands() {
  return {
      {{"principal", "create"},
       {},
       "--display-name NAME",
       "Create a service principal (an application identity).",
       {{"--display-name", "NAME", "a name for people"}},
       Create},
      {{"principal", "list"}, {}, "", "List service principals.", {}, List},
      {{"principal", "show"}, {"OBJECT_ID"}, "", "Show a principal, its secrets and certificates.", {}, Show},
      {{"principal", "delete"},
       {"OBJECT_ID"},
       "",
       "Delete a principal; its tokens stop working.",
       {},
       Delete},
      {{"principal", "secret", "add"},
       {"OBJECT_ID"},
       "[--expires-in DURATION]",
       "Add a client secret and print its value, once.",
       {{"--expires-in", "DURATION", "lifetime such as 720h or 90d (default: never expires)"}},
       AddSecret},
      {{"principal", "secret", "remove"},
       {"OBJECT_ID", "SECRET_ID"},
       "",
       "Remove a client secret.",
       {},
       RemoveSecret},
      {{"principal", "certificate", "add"},
       {"OBJECT_ID"},
       "--file CERT.pem",
       "Register a certificate the principal signs client assertions with.",
       {{"--file", "CERT.pem", "its certificate (RSA, 2048 bits or more); a private key in "
                               "the same file is left out and never sent"}},
       AddCertificate},
      {{"principal", "certificate", "remove"},
       {"OBJECT_ID", "CERTIFICATE_ID"},
       "",
       "Remove a certificate.",
       {},
       RemoveCertificate},
      {{"identity", "create"},
       {},
       "--cluster NAME --namespace NS --service-account SA",
       "Create (or show, if it exists) the managed identity of a Kubernetes ServiceAccount.",
       {{"--cluster", "NAME", "the cluster's name, as its operator and CSI driver know it"},
        {"--namespace", "NS", "the ServiceAccount's namespace"},
        {"--service-account", "SA", "the ServiceAccount's name"}},
       CreateIdentity},
      {{"identity", "list"}, {}, "", "List managed identities.", {}, ListIdentities},
      {{"identity", "show"}, {"OBJECT_ID"}, "", "Show a managed identity.", {}, Show},
      {{"identity", "delete"},
       {"OBJECT_ID"},
       "",
       "Delete a managed identity; its pods' tokens stop working.",
       {},
       Delete},
  };
}

}  // namespace coffer::cli
