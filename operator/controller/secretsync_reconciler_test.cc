#include "operator/controller/secretsync_reconciler.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "lib/base/base64.h"
#include "lib/kube/forwarding_kube_client.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "lib/vaultclient/fake_workload_vault.h"
#include "operator/controller/synced_secret.h"
#include "operator/controller/testing/reconciler_fixture.h"

namespace coffer::op {
namespace {

using ::coffer::testing::ReadFileOrDie;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using v1alpha1::kAccessPolicies;
using v1alpha1::kKeyVaults;
using v1alpha1::kSecretSyncs;

// Counts the reconciler's writes of Secrets: "no change, no write" is the point.
class CountingKube : public kube::ForwardingKubeClient {
 public:
  using ForwardingKubeClient::ForwardingKubeClient;
  absl::StatusOr<json> Create(const kube::ResourceRef& ref, std::string_view ns,
                              const json& object) override {
    if (ref.resource == "secrets") ++secret_writes;
    return ForwardingKubeClient::Create(ref, ns, object);
  }
  absl::StatusOr<json> Update(const kube::ResourceRef& ref, std::string_view ns,
                              const json& object) override {
    if (ref.resource == "secrets") ++secret_writes;
    return ForwardingKubeClient::Update(ref, ns, object);
  }
  absl::Status Delete(const kube::ResourceRef& ref, std::string_view ns, std::string_view name,
                      const kube::DeleteOptions& options) override {
    if (ref.resource == "secrets") ++secret_writes;
    return ForwardingKubeClient::Delete(ref, ns, name, options);
  }
  int secret_writes = 0;
};

class SecretSyncReconcilerTest : public ReconcilerFixture {
 protected:
  void SetUp() override {
    ReadyKeyVault("team-a", "prod");
    Identity("team-a", "app", "client-app");
    vault_.PutSecret("db", "v1", "hunter2");
    vault_.Grant("client-app", "db");
    kube_.SetRawHandler([this](std::string_view method, std::string_view path, const json& body) {
      return TokenRequest(method, path, body);
    });
  }

  // What the API server answers a TokenRequest: a token naming its ServiceAccount.
  absl::StatusOr<json> TokenRequest(std::string_view method, std::string_view path,
                                    const json& body) {
    token_requests_.push_back(body);
    const std::string p(path);
    const std::string prefix = "/api/v1/namespaces/";
    std::size_t sa_at = p.find("/serviceaccounts/");
    if (method != "POST" || p.rfind(prefix, 0) != 0 || sa_at == std::string::npos) {
      return absl::NotFoundError("no such path");
    }
    const std::string ns = p.substr(prefix.size(), sa_at - prefix.size());
    const std::string sa = p.substr(sa_at + 17, p.size() - sa_at - 17 - 6);  // minus "/token"
    if (sa == "ghost") return absl::NotFoundError("serviceaccounts \"ghost\" not found");
    return json{{"status",
                 {{"token", "token-of-" + ns + "/" + sa},
                  {"expirationTimestamp",
                   absl::FormatTime(absl::RFC3339_sec, clock_.Now() + absl::Seconds(600),
                                    absl::UTCTimeZone())}}}};
  }

  void ReadyKeyVault(const std::string& ns, const std::string& name) {
    Apply(kKeyVaults, ns, name, json::object());
    json kv = Get(kKeyVaults, ns, name);
    kv["status"] = {{"vaultName", ns + "-" + name},
                    {"vaultUri", "https://" + name + "." + ns + ".svc/"},
                    {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "Ok"}}}}};
    ASSERT_TRUE(kube_.UpdateStatus(kKeyVaults, ns, kv).ok());
  }

  // An AccessPolicy for ServiceAccount `sa` whose managed identity has `client_id`.
  void Identity(const std::string& ns, const std::string& sa, const std::string& client_id) {
    Apply(kAccessPolicies, ns, sa + "-reads",
          {{"vaultRef", {{"name", "prod"}}},
           {"subject", {{"serviceAccount", {{"name", sa}}}}},
           {"permissions", {{"secrets", {"get"}}}}});
    json policy = Get(kAccessPolicies, ns, sa + "-reads");
    policy["status"] = {{"clientId", client_id}};
    ASSERT_TRUE(kube_.UpdateStatus(kAccessPolicies, ns, policy).ok());
  }

  static json Spec(json data, json extra = json::object()) {
    json spec = {{"vaultRef", {{"name", "prod"}}}, {"serviceAccountName", "app"}, {"data", data}};
    for (auto& [k, v] : extra.items()) spec[k] = v;
    return spec;
  }
  static json Password() { return json::array({{{"key", "password"}, {"objectName", "db"}}}); }

  SecretSyncReconciler::Result Reconcile(const std::string& name = "app-secrets") {
    return reconciler_.Reconcile({"team-a", name});
  }
  json Sync(const std::string& name = "app-secrets") { return Get(kSecretSyncs, "team-a", name); }
  absl::StatusOr<json> Secret(const std::string& name = "app-secrets") {
    return kube_.Get(kSecrets, "team-a", name);
  }
  std::string Message(const std::string& name = "app-secrets") {
    for (const json& c : Sync(name).value("/status/conditions"_json_pointer, json::array())) {
      if (c.value("type", "") == "Ready") return c.value("message", "");
    }
    return "";
  }
  static std::string Data(const json& secret, const std::string& key) {
    return Base64Decode(secret.at("data").at(key).get<std::string>()).value_or("<not base64>");
  }

  CountingKube counting_{kube_};
  // The fixture's context, but writes go through counting_.
  ReconcilerContext counting_ctx_{counting_, admin_, events_, clock_, settings_};
  vaultclient::FakeWorkloadVault vault_;
  std::vector<json> token_requests_;
  SecretSyncReconciler reconciler_{
      counting_ctx_, vault_, ListerOf(kSecretSyncs), ListerOf(kKeyVaults),
      [this](const std::string& ns) { return kube_.List(kAccessPolicies, ns, {})->items; }};
};

TEST_F(SecretSyncReconcilerTest, OpaqueSecretHoldsTheValueAndTheStatusItsVersion) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password()));
  SecretSyncReconciler::Result result = Reconcile();
  COFFER_ASSERT_OK(result.status);
  // Within the default refreshInterval, at its ServiceAccount's next refresh instant.
  ASSERT_TRUE(result.requeue_after.has_value());
  EXPECT_GT(*result.requeue_after, absl::ZeroDuration());
  EXPECT_LE(*result.requeue_after, absl::Hours(1));

  COFFER_ASSERT_OK_AND_ASSIGN(json secret, Secret());
  EXPECT_EQ(secret["type"], "Opaque");
  EXPECT_EQ(Data(secret, "password"), "hunter2");
  EXPECT_EQ(secret["metadata"]["labels"]["app.kubernetes.io/managed-by"], "coffer-operator");
  EXPECT_EQ(secret["metadata"]["annotations"][kSyncedVersionsAnnotation], "password=db/v1");
  const json owner = secret["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "SecretSync");
  EXPECT_EQ(owner["uid"], Sync()["metadata"]["uid"]);
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);

  const json status = Sync()["status"];
  EXPECT_EQ(ReadyReason(Sync()), "True/Synced");
  EXPECT_EQ(status["observedGeneration"], Sync()["metadata"]["generation"]);
  EXPECT_EQ(status["secretName"], "app-secrets");
  EXPECT_EQ(status["syncedVersions"],
            json::array({{{"key", "password"}, {"objectName", "db"}, {"version", "v1"}}}));
  EXPECT_EQ(status["lastSyncTime"], "2026-01-01T00:00:00Z");
}

TEST_F(SecretSyncReconcilerTest, ReadsAsTheServiceAccountWithAShortLivedUnboundToken) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password()));
  COFFER_ASSERT_OK(Reconcile().status);
  ASSERT_EQ(token_requests_.size(), 1u);
  const json spec = token_requests_[0]["spec"];
  EXPECT_EQ(spec["audiences"], json::array({"api://coffer"}));
  EXPECT_EQ(spec["expirationSeconds"], 600);
  EXPECT_FALSE(spec.contains("boundObjectRef"));
  EXPECT_THAT(vault_.assertions(), ::testing::ElementsAre("token-of-team-a/app"));
}

TEST_F(SecretSyncReconcilerTest, NoValueOrTokenInStatusOrEvents) {
  vault_.Revoke("client-app", "db");
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password()));
  COFFER_ASSERT_OK(Reconcile().status);  // Forbidden: a Warning event
  vault_.Grant("client-app", "db");
  clock_.Advance(absl::Minutes(2));
  COFFER_ASSERT_OK(Reconcile().status);  // Synced: a Normal event, and SecretCreated
  const std::string events = json(kube_.List(kube::kEvents, "team-a", {})->items).dump();
  EXPECT_THAT(events, HasSubstr("SecretCreated"));
  for (const std::string& text : {events, Sync().dump()}) {
    EXPECT_THAT(text, Not(HasSubstr("hunter2")));
    EXPECT_THAT(text, Not(HasSubstr("token-of-")));
  }
}

TEST_F(SecretSyncReconcilerTest, TlsSecretFromACertificateWithOneRead) {
  coffer::testing::TempDir dir;
  coffer::testing::TestPki pki = coffer::testing::MakeTestPki(dir);
  const std::string leaf = ReadFileOrDie(pki.server_cert), ca = ReadFileOrDie(pki.ca_cert);
  vault_.PutSecret("web", "c1", ReadFileOrDie(pki.server_key) + ca + leaf,
                   "application/x-pem-file");
  vault_.Grant("client-app", "web");
  Apply(kSecretSyncs, "team-a", "web",
        Spec(json::array({{{"key", "tls.crt"},
                           {"objectName", "web"},
                           {"objectType", "certificate"},
                           {"template", "tls.crt"}},
                          {{"key", "tls.key"},
                           {"objectName", "web"},
                           {"objectType", "certificate"},
                           {"template", "tls.key"}}}),
             {{"target", {{"name", "web-tls"}, {"type", "kubernetes.io/tls"}}}}));
  COFFER_ASSERT_OK(Reconcile("web").status);
  COFFER_ASSERT_OK_AND_ASSIGN(json secret, Secret("web-tls"));
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");
  EXPECT_EQ(Data(secret, "tls.crt"), leaf + ca);  // leaf first
  EXPECT_THAT(Data(secret, "tls.key"), StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_EQ(vault_.reads(), 1);  // one object, two keys
  EXPECT_EQ(Sync("web")["status"]["secretName"], "web-tls");
}

TEST_F(SecretSyncReconcilerTest, CertificateWithoutExportableKeyIsNamedAndNothingIsWritten) {
  coffer::testing::TempDir dir;
  coffer::testing::TestPki pki = coffer::testing::MakeTestPki(dir);
  vault_.PutSecret("chain-only", "c1", ReadFileOrDie(pki.server_cert), "application/x-pem-file");
  vault_.Grant("client-app", "chain-only");
  Apply(kSecretSyncs, "team-a", "app-secrets",
        Spec(json::array({{{"key", "tls.key"},
                           {"objectName", "chain-only"},
                           {"objectType", "certificate"},
                           {"template", "tls.key"}}})));
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_EQ(ReadyReason(Sync()), "False/KeyNotExportable");
  EXPECT_THAT(Message(), HasSubstr("certificate chain-only in vault prod has no exportable"));
  EXPECT_TRUE(absl::IsNotFound(Secret().status()));
}

TEST_F(SecretSyncReconcilerTest, RotationUpdatesTheSecretOnceWithinTheInterval) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password(), {{"refreshInterval", "10m"}}));
  SecretSyncReconciler::Result first = Reconcile();
  COFFER_ASSERT_OK(first.status);
  ASSERT_TRUE(first.requeue_after.has_value());
  vault_.PutSecret("db", "v2", "correct horse");
  counting_.secret_writes = 0;
  SecretSyncReconciler::Result early = Reconcile();  // a resync: still current, no vault read
  EXPECT_EQ(vault_.reads(), 1);
  EXPECT_EQ(early.requeue_after, first.requeue_after);

  clock_.Advance(*first.requeue_after);  // the refresh instant, at most an interval away
  SecretSyncReconciler::Result due = Reconcile();
  COFFER_ASSERT_OK(due.status);
  EXPECT_EQ(due.requeue_after, absl::Minutes(10));  // from one instant to the next
  EXPECT_EQ(counting_.secret_writes, 1);
  COFFER_ASSERT_OK_AND_ASSIGN(json secret, Secret());
  EXPECT_EQ(Data(secret, "password"), "correct horse");
  EXPECT_EQ(Sync()["status"]["syncedVersions"][0]["version"], "v2");
  EXPECT_EQ(Sync()["status"]["lastSyncTime"],
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone()));

  clock_.Advance(absl::Minutes(3));
  EXPECT_EQ(Reconcile().requeue_after, absl::Minutes(7));  // what is left of the interval
  EXPECT_EQ(counting_.secret_writes, 1);
  EXPECT_EQ(vault_.reads(), 2);  // current until the next instant: no read in between
}

TEST_F(SecretSyncReconcilerTest, SecretSyncsOfOneServiceAccountRefreshTogether) {
  Apply(kSecretSyncs, "team-a", "a", Spec(Password(), {{"refreshInterval", "10m"}}));
  SecretSyncReconciler::Result a = Reconcile("a");
  clock_.Advance(absl::Minutes(4));  // created later, as SecretSyncs are
  Apply(kSecretSyncs, "team-a", "b", Spec(Password(), {{"refreshInterval", "10m"}}));
  SecretSyncReconciler::Result b = Reconcile("b");
  ASSERT_TRUE(a.requeue_after && b.requeue_after);
  const absl::Time a_next = clock_.Now() - absl::Minutes(4) + *a.requeue_after;
  const absl::Time b_next = clock_.Now() + *b.requeue_after;
  // The same instants, an interval apart: a refresh of both reads the object once.
  EXPECT_EQ(absl::ToInt64Seconds(b_next - a_next) % 600, 0);
  clock_.Set(std::max(a_next, b_next));
  vault_.PutSecret("db", "v2", "correct horse");
  const int reads = vault_.reads();
  COFFER_ASSERT_OK(Reconcile("a").status);
  COFFER_ASSERT_OK(Reconcile("b").status);
  EXPECT_EQ(vault_.reads(), reads + 1);
  EXPECT_EQ(Data(*Secret("b"), "password"), "correct horse");
  EXPECT_EQ(Data(*Secret("a"), "password"), "correct horse");
}

TEST_F(SecretSyncReconcilerTest, UnchangedObjectsAreReadAtTheRefreshButNotWritten) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password(), {{"refreshInterval", "30s"}}));
  COFFER_ASSERT_OK(Reconcile().status);
  const std::string version = (*Secret())["metadata"]["resourceVersion"];
  counting_.secret_writes = 0;
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Seconds(30));
    COFFER_ASSERT_OK(Reconcile().status);
  }
  EXPECT_EQ(vault_.reads(), 4);
  EXPECT_EQ(counting_.secret_writes, 0);
  EXPECT_EQ((*Secret())["metadata"]["resourceVersion"], version);
}

TEST_F(SecretSyncReconcilerTest, ForbiddenObjectIsNamedAndNoSecretIsMade) {
  Apply(kSecretSyncs, "team-a", "app-secrets",
        Spec(json::array({{{"key", "password"}, {"objectName", "db"}},
                          {{"key", "api"}, {"objectName", "api-key"}}})));
  vault_.PutSecret("api-key", "k1", "sk-123");
  SecretSyncReconciler::Result result = Reconcile();
  COFFER_ASSERT_OK(result.status);  // waiting for a grant, not retried with backoff
  EXPECT_EQ(result.requeue_after, absl::Minutes(2));
  EXPECT_EQ(ReadyReason(Sync()), "False/Forbidden");
  EXPECT_THAT(Message(),
              HasSubstr("ServiceAccount team-a/app may not get secret api-key in vault prod"));
  EXPECT_TRUE(absl::IsNotFound(Secret().status()));
  EXPECT_EQ(counting_.secret_writes, 0);
}

TEST_F(SecretSyncReconcilerTest, ExistingSecretIsLeftAsItWasWhenAReadFails) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password()));
  COFFER_ASSERT_OK(Reconcile().status);
  const json before = *Secret();
  Apply(kSecretSyncs, "team-a", "app-secrets",
        Spec(json::array({{{"key", "password"}, {"objectName", "db"}},
                          {{"key", "other"}, {"objectName", "missing"}}})));
  vault_.Grant("client-app", "missing");
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_EQ(ReadyReason(Sync()), "False/ObjectNotFound");
  EXPECT_THAT(Message(), HasSubstr("secret missing does not exist in vault prod"));
  EXPECT_EQ(*Secret(), before);
  EXPECT_EQ(Sync()["status"]["syncedVersions"].size(), 1u);  // still what the Secret holds
}

TEST_F(SecretSyncReconcilerTest, SomeoneElsesSecretIsNeverTakenOver) {
  const json theirs = {{"metadata", {{"name", "app-secrets"}, {"namespace", "team-a"}}},
                       {"type", "Opaque"},
                       {"data", {{"password", Base64Encode("theirs")}}}};
  ASSERT_TRUE(kube_.Create(kSecrets, "team-a", theirs).ok());
  const json before = *Secret();
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password()));
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_EQ(ReadyReason(Sync()), "False/SecretExists");
  EXPECT_THAT(Message(), HasSubstr("Secret team-a/app-secrets exists and was not made by"));
  EXPECT_EQ(*Secret(), before);
}

TEST_F(SecretSyncReconcilerTest, RetainPutsNoOwnerReferenceAndDropsOneLeftFromDelete) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password()));
  COFFER_ASSERT_OK(Reconcile().status);
  ASSERT_TRUE((*Secret())["metadata"].contains("ownerReferences"));
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password(), {{"deletionPolicy", "Retain"}}));
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_FALSE((*Secret())["metadata"].contains("ownerReferences"));
  EXPECT_EQ((*Secret())["metadata"]["annotations"][kSecretSyncAnnotation], "app-secrets");

  // Retained, its SecretSync deleted and made again: the marker says the Secret is its own.
  ASSERT_TRUE(kube_.Delete(kSecretSyncs, "team-a", "app-secrets", {}).ok());
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password(), {{"deletionPolicy", "Retain"}}));
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_EQ(ReadyReason(Sync()), "True/Synced");
}

TEST_F(SecretSyncReconcilerTest, TenSyncsOfOneObjectAndIdentityCostOneRead) {
  for (int i = 0; i < 10; ++i) {
    Apply(kSecretSyncs, "team-a", "s" + std::to_string(i), Spec(Password()));
    COFFER_ASSERT_OK(Reconcile("s" + std::to_string(i)).status);
  }
  EXPECT_EQ(vault_.reads(), 1);
  EXPECT_EQ(vault_.sign_ins(), 1);
  EXPECT_EQ(token_requests_.size(), 1u);
  EXPECT_EQ(reconciler_.counters().reads, 1u);
  EXPECT_EQ(reconciler_.counters().hits, 9u);
  EXPECT_EQ(ReadyReason(Sync("s9")), "True/Synced");

  // Another identity reads for itself, whatever is cached for the first.
  Identity("team-a", "other", "client-other");
  Apply(kSecretSyncs, "team-a", "theirs", Spec(Password(), {{"serviceAccountName", "other"}}));
  COFFER_ASSERT_OK(Reconcile("theirs").status);
  EXPECT_EQ(ReadyReason(Sync("theirs")), "False/Forbidden");
  EXPECT_EQ(vault_.reads(), 2);
}

TEST_F(SecretSyncReconcilerTest, MissingIdentityServiceAccountOrVaultAreSaid) {
  Apply(kSecretSyncs, "team-a", "a", Spec(Password(), {{"serviceAccountName", "nobody"}}));
  COFFER_ASSERT_OK(Reconcile("a").status);
  EXPECT_EQ(ReadyReason(Sync("a")), "False/NoIdentity");
  EXPECT_THAT(Message("a"), HasSubstr("ServiceAccount team-a/nobody has no managed identity"));

  Identity("team-a", "ghost", "client-ghost");
  Apply(kSecretSyncs, "team-a", "b", Spec(Password(), {{"serviceAccountName", "ghost"}}));
  COFFER_ASSERT_OK(Reconcile("b").status);
  EXPECT_EQ(ReadyReason(Sync("b")), "False/ServiceAccountNotFound");

  Apply(kSecretSyncs, "team-a", "c", Spec(Password(), {{"vaultRef", {{"name", "staging"}}}}));
  COFFER_ASSERT_OK(Reconcile("c").status);
  EXPECT_EQ(ReadyReason(Sync("c")), "False/VaultNotFound");
  Apply(kKeyVaults, "team-a", "staging", json::object());  // no status yet
  COFFER_ASSERT_OK(Reconcile("c").status);
  EXPECT_EQ(ReadyReason(Sync("c")), "False/VaultNotReady");
  EXPECT_EQ(vault_.sign_ins(), 0);
}

TEST_F(SecretSyncReconcilerTest, UnreachableVaultIsRetriedAndLeavesTheSecret) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password(), {{"refreshInterval", "10s"}}));
  COFFER_ASSERT_OK(Reconcile().status);
  const json before = *Secret();
  vault_.SetUnreachable(true);
  clock_.Advance(absl::Seconds(20));  // signed in still; the read fails
  SecretSyncReconciler::Result result = Reconcile();
  EXPECT_THAT(result.status, ::coffer::testing::StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(result.requeue_after.has_value());  // the backoff decides
  EXPECT_EQ(ReadyReason(Sync()), "False/VaultUnreachable");
  EXPECT_THAT(Message(), HasSubstr("reading secret db in vault prod: cannot reach the vault"));

  clock_.Advance(absl::Minutes(20));  // the session's token expired too: a new sign-in fails
  EXPECT_THAT(Reconcile().status, ::coffer::testing::StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ReadyReason(Sync()), "False/SignInFailed");
  EXPECT_THAT(Message(), HasSubstr("cannot reach the vault"));
  EXPECT_EQ(token_requests_.size(), 2u);
  EXPECT_EQ(*Secret(), before);
}

TEST_F(SecretSyncReconcilerTest, NewTypeReplacesTheSecret) {
  vault_.PutSecret("registry", "r1", R"({"auths":{}})");
  vault_.Grant("client-app", "registry");
  Apply(kSecretSyncs, "team-a", "app-secrets",
        Spec(json::array({{{"key", ".dockerconfigjson"}, {"objectName", "registry"}}})));
  COFFER_ASSERT_OK(Reconcile().status);
  const std::string uid = (*Secret())["metadata"]["uid"];
  Apply(kSecretSyncs, "team-a", "app-secrets",
        Spec(json::array({{{"key", ".dockerconfigjson"}, {"objectName", "registry"}}}),
             {{"target", {{"type", "kubernetes.io/dockerconfigjson"}}}}));
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_EQ((*Secret())["type"], "kubernetes.io/dockerconfigjson");
  EXPECT_NE((*Secret())["metadata"]["uid"], uid);

  vault_.PutSecret("registry", "r2", "not json");
  clock_.Advance(absl::Hours(1));
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_EQ(ReadyReason(Sync()), "False/InvalidValue");
  EXPECT_EQ(Data(*Secret(), ".dockerconfigjson"), R"({"auths":{}})");
}

TEST_F(SecretSyncReconcilerTest, RenamedTargetDeletesTheOldSecret) {
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password()));
  COFFER_ASSERT_OK(Reconcile().status);
  Apply(kSecretSyncs, "team-a", "app-secrets", Spec(Password(), {{"target", {{"name", "db"}}}}));
  COFFER_ASSERT_OK(Reconcile().status);
  EXPECT_TRUE(Secret("db").ok());
  EXPECT_TRUE(absl::IsNotFound(Secret().status()));
  EXPECT_EQ(Sync()["status"]["secretName"], "db");
}

TEST_F(SecretSyncReconcilerTest, InvalidSpecIsReportedAndNotRequeued) {
  Apply(kSecretSyncs, "team-a", "app-secrets",
        Spec(Password(), {{"target", {{"type", "kubernetes.io/tls"}}}}));
  SecretSyncReconciler::Result result = Reconcile();
  COFFER_ASSERT_OK(result.status);
  EXPECT_FALSE(result.requeue_after.has_value());
  EXPECT_EQ(ReadyReason(Sync()), "False/InvalidSpec");
  EXPECT_THAT(Message(), HasSubstr("tls.crt and tls.key"));
}

}  // namespace
}  // namespace coffer::op
