#ifndef COFFER_LIB_KUBE_FORWARDING_KUBE_CLIENT_H_
#define COFFER_LIB_KUBE_FORWARDING_KUBE_CLIENT_H_

// A KubeClient that passes every call to another one. Derive from it to change a few calls and
// keep the rest (count lists, hold watches at a gate, add metrics), instead of writing out the
// whole interface again. Header-only.

#include <functional>
#include <string_view>

#include "lib/kube/kube_client.h"

namespace coffer::kube {

// Thread-safe if the inner client is; borrows it.
class ForwardingKubeClient : public KubeClient {
 public:
  explicit ForwardingKubeClient(KubeClient& inner) : inner_(inner) {}

  absl::StatusOr<nlohmann::json> Get(const ResourceRef& ref, std::string_view ns,
                                     std::string_view name) override {
    return inner_.Get(ref, ns, name);
  }
  absl::StatusOr<ObjectList> List(const ResourceRef& ref, std::string_view ns,
                                  const ListOptions& options) override {
    return inner_.List(ref, ns, options);
  }
  absl::StatusOr<nlohmann::json> Create(const ResourceRef& ref, std::string_view ns,
                                        const nlohmann::json& object) override {
    return inner_.Create(ref, ns, object);
  }
  absl::StatusOr<nlohmann::json> Update(const ResourceRef& ref, std::string_view ns,
                                        const nlohmann::json& object) override {
    return inner_.Update(ref, ns, object);
  }
  absl::StatusOr<nlohmann::json> UpdateStatus(const ResourceRef& ref, std::string_view ns,
                                              const nlohmann::json& object) override {
    return inner_.UpdateStatus(ref, ns, object);
  }
  absl::StatusOr<nlohmann::json> Patch(const ResourceRef& ref, std::string_view ns,
                                       std::string_view name, PatchType type,
                                       const nlohmann::json& patch) override {
    return inner_.Patch(ref, ns, name, type, patch);
  }
  absl::Status Delete(const ResourceRef& ref, std::string_view ns, std::string_view name,
                      const DeleteOptions& options) override {
    return inner_.Delete(ref, ns, name, options);
  }
  absl::Status Watch(const ResourceRef& ref, std::string_view ns, const WatchOptions& options,
                     const std::function<bool(const WatchEvent&)>& on_event,
                     const http::Cancellation* cancel) override {
    return inner_.Watch(ref, ns, options, on_event, cancel);
  }
  absl::StatusOr<nlohmann::json> Raw(std::string_view method, std::string_view path,
                                     const nlohmann::json& body) override {
    return inner_.Raw(method, path, body);
  }

 private:
  KubeClient& inner_;
};

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_FORWARDING_KUBE_CLIENT_H_
