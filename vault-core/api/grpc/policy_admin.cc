#include "vault-core/api/grpc/policy_admin.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "vault-core/api/grpc/admin_call.h"

namespace coffer::api::admin {
namespace {

namespace pb = ::coffer::admin::v1;
using domain::ObjectKind;

absl::StatusOr<std::set<std::string>> Normalize(
    ObjectKind kind, const google::protobuf::RepeatedPtrField<std::string>& names) {
  return domain::NormalizePermissions(kind, std::vector<std::string>(names.begin(), names.end()));
}

absl::StatusOr<domain::AccessPolicy> FromProto(const pb::AccessPolicy& policy) {
  if (policy.object_id().empty()) {
    return absl::InvalidArgumentError("the policy needs the principal's object_id");
  }
  domain::AccessPolicy out;
  out.object_id = policy.object_id();
  COFFER_ASSIGN_OR_RETURN(out.secrets, Normalize(ObjectKind::kSecrets, policy.secrets()));
  COFFER_ASSIGN_OR_RETURN(out.keys, Normalize(ObjectKind::kKeys, policy.keys()));
  COFFER_ASSIGN_OR_RETURN(out.certificates,
                          Normalize(ObjectKind::kCertificates, policy.certificates()));
  return out;
}

void ToProto(const domain::AccessPolicy& policy, pb::AccessPolicy* out) {
  out->set_object_id(policy.object_id);
  out->mutable_secrets()->Assign(policy.secrets.begin(), policy.secrets.end());
  out->mutable_keys()->Assign(policy.keys.begin(), policy.keys.end());
  out->mutable_certificates()->Assign(policy.certificates.begin(), policy.certificates.end());
}

std::string PrincipalObject(const std::string& object_id) { return "principals/" + object_id; }

}  // namespace

absl::StatusOr<std::string> PolicyAdminService::VaultId(const std::string& name, bool live) {
  COFFER_ASSIGN_OR_RETURN(domain::Vault vault, vaults_.Get(name));
  if (live && vault.deleted) {
    return absl::FailedPreconditionError(
        absl::StrCat("vault ", name, " is deleted: recover it to change its access policies"));
  }
  return vault.id;
}

grpc::Status PolicyAdminService::SetAccessPolicy(grpc::ServerContext* context,
                                                 const pb::SetAccessPolicyRequest* request,
                                                 pb::AccessPolicy* response) {
  AdminCall call(context, audit_, "AdminAccessPolicySet");
  call.set_vault(request->vault());
  call.set_object(PrincipalObject(request->policy().object_id()));
  return call.Finish([&]() -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(domain::AccessPolicy policy, FromProto(request->policy()));
    COFFER_ASSIGN_OR_RETURN(std::string vault_id, VaultId(request->vault(), /*live=*/true));
    COFFER_RETURN_IF_ERROR(policies_.Set(vault_id, policy));
    ToProto(policy, response);
    return absl::OkStatus();
  }());
}

grpc::Status PolicyAdminService::RemoveAccessPolicy(grpc::ServerContext* context,
                                                    const pb::RemoveAccessPolicyRequest* request,
                                                    pb::RemoveAccessPolicyResponse*) {
  AdminCall call(context, audit_, "AdminAccessPolicyRemove");
  call.set_vault(request->vault());
  call.set_object(PrincipalObject(request->object_id()));
  return call.Finish([&]() -> absl::Status {
    // Allowed on a soft-deleted vault too: a grant withdrawn meanwhile must not come back when
    // the vault is recovered.
    COFFER_ASSIGN_OR_RETURN(std::string vault_id, VaultId(request->vault(), /*live=*/false));
    return policies_.Remove(vault_id, request->object_id());
  }());
}

grpc::Status PolicyAdminService::ListAccessPolicies(grpc::ServerContext* context,
                                                    const pb::ListAccessPoliciesRequest* request,
                                                    pb::ListAccessPoliciesResponse* response) {
  AdminCall call(context, audit_, "AdminAccessPolicyList");
  call.set_vault(request->vault());
  return call.Finish([&]() -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(std::string vault_id, VaultId(request->vault(), /*live=*/false));
    COFFER_ASSIGN_OR_RETURN(std::vector<domain::AccessPolicy> policies, policies_.List(vault_id));
    for (const auto& policy : policies) ToProto(policy, response->add_policies());
    return absl::OkStatus();
  }());
}

}  // namespace coffer::api::admin
