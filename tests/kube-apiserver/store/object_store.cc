#include "tests/kube-apiserver/store/object_store.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/time/time.h"

namespace coffer::kube::standin {
namespace {

using nlohmann::json;

std::string Key(std::string_view ns, std::string_view name) {
  return std::string(ns) + "/" + std::string(name);
}

std::string NameOf(const json& object) {
  const json& metadata = object.value("metadata", json::object());
  return metadata.is_object() ? metadata.value("name", "") : "";
}

// Everything but metadata and status: what a generation bump looks at.
json SpecPart(const json& object) {
  json out = object;
  for (const char* key : {"metadata", "status", "apiVersion", "kind"}) out.erase(key);
  return out;
}

// The store reads these as strings; anything else is a malformed request, not an exception.
absl::Status CheckMetadata(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return BadRequestError("Object 'metadata' is missing or not an object");
  }
  for (const char* field : {"name", "generateName", "namespace", "resourceVersion"}) {
    const json& metadata = object["metadata"];
    if (metadata.contains(field) && !metadata[field].is_string()) {
      return BadRequestError(std::string("metadata.") + field + " must be a string");
    }
  }
  return absl::OkStatus();
}

bool HasFinalizers(const json& object) {
  const json& metadata = object["metadata"];
  return metadata.contains("finalizers") && metadata["finalizers"].is_array() &&
         !metadata["finalizers"].empty();
}

}  // namespace

ObjectStore::ObjectStore(const Clock& clock, size_t history_limit)
    : clock_(clock), hub_(history_limit), random_(std::random_device{}()) {}

void ObjectStore::EnableStatusSubresource(std::string_view resource) {
  absl::MutexLock lock(&mu_);
  status_subresources_.insert(std::string(resource));
}

std::string ObjectStore::Now() const {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone());
}

std::string ObjectStore::NewUid() {
  uint64_t hi = random_();
  uint64_t lo = random_();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string ObjectStore::CurrentResourceVersion() const {
  absl::MutexLock lock(&mu_);
  return std::to_string(resource_version_);
}

void ObjectStore::CommitLocked(const std::string& resource, const std::string& type, json& object) {
  ++resource_version_;
  object["metadata"]["resourceVersion"] = std::to_string(resource_version_);
  hub_.Publish(resource_version_, resource, {type, object});
}

absl::StatusOr<json> ObjectStore::Create(std::string_view resource, std::string_view ns,
                                         json object) {
  ResourceName rn = ResourceName::Parse(resource);
  if (!object.is_object()) return BadRequestError("the object is not a JSON object");
  if (!object.contains("metadata")) object["metadata"] = json::object();
  if (absl::Status s = CheckMetadata(object); !s.ok()) return s;
  json& metadata = object["metadata"];
  std::string kind = object.contains("kind") && object["kind"].is_string() ? object["kind"] : "";
  if (metadata.contains("namespace") && !ns.empty() && metadata["namespace"] != ns) {
    return BadRequestError(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  {
    absl::MutexLock lock(&mu_);
    Objects& objects = resources_[std::string(resource)];
    std::string name = metadata.value("name", "");
    if (name.empty()) {
      std::string prefix = metadata.value("generateName", "");
      if (prefix.empty()) {
        return InvalidError(rn, kind, "", "metadata.name", "FieldValueRequired",
                            "Required value: name or generateName is required");
      }
      static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
      do {
        name = prefix;
        for (int i = 0; i < 5; ++i) name += kAlphabet[random_() % (sizeof(kAlphabet) - 1)];
      } while (objects.count(Key(ns, name)) > 0);
      metadata["name"] = name;
    }
    std::string key = Key(ns, name);
    if (objects.count(key) > 0) return AlreadyExistsError(rn, name);
    if (ns.empty()) {
      metadata.erase("namespace");
    } else {
      metadata["namespace"] = ns;
    }
    metadata.erase("deletionTimestamp");
    metadata.erase("deletionGracePeriodSeconds");
    metadata["uid"] = NewUid();
    metadata["creationTimestamp"] = Now();
    metadata["generation"] = 1;
    if (!kind.empty()) kinds_[std::string(resource)] = kind;
    CommitLocked(std::string(resource), "ADDED", object);
    objects[key] = object;
  }
  hub_.Drain();
  return object;
}

absl::StatusOr<json> ObjectStore::Update(std::string_view resource, std::string_view ns,
                                         json object, bool status_subresource) {
  if (absl::Status s = CheckMetadata(object); !s.ok()) return s;
  std::string key = Key(ns, NameOf(object));
  absl::StatusOr<json> result;
  {
    absl::MutexLock lock(&mu_);
    result = UpdateLocked(std::string(resource), key, std::move(object), status_subresource);
  }
  hub_.Drain();
  return result;
}

absl::StatusOr<json> ObjectStore::UpdateLocked(const std::string& resource, const std::string& key,
                                               json object, bool status_subresource) {
  ResourceName rn = ResourceName::Parse(resource);
  std::string name = NameOf(object);
  Objects& objects = resources_[resource];
  auto it = objects.find(key);
  if (it == objects.end()) return NotFoundError(rn, name);
  const json& old = it->second;
  const json& old_meta = old["metadata"];
  std::string given_rv = object["metadata"].value("resourceVersion", "");
  if (!given_rv.empty() && given_rv != old_meta.value("resourceVersion", "")) {
    return ConflictError(rn, name);
  }
  json updated;
  if (status_subresource) {
    updated = old;
    if (object.contains("status")) {
      updated["status"] = object["status"];
    } else {
      updated.erase("status");
    }
  } else {
    updated = std::move(object);
    json& meta = updated["metadata"];
    for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp",
                              "deletionGracePeriodSeconds", "generation", "namespace"}) {
      if (old_meta.contains(field)) {
        meta[field] = old_meta[field];
      } else {
        meta.erase(field);
      }
    }
    if (status_subresources_.count(resource) > 0) {
      if (old.contains("status")) {
        updated["status"] = old["status"];
      } else {
        updated.erase("status");
      }
    }
    for (const char* field : {"apiVersion", "kind"}) {
      if (!updated.contains(field) && old.contains(field)) updated[field] = old[field];
    }
    if (old_meta.contains("deletionTimestamp") && updated["metadata"].contains("finalizers")) {
      for (const json& f : updated["metadata"]["finalizers"]) {
        const json& old_list = old_meta.value("finalizers", json::array());
        if (std::find(old_list.begin(), old_list.end(), f) == old_list.end()) {
          return InvalidError(
              rn, old.value("kind", ""), name, "metadata.finalizers", "FieldValueForbidden",
              "Forbidden: no new finalizers can be added if the object is being deleted");
        }
      }
    }
    if (SpecPart(updated) != SpecPart(old)) {
      updated["metadata"]["generation"] = old_meta.value("generation", 1) + 1;
    }
  }
  updated["metadata"]["resourceVersion"] = old_meta.value("resourceVersion", "");
  if (updated == old) return old;  // a no-op update keeps the resourceVersion and sends nothing
  if (updated["metadata"].contains("deletionTimestamp") && !HasFinalizers(updated)) {
    it->second = std::move(updated);
    return RemoveLocked(resource, key);
  }
  CommitLocked(resource, "MODIFIED", updated);
  it->second = updated;
  return updated;
}

json ObjectStore::RemoveLocked(const std::string& resource, const std::string& key) {
  Objects& objects = resources_[resource];
  auto it = objects.find(key);
  json object = std::move(it->second);
  objects.erase(it);
  CommitLocked(resource, "DELETED", object);
  return object;
}

absl::StatusOr<json> ObjectStore::Delete(std::string_view resource, std::string_view ns,
                                         std::string_view name) {
  ResourceName rn = ResourceName::Parse(resource);
  json result;
  {
    absl::MutexLock lock(&mu_);
    std::string res(resource);
    Objects& objects = resources_[res];
    auto it = objects.find(Key(ns, name));
    if (it == objects.end()) return NotFoundError(rn, name);
    json& object = it->second;
    if (!HasFinalizers(object)) {
      std::string key = it->first;
      result = RemoveLocked(res, key);
    } else if (object["metadata"].contains("deletionTimestamp")) {
      return object;  // already waiting for its finalizers
    } else {
      object["metadata"]["deletionTimestamp"] = Now();
      object["metadata"]["deletionGracePeriodSeconds"] = 0;
      CommitLocked(res, "MODIFIED", object);
      result = object;
    }
  }
  hub_.Drain();
  return result;
}

}  // namespace coffer::kube::standin
