#include "vault-core/api/rest/certificates_api.h"

#include "absl/strings/match.h"
#include "lib/base/absl_compat.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "vault-core/api/rest/azure_errors.h"
#include "vault-core/api/rest/certificate_json.h"
#include "vault-core/api/rest/rest_helpers.h"
#include "vault-core/api/rest/secret_json.h"
#include "vault-core/domain/errors.h"

namespace coffer::api::rest {
namespace {

using Op = CertificateOp;

constexpr char kSelfDetails[] =
    "Pending certificate created. Certificate request is in progress. This may take some time "
    "based on the issuer provider. Please check again later.";

absl::StatusOr<CertificateRoute> Routed(Op op, std::string_view name = {},
                                        std::string_view version = {}) {
  return CertificateRoute{op, std::string(name), std::string(version)};
}

absl::Status BadShape() {
  return absl::InvalidArgumentError("The request URI or method is not valid for certificates.");
}

absl::StatusOr<CertificateRoute> RouteIssuers(std::string_view m,
                                              const std::vector<std::string_view>& s) {
  const std::size_t n = s.size();
  if ((n == 2 || (n == 3 && s[2].empty())) && m == "GET") return Routed(Op::kListIssuers);
  if (n != 3) return BadShape();
  if (m == "PUT") return Routed(Op::kSetIssuer, s[2]);
  if (m == "PATCH") return Routed(Op::kUpdateIssuer, s[2]);
  if (m == "GET") return Routed(Op::kGetIssuer, s[2]);
  if (m == "DELETE") return Routed(Op::kDeleteIssuer, s[2]);
  return BadShape();
}

absl::StatusOr<CertificateRoute> RouteLive(std::string_view m,
                                           const std::vector<std::string_view>& s) {
  const std::size_t n = s.size();
  if ((n == 1 || (n == 2 && s[1].empty())) && m == "GET") return Routed(Op::kList);
  // These look like certificate names and are matched first (in any case, as names are); they
  // cannot name certificates.
  auto is = [&](const char* word) { return absl::EqualsIgnoreCase(AsAbsl(s[1]), word); };
  if (n >= 2 && is("issuers")) return RouteIssuers(m, s);
  if (n == 2 && is("contacts")) {
    if (m == "PUT") return Routed(Op::kSetContacts);
    if (m == "GET") return Routed(Op::kGetContacts);
    if (m == "DELETE") return Routed(Op::kDeleteContacts);
    return BadShape();
  }
  if (n == 2 && is("restore") && m == "POST") return Routed(Op::kRestore);
  if (n == 2 && m == "DELETE") return Routed(Op::kDelete, s[1]);
  if (n == 2 && m == "GET") return Routed(Op::kGet, s[1]);
  if (n == 3 && m == "POST") {
    if (s[2] == "create") return Routed(Op::kCreate, s[1]);
    if (s[2] == "import") return Routed(Op::kImport, s[1]);
    if (s[2] == "backup") return Routed(Op::kBackup, s[1]);
  }
  if (n == 3 && s[2] == "versions" && m == "GET") return Routed(Op::kListVersions, s[1]);
  if (n == 3 && s[2] == "policy") {
    if (m == "GET") return Routed(Op::kGetPolicy, s[1]);
    if (m == "PATCH") return Routed(Op::kUpdatePolicy, s[1]);
  }
  if (n == 3 && s[2] == "pending") {
    if (m == "GET") return Routed(Op::kGetOperation, s[1]);
    if (m == "PATCH") return Routed(Op::kCancelOperation, s[1]);
    if (m == "DELETE") return Routed(Op::kDeleteOperation, s[1]);
  }
  if (n == 4 && s[2] == "pending" && s[3] == "merge" && m == "POST") {
    return Routed(Op::kMerge, s[1]);
  }
  if (n == 3 && m == "GET") return Routed(Op::kGet, s[1], s[2]);
  if (n == 3 && m == "PATCH") return Routed(Op::kUpdate, s[1], s[2]);
  return BadShape();
}

absl::StatusOr<CertificateRoute> RouteDeleted(std::string_view m,
                                              const std::vector<std::string_view>& s) {
  const std::size_t n = s.size();
  if ((n == 1 || (n == 2 && s[1].empty())) && m == "GET") return Routed(Op::kListDeleted);
  if (n == 2 && m == "GET") return Routed(Op::kGetDeleted, s[1]);
  if (n == 2 && m == "DELETE") return Routed(Op::kPurge, s[1]);
  if (n == 3 && s[2] == "recover" && m == "POST") return Routed(Op::kRecover, s[1]);
  return BadShape();
}

// Azure's error code for what each operation does not find.
const char* NotFoundCode(Op op) {
  switch (op) {
    case Op::kGetOperation:
    case Op::kCancelOperation:
    case Op::kDeleteOperation:
    case Op::kMerge:
      return "PendingCertificateNotFound";
    case Op::kSetIssuer:
    case Op::kUpdateIssuer:
    case Op::kGetIssuer:
    case Op::kDeleteIssuer:
    case Op::kListIssuers:
      return "CertificateIssuerNotFound";
    case Op::kSetContacts:
    case Op::kGetContacts:
    case Op::kDeleteContacts:
      return "ContactsNotFound";
    default:
      return "CertificateNotFound";
  }
}

}  // namespace

std::optional<absl::StatusOr<CertificateRoute>> RouteCertificates(std::string_view method,
                                                                  std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<std::string_view> segments = Segments(path);
  if (segments[0] == "certificates") return RouteLive(method, segments);
  if (segments[0] == "deletedcertificates") return RouteDeleted(method, segments);
  return std::nullopt;
}

const char* RequiredPermission(CertificateOp op) {
  switch (op) {
    case Op::kCreate:
    case Op::kMerge:
      return "create";
    case Op::kImport:
      return "import";
    case Op::kGet:
    case Op::kGetPolicy:
    case Op::kGetOperation:
    case Op::kGetDeleted:
      return "get";
    case Op::kUpdate:
    case Op::kUpdatePolicy:
    case Op::kCancelOperation:
    case Op::kDeleteOperation:  // Azure's DeleteCertificateOperation needs certificates/update
      return "update";
    case Op::kList:
    case Op::kListVersions:
    case Op::kListDeleted:
      return "list";
    case Op::kDelete:
      return "delete";
    case Op::kRecover:
      return "recover";
    case Op::kPurge:
      return "purge";
    case Op::kBackup:
      return "backup";
    case Op::kRestore:
      return "restore";
    case Op::kSetIssuer:
    case Op::kUpdateIssuer:
      return "setissuers";
    case Op::kGetIssuer:
      return "getissuers";
    case Op::kDeleteIssuer:
      return "deleteissuers";
    case Op::kListIssuers:
      return "listissuers";
    case Op::kSetContacts:
    case Op::kGetContacts:
    case Op::kDeleteContacts:
      return "managecontacts";
  }
  return "none";
}

std::string AuditObject(const CertificateRoute& route) {
  switch (route.op) {
    case Op::kSetIssuer:
    case Op::kUpdateIssuer:
    case Op::kGetIssuer:
    case Op::kDeleteIssuer:
    case Op::kListIssuers:
      return route.name.empty() ? "certificates/issuers" : "certificates/issuers/" + route.name;
    case Op::kSetContacts:
    case Op::kGetContacts:
    case Op::kDeleteContacts:
      return "certificates/contacts";
    default:
      break;
  }
  std::string object = route.name.empty() ? "certificates" : "certificates/" + route.name;
  if (!route.version.empty()) object += "/" + route.version;
  return object;
}

// A switch, not a table: -Wswitch (an error here) names a new operation without an audit name.
const char* OperationName(CertificateOp op) {
  switch (op) {
    case Op::kCreate:
      return "CertificateCreate";
    case Op::kImport:
      return "CertificateImport";
    case Op::kGet:
      return "CertificateGet";
    case Op::kUpdate:
      return "CertificateUpdate";
    case Op::kList:
      return "CertificateList";
    case Op::kListVersions:
      return "CertificateListVersions";
    case Op::kGetPolicy:
      return "CertificatePolicyGet";
    case Op::kUpdatePolicy:
      return "CertificatePolicyUpdate";
    case Op::kGetOperation:
      return "CertificatePendingGet";
    case Op::kCancelOperation:
      return "CertificatePendingCancel";
    case Op::kDeleteOperation:
      return "CertificatePendingDelete";
    case Op::kMerge:
      return "CertificatePendingMerge";
    case Op::kDelete:
      return "CertificateDelete";
    case Op::kGetDeleted:
      return "CertificateGetDeleted";
    case Op::kListDeleted:
      return "CertificateListDeleted";
    case Op::kRecover:
      return "CertificateRecover";
    case Op::kPurge:
      return "CertificatePurge";
    case Op::kBackup:
      return "CertificateBackup";
    case Op::kRestore:
      return "CertificateRestore";
    case Op::kSetIssuer:
      return "CertificateIssuerSet";
    case Op::kUpdateIssuer:
      return "CertificateIssuerUpdate";
    case Op::kGetIssuer:
      return "CertificateIssuerGet";
    case Op::kDeleteIssuer:
      return "CertificateIssuerDelete";
    case Op::kListIssuers:
      return "CertificateIssuerList";
    case Op::kSetContacts:
      return "CertificateContactsSet";
    case Op::kGetContacts:
      return "CertificateContactsGet";
    case Op::kDeleteContacts:
      return "CertificateContactsDelete";
  }
  return "CertificateUnknown";
}

http::Response CertificatesApi::Serve(const CertificateRoute& route, const http::Request& request,
                                      const domain::Vault& vault, std::string_view base_url,
                                      std::string_view api_version,
                                      std::string_view request_id) {
  auto response = Run(route, request, vault, base_url, api_version);
  if (response.ok()) return std::move(*response);
  const absl::Status& status = response.status();
  // Azure answers a create or import during an operation with 409 and code Forbidden (sic).
  if (domain::ReasonOf(status) == domain::reason::kCertificateOperationInProgress) {
    return AzureError(409, "Forbidden", AsStd(status.message()));
  }
  return AzureError(status, NotFoundCode(route.op), request_id);
}

absl::StatusOr<http::Response> CertificatesApi::Run(const CertificateRoute& route,
                                                    const http::Request& request,
                                                    const domain::Vault& vault,
                                                    std::string_view base_url,
                                                    std::string_view api_version) {
  auto bundle = [&](const domain::Certificate& c) {
    return JsonOk([&](JsonWriter& w) { WriteCertificateBundle(w, base_url, vault, c); });
  };
  auto operation = [&](const domain::CertificateOperation& op) {
    return JsonOk([&](JsonWriter& w) { WriteCertificateOperation(w, base_url, op); });
  };
  const std::string self = std::string(base_url) + "/certificates/" + route.name;
  switch (route.op) {
    case Op::kCreate: {
      COFFER_ASSIGN_OR_RETURN(CreateCertificateRequest create,
                              ParseCreateCertificate(request.body));
      COFFER_ASSIGN_OR_RETURN(
          auto op, certificates_.Create(vault, route.name, create.policy, create.options));
      // Azure's 202 always shows the request as accepted, in progress; the Python SDK's poller
      // takes any other status as the end and never fetches the certificate. GET .../pending
      // then tells the outcome (for issuer Self, completed at once).
      op.status = "inProgress";
      if (op.status_details.empty()) op.status_details = kSelfDetails;
      http::Response response = operation(op);
      response.status = 202;
      response.headers.Add("Location", self + "/pending?api-version=" + std::string(api_version) +
                                           "&request_id=" + op.request_id);
      response.headers.Add("Retry-After", "10");
      return response;
    }
    case Op::kImport: {
      COFFER_ASSIGN_OR_RETURN(ImportCertificateRequest import,
                              ParseImportCertificate(request.body));
      service::CertificateService::PolicyChange change;
      if (import.policy_patch.has_value()) {
        change = [&](const domain::CertificatePolicy& derived)
            -> absl::StatusOr<domain::CertificatePolicy> {
          domain::CertificatePolicy policy = derived;
          COFFER_RETURN_IF_ERROR(ApplyPolicyPatch(*import.policy_patch, policy));
          return policy;
        };
      }
      COFFER_ASSIGN_OR_RETURN(auto c,
                              certificates_.Import(vault, route.name, import.import, change));
      return bundle(c);
    }
    case Op::kGet: {
      COFFER_ASSIGN_OR_RETURN(auto c, certificates_.Get(vault, route.name, route.version));
      return bundle(c);
    }
    case Op::kUpdate: {
      COFFER_ASSIGN_OR_RETURN(domain::CertificateUpdate update,
                              ParseUpdateCertificate(request.body));
      COFFER_ASSIGN_OR_RETURN(auto c,
                              certificates_.Update(vault, route.name, route.version, update));
      return bundle(c);
    }
    case Op::kGetPolicy: {
      COFFER_ASSIGN_OR_RETURN(auto policy, certificates_.GetPolicy(vault, route.name));
      return JsonOk(
          [&](JsonWriter& w) { WriteCertificatePolicy(w, base_url, route.name, policy); });
    }
    case Op::kUpdatePolicy: {
      COFFER_ASSIGN_OR_RETURN(
          auto policy,
          certificates_.UpdatePolicy(
              vault, route.name,
              [&](const domain::CertificatePolicy& current)
                  -> absl::StatusOr<domain::CertificatePolicy> {
                domain::CertificatePolicy changed = current;
                COFFER_RETURN_IF_ERROR(ApplyPolicyPatch(request.body, changed));
                return changed;
              }));
      return JsonOk(
          [&](JsonWriter& w) { WriteCertificatePolicy(w, base_url, route.name, policy); });
    }
    case Op::kGetOperation: {
      COFFER_ASSIGN_OR_RETURN(auto op, certificates_.GetOperation(vault, route.name));
      return operation(op);
    }
    case Op::kCancelOperation: {
      COFFER_RETURN_IF_ERROR(ParseCancelOperation(request.body));
      COFFER_ASSIGN_OR_RETURN(auto op, certificates_.CancelOperation(vault, route.name));
      return operation(op);
    }
    case Op::kDeleteOperation: {
      COFFER_ASSIGN_OR_RETURN(auto op, certificates_.DeleteOperation(vault, route.name));
      return operation(op);
    }
    case Op::kMerge: {
      COFFER_ASSIGN_OR_RETURN(MergeCertificateRequest merge,
                              ParseMergeCertificate(request.body));
      COFFER_ASSIGN_OR_RETURN(auto c,
                              certificates_.Merge(vault, route.name, merge.chain, merge.overrides));
      http::Response response = bundle(c);
      response.status = 201;
      response.headers.Add("Location", self + "?api-version=" + std::string(api_version));
      return response;
    }
    case Op::kDelete: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, certificates_.Delete(vault, route.name));
      return JsonOk(
          [&](JsonWriter& w) { WriteDeletedCertificateBundle(w, base_url, vault, deleted); });
    }
    case Op::kGetDeleted: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, certificates_.GetDeleted(vault, route.name));
      return JsonOk(
          [&](JsonWriter& w) { WriteDeletedCertificateBundle(w, base_url, vault, deleted); });
    }
    case Op::kRecover: {
      COFFER_ASSIGN_OR_RETURN(auto c, certificates_.Recover(vault, route.name));
      return bundle(c);
    }
    case Op::kPurge: {
      COFFER_RETURN_IF_ERROR(certificates_.Purge(vault, route.name));
      return http::Response::Text(204, "", "application/json; charset=utf-8");
    }
    case Op::kBackup: {
      COFFER_ASSIGN_OR_RETURN(std::string blob, certificates_.Backup(vault, route.name));
      return JsonOk([&](JsonWriter& w) {
        w.BeginObject().Key("value").String(Base64UrlEncode(blob)).EndObject();
      });
    }
    case Op::kRestore: {
      COFFER_ASSIGN_OR_RETURN(std::string blob, ParseRestoreSecret(request.body));
      COFFER_ASSIGN_OR_RETURN(auto c, certificates_.Restore(vault, blob));
      return bundle(c);
    }
    case Op::kList:
    case Op::kListVersions:
    case Op::kListDeleted:
      return List(route, request, vault, base_url, api_version);
    case Op::kSetIssuer:
    case Op::kUpdateIssuer:
    case Op::kGetIssuer:
    case Op::kDeleteIssuer:
    case Op::kListIssuers:
    case Op::kSetContacts:
    case Op::kGetContacts:
    case Op::kDeleteContacts:
      return RunIssuersAndContacts(route, request, vault, base_url);
  }
  return absl::InternalError("unrouted certificates operation");
}

absl::StatusOr<http::Response> CertificatesApi::RunIssuersAndContacts(
    const CertificateRoute& route, const http::Request& request, const domain::Vault& vault,
    std::string_view base_url) {
  auto issuer = [&](const domain::CertificateIssuer& i) {
    return JsonOk([&](JsonWriter& w) { WriteIssuer(w, base_url, i); });
  };
  auto contacts = [&](const std::vector<domain::CertificateContact>& c) {
    return JsonOk([&](JsonWriter& w) { WriteContacts(w, base_url, c); });
  };
  switch (route.op) {
    case Op::kSetIssuer: {
      COFFER_ASSIGN_OR_RETURN(domain::CertificateIssuer wanted, ParseIssuer(request.body, true));
      wanted.name = route.name;
      COFFER_ASSIGN_OR_RETURN(auto set, certificates_.issuers().SetIssuer(vault, wanted));
      return issuer(set);
    }
    case Op::kUpdateIssuer: {
      COFFER_ASSIGN_OR_RETURN(
          auto updated,
          certificates_.issuers().UpdateIssuer(vault, route.name, [&](domain::CertificateIssuer& i) {
            return ApplyIssuerPatch(request.body, i);
          }));
      return issuer(updated);
    }
    case Op::kGetIssuer: {
      COFFER_ASSIGN_OR_RETURN(auto got, certificates_.issuers().GetIssuer(vault, route.name));
      return issuer(got);
    }
    case Op::kDeleteIssuer: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, certificates_.issuers().DeleteIssuer(vault, route.name));
      return issuer(deleted);
    }
    case Op::kListIssuers: {
      COFFER_ASSIGN_OR_RETURN(auto all, certificates_.issuers().ListIssuers(vault));
      return JsonOk([&](JsonWriter& w) {
        w.BeginObject().Key("value").BeginArray();
        for (const auto& i : all) {
          w.BeginObject()
              .Key("id")
              .String(std::string(base_url) + "/certificates/issuers/" + i.name)
              .Key("provider")
              .String(i.provider)
              .EndObject();
        }
        w.EndArray().EndObject();
      });
    }
    case Op::kSetContacts: {
      COFFER_ASSIGN_OR_RETURN(auto wanted, ParseContacts(request.body));
      COFFER_ASSIGN_OR_RETURN(auto set, certificates_.issuers().SetContacts(vault, wanted));
      return contacts(set);
    }
    case Op::kGetContacts: {
      COFFER_ASSIGN_OR_RETURN(auto got, certificates_.issuers().GetContacts(vault));
      return contacts(got);
    }
    case Op::kDeleteContacts: {
      COFFER_ASSIGN_OR_RETURN(auto deleted, certificates_.issuers().DeleteContacts(vault));
      return contacts(deleted);
    }
    default:
      return absl::InternalError("not an issuers or contacts operation");
  }
}

absl::StatusOr<http::Response> CertificatesApi::List(const CertificateRoute& route,
                                                     const http::Request& request,
                                                     const domain::Vault& vault,
                                                     std::string_view base_url,
                                                     std::string_view api_version) {
  auto pending = request.query.find("includePending");
  const bool include_pending = pending != request.query.end() && pending->second == "true";
  return ListResponse(
      request, base_url, api_version,
      [&](const std::string& continuation, std::size_t max,
          JsonWriter& w) -> absl::StatusOr<std::string> {
        if (route.op == Op::kListDeleted) {
          COFFER_ASSIGN_OR_RETURN(auto page,
                                  certificates_.ListDeleted(vault, continuation, max));
          for (const auto& d : page.items) WriteDeletedCertificateItem(w, base_url, vault, d);
          return page.continuation;
        }
        const bool versions = route.op == Op::kListVersions;
        COFFER_ASSIGN_OR_RETURN(
            auto page, versions ? certificates_.ListVersions(vault, route.name, continuation, max)
                                : certificates_.List(vault, continuation, max, include_pending));
        for (const auto& p : page.items) WriteCertificateItem(w, base_url, vault, p, versions);
        return page.continuation;
      });
}

}  // namespace coffer::api::rest
