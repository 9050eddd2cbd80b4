#include "csi-driver/publish/publisher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "csi-driver/publish/object_files.h"
#include "lib/base/logging.h"
#include "lib/base/scoped_fd.h"
#include "lib/base/status.h"

namespace coffer::csi {
namespace {

// A vault error about one object, said for the pod's owner: which object, of which KeyVault,
// and why. NOT_FOUND becomes FAILED_PRECONDITION: to CSI, NOT_FOUND means "no such volume".
absl::Status ObjectError(const crd::MountObject& object, const crd::MountSpec& spec, const PodInfo& pod,
                         const absl::Status& status) {
  std::string what = std::string(crd::ObjectTypeName(object.type)) + " '" + object.name + "' of KeyVault " +
                     spec.vault_namespace + "/" + spec.vault_name;
  std::string why(status.message());
  switch (status.code()) {
    case absl::StatusCode::kPermissionDenied:
      return absl::PermissionDeniedError("ServiceAccount " + pod.ns + "/" + pod.service_account +
                                         " may not read " + what + ": " + why);
    case absl::StatusCode::kNotFound:
      return absl::FailedPreconditionError(what + " does not exist: " + why);
    default:
      return absl::Status(status.code(), what + ": " + why);
  }
}

// An optional object is skipped when it is refused or missing, never for a passing outage.
bool Skippable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kPermissionDenied ||
         status.code() == absl::StatusCode::kFailedPrecondition;
}

std::string Hex(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += absl::StrFormat("%02x", c);
  return out;
}

}  // namespace

Publisher::Publisher(Cluster& cluster, vaultclient::Vault& vault, Mounter& mounter,
                     ObjectCache& cache, Clock& clock, metrics::Registry& metrics,
                     PublisherOptions options)
    : cluster_(cluster),
      vault_(vault),
      mounter_(mounter),
      cache_(cache),
      clock_(clock),
      options_(std::move(options)),
      publishes_(metrics.GetCounter("coffer_csi_publishes_total",
                                    "NodePublishVolume calls answered OK, republishes included")),
      failures_(metrics.GetCounter("coffer_csi_publish_failures_total",
                                   "NodePublishVolume calls that failed")),
      rotations_(metrics.GetCounter("coffer_csi_rotations_total",
                                    "Times a live volume's files were swapped for new versions")),
      fetch_seconds_(metrics.GetHistogram(
          "coffer_csi_fetch_seconds",
          "Time to log in as the pod and read a volume's objects, cached reads included",
          {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})) {
  metrics.AddGauge("coffer_csi_volumes", "Volumes this driver has published",
                   [this] { return static_cast<double>(volume_count()); });
}

absl::Status Publisher::Recover() {
  if (mkdir(options_.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError("cannot create state directory " + options_.state_dir + ": " +
                               std::strerror(errno));
  }
  DIR* dir = opendir(options_.state_dir.c_str());
  if (dir == nullptr) {
    return absl::InternalError("cannot read state directory " + options_.state_dir + ": " +
                               std::strerror(errno));
  }
  std::vector<std::string> files;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) files.push_back(name);
  }
  closedir(dir);
  for (const std::string& name : files) {
    std::string path = options_.state_dir + "/" + name;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<VolumeRecord> record = DecodeRecord(text.str());
    absl::StatusOr<bool> mounted =
        record.ok() ? mounter_.IsMounted(record->target_path) : absl::StatusOr<bool>(false);
    if (!mounted.ok()) return mounted.status();
    if (!*mounted) {
      // Unpublished while the driver was away, or the node restarted: nothing to keep.
      unlink(path.c_str());
      continue;
    }
    absl::MutexLock lock(&mu_);
    volumes_[record->volume_id] = *std::move(record);
  }
  COFFER_LOG(kCsi, info, "recovered {} volume(s) from {}", volume_count(), options_.state_dir);
  return absl::OkStatus();
}

absl::Status Publisher::Publish(const PublishRequest& request) {
  std::optional<VolumeRecord> existing;
  {
    absl::MutexLock lock(&mu_);
    if (!busy_.insert(request.volume_id).second) {
      failures_.Increment();
      return absl::AbortedError("an operation on volume " + request.volume_id +
                                " is in progress");
    }
    auto it = volumes_.find(request.volume_id);
    if (it != volumes_.end()) existing = it->second;
  }
  absl::Status result;
  if (!existing) {
    result = FirstPublish(request);
  } else if (!existing->SameVolume(request)) {
    result = absl::AlreadyExistsError("volume " + request.volume_id + " is published at " +
                                      existing->target_path + " with other arguments");
  } else {
    absl::StatusOr<bool> mounted = mounter_.IsMounted(existing->target_path);
    if (!mounted.ok()) {
      result = mounted.status();
    } else if (!*mounted) {  // someone took the mount away: start again
      DropRecord(request.volume_id);
      result = FirstPublish(request);
    } else {
      result = Refresh(request, *std::move(existing));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    busy_.erase(request.volume_id);
  }
  (result.ok() ? publishes_ : failures_).Increment();
  if (!result.ok()) {
    COFFER_LOG(kCsi, warn, "publish of volume {} for pod {}/{} failed: {}", request.volume_id,
               request.pod.ns, request.pod.name, result.ToString());
  }
  return result;
}

absl::StatusOr<Publisher::FetchedSet> Publisher::FetchSet(const PublishRequest& request) {
  const PodInfo& pod = request.pod;
  COFFER_ASSIGN_OR_RETURN(crd::MountSpec spec, cluster_.GetVaultMount(pod.ns, request.vault_mount));
  COFFER_ASSIGN_OR_RETURN(std::string vault_url,
                          cluster_.VaultUrl(spec.vault_namespace, spec.vault_name));
  COFFER_ASSIGN_OR_RETURN(std::string client_id, cluster_.ClientId(pod.ns, pod.service_account));
  const absl::Time started = clock_.Now();
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<vaultclient::VaultSession> session,
                          vault_.SignIn(vault_url, client_id, request.pod_token));
  FetchedSet set;
  set.rotation_enabled = spec.rotation_enabled;
  set.rotation_interval = spec.rotation_interval;
  // Reads go out side by side (the first on this thread, the rest on the shared readers): a
  // publish waits for the vault's latency, not its CPU.
  std::vector<absl::StatusOr<vaultclient::FetchedObject>> results(spec.objects.size());
  auto read = [&](std::size_t i) {
    const crd::MountObject& object = spec.objects[i];
    // A certificate is its linked secret, read as a secret and shared with one: the cache holds
    // what the vault said, and each object's format is made from it below.
    const bool key = object.type == crd::ObjectType::kKey;
    std::string cache_key = vault_url + "\n" + client_id + (key ? "\nkey/" : "\nsecret/") +
                            object.name + "\n" + object.version;
    results[i] = cache_.Get(cache_key, [&] {
      return key ? session->ReadKey(object.name, object.version)
                 : session->ReadSecret(object.name, object.version);
    });
  };
  if (!results.empty()) {
    absl::BlockingCounter done(static_cast<int>(results.size()) - 1);
    for (std::size_t i = 1; i < results.size(); ++i) {
      readers_.Post([&read, &done, i] {
        read(i);
        done.DecrementCount();
      });
    }
    read(0);
    done.Wait();
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const crd::MountObject& object = spec.objects[i];
    absl::StatusOr<vaultclient::FetchedObject>& got = results[i];
    if (!got.ok()) {
      absl::Status error = ObjectError(object, spec, pod, got.status());
      if (object.optional && Skippable(error)) {
        cluster_.Warn(pod, "VaultObjectSkipped", "optional " + std::string(error.message()));
        continue;
      }
      return error;
    }
    // A value the format cannot be made from fails the mount even when optional: the object
    // is there and readable, so the VaultMount (or the object) needs fixing, not waiting for.
    absl::StatusOr<std::vector<FileToWrite>> files = FilesOf(object, *got);
    if (!files.ok()) return ObjectError(object, spec, pod, files.status());
    for (FileToWrite& file : *files) {
      set.written[file.name] = absl::StrFormat("%s %04o", got->version, file.mode);
      set.files.push_back(std::move(file));
    }
  }
  fetch_seconds_.Observe(absl::ToDoubleSeconds(clock_.Now() - started));
  return set;
}

absl::Status Publisher::FirstPublish(const PublishRequest& request) {
  COFFER_ASSIGN_OR_RETURN(FetchedSet set, FetchSet(request));
  const std::string& target = request.target_path;
  bool created = mkdir(target.c_str(), 0750) == 0;
  if (!created && errno != EEXIST) {
    return absl::InternalError("cannot create " + target + ": " + std::strerror(errno));
  }
  // A mount of ours without a record is a driver that died between mounting and saving: it is
  // reused, and taken away if this attempt fails too.
  bool ours = false;
  absl::StatusOr<bool> mounted = mounter_.IsMounted(target);
  absl::Status status = mounted.status();
  if (status.ok() && *mounted) {
    ours = true;
    status = mounter_.SetWritable(target, true);
  } else if (status.ok()) {
    status = mounter_.MountTmpfs(target, options_.tmpfs_size);
    ours = status.ok();
  }
  VolumeRecord record;
  record.volume_id = request.volume_id;
  record.target_path = target;
  record.readonly = request.readonly;
  record.vault_mount = request.vault_mount;
  record.pod = request.pod;
  record.written = set.written;
  record.rotation_enabled = set.rotation_enabled;
  record.rotation_interval = set.rotation_interval;
  record.refreshed = clock_.Now();
  if (status.ok()) status = WriteAtomically(target, set.files, record.refreshed);
  if (status.ok()) status = mounter_.SetWritable(target, false);
  if (status.ok()) status = SaveRecord(record);
  if (!status.ok()) {  // leave nothing behind
    if (ours) mounter_.Unmount(target).IgnoreError();
    RemoveSets(target);  // what --no-tmpfs wrote
    if (created || ours) rmdir(target.c_str());
    return status;
  }
  COFFER_LOG(kCsi, info, "published volume {} ({} file(s) of VaultMount {}/{}) for pod {}/{}",
             request.volume_id, set.files.size(), request.pod.ns, request.vault_mount,
             request.pod.ns, request.pod.name);
  absl::MutexLock lock(&mu_);
  volumes_[record.volume_id] = std::move(record);
  return absl::OkStatus();
}

absl::Status Publisher::Refresh(const PublishRequest& request, VolumeRecord record) {
  const absl::Time now = clock_.Now();
  if (now < record.refreshed + record.rotation_interval) return absl::OkStatus();
  if (!record.rotation_enabled) {
    // Rotation may have been turned on since: ask the VaultMount alone, not the vault.
    absl::StatusOr<crd::MountSpec> spec =
        cluster_.GetVaultMount(record.pod.ns, record.vault_mount);
    if (!spec.ok() || !spec->rotation_enabled) {
      if (spec.ok()) record.rotation_interval = spec->rotation_interval;
      record.refreshed = now;
      return Keep(std::move(record));
    }
  }
  // On any error the files stay as they are: a live mount is never emptied.
  COFFER_ASSIGN_OR_RETURN(FetchedSet set, FetchSet(request));
  if (set.written != record.written) {
    COFFER_RETURN_IF_ERROR(mounter_.SetWritable(record.target_path, true));
    absl::Status written = WriteAtomically(record.target_path, set.files, now);
    absl::Status sealed = mounter_.SetWritable(record.target_path, false);
    COFFER_RETURN_IF_ERROR(written);
    COFFER_RETURN_IF_ERROR(sealed);
    rotations_.Increment();
    COFFER_LOG(kCsi, info, "volume {} of pod {}/{}: new versions swapped in", record.volume_id,
               record.pod.ns, record.pod.name);
  }
  record.written = std::move(set.written);
  record.rotation_enabled = set.rotation_enabled;
  record.rotation_interval = set.rotation_interval;
  record.refreshed = now;
  return Keep(std::move(record));
}

absl::Status Publisher::Keep(VolumeRecord record) {
  COFFER_RETURN_IF_ERROR(SaveRecord(record));
  absl::MutexLock lock(&mu_);
  volumes_[record.volume_id] = std::move(record);
  return absl::OkStatus();
}

absl::Status Publisher::Unpublish(const std::string& volume_id, const std::string& target_path) {
  {
    absl::MutexLock lock(&mu_);
    if (!busy_.insert(volume_id).second) {
      return absl::AbortedError("an operation on volume " + volume_id + " is in progress");
    }
  }
  absl::Status status = mounter_.Unmount(target_path);
  if (status.ok()) {
    RemoveSets(target_path);  // what --no-tmpfs wrote; a tmpfs took its files with it
    if (rmdir(target_path.c_str()) != 0 && errno != ENOENT) {
      status = absl::InternalError("cannot remove " + target_path + ": " + std::strerror(errno));
    }
  }
  absl::MutexLock lock(&mu_);
  busy_.erase(volume_id);
  if (!status.ok()) return status;
  auto it = volumes_.find(volume_id);
  if (it != volumes_.end() && it->second.target_path == target_path) {
    volumes_.erase(it);
    unlink(RecordPath(volume_id).c_str());
    COFFER_LOG(kCsi, info, "unpublished volume {}", volume_id);
  }
  return absl::OkStatus();
}

std::size_t Publisher::volume_count() const {
  absl::MutexLock lock(&mu_);
  return volumes_.size();
}

std::string Publisher::RecordPath(const std::string& volume_id) const {
  return options_.state_dir + "/" + Hex(volume_id) + ".json";
}

absl::Status Publisher::SaveRecord(const VolumeRecord& record) {
  const std::string path = RecordPath(record.volume_id);
  const std::string tmp = path + ".tmp";
  const std::string text = EncodeRecord(record);
  ScopedFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  bool ok = fd.get() >= 0 && write(fd.get(), text.data(), text.size()) ==
                                 static_cast<ssize_t>(text.size()) &&
            fsync(fd.get()) == 0;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status failed =
        absl::InternalError("cannot save the state of volume " + record.volume_id + " in " +
                            options_.state_dir + ": " + std::strerror(errno));
    unlink(tmp.c_str());
    return failed;
  }
  return absl::OkStatus();
}

void Publisher::DropRecord(const std::string& volume_id) {
  unlink(RecordPath(volume_id).c_str());
  absl::MutexLock lock(&mu_);
  volumes_.erase(volume_id);
}

}  // namespace coffer::csi
