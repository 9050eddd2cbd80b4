#include "operator/controller/accesspolicy_reconciler.h"

#include <algorithm>
#include <utility>

#include "lib/base/status.h"
#include "operator/controller/conditions.h"
#include "operator/controller/object_writes.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;
using v1alpha1::AccessPolicy;

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string SubjectText(const AccessPolicy& ap) {
  return ap.spec.service_account ? "ServiceAccount " + ap.spec.service_account->String()
                                 : "principal " + ap.spec.principal_object_id;
}

}  // namespace

struct AccessPolicyReconciler::Outcome {
  bool ready = false;
  bool revoked = false;  // the grant the status recorded was removed
  std::string reason;
  std::string message;
  absl::Status error;
  std::string principal_object_id;
  std::string client_id;
  std::string vault_name;
  v1alpha1::Permissions granted;

  static Outcome Waiting(std::string reason, std::string message) {
    Outcome o;
    o.reason = std::move(reason);
    o.message = std::move(message);
    return o;
  }
  static Outcome Retry(std::string reason, const absl::Status& error) {
    Outcome o = Waiting(std::move(reason), std::string(error.message()));
    o.error = error;
    return o;
  }
};

v1alpha1::Permissions AccessPolicyReconciler::GrantedBy(const v1::AccessPolicy& policy) {
  return {{policy.secrets().begin(), policy.secrets().end()},
          {policy.keys().begin(), policy.keys().end()},
          {policy.certificates().begin(), policy.certificates().end()}};
}

absl::Status AccessPolicyReconciler::Reconcile(const v1alpha1::ObjectKey& key) {
  std::optional<json> object = policies_(key);
  if (!object) return absl::OkStatus();
  absl::StatusOr<AccessPolicy> ap = v1alpha1::ParseAccessPolicy(*object);
  if (!ap.ok()) {
    // Status kept: the grant it records is revoked (or finalized), never orphaned.
    AccessPolicy shell = v1alpha1::AccessPolicyWithoutSpec(*object);
    if (shell.meta.deleting) return Finalize(*object, shell);
    Outcome invalid = Outcome::Waiting("InvalidSpec", std::string(ap.status().message()));
    invalid.revoked = true;
    absl::Status revoked = Revoke(shell.status);
    if (!revoked.ok()) invalid = Outcome::Retry("VaultUnreachable", revoked);
    return Report(*object, shell, invalid);
  }
  if (ap->meta.deleting) return Finalize(*object, *ap);
  const bool recheck = recheck_.Take(key);
  COFFER_ASSIGN_OR_RETURN(json current, AddFinalizer(ctx_.kube, v1alpha1::kAccessPolicies, *object,
                                                     kAccessPolicyFinalizer));
  const v1alpha1::ObjectKey& vault_key = ap->spec.vault;
  std::optional<json> kv_object = keyvaults_(vault_key);
  absl::StatusOr<v1alpha1::KeyVault> kv =
      kv_object ? v1alpha1::ParseKeyVault(*kv_object) : absl::NotFoundError("no KeyVault");
  Outcome outcome;
  if (!kv.ok()) {
    outcome = Outcome::Waiting("VaultNotFound", "KeyVault " + vault_key.String() +
                                                    " does not exist; create it, or fix "
                                                    "spec.vaultRef");
    outcome.revoked = true;
  } else if (vault_key.ns != key.ns &&
             std::count(kv->spec.allow_policy_from_namespaces.begin(),
                        kv->spec.allow_policy_from_namespaces.end(), key.ns) == 0) {
    outcome = Outcome::Waiting("NamespaceNotAllowed", "KeyVault " + vault_key.String() +
                                                          " does not list namespace " + key.ns +
                                                          " in spec.allowPolicyFromNamespaces");
    outcome.revoked = true;
  } else if (!ReadyAt(kv->status.conditions, kv->meta.generation) ||
             kv->status.vault_name.empty()) {
    const v1alpha1::Condition* why = FindCondition(kv->status.conditions, kReady);
    outcome = Outcome::Waiting(
        "VaultNotReady", "KeyVault " + vault_key.String() + " is not ready" +
                             (why != nullptr && !why->message.empty() ? ": " + why->message : ""));
    // A grant on another vault (the spec moved) goes now; one on this vault waits with it.
    outcome.revoked = ap->status.vault_name != kv->status.vault_name;
  } else if (!recheck && ReadyAt(ap->status.conditions, ap->meta.generation) &&
             ap->status.vault_name == kv->status.vault_name) {
    outcome.ready = true;  // current: no admin call
    outcome.principal_object_id = ap->status.principal_object_id;
    outcome.client_id = ap->status.client_id;
    outcome.vault_name = ap->status.vault_name;
    outcome.granted = ap->status.granted;
  } else if (std::optional<v1alpha1::ObjectKey> winner = OlderDuplicate(*ap, current)) {
    // Not revoked: the grant on record is the same (subject, vault) the older policy holds.
    outcome = Outcome::Waiting("DuplicateSubject", "AccessPolicy " + winner->String() +
                                                       " already grants this subject on KeyVault " +
                                                       vault_key.String() +
                                                       "; put the permissions in one policy");
  } else {
    outcome = Grant(*ap, kv->status.vault_name);
  }
  if (outcome.revoked) {
    absl::Status revoked = Revoke(ap->status);
    if (!revoked.ok()) outcome = Outcome::Retry("VaultUnreachable", revoked);
  }
  if (outcome.ready) {
    outcome.reason = "PolicySet";
    outcome.message = SubjectText(*ap) + " may use vault " + outcome.vault_name +
                      " (secrets: " + Join(outcome.granted.secrets) +
                      "; keys: " + Join(outcome.granted.keys) +
                      "; certificates: " + Join(outcome.granted.certificates) + ")";
    // Pods of a granted ServiceAccount mount the CA (the workload-identity webhook injects it),
    // whether or not their namespace has a KeyVault.
    if (ap->spec.service_account) {  // the namespace of the ServiceAccount, where its pods run
      outcome.error =
          EnsureCaConfigMap(ctx_.kube, ap->spec.service_account->ns, ctx_.settings.ca_pem);
    }
  }
  return Report(current, *ap, outcome);
}

absl::StatusOr<v1::Principal> AccessPolicyReconciler::ResolveSubject(const AccessPolicy& ap) {
  if (ap.spec.service_account) {
    v1::CreateManagedIdentityRequest request;
    request.mutable_service_account()->set_cluster(ctx_.settings.cluster_name);
    request.mutable_service_account()->set_namespace_(ap.spec.service_account->ns);
    request.mutable_service_account()->set_name(ap.spec.service_account->name);
    return ctx_.admin.CreateManagedIdentity(request);
  }
  v1::GetPrincipalRequest request;
  request.set_object_id(ap.spec.principal_object_id);
  return ctx_.admin.GetPrincipal(request);
}

AccessPolicyReconciler::Outcome AccessPolicyReconciler::Grant(const AccessPolicy& ap,
                                                              const std::string& vault_name) {
  // What cannot be granted revokes the grant on record: it no longer describes the spec.
  auto revoking = [](Outcome o) {
    o.revoked = true;
    return o;
  };
  absl::StatusOr<v1::Principal> principal = ResolveSubject(ap);
  if (absl::IsNotFound(principal.status())) {
    return revoking(Outcome::Waiting(
        "PrincipalNotFound",
        "Coffer has no principal " + ap.spec.principal_object_id + " (see coffer principal list)"));
  }
  if (absl::IsInvalidArgument(principal.status())) {
    return revoking(Outcome::Waiting("InvalidSubject", std::string(principal.status().message())));
  }
  if (!principal.ok()) return Outcome::Retry("VaultUnreachable", principal.status());
  const std::string object_id = principal->object_id();
  if (!ap.status.principal_object_id.empty() &&
      (ap.status.principal_object_id != object_id || ap.status.vault_name != vault_name)) {
    absl::Status revoked = Revoke(ap.status);  // the subject or vault changed: old grant first
    if (!revoked.ok()) return Outcome::Retry("VaultUnreachable", revoked);
  }
  v1::SetAccessPolicyRequest request;
  request.set_vault(vault_name);
  v1::AccessPolicy* policy = request.mutable_policy();
  policy->set_object_id(object_id);
  for (const std::string& p : ap.spec.permissions.secrets) policy->add_secrets(p);
  for (const std::string& p : ap.spec.permissions.keys) policy->add_keys(p);
  for (const std::string& p : ap.spec.permissions.certificates) policy->add_certificates(p);
  absl::StatusOr<v1::AccessPolicy> set = ctx_.admin.SetAccessPolicy(request);
  if (absl::IsNotFound(set.status()) || absl::IsFailedPrecondition(set.status())) {
    return revoking(Outcome::Waiting("VaultNotReady", std::string(set.status().message())));
  }
  if (absl::IsInvalidArgument(set.status())) {
    return revoking(Outcome::Waiting("InvalidPermissions", std::string(set.status().message())));
  }
  if (absl::IsResourceExhausted(set.status())) {
    // The vault holds 1024 principals' policies: only a person can make room (this principal
    // holds none there, so there is nothing to revoke). Looked at again at the next resync.
    return Outcome::Waiting("PolicyLimitReached", std::string(set.status().message()));
  }
  if (!set.ok()) return Outcome::Retry("VaultUnreachable", set.status());
  Outcome ready;
  ready.ready = true;
  ready.principal_object_id = object_id;
  ready.client_id = principal->client_id();
  ready.vault_name = vault_name;
  ready.granted = GrantedBy(*set);
  return ready;
}

absl::Status AccessPolicyReconciler::Revoke(const v1alpha1::AccessPolicyStatus& status) {
  if (status.vault_name.empty() || status.principal_object_id.empty()) return absl::OkStatus();
  v1::RemoveAccessPolicyRequest request;
  request.set_vault(status.vault_name);
  request.set_object_id(status.principal_object_id);
  absl::Status removed = ctx_.admin.RemoveAccessPolicy(request).status();
  // Gone already (the grant, or the vault with everything in it). A soft-deleted vault still
  // has its grants, and removes them: a recovered vault must not bring this one back.
  if (absl::IsNotFound(removed)) return absl::OkStatus();
  return removed;
}

absl::Status AccessPolicyReconciler::Report(const json& object, AccessPolicy ap,
                                            const Outcome& outcome) {
  if (outcome.ready) {
    ap.status.principal_object_id = outcome.principal_object_id;
    ap.status.client_id = outcome.client_id;
    ap.status.vault_name = outcome.vault_name;
    ap.status.granted = outcome.granted;
  } else if (outcome.revoked && outcome.error.ok()) {
    ap.status.principal_object_id.clear();
    ap.status.client_id.clear();
    ap.status.vault_name.clear();
    ap.status.granted = {};
  }
  ap.status.observed_generation = ap.meta.generation;
  v1alpha1::Condition ready{kReady,
                            outcome.ready ? "True" : "False",
                            outcome.reason,
                            outcome.message,
                            "",
                            ap.meta.generation};
  if (SetCondition(ap.status.conditions, ready, ctx_.clock.Now())) {
    ctx_.events
        .Record(object, outcome.ready ? kube::EventType::kNormal : kube::EventType::kWarning,
                ready.reason, "Reconcile", ready.message)
        .IgnoreError();
  }
  absl::Status written =
      WriteStatus(ctx_.kube, v1alpha1::kAccessPolicies, object, ToJson(ap.status));
  if (!outcome.error.ok()) return outcome.error;
  return written;
}

std::string AccessPolicyReconciler::SubjectName(const json& object) {
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) return "";
  auto subject = spec->find("subject");
  if (subject == spec->end() || !subject->is_object()) return "";
  for (const auto& [kind, field] :
       {std::pair{"serviceAccount", "name"}, std::pair{"principal", "objectId"}}) {
    auto it = subject->find(kind);
    if (it != subject->end() && it->is_object()) return it->value(field, "");
  }
  return "";
}

std::optional<v1alpha1::ObjectKey> AccessPolicyReconciler::OlderDuplicate(const AccessPolicy& ap,
                                                                          const json& object) {
  auto age = [](const json& o) {
    return std::make_pair(o.value("/metadata/creationTimestamp"_json_pointer, std::string()),
                          v1alpha1::ObjectKey::Of(o).String());
  };
  const std::string want =
      ap.spec.service_account ? ap.spec.service_account->name : ap.spec.principal_object_id;
  const auto mine = age(object);
  for (const json& other_object : same_subject_(want)) {
    absl::StatusOr<AccessPolicy> other = v1alpha1::ParseAccessPolicy(other_object);
    if (!other.ok() || other->meta.key == ap.meta.key || other->meta.deleting ||
        !(other->spec.vault == ap.spec.vault) ||
        other->spec.principal_object_id != ap.spec.principal_object_id ||
        other->spec.service_account.has_value() != ap.spec.service_account.has_value() ||
        (ap.spec.service_account && !(*other->spec.service_account == *ap.spec.service_account))) {
      continue;
    }
    if (age(other_object) < mine) return other->meta.key;
  }
  return std::nullopt;
}

absl::Status AccessPolicyReconciler::Finalize(const json& object, const AccessPolicy& ap) {
  if (!HasFinalizer(object, kAccessPolicyFinalizer)) return absl::OkStatus();
  if (v1alpha1::Abandoned(object)) {
    ctx_.events
        .Record(object, kube::EventType::kWarning, "Abandoned", "Delete",
                "finalizer removed without revoking the grant in Coffer (coffer.dev/abandon)")
        .IgnoreError();
    return RemoveFinalizer(ctx_.kube, v1alpha1::kAccessPolicies, object, kAccessPolicyFinalizer);
  }
  COFFER_RETURN_IF_ERROR(Revoke(ap.status));
  return RemoveFinalizer(ctx_.kube, v1alpha1::kAccessPolicies, object, kAccessPolicyFinalizer);
}

}  // namespace coffer::op
