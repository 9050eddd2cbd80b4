#ifndef COFFER_OPERATOR_CONTROLLER_TESTING_RECONCILER_FIXTURE_H_
#define COFFER_OPERATOR_CONTROLLER_TESTING_RECONCILER_FIXTURE_H_

// A GoogleTest fixture for the reconcilers: the fake Kubernetes client, the fake admin API, a
// fake clock, and helpers to create and change objects the way kubectl would.

#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/kube/event_recorder.h"
#include "lib/kube/fake_kube_client.h"
#include "lib/vaultclient/fake_admin_api.h"
#include "nlohmann/json.hpp"
#include "operator/api/v1alpha1/types.h"
#include "operator/controller/context.h"

namespace coffer::op {

class ReconcilerFixture : public ::testing::Test {
 protected:
  ReconcilerFixture() { settings_.ca_pem = "-----BEGIN CERTIFICATE-----\nCA\n"; }

  Lister ListerOf(const kube::ResourceRef& ref) {
    return [this, ref](const v1alpha1::ObjectKey& key) -> std::optional<nlohmann::json> {
      auto object = kube_.Get(ref, key.ns, key.name);
      if (!object.ok()) return std::nullopt;
      return *object;
    };
  }

  nlohmann::json Get(const kube::ResourceRef& ref, const std::string& ns, const std::string& name) {
    auto object = kube_.Get(ref, ns, name);
    EXPECT_TRUE(object.ok()) << object.status();
    return object.ok() ? *object : nlohmann::json();
  }

  void Apply(const kube::ResourceRef& ref, const std::string& ns, const std::string& name,
             const nlohmann::json& spec) {
    auto existing = kube_.Get(ref, ns, name);
    if (existing.ok()) {
      nlohmann::json updated = *existing;
      updated["spec"] = spec;
      ASSERT_TRUE(kube_.Update(ref, ns, updated).ok());
      return;
    }
    nlohmann::json object = {{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", spec}};
    ASSERT_TRUE(kube_.Create(ref, ns, object).ok());
  }

  // What `kubectl delete` does to an object that has finalizers.
  void MarkDeleted(const kube::ResourceRef& ref, const std::string& ns, const std::string& name) {
    nlohmann::json object = Get(ref, ns, name);
    object["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    ASSERT_TRUE(kube_.Update(ref, ns, object).ok());
  }

  static std::string ReadyReason(const nlohmann::json& object) {
    for (const auto& c : object.value("/status/conditions"_json_pointer, nlohmann::json::array())) {
      if (c.value("type", "") == "Ready")
        return c.value("status", "") + "/" + c.value("reason", "");
    }
    return "none";
  }

  kube::FakeKubeClient kube_;
  vaultclient::FakeAdminApi admin_;
  FakeClock clock_;
  kube::EventRecorder events_{kube_, clock_, "coffer.dev/operator", "test"};
  OperatorSettings settings_;
  ReconcilerContext ctx_{kube_, admin_, events_, clock_, settings_};
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_TESTING_RECONCILER_FIXTURE_H_
