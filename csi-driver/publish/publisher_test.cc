// The Publisher over fakes of the cluster and the vault, writing real files (DirectoryMounter):
// first publish, idempotent republish, rotation, failures that keep the live files, optional
// objects, shared reads, unpublish and recovery. tests/e2e/csi_e2e_test.cc runs the real parts.
#include "csi-driver/publish/publisher.h"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"

namespace coffer::csi {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : "<missing>";
}

class FakeCluster : public Cluster {
 public:
  std::map<std::string, crd::MountSpec> mounts;  // by name, namespace team-a
  std::string vault_url = "https://prod.vault.coffer.test";
  std::map<std::string, std::string> client_ids = {{"billing", "client-billing"}};
  std::vector<std::string> warnings;

  absl::StatusOr<crd::MountSpec> GetVaultMount(const std::string& ns, const std::string& name) override {
    auto it = mounts.find(name);
    if (ns != "team-a" || it == mounts.end()) {
      return absl::FailedPreconditionError("VaultMount " + ns + "/" + name + " does not exist");
    }
    return it->second;
  }
  absl::StatusOr<std::string> VaultUrl(const std::string&, const std::string&) override {
    return vault_url;
  }
  absl::StatusOr<std::string> ClientId(const std::string&, const std::string& sa) override {
    auto it = client_ids.find(sa);
    if (it == client_ids.end()) return absl::PermissionDeniedError("no managed identity");
    return it->second;
  }
  void Warn(const PodInfo& pod, const std::string& reason, const std::string& note) override {
    warnings.push_back(pod.name + " " + reason + ": " + note);
  }
};

class FakeVault : public vaultclient::Vault {
 public:
  struct Version {
    std::string id;
    std::string value;
    std::string content_type;
  };
  absl::Mutex mu;
  std::map<std::string, std::vector<Version>> secrets;  // newest last
  std::map<std::string, std::vector<Version>> keys;     // JWKs, newest last
  std::set<std::string> readable = {"db", "api"};       // by client-billing
  std::set<std::string> refused_tokens;
  bool down = false;
  absl::Notification* hold = nullptr;  // when set, reads wait for it
  int sign_ins = 0;
  int reads = 0;

  absl::StatusOr<std::unique_ptr<vaultclient::VaultSession>> SignIn(
      const std::string&, const std::string& client_id, const SecretBytes& assertion) override {
    absl::MutexLock lock(&mu);
    ++sign_ins;
    if (down) return absl::UnavailableError("cannot reach the vault");
    if (refused_tokens.count(std::string(assertion.reveal()))) {
      return absl::UnauthenticatedError("AADSTS70021: No matching federated identity record");
    }
    return std::unique_ptr<vaultclient::VaultSession>(std::make_unique<Session>(*this, client_id));
  }

  void Put(const std::string& name, const std::string& version, const std::string& value,
           const std::string& content_type = "") {
    absl::MutexLock lock(&mu);
    secrets[name].push_back({version, value, content_type});
  }
  void PutKey(const std::string& name, const std::string& version, const std::string& jwk) {
    absl::MutexLock lock(&mu);
    keys[name].push_back({version, jwk, ""});
  }

 private:
  class Session : public vaultclient::VaultSession {
   public:
    Session(FakeVault& vault, std::string client_id) : vault_(vault), client_id_(client_id) {}
    absl::StatusOr<vaultclient::FetchedObject> ReadSecret(const std::string& name,
                                                          const std::string& version) override {
      return Read(vault_.secrets, name, version);
    }
    absl::StatusOr<vaultclient::FetchedObject> ReadKey(const std::string& name,
                                                       const std::string& version) override {
      return Read(vault_.keys, name, version);
    }

   private:
    absl::StatusOr<vaultclient::FetchedObject> Read(
        const std::map<std::string, std::vector<Version>>& objects, const std::string& name,
        const std::string& version) {
      if (vault_.hold != nullptr) vault_.hold->WaitForNotification();
      absl::MutexLock lock(&vault_.mu);
      ++vault_.reads;
      if (client_id_ != "client-billing" || !vault_.readable.count(name)) {
        return absl::PermissionDeniedError("Access denied: no get permission");
      }
      auto it = objects.find(name);
      if (it == objects.end()) return absl::NotFoundError("NotFound");
      for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
        if (version.empty() || v->id == version) {
          return vaultclient::FetchedObject{v->id, SecretBytes(v->value), v->content_type};
        }
      }
      return absl::NotFoundError("NotFound: no such version");
    }

    FakeVault& vault_;
    const std::string client_id_;
  };
};

crd::MountObject Secret(const std::string& name, bool optional = false) {
  crd::MountObject o;
  o.name = name;
  o.file_name = name;
  o.mode = 0440;
  o.optional = optional;
  return o;
}

class PublisherTest : public ::testing::Test {
 protected:
  PublisherTest() {
    crd::MountSpec spec;
    spec.vault_namespace = "team-a";
    spec.vault_name = "prod";
    spec.objects = {Secret("db"), Secret("api")};
    spec.rotation_interval = absl::Minutes(2);
    cluster_.mounts["files"] = spec;
    vault_.Put("db", "v1", "db-1");
    vault_.Put("api", "a1", "api-1");
  }

  std::unique_ptr<Publisher> Make() {
    PublisherOptions options;
    options.state_dir = state_.path();
    auto publisher = std::make_unique<Publisher>(cluster_, vault_, *mounter_, cache_, clock_,
                                                 metrics_, options);
    EXPECT_THAT(publisher->Recover(), coffer::testing::IsOk());
    return publisher;
  }

  PublishRequest Request(const std::string& pod = "web-1", const std::string& token = "tok") {
    PublishRequest r;
    r.volume_id = "csi-" + pod;
    r.target_path = targets_.File(pod);
    r.vault_mount = "files";
    r.pod = {"team-a", pod, "uid-" + pod, "billing"};
    r.pod_token = SecretBytes(token);
    return r;
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeVault vault_;
  std::unique_ptr<Mounter> mounter_ = NewDirectoryMounter();
  ObjectCache cache_{clock_, absl::Seconds(10)};
  metrics::Registry metrics_;
  testing::TempDir state_;
  testing::TempDir targets_;
};

TEST_F(PublisherTest, FirstPublishWritesEveryObjectWithItsMode) {
  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  std::string target = targets_.File("web-1");
  EXPECT_EQ(Read(target + "/db"), "db-1");
  EXPECT_EQ(Read(target + "/api"), "api-1");
  struct stat st;
  ASSERT_EQ(stat((target + "/db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0440u);
  EXPECT_EQ(vault_.sign_ins, 1);
  EXPECT_EQ(publisher->volume_count(), 1u);
}

TEST_F(PublisherTest, RepublishChangesNothingBeforeTheIntervalAndSwapsOnlyNewVersions) {
  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  vault_.Put("db", "v2", "db-2");
  clock_.Advance(absl::Minutes(1));
  COFFER_ASSERT_OK(publisher->Publish(Request()));  // not due: the vault is not asked
  EXPECT_EQ(vault_.sign_ins, 1);
  EXPECT_EQ(Read(targets_.File("web-1/db")), "db-1");

  clock_.Advance(absl::Minutes(1));
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  EXPECT_EQ(vault_.sign_ins, 2);
  EXPECT_EQ(Read(targets_.File("web-1/db")), "db-2");
  EXPECT_EQ(metrics_.GetCounter("coffer_csi_rotations_total", "").value(), 1u);

  clock_.Advance(absl::Minutes(2));
  COFFER_ASSERT_OK(publisher->Publish(Request()));  // due, nothing new: no swap
  EXPECT_EQ(metrics_.GetCounter("coffer_csi_rotations_total", "").value(), 1u);
}

TEST_F(PublisherTest, RotationTurnedOnAgainReachesLiveVolumes) {
  cluster_.mounts["files"].rotation_enabled = false;
  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  vault_.Put("db", "v2", "db-2");
  clock_.Advance(absl::Minutes(3));
  COFFER_ASSERT_OK(publisher->Publish(Request()));  // off: the VaultMount is asked, not the vault
  EXPECT_EQ(vault_.sign_ins, 1);
  EXPECT_EQ(Read(targets_.File("web-1/db")), "db-1");
  cluster_.mounts["files"].rotation_enabled = true;
  clock_.Advance(absl::Minutes(3));
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  EXPECT_EQ(Read(targets_.File("web-1/db")), "db-2");
}

TEST_F(PublisherTest, FailedRefreshKeepsTheLiveFiles) {
  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  clock_.Advance(absl::Minutes(3));
  vault_.refused_tokens.insert("tok-of-a-deleted-pod");
  EXPECT_THAT(publisher->Publish(Request("web-1", "tok-of-a-deleted-pod")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("AADSTS70021")));
  vault_.down = true;
  EXPECT_THAT(publisher->Publish(Request()), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Read(targets_.File("web-1/db")), "db-1");
  EXPECT_EQ(Read(targets_.File("web-1/api")), "api-1");
}

TEST_F(PublisherTest, RequiredObjectTheIdentityMayNotReadFailsAndLeavesNothing) {
  cluster_.mounts["files"].objects.push_back(Secret("payroll"));
  vault_.Put("payroll", "p1", "salaries");
  auto publisher = Make();
  EXPECT_THAT(publisher->Publish(Request()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("ServiceAccount team-a/billing may not read secret 'payroll' "
                                 "of KeyVault team-a/prod")));
  struct stat st;
  EXPECT_NE(stat(targets_.File("web-1").c_str(), &st), 0);  // no directory, no files
  EXPECT_EQ(publisher->volume_count(), 0u);
}

TEST_F(PublisherTest, OptionalObjectIsSkippedWithAWarningEvent) {
  cluster_.mounts["files"].objects.push_back(Secret("payroll", /*optional=*/true));
  cluster_.mounts["files"].objects.push_back(Secret("missing", /*optional=*/true));
  vault_.readable.insert("missing");
  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  EXPECT_EQ(Read(targets_.File("web-1/payroll")), "<missing>");
  EXPECT_EQ(Read(targets_.File("web-1/db")), "db-1");
  ASSERT_EQ(cluster_.warnings.size(), 2u);
  EXPECT_THAT(cluster_.warnings[0], HasSubstr("web-1 VaultObjectSkipped: optional "));
  EXPECT_THAT(cluster_.warnings[0], HasSubstr("may not read secret 'payroll'"));
  EXPECT_THAT(cluster_.warnings[1], HasSubstr("secret 'missing' of KeyVault team-a/prod does not exist"));
}

crd::MountObject Certificate(const std::string& name, crd::ObjectFormat format,
                             bool optional = false) {
  crd::MountObject o = Secret(name, optional);
  o.type = crd::ObjectType::kCertificate;
  o.format = format;
  return o;
}

TEST_F(PublisherTest, CertificatesAndKeysAreWrittenInTheirFormatsAndRotate) {
  testing::TempDir keys;
  testing::TestPki pki = testing::MakeTestPki(keys);
  ASSERT_EQ(testing::Run({"openssl", "pkcs12", "-export", "-inkey", pki.server_key, "-in",
                          pki.server_cert, "-passout", "pass:", "-out", keys.File("web.pfx")})
                .exit_code,
            0);
  const std::string pfx = Base64Encode(testing::ReadFileOrDie(keys.File("web.pfx")));
  vault_.Put("web-tls", "c1", pfx, "application/x-pkcs12");
  const std::string jwk = R"({"kid":"https://prod.vault.coffer.test/keys/signer/k1","kty":"EC"})";
  vault_.PutKey("signer", "k1", jwk);
  vault_.readable.insert({"web-tls", "signer"});
  crd::MountObject signer = Secret("signer");
  signer.type = crd::ObjectType::kKey;
  signer.format = crd::ObjectFormat::kJwk;
  signer.file_name = "signer.jwk";
  cluster_.mounts["files"].objects = {Certificate("web-tls", crd::ObjectFormat::kSplit), signer};
  cluster_.mounts["files"].objects[0].file_name = "tls";

  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  EXPECT_EQ(Read(targets_.File("web-1/tls.crt")), testing::ReadFileOrDie(pki.server_cert));
  EXPECT_THAT(Read(targets_.File("web-1/tls.key")),
              ::testing::StartsWith("-----BEGIN PRIVATE KEY"));
  EXPECT_EQ(Read(targets_.File("web-1/signer.jwk")), jwk);
  struct stat st;
  ASSERT_EQ(stat(targets_.File("web-1/tls.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0440u);

  vault_.Put("web-tls", "c2", pfx, "application/x-pkcs12");  // renewed
  clock_.Advance(absl::Minutes(2));
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  EXPECT_EQ(metrics_.GetCounter("coffer_csi_rotations_total", "").value(), 1u);
  EXPECT_EQ(Read(targets_.File("web-1/tls.crt")), testing::ReadFileOrDie(pki.server_cert));
}

TEST_F(PublisherTest, CertificateThatCannotBeWrittenFailsEvenIfOptionalAndLeavesNothing) {
  vault_.Put("web-tls", "c1", Base64Encode("not a PFX at all"), "application/x-pkcs12");
  vault_.readable.insert("web-tls");
  cluster_.mounts["files"].objects.push_back(
      Certificate("web-tls", crd::ObjectFormat::kPfx, /*optional=*/true));
  auto publisher = Make();
  EXPECT_THAT(publisher->Publish(Request()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("certificate 'web-tls' of KeyVault team-a/prod: its value is not "
                                 "a PKCS#12 (PFX) file")));
  struct stat st;
  EXPECT_NE(stat(targets_.File("web-1").c_str(), &st), 0);  // no directory, no files
  EXPECT_EQ(publisher->volume_count(), 0u);
  EXPECT_TRUE(cluster_.warnings.empty());
}

TEST_F(PublisherTest, ServiceAccountWithoutIdentityOrMountIsRefused) {
  auto publisher = Make();
  PublishRequest other = Request();
  other.pod.service_account = "stranger";
  EXPECT_THAT(publisher->Publish(other), StatusIs(absl::StatusCode::kPermissionDenied));
  PublishRequest no_mount = Request();
  no_mount.vault_mount = "nope";
  EXPECT_THAT(publisher->Publish(no_mount), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(vault_.sign_ins, 0);
}

TEST_F(PublisherTest, SameVolumeWithOtherArgumentsIsAlreadyExists) {
  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  PublishRequest moved = Request();
  moved.target_path = targets_.File("elsewhere");
  EXPECT_THAT(publisher->Publish(moved), StatusIs(absl::StatusCode::kAlreadyExists));
  PublishRequest readonly = Request();
  readonly.readonly = true;
  EXPECT_THAT(publisher->Publish(readonly), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(PublisherTest, ASecondCallOnAVolumeInProgressIsAborted) {
  auto publisher = Make();
  absl::Notification release;
  vault_.hold = &release;
  absl::Status first;
  std::thread kubelet([&] { first = publisher->Publish(Request()); });
  auto signed_in = [&] {
    absl::MutexLock lock(&vault_.mu);
    return vault_.sign_ins > 0;
  };
  if (!coffer::testing::PollUntil(signed_in)) {
    release.Notify();
    kubelet.join();
    FAIL() << "the first publish never reached the vault";
  }
  EXPECT_THAT(publisher->Publish(Request()), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(publisher->Unpublish("csi-web-1", targets_.File("web-1")),
              StatusIs(absl::StatusCode::kAborted));
  release.Notify();
  kubelet.join();
  COFFER_EXPECT_OK(first);
  COFFER_EXPECT_OK(publisher->Publish(Request()));  // and once it is done, the same call is OK
}

TEST_F(PublisherTest, HundredPodsOfOneIdentityCostOneReadPerObject) {
  auto publisher = Make();
  // Every pod signs in while the first reads are held: all of them want the objects at once.
  absl::Notification release;
  vault_.hold = &release;
  std::vector<std::thread> pods;
  std::atomic<int> failed{0};
  for (int i = 0; i < 100; ++i) {
    pods.emplace_back([&, i] {
      if (!publisher->Publish(Request("pod-" + std::to_string(i))).ok()) ++failed;
    });
  }
  auto all_signed_in = [&] {
    absl::MutexLock lock(&vault_.mu);
    return vault_.sign_ins == 100;
  };
  EXPECT_TRUE(coffer::testing::PollUntil(all_signed_in));
  release.Notify();
  for (std::thread& pod : pods) pod.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(vault_.sign_ins, 100);  // every pod's own token is checked
  EXPECT_EQ(vault_.reads, 2);
  EXPECT_EQ(cache_.fetches(), 2u);
  EXPECT_EQ(Read(targets_.File("pod-99/api")), "api-1");
  clock_.Advance(absl::Seconds(11));  // past the TTL: read again
  COFFER_ASSERT_OK(publisher->Publish(Request("late")));
  EXPECT_EQ(vault_.reads, 4);
}

TEST_F(PublisherTest, UnpublishRemovesEverythingAndForgets) {
  auto publisher = Make();
  COFFER_ASSERT_OK(publisher->Publish(Request()));
  COFFER_ASSERT_OK(publisher->Unpublish("csi-web-1", targets_.File("web-1")));
  struct stat st;
  EXPECT_NE(lstat(targets_.File("web-1").c_str(), &st), 0);
  EXPECT_EQ(publisher->volume_count(), 0u);
  // Again, and for a volume never seen: OK (kubelet retries).
  COFFER_ASSERT_OK(publisher->Unpublish("csi-web-1", targets_.File("web-1")));
  COFFER_ASSERT_OK(publisher->Unpublish("csi-unknown", targets_.File("unknown")));
}

TEST_F(PublisherTest, RestartedPublisherRecoversItsVolumes) {
  auto first = Make();
  COFFER_ASSERT_OK(first->Publish(Request("web-1")));
  COFFER_ASSERT_OK(first->Publish(Request("web-2")));
  COFFER_ASSERT_OK(first->Unpublish("csi-web-2", targets_.File("web-2")));
  first.reset();  // the process dies; the files and records stay

  auto second = Make();
  EXPECT_EQ(second->volume_count(), 1u);
  // Republish within the interval is a no-op, as if nothing had happened.
  COFFER_ASSERT_OK(second->Publish(Request("web-1")));
  EXPECT_EQ(vault_.sign_ins, 2);
  vault_.Put("db", "v2", "db-2");
  clock_.Advance(absl::Minutes(2));
  COFFER_ASSERT_OK(second->Publish(Request("web-1")));
  EXPECT_EQ(Read(targets_.File("web-1/db")), "db-2");
  COFFER_ASSERT_OK(second->Unpublish("csi-web-1", targets_.File("web-1")));
  EXPECT_EQ(Make()->volume_count(), 0u);
}

}  // namespace
}  // namespace coffer::csi
