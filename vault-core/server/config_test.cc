#include "vault-core/server/config.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace coffer::server {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

char* kNoEnv[] = {nullptr};

constexpr const char* kValid = R"(
http:
  port: 9443
  tls: {cert_file: /tls/cert.pem, key_file: /tls/key.pem}
storage:
  sqlite: {path: /data/vault.db}
hsm:
  pkcs11: {module: /usr/lib/softhsm/libsofthsm2.so, token_label: coffer, pin_file: /pin}
)";

absl::StatusOr<VaultConfig> LoadText(const std::string& yaml,
                                     const std::vector<std::string>& sets = {},
                                     char** env = kNoEnv) {
  TempDir dir;
  WriteFileOrDie(dir.File("c.yaml"), yaml);
  return LoadVaultConfig(dir.File("c.yaml"), sets, env);
}

TEST(VaultConfigTest, LoadsAFullConfig) {
  COFFER_ASSERT_OK_AND_ASSIGN(VaultConfig cfg, LoadText(kValid));
  EXPECT_EQ(cfg.http.port, 9443);
  EXPECT_EQ(cfg.http.cert_file, "/tls/cert.pem");
  EXPECT_EQ(cfg.storage.sqlite_path, "/data/vault.db");
  EXPECT_EQ(cfg.hsm.token_label, "coffer");
  EXPECT_EQ(cfg.hsm.backend, "pkcs11");
}

// kValid with its storage section replaced.
std::string WithStorage(const std::string& storage) {
  std::string text = kValid;
  const std::string sqlite = "storage:\n  sqlite: {path: /data/vault.db}\n";
  return text.replace(text.find(sqlite), sqlite.size(), storage);
}

TEST(VaultConfigTest, ReadsAnEtcdStorageSectionAndAReplicaName) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      VaultConfig cfg,
      LoadText(WithStorage(
               "replica: vault-1\nstorage:\n  backend: etcd\n  etcd:\n"
               "    endpoints: [https://etcd-0:2379, https://etcd-1:2379]\n"
               "    prefix: /coffer/prod/\n    timeout: 2s\n"
               "    tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem}\n")));
  EXPECT_EQ(cfg.replica, "vault-1");
  EXPECT_EQ(cfg.storage.backend, "etcd");
  EXPECT_THAT(cfg.storage.etcd.endpoints,
              ::testing::ElementsAre("https://etcd-0:2379", "https://etcd-1:2379"));
  EXPECT_EQ(cfg.storage.etcd.prefix, "/coffer/prod/");
  EXPECT_EQ(cfg.storage.etcd.timeout, absl::Seconds(2));
  EXPECT_EQ(cfg.storage.etcd.key_file, "k.pem");
  // Without a name the replica is the host's.
  COFFER_ASSERT_OK_AND_ASSIGN(VaultConfig unnamed, LoadText(kValid));
  EXPECT_FALSE(unnamed.replica.empty());
  EXPECT_THAT(LoadText(WithStorage("storage: {backend: etcd, etcd: {endpoints: [a:1], "
                                   "tls: {ca_file: ca.pem, cert_file: c.pem}}}\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("storage.etcd.tls")));
}

TEST(VaultConfigTest, FlagsBeatEnvironmentWhichBeatsTheFile) {
  std::string env = "COFFER__HTTP__PORT=7000";
  std::string env2 = "COFFER__LOG__FORMAT=json";
  char* environ[] = {env.data(), env2.data(), nullptr};
  COFFER_ASSERT_OK_AND_ASSIGN(VaultConfig from_env, LoadText(kValid, {}, environ));
  EXPECT_EQ(from_env.http.port, 7000);
  EXPECT_EQ(from_env.log.format, "json");
  COFFER_ASSERT_OK_AND_ASSIGN(VaultConfig from_flag, LoadText(kValid, {"http.port=7001"}, environ));
  EXPECT_EQ(from_flag.http.port, 7001);
}

TEST(VaultConfigTest, MistakesAreNamedByPath) {
  EXPECT_THAT(LoadText(std::string(kValid) + "htpp: {}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key htpp")));
  EXPECT_THAT(LoadText(kValid, {"hsm.pkcs11.pin=1234"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hsm.pkcs11.pin")));
  EXPECT_THAT(LoadText(kValid, {"http.port=99999"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http.port")));
  EXPECT_THAT(LoadText(kValid, {"storage.backend=cassandra"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("storage.backend")));
  // etcd without endpoints names what is missing.
  EXPECT_THAT(LoadText(kValid, {"storage.backend=etcd"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("storage.etcd.endpoints")));
  EXPECT_THAT(LoadText(kValid, {"set-without-equals"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("path=value")));
  // An accepted audit loss names one line: a bare seq (as before) is refused, not ignored.
  EXPECT_THAT(LoadText(kValid, {"audit.accepted_lost_through=10"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SEQ:HASH")));
  EXPECT_TRUE(LoadText(kValid, {"audit.accepted_lost_through=10:" + std::string(64, 'a')}).ok());
}

TEST(VaultConfigTest, AuditRotationHasDefaultsAndRefusesTinyOnes) {
  COFFER_ASSERT_OK_AND_ASSIGN(VaultConfig defaults, LoadText(kValid));
  EXPECT_EQ(defaults.audit.rotate_bytes, 256 << 20);
  EXPECT_EQ(defaults.audit.rotate_every, absl::Hours(24));
  EXPECT_EQ(defaults.audit.retain, 0);
  COFFER_ASSERT_OK_AND_ASSIGN(
      VaultConfig set, LoadText(kValid, {"audit.rotate_bytes=0", "audit.rotate_every=1h",
                                         "audit.retain=30"}));
  EXPECT_EQ(set.audit.rotate_bytes, 0);
  EXPECT_EQ(set.audit.rotate_every, absl::Hours(1));
  EXPECT_EQ(set.audit.retain, 30);
  EXPECT_THAT(LoadText(kValid, {"audit.rotate_bytes=4096"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rotate_bytes")));
  EXPECT_THAT(LoadText(kValid, {"audit.rotate_every=5s"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rotate_every")));
  EXPECT_THAT(LoadText(kValid, {"audit.retain=-1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("retain")));
  EXPECT_THAT(LoadText(kValid, {"audit.checkpoint_every=10ms"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint_every")));
  EXPECT_TRUE(LoadText(kValid, {"audit.checkpoint_every=0"}).ok());
  EXPECT_TRUE(LoadText(kValid, {"audit.ship=stdout"}).ok());
  EXPECT_TRUE(LoadText(kValid, {"audit.ship=unix:/run/collector.sock"}).ok());
  EXPECT_THAT(LoadText(kValid, {"audit.ship=syslog"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("audit.ship")));
}

// The in-memory store and the software key store are test doubles: a vault that loses every
// secret on restart, or keeps its master key in a file, cannot be configured.
TEST(VaultConfigTest, TestBackendsCannotBeConfigured) {
  EXPECT_THAT(LoadText(kValid, {"storage.backend=memory"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("storage.backend")));
  EXPECT_THAT(LoadText(kValid, {"hsm.backend=software"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hsm.backend")));
  EXPECT_THAT(LoadText(std::string(kValid) + "  software: {master_key_file: /m.key}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hsm.software")));
}

TEST(VaultConfigTest, TrustedClustersAreNamedMaps) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      VaultConfig cfg,
      LoadText(std::string(kValid) + "identity:\n  clusters:\n    prod:\n      issuer: "
                                     "https://kubernetes.default.svc\n      in_cluster: true\n"));
  ASSERT_EQ(cfg.identity.clusters.count("prod"), 1u);
  EXPECT_EQ(cfg.identity.clusters["prod"].audience, "api://coffer");
  EXPECT_THAT(
      LoadText(kValid, {"identity.clusters.dev.kubeconfig=/k"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("identity.clusters.dev.issuer")));
  EXPECT_THAT(LoadText(kValid, {"identity.clusters.dev.issuer=https://x",
                                "identity.clusters.dev.in_cluster=true",
                                "identity.clusters.dev.kubeconfig=/k"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly one")));
}

TEST(VaultConfigTest, TlsIsRequiredUnlessPlaintextIsExplicit) {
  EXPECT_THAT(
      LoadVaultConfig(
          "", {"hsm.pkcs11.module=/m", "hsm.pkcs11.token_label=t", "hsm.pkcs11.pin_env=PIN"},
          kNoEnv),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http.tls")));
  EXPECT_THAT(LoadVaultConfig("",
                              {"http.plaintext=true", "hsm.pkcs11.module=/m",
                               "hsm.pkcs11.token_label=t", "hsm.pkcs11.pin_env=PIN"},
                              kNoEnv),
              IsOk());
}

TEST(VaultConfigTest, ABroughtCaNeedsItsKey) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      VaultConfig cfg,
      LoadText(kValid, {"http.tls.ca_cert_file=/ca/tls.crt", "http.tls.ca_key_file=/ca/tls.key"}));
  EXPECT_EQ(cfg.http.ca_cert_file, "/ca/tls.crt");
  EXPECT_THAT(LoadText(kValid, {"http.tls.ca_cert_file=/ca/tls.crt"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ca_key_file go together")));
}

TEST(VaultConfigTest, PinMustComeFromExactlyOneSource) {
  EXPECT_THAT(LoadText(kValid, {"hsm.pkcs11.pin_env=COFFER_PIN"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly one")));
}

TEST(VaultConfigTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadVaultConfig("/no/such/coffer.yaml", {}, kNoEnv),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace coffer::server
