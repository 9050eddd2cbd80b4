#include "vault-core/api/grpc/principal_admin.h"

#include <optional>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "vault-core/api/grpc/admin_call.h"

namespace coffer::api::admin {
namespace {

namespace pb = ::coffer::admin::v1;

void ToProto(const domain::ClientSecretInfo& secret, pb::ClientSecret* out) {
  out->set_id(secret.id);
  out->set_hint(secret.hint);
  out->set_created_unix(absl::ToUnixSeconds(secret.created));
  out->set_expires_unix(secret.expires ? absl::ToUnixSeconds(*secret.expires) : 0);
}

void ToProto(const domain::ClientCertificateInfo& cert, pb::ClientCertificate* out) {
  out->set_id(cert.id);
  out->set_thumbprint(cert.thumbprint);
  out->set_thumbprint_sha256(cert.thumbprint_sha256);
  out->set_subject(cert.subject);
  out->set_not_before_unix(absl::ToUnixSeconds(cert.not_before));
  out->set_not_after_unix(absl::ToUnixSeconds(cert.not_after));
  out->set_created_unix(absl::ToUnixSeconds(cert.created));
}

void ToProto(const domain::Principal& principal, pb::Principal* out) {
  out->set_object_id(principal.object_id);
  out->set_client_id(principal.client_id);
  out->set_display_name(principal.display_name);
  for (const auto& secret : principal.secrets) ToProto(secret, out->add_secrets());
  for (const auto& cert : principal.certificates) ToProto(cert, out->add_certificates());
  out->set_created_unix(absl::ToUnixSeconds(principal.created));
  out->set_kind(principal.managed() ? pb::PRINCIPAL_KIND_MANAGED_IDENTITY
                                    : pb::PRINCIPAL_KIND_SERVICE_PRINCIPAL);
  if (principal.managed()) {
    out->mutable_service_account()->set_cluster(principal.service_account->cluster);
    out->mutable_service_account()->set_namespace_(principal.service_account->ns);
    out->mutable_service_account()->set_name(principal.service_account->name);
  }
}

domain::ServiceAccountSubject FromProto(const pb::ServiceAccountSubject& sa) {
  return {sa.cluster(), sa.namespace_(), sa.name()};
}

absl::Status Answer(const absl::StatusOr<domain::Principal>& principal, pb::Principal* out) {
  if (!principal.ok()) return principal.status();
  ToProto(*principal, out);
  return absl::OkStatus();
}

std::string PrincipalObject(const std::string& object_id) { return "principals/" + object_id; }

}  // namespace

grpc::Status PrincipalAdminService::CreatePrincipal(grpc::ServerContext* context,
                                                    const pb::CreatePrincipalRequest* request,
                                                    pb::Principal* response) {
  AdminCall call(context, audit_, "AdminPrincipalCreate");
  absl::StatusOr<domain::Principal> created = principals_.CreatePrincipal(request->display_name());
  if (created.ok()) call.set_object(PrincipalObject(created->object_id));
  return call.Finish(Answer(created, response));
}

grpc::Status PrincipalAdminService::CreateManagedIdentity(
    grpc::ServerContext* context, const pb::CreateManagedIdentityRequest* request,
    pb::Principal* response) {
  AdminCall call(context, audit_, "AdminManagedIdentityCreate");
  absl::StatusOr<domain::Principal> created =
      principals_.CreateManagedIdentity(FromProto(request->service_account()));
  if (created.ok()) call.set_object(PrincipalObject(created->object_id));
  return call.Finish(Answer(created, response));
}

grpc::Status PrincipalAdminService::FindManagedIdentity(
    grpc::ServerContext* context, const pb::FindManagedIdentityRequest* request,
    pb::Principal* response) {
  AdminCall call(context, audit_, "AdminManagedIdentityFind");
  absl::StatusOr<domain::Principal> found =
      principals_.FindManagedIdentity(FromProto(request->service_account()));
  if (found.ok()) call.set_object(PrincipalObject(found->object_id));
  return call.Finish(Answer(found, response));
}

grpc::Status PrincipalAdminService::GetPrincipal(grpc::ServerContext* context,
                                                 const pb::GetPrincipalRequest* request,
                                                 pb::Principal* response) {
  AdminCall call(context, audit_, "AdminPrincipalGet");
  call.set_object(PrincipalObject(request->object_id()));
  return call.Finish(Answer(principals_.Get(request->object_id()), response));
}

grpc::Status PrincipalAdminService::ListPrincipals(grpc::ServerContext* context,
                                                   const pb::ListPrincipalsRequest* request,
                                                   pb::ListPrincipalsResponse* response) {
  AdminCall call(context, audit_, "AdminPrincipalList");
  return call.Finish([&]() -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(std::vector<domain::Principal> principals, principals_.List());
    for (const auto& principal : principals) {
      pb::Principal* out = response->add_principals();
      ToProto(principal, out);
      if (request->kind() != pb::PRINCIPAL_KIND_UNSPECIFIED && out->kind() != request->kind()) {
        response->mutable_principals()->RemoveLast();
      }
    }
    return absl::OkStatus();
  }());
}

grpc::Status PrincipalAdminService::DeletePrincipal(grpc::ServerContext* context,
                                                    const pb::DeletePrincipalRequest* request,
                                                    pb::DeletePrincipalResponse*) {
  AdminCall call(context, audit_, "AdminPrincipalDelete");
  call.set_object(PrincipalObject(request->object_id()));
  return call.Finish(principals_.Delete(request->object_id()));
}

grpc::Status PrincipalAdminService::AddClientSecret(grpc::ServerContext* context,
                                                    const pb::AddClientSecretRequest* request,
                                                    pb::AddClientSecretResponse* response) {
  AdminCall call(context, audit_, "AdminClientSecretAdd");
  call.set_object(PrincipalObject(request->object_id()));
  grpc::Status answer = call.Finish([&]() -> absl::Status {
    if (request->expires_unix() < 0) {
      return absl::InvalidArgumentError("expires_unix must be 0 (never) or a time");
    }
    std::optional<absl::Time> expires;
    if (request->expires_unix() != 0) expires = absl::FromUnixSeconds(request->expires_unix());
    COFFER_ASSIGN_OR_RETURN(service::CreatedClientSecret created,
                            principals_.AddSecret(request->object_id(), expires));
    call.set_object(PrincipalObject(request->object_id()) + "/secrets/" + created.info.id);
    ToProto(created.info, response->mutable_secret());
    response->set_value(std::string(created.value.reveal()));
    return absl::OkStatus();
  }());
  // Unaudited, the secret stays unknown to everyone: drop the only copy of its value.
  if (!answer.ok()) response->Clear();
  return answer;
}

grpc::Status PrincipalAdminService::RemoveClientSecret(grpc::ServerContext* context,
                                                       const pb::RemoveClientSecretRequest* request,
                                                       pb::RemoveClientSecretResponse*) {
  AdminCall call(context, audit_, "AdminClientSecretRemove");
  call.set_object(PrincipalObject(request->object_id()) + "/secrets/" + request->secret_id());
  return call.Finish(principals_.RemoveSecret(request->object_id(), request->secret_id()));
}

grpc::Status PrincipalAdminService::AddClientCertificate(
    grpc::ServerContext* context, const pb::AddClientCertificateRequest* request,
    pb::AddClientCertificateResponse* response) {
  AdminCall call(context, audit_, "AdminClientCertificateAdd");
  call.set_object(PrincipalObject(request->object_id()));
  absl::StatusOr<domain::ClientCertificateInfo> added =
      principals_.AddCertificate(request->object_id(), request->certificate_pem());
  if (added.ok()) {
    call.set_object(PrincipalObject(request->object_id()) + "/certificates/" + added->id);
    ToProto(*added, response->mutable_certificate());
  }
  return call.Finish(added.status());
}

grpc::Status PrincipalAdminService::RemoveClientCertificate(
    grpc::ServerContext* context, const pb::RemoveClientCertificateRequest* request,
    pb::RemoveClientCertificateResponse*) {
  AdminCall call(context, audit_, "AdminClientCertificateRemove");
  call.set_object(PrincipalObject(request->object_id()) + "/certificates/" +
                  request->certificate_id());
  return call.Finish(
      principals_.RemoveCertificate(request->object_id(), request->certificate_id()));
}

}  // namespace coffer::api::admin
