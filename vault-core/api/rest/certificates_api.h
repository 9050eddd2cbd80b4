#ifndef COFFER_VAULT_CORE_API_REST_CERTIFICATES_API_H_
#define COFFER_VAULT_CORE_API_REST_CERTIFICATES_API_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/http/http.h"
#include "vault-core/domain/vault.h"
#include "vault-core/service/certificate_service.h"

namespace coffer::api::rest {

enum class CertificateOp {
  kCreate,
  kImport,
  kGet,
  kUpdate,
  kList,
  kListVersions,
  kGetPolicy,
  kUpdatePolicy,
  kGetOperation,
  kCancelOperation,
  kDeleteOperation,
  kMerge,
  kDelete,
  kGetDeleted,
  kListDeleted,
  kRecover,
  kPurge,
  kBackup,
  kRestore,
  kSetIssuer,
  kUpdateIssuer,
  kGetIssuer,
  kDeleteIssuer,
  kListIssuers,
  kSetContacts,
  kGetContacts,
  kDeleteContacts,
};

struct CertificateRoute {
  CertificateOp op = CertificateOp::kGet;
  std::string name;     // the certificate's or the issuer's
  std::string version;  // empty: the latest
};

// Which certificates operation `method` + `path` is, as Azure Key Vault lays out its paths
// (issuers, contacts and restore before names; `/certificates/NAME/` for the latest). nullopt:
// not a certificates path. INVALID_ARGUMENT: a certificates path with a bad shape or method.
std::optional<absl::StatusOr<CertificateRoute>> RouteCertificates(std::string_view method,
                                                                  std::string_view path);

// The access-policy permission an operation needs ("get", "managecontacts", ...).
const char* RequiredPermission(CertificateOp op);
// For the audit log: "CertificateCreate", ...
const char* OperationName(CertificateOp op);
// What the audit log names as the object: "certificates/NAME[/VERSION]",
// "certificates/issuers/NAME", "certificates/contacts".
std::string AuditObject(const CertificateRoute& route);

// Runs one routed, authorised certificates call and renders Azure's response. Thread-safe.
class CertificatesApi {
 public:
  explicit CertificatesApi(service::CertificateService& certificates)
      : certificates_(certificates) {}

  http::Response Serve(const CertificateRoute& route, const http::Request& request,
                       const domain::Vault& vault, std::string_view base_url,
                       std::string_view api_version, std::string_view request_id);

 private:
  absl::StatusOr<http::Response> Run(const CertificateRoute& route, const http::Request& request,
                                     const domain::Vault& vault, std::string_view base_url,
                                     std::string_view api_version);
  absl::StatusOr<http::Response> RunIssuersAndContacts(const CertificateRoute& route,
                                                       const http::Request& request,
                                                       const domain::Vault& vault,
                                                       std::string_view base_url);
  absl::StatusOr<http::Response> List(const CertificateRoute& route, const http::Request& request,
                                      const domain::Vault& vault, std::string_view base_url,
                                      std::string_view api_version);

  service::CertificateService& certificates_;
};

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_CERTIFICATES_API_H_
