#include "operator/controller/vaultmount_reconciler.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "operator/controller/conditions.h"
#include "operator/controller/object_writes.h"

namespace coffer::op {
namespace {

using nlohmann::json;
namespace v1 = ::coffer::admin::v1;

v1alpha1::Condition Make(const char* type, bool ok, std::string reason, std::string message,
                         std::int64_t generation) {
  return {type, ok ? "True" : "False", std::move(reason), std::move(message), "", generation};
}

}  // namespace

// What Check found: the two conditions, and an error to retry on (the admin API failed).
struct VaultMountReconciler::Checks {
  v1alpha1::Condition vault;
  v1alpha1::Condition objects;
  absl::Status error;
};

VaultMountReconciler::Checks VaultMountReconciler::Check(const v1alpha1::VaultMount& vm) {
  const std::int64_t gen = vm.meta.generation;
  const v1alpha1::ObjectKey kv_key{vm.spec.vault_namespace, vm.spec.vault_name};
  auto unknown = [&](const std::string& why) {
    return Make(kObjectsResolvable, false, "VaultNotReady", why, gen);
  };
  std::optional<json> object = keyvaults_(kv_key);
  if (!object) {
    std::string why = "KeyVault " + kv_key.String() + " does not exist";
    return {Make(kVaultReady, false, "KeyVaultNotFound", why, gen), unknown(why), {}};
  }
  absl::StatusOr<v1alpha1::KeyVault> parsed_kv = v1alpha1::ParseKeyVault(*object);
  // What is in another namespace's vault is not this namespace's to learn, unless it allows.
  if (kv_key.ns != vm.meta.key.ns &&
      (!parsed_kv.ok() ||
       std::count(parsed_kv->spec.allow_policy_from_namespaces.begin(),
                  parsed_kv->spec.allow_policy_from_namespaces.end(), vm.meta.key.ns) == 0)) {
    std::string why = "KeyVault " + kv_key.String() + " does not list namespace " +
                      vm.meta.key.ns + " in spec.allowPolicyFromNamespaces";
    return {Make(kVaultReady, false, "NamespaceNotAllowed", why, gen), unknown(why), {}};
  }
  v1alpha1::KeyVault kv = v1alpha1::KeyVaultWithoutSpec(*object);
  const v1alpha1::Condition* ready = FindCondition(kv.status.conditions, kReady);
  if (ready == nullptr || ready->status != "True" || kv.status.vault_name.empty()) {
    std::string why = "KeyVault " + kv_key.String() + " is not Ready" +
                      (ready != nullptr && !ready->message.empty() ? ": " + ready->message : "");
    return {Make(kVaultReady, false, "KeyVaultNotReady", why, gen), unknown(why), {}};
  }
  Checks checks{Make(kVaultReady, true, "KeyVaultReady",
                     "KeyVault " + kv_key.String() + " is served at " + kv.status.vault_uri, gen),
                {}, {}};
  v1::ResolveObjectsRequest request;
  request.set_vault(kv.status.vault_name);
  for (const crd::MountObject& o : vm.spec.objects) {
    v1::ObjectRef* ref = request.add_objects();
    ref->set_type(crd::ObjectTypeName(o.type));
    ref->set_name(o.name);
    ref->set_version(o.version);
  }
  absl::StatusOr<v1::ResolveObjectsResponse> resolved = ctx_.admin.ResolveObjects(request);
  if (!resolved.ok()) {
    checks.objects = Make(kObjectsResolvable, false, "VaultUnreachable",
                          std::string(resolved.status().message()), gen);
    checks.error = resolved.status();
    return checks;
  }
  if (resolved->objects_size() != static_cast<int>(vm.spec.objects.size())) {
    checks.error = absl::InternalError("the vault resolved " +
                                       std::to_string(resolved->objects_size()) + " objects of " +
                                       std::to_string(vm.spec.objects.size()));
    checks.objects = Make(kObjectsResolvable, false, "VaultUnreachable",
                          std::string(checks.error.message()), gen);
    return checks;
  }
  std::vector<std::string> missing, skipped;
  for (int i = 0; i < resolved->objects_size(); ++i) {
    const v1::ObjectResolution& r = resolved->objects(i);
    if (r.resolvable()) continue;
    (vm.spec.objects[i].optional ? skipped : missing).push_back(r.reason());
  }
  std::string note = skipped.empty()
                         ? ""
                         : " (optional, would be skipped: " + absl::StrJoin(skipped, "; ") + ")";
  checks.objects =
      missing.empty()
          ? Make(kObjectsResolvable, true, "ObjectsResolvable",
                 "every required object can be read" + note, gen)
          : Make(kObjectsResolvable, false, "ObjectsNotResolvable",
                 absl::StrJoin(missing, "; ") + note, gen);
  return checks;
}

absl::Status VaultMountReconciler::Reconcile(const v1alpha1::ObjectKey& key) {
  std::optional<json> object = mounts_(key);
  if (!object) return absl::OkStatus();  // deleted: nothing of ours to clean up
  absl::StatusOr<v1alpha1::VaultMount> parsed = v1alpha1::ParseVaultMount(*object);
  v1alpha1::VaultMount vm = parsed.ok() ? *parsed : v1alpha1::VaultMountWithoutSpec(*object);
  if (vm.meta.deleting) return absl::OkStatus();
  const std::int64_t gen = vm.meta.generation;
  v1alpha1::Condition ready;
  absl::Status error;
  const absl::Time now = ctx_.clock.Now();
  if (!parsed.ok()) {
    ready = Make(kReady, false, "InvalidSpec", std::string(parsed.status().message()), gen);
  } else {
    Checks checks = Check(vm);
    error = checks.error;
    const bool ok = checks.vault.status == "True" && checks.objects.status == "True";
    ready = ok ? Make(kReady, true, "Ready", checks.objects.message, gen)
               : Make(kReady, false,
                      checks.vault.status != "True" ? checks.vault.reason : checks.objects.reason,
                      checks.vault.status != "True" ? checks.vault.message
                                                    : checks.objects.message,
                      gen);
    SetCondition(vm.status.conditions, checks.vault, now);
    SetCondition(vm.status.conditions, checks.objects, now);
  }
  vm.status.observed_generation = gen;
  if (SetCondition(vm.status.conditions, ready, now)) {
    ctx_.events
        .Record(*object, ready.status == "True" ? kube::EventType::kNormal
                                                : kube::EventType::kWarning,
                ready.reason, "Reconcile", ready.message)
        .IgnoreError();  // an event is a courtesy; the status is the record
  }
  absl::Status written =
      WriteStatus(ctx_.kube, v1alpha1::kVaultMounts, *object, ToJson(vm.status));
  if (!error.ok()) return error;
  return written;
}

}  // namespace coffer::op
