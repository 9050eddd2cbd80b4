#ifndef COFFER_VAULT_CORE_API_REST_CERTIFICATE_JSON_H_
#define COFFER_VAULT_CORE_API_REST_CERTIFICATE_JSON_H_

// Azure Key Vault's JSON for certificates (docs/azure-certificates-wire.md): request bodies
// in, bundles, policies, operations, issuers and contacts out. Parsing is strict (wrong types
// and unknown fields are INVALID_ARGUMENT naming the field), except that an empty object `{}`,
// which the JS SDK sends for every member it has nothing for, means "not set".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/json_writer.h"
#include "vault-core/domain/certificate.h"
#include "vault-core/domain/vault.h"

namespace coffer::api::rest {

struct CreateCertificateRequest {
  domain::CertificatePolicy policy;
  domain::CertificateCreateOptions options;
};
// The policy is Azure's defaults with what the request sets laid over them.
absl::StatusOr<CreateCertificateRequest> ParseCreateCertificate(std::string_view body);
struct ImportCertificateRequest {
  domain::CertificateImport import;
  // The request's policy (checked), to lay over what the certificate gives: ApplyPolicyPatch.
  std::optional<std::string> policy_patch;
};
// `value` is PEM text, or standard base64 of a PFX or of PEM text: decoded here.
absl::StatusOr<ImportCertificateRequest> ParseImportCertificate(std::string_view body);
struct MergeCertificateRequest {
  std::vector<std::string> chain;  // DER, leaf first
  domain::CertificateUpdate overrides;
};
// Each x5c element is base64 of DER, of base64 text of DER, or of PEM: DER comes out.
absl::StatusOr<MergeCertificateRequest> ParseMergeCertificate(std::string_view body);
absl::StatusOr<domain::CertificateUpdate> ParseUpdateCertificate(std::string_view body);
// The only body a PATCH of the pending operation takes: {"cancellation_requested": true}.
absl::Status ParseCancelOperation(std::string_view body);
// Lays the members a policy PATCH sets over `policy`, member by member.
absl::Status ApplyPolicyPatch(std::string_view body, domain::CertificatePolicy& policy);
absl::StatusOr<domain::CertificateIssuer> ParseIssuer(std::string_view body, bool create);
// Lays an issuer PATCH over `issuer`: `credentials: {}` keeps what is stored.
absl::Status ApplyIssuerPatch(std::string_view body, domain::CertificateIssuer& issuer);
absl::StatusOr<std::vector<domain::CertificateContact>> ParseContacts(std::string_view body);

void WriteCertificateBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                            const domain::Certificate& certificate);
void WriteCertificateItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                          const domain::CertificateProperties& properties, bool with_version);
void WriteDeletedCertificateBundle(JsonWriter& w, std::string_view base_url,
                                   const domain::Vault& vault,
                                   const domain::DeletedCertificate& deleted);
void WriteDeletedCertificateItem(JsonWriter& w, std::string_view base_url,
                                 const domain::Vault& vault,
                                 const domain::DeletedCertificate& deleted);
void WriteCertificatePolicy(JsonWriter& w, std::string_view base_url, std::string_view name,
                            const domain::CertificatePolicy& policy);
void WriteCertificateOperation(JsonWriter& w, std::string_view base_url,
                               const domain::CertificateOperation& operation);
// Never the password.
void WriteIssuer(JsonWriter& w, std::string_view base_url, const domain::CertificateIssuer& issuer);
void WriteContacts(JsonWriter& w, std::string_view base_url,
                   const std::vector<domain::CertificateContact>& contacts);

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_CERTIFICATE_JSON_H_
