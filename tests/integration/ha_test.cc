// High availability, with real parts only: three etcd members and three coffer-vault replicas,
// each replica with an HSM (SoftHSM2 token) of its own that received the first replica's master
// and signing keys through the key ceremony (coffer hsm transport-key / export / import).
// Members and replicas are killed with SIGKILL while writes run; nothing acknowledged may be
// lost, and a revocation on one replica must be in force on another within a second.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/etcd_cluster.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "lib/vaultclient/admin_client.h"
#include "lib/vaultclient/data_plane_client.h"
#include "vault-core/audit/audit_verify_logs.h"

namespace coffer {
namespace {

using ::coffer::testing::EtcdCluster;
using ::coffer::testing::PollUntil;
using ::coffer::testing::RunResult;
using ::coffer::testing::SoftHsmToken;
using ::coffer::testing::Subprocess;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

constexpr char kHost[] = "ha.vault.coffer.test";
constexpr int kReplicas = 3;
using Clock = std::chrono::steady_clock;

struct Replica {
  std::string name;
  std::string token_label;
  int port = 0;
  std::string config;
  std::string dir;
  std::unique_ptr<Subprocess> process;
  std::string admin_socket() const { return dir + "/admin.sock"; }
  std::string audit_log() const { return dir + "/audit.log"; }
};

class HaTest : public ::testing::Test {
 protected:
  HaTest() : pki_(testing::MakeTestPki(dir_)), token_("replica-0") {
    EtcdCluster::Options options;
    options.members = 3;
    etcd_ = EtcdCluster::Start(dir_.File("etcd"), options);
    for (int i = 0; i < kReplicas; ++i) {
      Replica& r = replicas_[i];
      r.name = "vault-" + std::to_string(i);
      r.token_label = "replica-" + std::to_string(i);
      if (i > 0) token_.AddToken(r.token_label);  // a separate HSM per replica
      r.port = testing::PickFreePort();
      r.dir = dir_.File(r.name);
      std::filesystem::create_directories(r.dir);
    }
    // Behind a load balancer every replica would be the same authority (the last one's URL
    // here), so tokens one issues must verify on all of them.
    for (Replica& r : replicas_) r.config = WriteConfig(r, "/coffer/ha/");
  }

  void SetUp() override { ASSERT_NE(etcd_, nullptr); }

  std::string WriteConfig(const Replica& r, const std::string& prefix) {
    std::string path = r.dir + "/coffer.yaml";
    WriteFileOrDie(
        path,
        "replica: " + r.name + "\nhttp:\n  port: " + std::to_string(r.port) +
            "\n  drain_timeout: 2s\n  tls: {cert_file: " + pki_.server_cert +
            ", key_file: " + pki_.server_key + "}\nstorage:\n  backend: etcd\n  etcd:\n" +
            "    endpoints: [" + etcd_endpoints() + "]\n    prefix: " + prefix +
            "\n    dial_timeout: 500ms\nhsm:\n  pkcs11:\n    module: " + SoftHsmToken::kModulePath +
            "\n    token_label: " + r.token_label + "\n    pin_file: " + token_.pin_file() +
            "\nidentity: {authority_url: 'https://127.0.0.1:" +
            std::to_string(replicas_[kReplicas - 1].port) + "'}\naudit: {path: " + r.audit_log() +
            "}\nadmin: {socket: " + r.admin_socket() + "}\npurge_interval: 1s\n");
    return path;
  }

  std::string etcd_endpoints() const {
    return etcd_ == nullptr ? "" : etcd_->endpoint_list();
  }

  std::map<std::string, std::string> Env() const {
    return {{"SOFTHSM2_CONF", token_.conf_path()}};
  }

  void Start(Replica& r) {
    r.process = std::make_unique<Subprocess>(
        std::vector<std::string>{COFFER_VAULT_BINARY, "--config", r.config},
        r.dir + "/vault.log." + std::to_string(starts_++), Env());
    ASSERT_TRUE(r.process->Start());
  }

  bool Ready(const Replica& r) {
    return Get(r, "/readyz") == 200 && std::filesystem::exists(r.admin_socket());
  }

  void StartReady(Replica& r) {
    Start(r);
    ASSERT_TRUE(PollUntil([&] { return Ready(r); })) << r.process->Log();
  }

  int Get(const Replica& r, const std::string& path) {
    http::ClientOptions options;
    options.base_url = "https://127.0.0.1:" + std::to_string(r.port);
    options.ca_file = pki_.ca_cert;
    auto client = http::cpprest::NewClient(options);
    if (!client.ok()) return 0;
    http::ClientRequest request;
    request.path_and_query = path;
    auto response = (*client)->Send(request);
    return response.ok() ? response->status : 0;
  }

  RunResult Coffer(std::vector<std::string> args) {
    args.insert(args.begin(), COFFER_BINARY);
    return testing::Run(args, Env());
  }

  // The key ceremony, as docs/operations.md tells an operator to run it.
  void Ceremony(const Replica& from, const Replica& to) {
    std::string transport = to.dir + "/transport.pem", bundle = to.dir + "/bundle.json";
    std::string so_pin = dir_.File("so.pin");
    WriteFileOrDie(so_pin, SoftHsmToken::kSoPin);
    RunResult step = Coffer({"hsm", "transport-key", "--config", to.config, "--out", transport});
    ASSERT_EQ(step.exit_code, 0) << step.output;
    step = Coffer({"hsm", "export", "--config", from.config, "--transport-key", transport,
                   "--so-pin-file", so_pin, "--out", bundle});
    ASSERT_EQ(step.exit_code, 0) << step.output;
    step = Coffer({"hsm", "import", "--config", to.config, "--bundle", bundle});
    ASSERT_EQ(step.exit_code, 0) << step.output;
  }

  std::unique_ptr<vaultclient::AdminClient> Admin(const Replica& r) {
    vaultclient::AdminTarget target;
    target.unix_socket = r.admin_socket();
    auto connected = vaultclient::AdminClient::Connect(target);
    EXPECT_TRUE(connected.ok()) << connected.status();
    return connected.ok() ? *std::move(connected) : nullptr;
  }

  std::unique_ptr<vaultclient::DataPlaneClient> DataPlane(
      const Replica& r, const vaultclient::DataPlaneCredentials& credentials) {
    vaultclient::DataPlaneOptions options;
    options.vault_url = "https://" + std::string(kHost) + ":" + std::to_string(r.port);
    options.ca_file = pki_.ca_cert;
    options.connect_to = "127.0.0.1:" + std::to_string(r.port);
    options.credentials = credentials;
    // Tokens come from the replica itself: any replica issues them (every one signs with the
    // key the ceremony shared, as the authority all are configured to be), and this one may be
    // the only one up.
    options.credentials.authority_host = "https://127.0.0.1:" + std::to_string(r.port);
    options.timeout = absl::Seconds(10);
    auto client = vaultclient::DataPlaneClient::Create(options, http::cpprest::NewClient);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  // Every replica up (the first makes the installation, the others join by the ceremony), a
  // vault, and a principal allowed everything on its secrets.
  void StartAll() {
    StartReady(replicas_[0]);
    for (int i = 1; i < kReplicas; ++i) {
      Ceremony(replicas_[0], replicas_[i]);
      StartReady(replicas_[i]);
    }
    auto admin = Admin(replicas_[0]);
    ASSERT_NE(admin, nullptr);
    admin::v1::CreateVaultRequest vault;
    vault.set_name("ha-vault");
    vault.add_hostnames(kHost);
    ASSERT_THAT(admin->CreateVault(vault), testing::IsOk());
    admin::v1::CreatePrincipalRequest create;
    create.set_display_name("writer");
    auto principal = admin->CreatePrincipal(create);
    ASSERT_THAT(principal, testing::IsOk());
    object_id_ = principal->object_id();
    admin::v1::AddClientSecretRequest add;
    add.set_object_id(object_id_);
    auto secret = admin->AddClientSecret(add);
    auto installation = admin->GetInstallation({});
    ASSERT_THAT(secret, testing::IsOk());
    ASSERT_THAT(installation, testing::IsOk());
    credentials_ = {installation->tenant_id(), principal->client_id(),
                    SecretBytes(secret->value()), installation->authority_url(), SecretBytes()};
    admin::v1::SetAccessPolicyRequest policy;
    policy.set_vault("ha-vault");
    policy.mutable_policy()->set_object_id(object_id_);
    policy.mutable_policy()->add_secrets("all");
    ASSERT_THAT(admin->SetAccessPolicy(policy), testing::IsOk());
  }

  // Sets versions of `name` on `replicas` in turn, retrying a failed set on the next replica,
  // until `stop`; records what was acknowledged and when the first failure and the first
  // success after it happened.
  struct Writer {
    absl::Mutex mu;
    std::map<std::string, std::string> acknowledged ABSL_GUARDED_BY(mu);  // version -> value
    std::vector<std::string> failures ABSL_GUARDED_BY(mu);  // how long each failed set took, why
    std::atomic<bool> stop{false};
    std::thread thread;
    ~Writer() {  // also when an assertion ends the test early
      stop = true;
      if (thread.joinable()) thread.join();
    }
    std::size_t count() {
      absl::MutexLock lock(&mu);
      return acknowledged.size();
    }
  };

  void StartWriter(Writer& writer, std::vector<int> replicas, const std::string& name,
                   Clock::time_point* first_success_after = nullptr,
                   const std::atomic<bool>* measuring = nullptr) {
    std::vector<std::shared_ptr<vaultclient::DataPlaneClient>> clients;
    for (int i : replicas) clients.push_back(DataPlane(replicas_[i], credentials_));
    writer.thread = std::thread([&writer, clients, name, first_success_after, measuring] {
      for (int i = 0; !writer.stop.load(); ++i) {
        std::string value = "value-" + std::to_string(i);
        const Clock::time_point sent = Clock::now();
        auto secret = clients[i % clients.size()]->SetSecret(name, SecretBytes(value));
        if (!secret.ok()) {
          const auto took =
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
          absl::MutexLock lock(&writer.mu);
          writer.failures.push_back(absl::StrCat("replica ", i % clients.size(), " after ",
                                                 took.count(), " ms: ",
                                                 secret.status().ToString()));
        }
        if (!secret.ok()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        absl::MutexLock lock(&writer.mu);
        writer.acknowledged[secret->version] = value;
        if (first_success_after != nullptr && measuring->load() &&
            *first_success_after == Clock::time_point()) {
          *first_success_after = Clock::now();
        }
      }
    });
  }

  // Every acknowledged version is readable, with its value, from `replica`.
  void ExpectAllReadable(Writer& writer, const Replica& replica, const std::string& name) {
    auto reader = DataPlane(replica, credentials_);
    ASSERT_NE(reader, nullptr);
    absl::MutexLock lock(&writer.mu);
    for (const auto& [version, value] : writer.acknowledged) {
      auto secret = reader->GetSecret(name, version);
      ASSERT_THAT(secret, testing::IsOk()) << replica.name << " lost version " << version;
      EXPECT_EQ(secret->value.reveal(), value);
    }
  }

  // The replica whose log says it runs the background jobs now, or -1.
  int JobRunner() {
    for (int i = 0; i < kReplicas; ++i) {
      const Replica& r = replicas_[i];
      if (r.process == nullptr || !r.process->running()) continue;
      std::string log = r.process->Log();
      std::size_t won = log.rfind("now runs the background jobs");
      std::size_t lost = log.rfind("no longer runs the background jobs");
      if (won != std::string::npos && (lost == std::string::npos || lost < won)) return i;
    }
    return -1;
  }

  TempDir dir_;
  testing::TestPki pki_;
  SoftHsmToken token_;
  std::unique_ptr<EtcdCluster> etcd_;
  Replica replicas_[kReplicas];
  int starts_ = 0;
  std::string object_id_;
  vaultclient::DataPlaneCredentials credentials_;
};

TEST_F(HaTest, WritesGoOnThroughAnEtcdLeaderKillAndNothingAcknowledgedIsLost) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  Clock::time_point back;
  std::atomic<bool> measuring{false};
  Writer writer;  // after what its thread uses: its destructor joins the thread
  StartWriter(writer, {0, 1, 2}, "through-etcd-failover", &back, &measuring);
  ASSERT_TRUE(PollUntil([&] { return writer.count() >= 30; }));

  int leader = etcd_->Leader();
  ASSERT_GE(leader, 0);
  std::size_t before = writer.count();
  etcd_->Kill(leader);
  const Clock::time_point killed = Clock::now();
  measuring = true;
  ASSERT_TRUE(PollUntil([&] { return writer.count() >= before + 30; }, std::chrono::seconds(60)));
  writer.stop = true;
  writer.thread.join();

  // Writes that were in flight at the kill may have failed (and were retried); once a new
  // leader is elected they succeed again. Issue 15 asks for that within 5 s.
  const auto outage = std::chrono::duration_cast<std::chrono::milliseconds>(back - killed);
  std::printf("writes succeeded again %lld ms after the etcd leader was killed\n",
              static_cast<long long>(outage.count()));
  {
    absl::MutexLock lock(&writer.mu);
    for (const std::string& failure : writer.failures) std::printf("  failed: %s\n", failure.c_str());
  }
  EXPECT_LT(outage.count(), 5000);
  for (const Replica& r : replicas_) ExpectAllReadable(writer, r, "through-etcd-failover");
}

TEST_F(HaTest, AKilledReplicaLosesNothingTheOthersServeAndItCatchesUpAndJobsMove) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  ASSERT_TRUE(PollUntil([&] { return JobRunner() >= 0; }));
  const int runner = JobRunner();

  Writer writer;
  StartWriter(writer, {runner}, "through-replica-kill");
  ASSERT_TRUE(PollUntil([&] { return writer.count() >= 30; }));
  kill(replicas_[runner].process->pid(), SIGKILL);  // a write is in flight
  replicas_[runner].process->Wait(std::chrono::seconds(10));
  writer.stop = true;
  writer.thread.join();

  // The others keep serving, reads and writes, and one of them takes the background jobs.
  const int other = runner == 0 ? 1 : 0;
  ExpectAllReadable(writer, replicas_[other], "through-replica-kill");
  auto client = DataPlane(replicas_[runner == 2 ? 1 : 2], credentials_);
  ASSERT_NE(client, nullptr);
  COFFER_EXPECT_OK(client->SetSecret("after-the-kill", SecretBytes(std::string("still here"))));
  EXPECT_TRUE(PollUntil([&] { return JobRunner() >= 0 && JobRunner() != runner; },
                        std::chrono::seconds(15)));

  // The restarted replica catches up: everything, including what was written while it was gone.
  StartReady(replicas_[runner]);
  ExpectAllReadable(writer, replicas_[runner], "through-replica-kill");
  auto restarted = DataPlane(replicas_[runner], credentials_);
  ASSERT_NE(restarted, nullptr);
  auto after = restarted->GetSecret("after-the-kill");
  ASSERT_THAT(after, testing::IsOk());
  EXPECT_EQ(after->value.reveal(), "still here");

  // Each replica kept its own chain, and every chain is intact.
  std::vector<std::string> logs;
  for (const Replica& r : replicas_) logs.push_back(r.audit_log());
  audit::LogsVerdict verdict = audit::VerifyAuditLogs(logs);
  EXPECT_TRUE(verdict.ok());
  ASSERT_EQ(verdict.logs.size(), 3u);
  for (int i = 0; i < kReplicas; ++i) EXPECT_EQ(verdict.logs[i].result.replica, replicas_[i].name);
}

TEST_F(HaTest, APolicyRevokedOnOneReplicaIsRefusedOnAnotherWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  auto writer = DataPlane(replicas_[0], credentials_);
  auto reader = DataPlane(replicas_[2], credentials_);
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  COFFER_ASSERT_OK(writer->SetSecret("revocable", SecretBytes(std::string("v"))));
  // Warm replica 2's caches: the policy and the secret are in its memory now.
  for (int i = 0; i < 5; ++i) COFFER_ASSERT_OK(reader->GetSecret("revocable"));

  auto admin = Admin(replicas_[0]);
  ASSERT_NE(admin, nullptr);
  admin::v1::RemoveAccessPolicyRequest remove;
  remove.set_vault("ha-vault");
  remove.set_object_id(object_id_);
  ASSERT_THAT(admin->RemoveAccessPolicy(remove), testing::IsOk());
  const Clock::time_point revoked = Clock::now();
  absl::Status refused;
  ASSERT_TRUE(PollUntil(
      [&] {
        refused = reader->GetSecret("revocable").status();
        return !refused.ok();
      },
      std::chrono::seconds(10)));
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - revoked);
  std::printf("revocation on vault-0 was in force on vault-2 after %lld ms\n",
              static_cast<long long>(took.count()));
  EXPECT_THAT(refused, testing::StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_LT(took.count(), 1000);
}

TEST_F(HaTest, TwoFreshReplicasStartingTogetherMakeOneInstallationWithOneMasterKey) {
  // Both HSMs are fresh, the prefix is empty: each replica makes a master key in its own HSM,
  // and exactly one of them becomes the installation's.
  for (Replica& r : replicas_) r.config = WriteConfig(r, "/coffer/race/");
  Start(replicas_[0]);
  Start(replicas_[1]);
  ASSERT_TRUE(PollUntil([&] {
    return (Ready(replicas_[0]) || !replicas_[0].process->running()) &&
           (Ready(replicas_[1]) || !replicas_[1].process->running());
  }));
  const bool first_won = Ready(replicas_[0]);
  Replica& winner = replicas_[first_won ? 0 : 1];
  Replica& loser = replicas_[first_won ? 1 : 0];
  ASSERT_TRUE(Ready(winner)) << winner.process->Log();
  EXPECT_NE(loser.process->Wait(std::chrono::seconds(20)), 0);
  EXPECT_THAT(loser.process->Log(), HasSubstr("key ceremony")) << loser.process->Log();

  // The one master key the installation records is the winner's, not the loser's.
  RunResult recorded =
      testing::Run({"etcdctl", "--endpoints=" + etcd_endpoints(), "get", "--print-value-only",
                    "/coffer/race/installation/master-key"},
                   {{"ETCDCTL_API", "3"}});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.output;
  auto fingerprint = [&](const Replica& r) {
    RunResult shown = Coffer({"hsm", "show", "--config", r.config, "-o", "json"});
    EXPECT_EQ(shown.exit_code, 0) << shown.output;
    std::size_t at = shown.output.find("kcv:");
    return at == std::string::npos ? std::string("none") : shown.output.substr(at, 20);
  };
  const std::string winner_key = fingerprint(winner);
  EXPECT_THAT(recorded.output, HasSubstr(winner_key));
  EXPECT_NE(fingerprint(loser), winner_key);

  // The loser joins by the ceremony (replacing the key its HSM made but never used) and serves.
  std::string transport = loser.dir + "/transport.pem", bundle = loser.dir + "/bundle.json";
  std::string so_pin = dir_.File("so.pin");
  WriteFileOrDie(so_pin, SoftHsmToken::kSoPin);
  ASSERT_EQ(Coffer({"hsm", "transport-key", "--config", loser.config, "--out", transport})
                .exit_code,
            0);
  ASSERT_EQ(Coffer({"hsm", "export", "--config", winner.config, "--transport-key", transport,
                    "--so-pin-file", so_pin, "--out", bundle})
                .exit_code,
            0);
  RunResult imported =
      Coffer({"hsm", "import", "--config", loser.config, "--bundle", bundle, "--replace"});
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  StartReady(loser);
  EXPECT_EQ(fingerprint(loser), winner_key);
}

TEST_F(HaTest, EtcdOutOfSpaceRefusesWritesWithAClearMessageAndReadsGoOn) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  auto client = DataPlane(replicas_[0], credentials_);
  ASSERT_NE(client, nullptr);
  COFFER_ASSERT_OK(client->SetSecret("before", SecretBytes(std::string("kept"))));
  ASSERT_TRUE(etcd_->SetNoSpaceAlarm(true));
  auto refused = client->SetSecret("during", SecretBytes(std::string("lost")));
  EXPECT_THAT(refused, testing::StatusIs(absl::StatusCode::kUnavailable,
                                         HasSubstr("storage is full")));
  for (const Replica& r : replicas_) {
    auto reader = DataPlane(r, credentials_);
    ASSERT_NE(reader, nullptr);
    auto kept = reader->GetSecret("before");
    ASSERT_THAT(kept, testing::IsOk()) << r.name;
    EXPECT_EQ(kept->value.reveal(), "kept");
  }
  ASSERT_TRUE(etcd_->SetNoSpaceAlarm(false));
  EXPECT_TRUE(PollUntil([&] {
    return client->SetSecret("after", SecretBytes(std::string("written"))).ok();
  }));
  EXPECT_THAT(client->GetSecret("during"), testing::StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(HaTest, UnreachableEtcdAtStartIsOneLineNamingTheEndpoints) {
  Replica& r = replicas_[0];
  std::string config = r.dir + "/unreachable.yaml";
  int a = testing::PickFreePort(), b = testing::PickFreePort();
  std::string text = testing::ReadFileOrDie(r.config);
  std::size_t at = text.find("endpoints: [");
  std::size_t end = text.find(']', at);
  text.replace(at, end - at + 1,
               "endpoints: [127.0.0.1:" + std::to_string(a) + ", 127.0.0.1:" +
                   std::to_string(b) + "]");
  WriteFileOrDie(config, text);
  RunResult run = testing::Run({COFFER_VAULT_BINARY, "--config", config}, Env());
  EXPECT_NE(run.exit_code, 0);
  // One line says it all: which endpoints were tried.
  std::size_t start = run.output.find("coffer-vault: ");
  ASSERT_NE(start, std::string::npos) << run.output;
  std::string line = run.output.substr(start, run.output.find('\n', start) - start);
  EXPECT_THAT(line, HasSubstr("127.0.0.1:" + std::to_string(a)));
  EXPECT_THAT(line, HasSubstr("127.0.0.1:" + std::to_string(b)));
}

}  // namespace
}  // namespace coffer
