#include "operator/controller/keyvault_reconciler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "lib/base/status.h"
#include "operator/controller/conditions.h"
#include "operator/controller/object_writes.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;
using v1alpha1::KeyVault;

const kube::ResourceRef kServices{"", "v1", "services", true};

// Coffer's vault names, as Azure's: 3-24 letters, digits and single hyphens, a letter first.
bool IsVaultName(const std::string& name) {
  if (name.size() < 3 || name.size() > 24 || !std::isalpha(static_cast<unsigned char>(name[0])) ||
      name.back() == '-' || name.find("--") != std::string::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

v1::Sku SkuOf(const std::string& sku) {
  return sku == "premium" ? v1::SKU_PREMIUM : v1::SKU_STANDARD;
}

}  // namespace

// How far the vault got: ready (with the vault), waiting for a person (reason, message), or
// failed in a way worth retrying (error).
struct KeyVaultReconciler::Outcome {
  bool ready = false;
  std::string reason;
  std::string message;
  v1::Vault vault;
  absl::Status error;

  static Outcome Waiting(std::string reason, std::string message) {
    return {false, std::move(reason), std::move(message), {}, absl::OkStatus()};
  }
  static Outcome Retry(std::string reason, const absl::Status& error) {
    return {false, std::move(reason), std::string(error.message()), {}, error};
  }
};

std::string KeyVaultReconciler::VaultNameFor(const KeyVault& kv) {
  if (!kv.spec.vault_name.empty()) return kv.spec.vault_name;
  std::string name = kv.meta.key.ns + "-" + kv.meta.key.name;
  return IsVaultName(name) ? name : "";
}

std::vector<std::string> KeyVaultReconciler::HostnamesFor(const KeyVault& kv) const {
  const std::string service = kv.meta.key.name + "." + kv.meta.key.ns + ".svc";
  std::vector<std::string> hosts = {service, service + "." + ctx_.settings.cluster_domain};
  for (const std::string& h : kv.spec.hostnames) {
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  }
  return hosts;
}

absl::Status KeyVaultReconciler::Reconcile(const v1alpha1::ObjectKey& key) {
  std::optional<json> object = keyvaults_(key);
  if (!object) return absl::OkStatus();  // gone: nothing to do
  absl::StatusOr<KeyVault> kv = v1alpha1::ParseKeyVault(*object);
  if (!kv.ok()) {
    // Status kept, so the vault it records can still be found and soft-deleted.
    KeyVault shell = v1alpha1::KeyVaultWithoutSpec(*object);
    if (shell.meta.deleting) return Finalize(*object, shell);
    return Report(*object, shell,
                  Outcome::Waiting("InvalidSpec", std::string(kv.status().message())));
  }
  if (kv->meta.deleting) return Finalize(*object, *kv);
  // The CRD refuses .svc.cluster.local; under another cluster domain a Service name of that
  // domain (another KeyVault's, or the vault's own) must not be claimable either.
  const std::string cluster_suffix = ".svc." + ctx_.settings.cluster_domain;
  for (const std::string& host : kv->spec.hostnames) {
    if (absl::EndsWith(host, cluster_suffix)) {
      return Report(*object, *kv,
                    Outcome::Waiting("InvalidSpec",
                                     "spec.hostnames: cluster Service names are "
                                     "not allowed: " +
                                         host));
    }
  }
  const bool recheck = recheck_.Take(key);
  COFFER_ASSIGN_OR_RETURN(
      json current, AddFinalizer(ctx_.kube, v1alpha1::kKeyVaults, *object, kKeyVaultFinalizer));
  const std::string vault_name = VaultNameFor(*kv);
  if (vault_name.empty()) {
    return Report(current, *kv,
                  Outcome::Waiting("InvalidVaultName",
                                   "NAMESPACE-NAME is not a valid vault name (3-24 letters, digits "
                                   "and single hyphens); set spec.vaultName"));
  }
  Outcome outcome;
  if (!recheck && ReadyAt(kv->status.conditions, kv->meta.generation) &&
      kv->status.vault_name == vault_name && !kv->status.vault_id.empty()) {
    // Current: no admin call. The vault's own state is watched by the drift sweep.
    outcome.ready = true;
    outcome.vault.set_name(vault_name);
    outcome.vault.set_id(kv->status.vault_id);
  } else {
    outcome = EnsureVault(*kv, vault_name);
  }
  if (outcome.ready) {
    absl::Status kube_side = EnsureService(*kv);
    if (kube_side.ok()) kube_side = EnsureCaConfigMap(ctx_.kube, key.ns, ctx_.settings.ca_pem);
    if (!kube_side.ok()) outcome = Outcome::Retry("KubernetesError", kube_side);
  }
  return Report(current, *kv, outcome);
}

KeyVaultReconciler::Outcome KeyVaultReconciler::EnsureVault(const KeyVault& kv,
                                                            const std::string& vault_name) {
  const std::vector<std::string> hosts = HostnamesFor(kv);
  v1::GetVaultRequest get;
  get.set_name(vault_name);
  absl::StatusOr<v1::Vault> vault = ctx_.admin.GetVault(get);
  if (absl::IsNotFound(vault.status())) {
    if (!kv.status.vault_id.empty()) {
      return Outcome::Waiting(
          "VaultMissing", "vault " + vault_name + " (" + kv.status.vault_id +
                              ") no longer exists in Coffer; it was purged outside the operator. "
                              "Its secrets are gone; delete this KeyVault and create it again for "
                              "a new, empty vault");
    }
    v1::CreateVaultRequest create;
    create.set_name(vault_name);
    for (const std::string& h : hosts) create.add_hostnames(h);
    create.set_sku(SkuOf(kv.spec.sku));
    create.set_soft_delete_retention_days(kv.spec.soft_delete_retention_days);
    create.set_purge_protection(kv.spec.enable_purge_protection);
    vault = ctx_.admin.CreateVault(create);
    if (absl::IsAlreadyExists(vault.status()) || absl::IsInvalidArgument(vault.status())) {
      return Outcome::Waiting("VaultRejected", std::string(vault.status().message()));
    }
  }
  if (!vault.ok()) return Outcome::Retry("VaultUnreachable", vault.status());
  if (vault->deleted_unix() != 0) {
    if (!kv.spec.recover_if_soft_deleted) {
      return Outcome::Waiting(
          "VaultSoftDeleted",
          "a soft-deleted vault named " + vault_name +
              " exists; set spec.recoverIfSoftDeleted: "
              "true to recover it with its contents, or purge it (coffer vault purge " +
              vault_name + ") and its contents for a new one");
    }
    v1::RecoverVaultRequest recover;
    recover.set_name(vault_name);
    vault = ctx_.admin.RecoverVault(recover);
    if (!vault.ok()) return Outcome::Retry("VaultUnreachable", vault.status());
  }
  const bool ours = kv.status.vault_id.empty() ? std::count(vault->hostnames().begin(),
                                                            vault->hostnames().end(), hosts[0]) > 0
                                               : kv.status.vault_id == vault->id();
  if (!ours) {
    return Outcome::Waiting("VaultNameTaken", "Coffer already has another vault named " +
                                                  vault_name +
                                                  "; set spec.vaultName to another name");
  }
  const v1::UpdateVaultRequest update = UpdateFor(kv, *vault);
  if (update.update_mask_size() > 0) {
    vault = ctx_.admin.UpdateVault(update);
    if (absl::IsAlreadyExists(vault.status()) || absl::IsInvalidArgument(vault.status())) {
      return Outcome::Waiting("VaultRejected", std::string(vault.status().message()));
    }
    if (!vault.ok()) return Outcome::Retry("VaultUnreachable", vault.status());
  }
  Outcome ready;
  ready.ready = true;
  ready.vault = *vault;
  return ready;
}

v1::UpdateVaultRequest KeyVaultReconciler::UpdateFor(const KeyVault& kv,
                                                     const v1::Vault& vault) const {
  const std::vector<std::string> hosts = HostnamesFor(kv);
  v1::UpdateVaultRequest update;
  update.set_name(vault.name());
  if (!std::equal(vault.hostnames().begin(), vault.hostnames().end(), hosts.begin(), hosts.end())) {
    for (const std::string& h : hosts) update.add_hostnames(h);
    update.add_update_mask("hostnames");
  }
  if (vault.sku() != SkuOf(kv.spec.sku)) {
    update.set_sku(SkuOf(kv.spec.sku));
    update.add_update_mask("sku");
  }
  if (kv.spec.enable_purge_protection && !vault.purge_protection()) {
    update.set_purge_protection(true);
    update.add_update_mask("purge_protection");
  }
  return update;
}

absl::Status KeyVaultReconciler::EnsureService(const KeyVault& kv) {
  const json ports = {{{"name", "https"},
                       {"port", 443},
                       {"protocol", "TCP"},
                       {"targetPort", ctx_.settings.vault_port}}};
  json spec;
  if (!ctx_.settings.vault_service.empty()) {
    // A DNS alias: clients of prod.team-a.svc reach the vault's Service wherever it runs, and
    // still name prod.team-a.svc in SNI and Host, which picks the vault.
    spec = {
        {"type", "ExternalName"}, {"externalName", ctx_.settings.vault_service}, {"ports", ports}};
  } else {
    json selector = json::object();
    for (const auto& [k, v] : ctx_.settings.vault_selector) selector[k] = v;
    // The type said outright, so that an ExternalName Service turns back into one that selects.
    spec = {{"type", "ClusterIP"}, {"selector", selector}, {"ports", ports}};
  }
  json owner = {{"apiVersion", "coffer.dev/v1alpha1"},
                {"kind", "KeyVault"},
                {"name", kv.meta.key.name},
                {"uid", kv.meta.uid},
                {"controller", true},
                {"blockOwnerDeletion", true}};
  absl::StatusOr<json> existing = ctx_.kube.Get(kServices, kv.meta.key.ns, kv.meta.key.name);
  if (absl::IsNotFound(existing.status())) {
    json service = {{"apiVersion", "v1"},
                    {"kind", "Service"},
                    {"metadata",
                     {{"name", kv.meta.key.name},
                      {"namespace", kv.meta.key.ns},
                      {"labels", ManagedLabels()},
                      {"ownerReferences", {owner}}}},
                    {"spec", spec}};
    return ctx_.kube.Create(kServices, kv.meta.key.ns, service).status();
  }
  if (!existing.ok()) return existing.status();
  const json owners = existing->value("/metadata/ownerReferences"_json_pointer, json::array());
  const bool owned = std::any_of(owners.begin(), owners.end(), [&](const json& o) {
    return o.is_object() && o.value("uid", "") == kv.meta.uid;
  });
  if (!owned) {
    return absl::FailedPreconditionError("Service " + kv.meta.key.String() +
                                         " exists and belongs to something else");
  }
  const json& current = existing->value("spec", json::object());
  const bool same = std::all_of(spec.items().begin(), spec.items().end(), [&](const auto& field) {
    return current.value(field.key(), json()) == field.value();
  });
  if (same && current.contains("selector") == spec.contains("selector")) return absl::OkStatus();
  json updated = *existing;
  // The whole spec: a Service turning into an ExternalName must lose its cluster IP.
  updated["spec"] = spec;
  return ctx_.kube.Update(kServices, kv.meta.key.ns, updated).status();
}

absl::Status KeyVaultReconciler::Report(const json& object, KeyVault kv, const Outcome& outcome) {
  v1alpha1::Condition ready{
      kReady, outcome.ready ? "True" : "False", "", "", "", kv.meta.generation};
  if (outcome.ready) {
    kv.status.vault_name = outcome.vault.name();
    kv.status.vault_id = outcome.vault.id();
    kv.status.vault_uri = "https://" + kv.meta.key.name + "." + kv.meta.key.ns + ".svc";
    ready.reason = "VaultReady";
    ready.message = "vault " + outcome.vault.name() + " is served at " + kv.status.vault_uri;
  } else {
    ready.reason = outcome.reason;
    ready.message = outcome.message;
  }
  kv.status.observed_generation = kv.meta.generation;
  const bool changed = SetCondition(kv.status.conditions, ready, ctx_.clock.Now());
  if (changed) {
    ctx_.events
        .Record(object, outcome.ready ? kube::EventType::kNormal : kube::EventType::kWarning,
                ready.reason, "Reconcile", ready.message)
        .IgnoreError();  // an event is a courtesy; the status is the record
  }
  absl::Status written = WriteStatus(ctx_.kube, v1alpha1::kKeyVaults, object, ToJson(kv.status));
  if (!outcome.error.ok()) return outcome.error;
  return written;
}

absl::Status KeyVaultReconciler::Finalize(const json& object, const KeyVault& kv) {
  if (!HasFinalizer(object, kKeyVaultFinalizer)) return absl::OkStatus();
  if (v1alpha1::Abandoned(object)) {
    ctx_.events
        .Record(object, kube::EventType::kWarning, "Abandoned", "Delete",
                "finalizer removed without deleting vault " + kv.status.vault_name +
                    " in Coffer (coffer.dev/abandon)")
        .IgnoreError();
    return RemoveFinalizer(ctx_.kube, v1alpha1::kKeyVaults, object, kKeyVaultFinalizer);
  }
  std::string vault_name = kv.status.vault_id.empty() ? "" : kv.status.vault_name;
  if (vault_name.empty() && !VaultNameFor(kv).empty()) {
    // Created, but the status never said so (the write failed): ours if it carries our host.
    v1::GetVaultRequest get;
    get.set_name(VaultNameFor(kv));
    absl::StatusOr<v1::Vault> vault = ctx_.admin.GetVault(get);
    if (!vault.ok() && !absl::IsNotFound(vault.status())) return vault.status();
    if (vault.ok() && vault->deleted_unix() == 0 &&
        std::count(vault->hostnames().begin(), vault->hostnames().end(), HostnamesFor(kv)[0]) > 0) {
      vault_name = vault->name();
    }
  }
  if (!vault_name.empty()) {
    v1::DeleteVaultRequest request;
    request.set_name(vault_name);
    absl::StatusOr<v1::Vault> deleted = ctx_.admin.DeleteVault(request);
    if (!deleted.ok() && !absl::IsNotFound(deleted.status())) return deleted.status();
    if (deleted.ok()) {
      ctx_.events
          .Record(object, kube::EventType::kNormal, "VaultSoftDeleted", "Delete",
                  "vault " + vault_name + " was soft-deleted; it can be recovered for " +
                      std::to_string(deleted->soft_delete_retention_days()) + " days")
          .IgnoreError();
    }
  }
  return RemoveFinalizer(ctx_.kube, v1alpha1::kKeyVaults, object, kKeyVaultFinalizer);
}

}  // namespace coffer::op
