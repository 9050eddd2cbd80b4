#include "lib/kube/leader_elector.h"

#include <cstdint>
#include <utility>

#include "lib/base/status.h"

namespace coffer::kube {
namespace {

using nlohmann::json;

std::string StringField(const json& object, const char* field) {
  if (!object.is_object()) return "";
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::int64_t IntField(const json& object, const char* field) {
  if (!object.is_object()) return 0;
  auto it = object.find(field);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

LeaderElector::LeaderElector(KubeClient& client, Clock& clock, LeaderElectionConfig config)
    : client_(client), clock_(clock), config_(std::move(config)) {}

LeaderElector::~LeaderElector() { Stop(); }

bool LeaderElector::IsLeader() const {
  absl::MutexLock lock(&mu_);
  return leader_;
}

json LeaderElector::NewLease(absl::Time now) const {
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
          {"spec",
           {{"holderIdentity", config_.identity},
            {"leaseDurationSeconds", absl::ToInt64Seconds(config_.lease_duration)},
            {"acquireTime", FormatMicroTime(now)},
            {"renewTime", FormatMicroTime(now)},
            {"leaseTransitions", 0}}}};
}

absl::Status LeaderElector::Attempt(absl::Time now) {
  absl::StatusOr<json> current = client_.Get(kLeases, config_.lease_namespace, config_.lease_name);
  if (!current.ok()) {
    if (current.status().code() != absl::StatusCode::kNotFound) return current.status();
    json created = NewLease(now);
    COFFER_RETURN_IF_ERROR(client_.Create(kLeases, config_.lease_namespace, created).status());
    absl::MutexLock lock(&mu_);
    observed_spec_ = created["spec"];
    observed_time_ = now;
    return absl::OkStatus();
  }
  json lease = *std::move(current);
  json spec = lease.contains("spec") ? lease["spec"] : json::object();
  const std::string holder = StringField(spec, "holderIdentity");
  bool expired;
  {
    absl::MutexLock lock(&mu_);
    if (spec != observed_spec_) {
      observed_spec_ = spec;
      observed_time_ = now;
    }
    std::int64_t seconds = IntField(spec, "leaseDurationSeconds");
    absl::Duration duration = seconds > 0 ? absl::Seconds(seconds) : config_.lease_duration;
    expired = observed_time_ + duration <= now;
  }
  if (!holder.empty() && holder != config_.identity && !expired) {
    return absl::FailedPreconditionError("lease " + config_.lease_name + " is held by " + holder);
  }
  json next = spec.is_object() ? spec : json::object();
  if (holder != config_.identity) {
    next["holderIdentity"] = config_.identity;
    next["acquireTime"] = FormatMicroTime(now);
    next["leaseTransitions"] = IntField(spec, "leaseTransitions") + 1;
  }
  next["leaseDurationSeconds"] = absl::ToInt64Seconds(config_.lease_duration);
  next["renewTime"] = FormatMicroTime(now);
  lease["spec"] = next;  // metadata.resourceVersion from the read makes this conditional
  COFFER_RETURN_IF_ERROR(client_.Update(kLeases, config_.lease_namespace, lease).status());
  absl::MutexLock lock(&mu_);
  observed_spec_ = std::move(next);
  observed_time_ = now;
  return absl::OkStatus();
}

absl::Status LeaderElector::TryAcquireOrRenew() {
  absl::MutexLock round(&round_mu_);
  const absl::Time now = clock_.Now();
  absl::Status status = Attempt(now);
  bool started = false;
  bool stopped = false;
  {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      started = !leader_;
      leader_ = true;
      last_renew_ = now;
    } else if (leader_ && (status.code() == absl::StatusCode::kFailedPrecondition ||
                           now - last_renew_ >= config_.renew_deadline)) {
      leader_ = false;
      stopped = true;
    }
  }
  if (started && config_.on_started_leading) config_.on_started_leading();
  if (stopped && config_.on_stopped_leading) config_.on_stopped_leading();
  return status;
}

absl::Status LeaderElector::Release() {
  COFFER_ASSIGN_OR_RETURN(json lease,
                          client_.Get(kLeases, config_.lease_namespace, config_.lease_name));
  if (!lease.contains("spec") || StringField(lease["spec"], "holderIdentity") != config_.identity) {
    return absl::OkStatus();
  }
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = FormatMicroTime(clock_.Now());
  return client_.Update(kLeases, config_.lease_namespace, lease).status();
}

void LeaderElector::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      TryAcquireOrRenew().IgnoreError();  // a failed round is retried next period
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), config_.retry_period);
      if (stopping_) return;
    }
  });
}

void LeaderElector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock round(&round_mu_);
  bool was_leader;
  {
    absl::MutexLock lock(&mu_);
    was_leader = std::exchange(leader_, false);
  }
  if (!was_leader) return;
  // Best effort: if the release fails the lease simply expires.
  Release().IgnoreError();
  if (config_.on_stopped_leading) config_.on_stopped_leading();
}

}  // namespace coffer::kube
