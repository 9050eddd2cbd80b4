#include "operator/controller/secretsync_reconciler.h"

#include <algorithm>
#include <utility>

#include "lib/pkix/certificate_secret.h"
#include "operator/controller/conditions.h"
#include "operator/controller/object_writes.h"
#include "operator/controller/synced_secret.h"

namespace coffer::op {
namespace {

using nlohmann::json;
using v1alpha1::SecretSync;
using v1alpha1::SyncData;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// The KeyVault as messages name it: "prod", or "team-b/prod" in another namespace.
std::string VaultName(const SecretSync& sync) {
  return sync.spec.vault.ns == sync.meta.key.ns ? sync.spec.vault.name : sync.spec.vault.String();
}

std::string ObjectText(const SyncData& d) {
  return std::string(d.object_type == v1alpha1::SyncObjectType::kCertificate ? "certificate "
                                                                             : "secret ") +
         d.object_name + (d.object_version.empty() ? "" : " (version " + d.object_version + ")");
}

// Refreshes fall on a grid of the refresh interval, phased per ServiceAccount: every SecretSync
// of one identity and interval refreshes at the same instants, so one vault read of an object
// serves them all (however far apart they were created), and no two refreshes of one SecretSync
// are more than an interval apart. The phase is a stable hash, the same in every replica.
//
// In whole seconds, as lastSyncTime records them (a refresh at an instant then reads as done at
// it); the interval is at most a year (the spec's bound), so nothing here can overflow.
std::int64_t PeriodSeconds(const SecretSync& sync) {
  return std::clamp<std::int64_t>(absl::ToInt64Seconds(sync.spec.refresh_interval), 1,
                                  absl::ToInt64Seconds(v1alpha1::kMaxRefreshInterval));
}

absl::Time NextRefresh(const SecretSync& sync, absl::Time after) {
  const std::string identity = sync.meta.key.ns + "/" + sync.spec.service_account;
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (char c : identity) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  const std::int64_t period = PeriodSeconds(sync);
  const std::int64_t phase = static_cast<std::int64_t>(hash % static_cast<std::uint64_t>(period));
  const std::int64_t t = absl::ToUnixSeconds(after) - phase;
  const std::int64_t floor = t >= 0 ? t / period : -((-t + period - 1) / period);
  return absl::FromUnixSeconds((floor + 1) * period + phase);
}

// How old a read another SecretSync of the same identity made may be and still serve: made at
// or after the identity's latest refresh instant. So a version written at any time reaches the
// Secret at the first refresh instant after it (within an interval, plus the time to reach the
// SecretSync in the queue), however the reads are shared.
absl::Duration SharedFor(const SecretSync& sync, absl::Time now) {
  return now - (NextRefresh(sync, now) - absl::Seconds(PeriodSeconds(sync)));
}

}  // namespace

// Where a reconcile got: synced, waiting for a person (reason and message; looked at again
// after a while), refused for good (an invalid spec), or failed in a way worth retrying soon
// (error, with backoff).
struct SecretSyncReconciler::Outcome {
  bool synced = false;
  bool waiting = false;
  std::string reason;
  std::string message;
  absl::Status error;
  std::vector<v1alpha1::SyncedVersion> versions;
  std::string secret_name;  // what status.secretName says afterwards
  std::string written;      // "created", "updated", "replaced": worth an Event

  void Wait(std::string why, std::string text) {
    waiting = true;
    reason = std::move(why);
    message = std::move(text);
  }
  void Retry(std::string why, const absl::Status& status) {
    reason = std::move(why);
    message = std::string(status.message());
    error = status;
  }
  bool failed() const { return waiting || !error.ok() || !reason.empty(); }
};

SecretSyncReconciler::SecretSyncReconciler(ReconcilerContext context, vaultclient::Vault& vault,
                                           Lister syncs, Lister keyvaults, PoliciesIn policies,
                                           SecretSyncOptions options)
    : ctx_(context),
      syncs_(std::move(syncs)),
      keyvaults_(std::move(keyvaults)),
      policies_(std::move(policies)),
      recheck_waiting_(options.recheck_waiting),
      reads_(context.kube, vault, context.clock, [&] {
        SharedVaultReadsOptions reads = options.reads;
        reads.audience = context.settings.token_audience;
        return reads;
      }()) {}

SecretSyncReconciler::Result SecretSyncReconciler::Reconcile(const v1alpha1::ObjectKey& key) {
  std::optional<json> object = syncs_(key);
  if (!object) return {};  // deleted: its ownerReference lets the garbage collector do the rest
  absl::StatusOr<SecretSync> parsed = v1alpha1::ParseSecretSync(*object);
  if (!parsed.ok()) {
    SecretSync shell = v1alpha1::SecretSyncWithoutSpec(*object);
    if (shell.meta.deleting) return {};
    Outcome invalid;
    invalid.reason = "InvalidSpec";
    invalid.message = std::string(parsed.status().message());
    invalid.secret_name = shell.status.secret_name;
    return Report(*object, std::move(shell), invalid);
  }
  if (parsed->meta.deleting) return {};
  if (std::optional<absl::Duration> left = CurrentFor(*parsed, ctx_.clock.Now())) {
    return {absl::OkStatus(), left};
  }
  return Report(*object, *parsed, Sync(*parsed));
}

std::optional<absl::Duration> SecretSyncReconciler::CurrentFor(const SecretSync& sync,
                                                               absl::Time now) {
  const v1alpha1::SecretSyncStatus& status = sync.status;
  absl::Time last;
  std::string error;
  if (!ReadyAt(status.conditions, sync.meta.generation) ||
      status.observed_generation != sync.meta.generation ||
      status.secret_name != sync.spec.target.name || status.synced_versions.empty() ||
      !absl::ParseTime(absl::RFC3339_full, status.last_sync_time, &last, &error)) {
    return std::nullopt;
  }
  const absl::Duration left = NextRefresh(sync, last) - now;
  if (left <= absl::ZeroDuration()) return std::nullopt;
  absl::StatusOr<json> secret = ctx_.kube.Get(kSecrets, sync.meta.key.ns, sync.spec.target.name);
  if (!secret.ok() || !OwnedBy(*secret, sync)) return std::nullopt;
  const json annotations = secret->value("/metadata/annotations"_json_pointer, json::object());
  if (!annotations.is_object() ||
      annotations.value(kSyncedVersionsAnnotation, "") != EncodeVersions(status.synced_versions) ||
      secret->value("type", "Opaque") != sync.spec.target.type) {
    return std::nullopt;  // changed or replaced behind the operator's back: sync now
  }
  return left;
}

SecretSyncReconciler::Outcome SecretSyncReconciler::Sync(const SecretSync& sync) {
  Outcome outcome;
  outcome.secret_name = sync.status.secret_name;
  std::optional<ReadIdentity> who = Identify(sync, outcome);
  if (!who) return outcome;
  absl::Status signed_in = reads_.SignIn(*who);
  const std::string msg(signed_in.message());
  if (absl::IsNotFound(signed_in)) {
    outcome.Wait("ServiceAccountNotFound", msg + "; create it, or fix spec.serviceAccountName");
  } else if (absl::IsPermissionDenied(signed_in)) {
    outcome.Wait("TokenRequestDenied",
                 msg + " (the operator needs create on serviceaccounts/token)");
  } else if (absl::IsUnauthenticated(signed_in)) {
    outcome.Wait("SignInRefused", msg);
  } else if (!signed_in.ok()) {
    outcome.Retry("SignInFailed", signed_in);  // the API server's or the vault's outage
  }
  if (outcome.failed()) return outcome;
  std::optional<std::map<std::string, SecretBytes>> data = ReadAll(sync, *who, outcome);
  if (!data) return outcome;
  Write(sync, *data, outcome);
  if (outcome.failed()) return outcome;
  outcome.synced = true;
  ReleaseRenamed(sync, outcome);
  return outcome;
}

std::optional<ReadIdentity> SecretSyncReconciler::Identify(const SecretSync& sync,
                                                           Outcome& outcome) {
  const v1alpha1::ObjectKey& kv_key = sync.spec.vault;
  const std::string& ns = sync.meta.key.ns;
  std::optional<json> object = keyvaults_(kv_key);
  if (!object) {
    outcome.Wait("VaultNotFound", "KeyVault " + kv_key.String() +
                                      " does not exist; create it, or fix spec.vaultRef");
    return std::nullopt;
  }
  if (kv_key.ns != ns) {
    absl::StatusOr<v1alpha1::KeyVault> parsed = v1alpha1::ParseKeyVault(*object);
    const std::vector<std::string>* allowed =
        parsed.ok() ? &parsed->spec.allow_policy_from_namespaces : nullptr;
    if (allowed == nullptr || std::count(allowed->begin(), allowed->end(), ns) == 0) {
      outcome.Wait("NamespaceNotAllowed", "KeyVault " + kv_key.String() +
                                              " does not list namespace " + ns +
                                              " in spec.allowPolicyFromNamespaces");
      return std::nullopt;
    }
  }
  const v1alpha1::KeyVault kv = v1alpha1::KeyVaultWithoutSpec(*object);
  const v1alpha1::Condition* ready = FindCondition(kv.status.conditions, kReady);
  if (ready == nullptr || ready->status != "True" || kv.status.vault_uri.empty()) {
    outcome.Wait("VaultNotReady",
                 "KeyVault " + kv_key.String() + " is not Ready" +
                     (ready != nullptr && !ready->message.empty() ? ": " + ready->message : ""));
    return std::nullopt;
  }
  ReadIdentity who{kv.status.vault_uri, "", ns, sync.spec.service_account};
  while (!who.vault_url.empty() && who.vault_url.back() == '/') who.vault_url.pop_back();
  // The rule coffer-csi follows: an AccessPolicy of this namespace whose subject is the
  // ServiceAccount, once the operator has published its client id.
  const v1alpha1::ObjectKey sa{ns, sync.spec.service_account};
  for (const json& policy : policies_(ns)) {
    absl::StatusOr<v1alpha1::AccessPolicy> ap = v1alpha1::ParseAccessPolicy(policy);
    if (ap.ok() && ap->spec.service_account && *ap->spec.service_account == sa &&
        !ap->status.client_id.empty()) {
      who.client_id = ap->status.client_id;
      return who;
    }
  }
  outcome.Wait("NoIdentity", "ServiceAccount " + sa.String() +
                                 " has no managed identity: no AccessPolicy in " + ns +
                                 " names it (or coffer-operator has not reconciled it yet)");
  return std::nullopt;
}

namespace {

struct Failure {
  std::string reason;
  std::string message;
  bool retry = false;
};

Failure ReadFailure(const SyncData& d, const ReadIdentity& who, const std::string& vault,
                    const absl::Status& status) {
  const std::string what = ObjectText(d);
  const std::string said(status.message());
  switch (status.code()) {
    case absl::StatusCode::kPermissionDenied:
      return {"Forbidden", "ServiceAccount " + who.String() + " may not get " + what +
                               " in vault " + vault + ": " + said};
    case absl::StatusCode::kNotFound:
      return {"ObjectNotFound", what + " does not exist in vault " + vault};
    case absl::StatusCode::kFailedPrecondition:
      return {"NoUsableVersion", what + " in vault " + vault + " cannot be read: " + said};
    case absl::StatusCode::kUnauthenticated:
      return {"SignInRefused", what + " in vault " + vault + ": " + said, true};
    default:
      return {"VaultUnreachable", "reading " + what + " in vault " + vault + ": " + said, true};
  }
}

// The bytes `d` puts in the Secret, from what the vault returned for its object.
absl::StatusOr<SecretBytes> ValueOf(const SyncData& d, const vaultclient::FetchedObject& fetched,
                                    const std::string& vault, Failure& failure) {
  if (d.value_template == v1alpha1::SyncTemplate::kValue) {
    return SecretBytes(fetched.value.reveal());
  }
  absl::StatusOr<pkix::CertificateSecret> cert =
      pkix::ReadCertificateSecret(fetched.value, fetched.content_type);
  if (!cert.ok()) {
    failure = {"InvalidCertificate",
               ObjectText(d) + " in vault " + vault +
                   " is not a certificate's secret: " + std::string(cert.status().message())};
    return cert.status();
  }
  if (d.value_template == v1alpha1::SyncTemplate::kTlsCrt) return SecretBytes(cert->chain_pem);
  if (cert->private_key_pem.empty()) {
    failure = {"KeyNotExportable", ObjectText(d) + " in vault " + vault +
                                       " has no exportable private key, so key " + d.key +
                                       " cannot be written"};
    return absl::FailedPreconditionError(failure.message);
  }
  return SecretBytes(cert->private_key_pem.reveal());
}

}  // namespace

std::optional<std::map<std::string, SecretBytes>> SecretSyncReconciler::ReadAll(
    const SecretSync& sync, const ReadIdentity& who, Outcome& outcome) {
  const std::string vault = VaultName(sync);
  // Each object once per reconcile, however many keys it feeds (a certificate's tls.crt and
  // tls.key), then shared with other SecretSyncs of the same identity through reads_.
  std::map<std::pair<std::string, std::string>, absl::StatusOr<vaultclient::FetchedObject>> got;
  for (const SyncData& d : sync.spec.data) {
    const auto id = std::make_pair(d.object_name, d.object_version);
    if (got.count(id) == 0) {
      got.emplace(
          id, reads_.ReadSecret(who, d.object_name, d.object_version,
                                SharedFor(sync, ctx_.clock.Now())));
    }
  }
  std::map<std::string, SecretBytes> data;
  std::vector<Failure> failures;
  for (const SyncData& d : sync.spec.data) {
    const absl::StatusOr<vaultclient::FetchedObject>& fetched =
        got.at({d.object_name, d.object_version});
    if (!fetched.ok()) {
      failures.push_back(ReadFailure(d, who, vault, fetched.status()));
      if (failures.back().retry) {
        outcome.Retry(failures.back().reason, fetched.status());
        outcome.message = failures.back().message;
        return std::nullopt;
      }
      continue;
    }
    Failure failure;
    absl::StatusOr<SecretBytes> value = ValueOf(d, *fetched, vault, failure);
    if (value.ok() && sync.spec.target.type == "kubernetes.io/dockerconfigjson" &&
        d.key == ".dockerconfigjson" && !json::accept(value->reveal())) {
      failure = {"InvalidValue", "the value of " + ObjectText(d) + " in vault " + vault +
                                     " is not JSON, so it cannot be a .dockerconfigjson"};
      value = absl::InvalidArgumentError(failure.message);
    }
    if (!value.ok()) {
      failures.push_back(failure);
      continue;
    }
    data.emplace(d.key, *std::move(value));
    outcome.versions.push_back({d.key, d.object_name, fetched->version});
  }
  if (failures.empty()) return data;
  std::string message;
  for (const Failure& f : failures) message += (message.empty() ? "" : "; ") + f.message;
  outcome.Wait(failures.front().reason,
               message + ". Nothing is written until every key can be read");
  return std::nullopt;
}

void SecretSyncReconciler::Write(const SecretSync& sync,
                                 const std::map<std::string, SecretBytes>& data, Outcome& outcome) {
  const std::string& ns = sync.meta.key.ns;
  const std::string& name = sync.spec.target.name;
  const std::string what = "Secret " + ns + "/" + name;
  auto failed = [&](const absl::Status& status) {
    if (absl::IsInvalidArgument(status)) {
      outcome.Wait("SecretRefused",
                   "the API server refused " + what + ": " + std::string(status.message()));
    } else {
      outcome.Retry("KubernetesError", status);
    }
  };
  absl::StatusOr<json> existing = ctx_.kube.Get(kSecrets, ns, name);
  if (absl::IsNotFound(existing.status())) {
    absl::Status created =
        ctx_.kube.Create(kSecrets, ns, DesiredSecret(sync, data, outcome.versions, nullptr))
            .status();
    if (!created.ok()) return failed(created);
    outcome.written = "created";
    return;
  }
  if (!existing.ok()) return failed(existing.status());
  if (!OwnedBy(*existing, sync)) {
    outcome.Wait("SecretExists", what +
                                     " exists and was not made by this SecretSync, so it is "
                                     "left alone: delete it, or set spec.target.name");
    return;
  }
  json desired = DesiredSecret(sync, data, outcome.versions, &*existing);
  if (SameContent(*existing, desired)) return;
  if (existing->value("type", "Opaque") == desired.value("type", "Opaque")) {
    absl::Status updated = ctx_.kube.Update(kSecrets, ns, desired).status();
    if (!updated.ok()) return failed(updated);
    outcome.written = "updated";
    return;
  }
  // A Secret's type is immutable (the API server refuses an update that changes it), so a new
  // type means a new Secret: delete the one read (by uid and resourceVersion, so that nobody
  // else's later write is lost), then create it. Readers may miss it between the two calls.
  kube::DeleteOptions only_that;
  only_that.precondition_uid = existing->value("/metadata/uid"_json_pointer, std::string());
  only_that.precondition_resource_version =
      existing->value("/metadata/resourceVersion"_json_pointer, std::string());
  absl::Status deleted = ctx_.kube.Delete(kSecrets, ns, name, only_that);
  if (!deleted.ok() && !absl::IsNotFound(deleted)) return failed(deleted);
  absl::Status created =
      ctx_.kube.Create(kSecrets, ns, DesiredSecret(sync, data, outcome.versions, nullptr)).status();
  if (!created.ok()) return failed(created);
  outcome.written = "replaced";
}

void SecretSyncReconciler::ReleaseRenamed(const SecretSync& sync, Outcome& outcome) {
  const std::string old = sync.status.secret_name;
  outcome.secret_name = sync.spec.target.name;
  if (old.empty() || old == sync.spec.target.name) return;
  const std::string& ns = sync.meta.key.ns;
  absl::StatusOr<json> secret = ctx_.kube.Get(kSecrets, ns, old);
  absl::Status released = secret.status();
  if (absl::IsNotFound(released)) return;
  if (released.ok() && OwnedBy(*secret, sync)) {
    if (sync.spec.deletion_policy == v1alpha1::DeletionPolicy::kDelete) {
      kube::DeleteOptions only_that;
      only_that.precondition_uid = secret->value("/metadata/uid"_json_pointer, std::string());
      released = ctx_.kube.Delete(kSecrets, ns, old, only_that);
      if (absl::IsNotFound(released)) released = absl::OkStatus();
    } else if (HasOwnerReference(*secret, sync.meta.uid)) {
      released = ctx_.kube.Update(kSecrets, ns, WithoutOwnerReference(*secret, sync)).status();
    }
  }
  if (!released.ok()) {
    // Still recorded, so that the next reconcile finishes with it.
    outcome.secret_name = old;
    outcome.error = released;
  }
}

SecretSyncReconciler::Result SecretSyncReconciler::Report(const json& object, SecretSync sync,
                                                          const Outcome& outcome) {
  const absl::Time now = ctx_.clock.Now();
  const std::int64_t gen = sync.meta.generation;
  v1alpha1::SecretSyncStatus& status = sync.status;
  status.observed_generation = gen;
  status.secret_name = outcome.secret_name;
  std::string message = outcome.message;
  if (outcome.synced) {
    status.synced_versions = outcome.versions;
    status.last_sync_time = Rfc3339(now);
    message = "Secret " + sync.spec.target.name + " holds " +
              std::to_string(outcome.versions.size()) + " key(s) from vault " + VaultName(sync) +
              ", read as ServiceAccount " + sync.meta.key.ns + "/" + sync.spec.service_account;
  }
  v1alpha1::Condition ready{kReady,
                            outcome.synced ? "True" : "False",
                            outcome.synced ? "Synced" : outcome.reason,
                            message,
                            "",
                            gen};
  if (SetCondition(status.conditions, ready, now)) {
    ctx_.events
        .Record(object, outcome.synced ? kube::EventType::kNormal : kube::EventType::kWarning,
                ready.reason, "Sync", ready.message)
        .IgnoreError();  // an event is a courtesy; the status is the record
  }
  if (!outcome.written.empty()) {
    std::string note = "Secret " + sync.spec.target.name + " " + outcome.written + ": " +
                       EncodeVersions(outcome.versions);
    ctx_.events
        .Record(object, kube::EventType::kNormal,
                outcome.written == "created" ? "SecretCreated" : "SecretUpdated", "Sync", note)
        .IgnoreError();
  }
  absl::Status written =
      WriteStatus(ctx_.kube, v1alpha1::kSecretSyncs, object, v1alpha1::ToJson(status));
  if (!outcome.error.ok()) return {outcome.error, std::nullopt};
  if (!written.ok()) return {written, std::nullopt};
  if (outcome.synced) return {absl::OkStatus(), NextRefresh(sync, now) - now};
  if (outcome.waiting) {
    return {absl::OkStatus(), std::min(sync.spec.refresh_interval, recheck_waiting_)};
  }
  return {};  // an invalid spec: its next change requeues it
}

}  // namespace coffer::op
