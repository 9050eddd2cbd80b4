#include "operator/cmd/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::op {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

TEST(FlagsTest, UnixSocketAndDefaults) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      OperatorFlags flags,
      ParseFlags({"--kubeconfig", "/k", "--vault-admin", "unix:///run/a.sock"}));
  EXPECT_EQ(flags.admin.unix_socket, "/run/a.sock");
  EXPECT_EQ(flags.manager.settings.vault_port, 8443);
  EXPECT_EQ(flags.manager.resync_period, absl::Minutes(10));
  EXPECT_FALSE(flags.manager.leader_election.has_value());
}

TEST(FlagsTest, TcpLeaderElectionAndSelector) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      OperatorFlags flags,
      ParseFlags({"--vault-admin", "vault:9444", "--admin-ca", "ca", "--leader-elect", "--identity",
                  "pod-1", "--vault-selector", "app=v,tier=core", "--resync-period", "30s"}));
  EXPECT_EQ(flags.admin.tcp_address, "vault:9444");
  ASSERT_TRUE(flags.manager.leader_election.has_value());
  EXPECT_EQ(flags.manager.leader_election->identity, "pod-1");
  EXPECT_EQ(flags.manager.settings.vault_selector.size(), 2u);
  EXPECT_EQ(flags.manager.resync_period, absl::Seconds(30));
}

TEST(FlagsTest, MistakesNameTheFlag) {
  EXPECT_THAT(ParseFlags({}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--vault-admin")));
  EXPECT_THAT(ParseFlags({"--vault-admin", "x:1", "--bogus"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--bogus")));
  EXPECT_THAT(ParseFlags({"--vault-admin", "x:1", "--workers", "0"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--workers")));
  EXPECT_THAT(ParseFlags({"--vault-admin", "x:1", "--vault-selector", "nolabel"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--vault-selector")));
  EXPECT_THAT(ParseFlags({"--vault-admin", "x:1", "--log-level", "warning"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--log-level")));
  EXPECT_THAT(ParseFlags({"--vault-admin"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a value")));
  for (const char* bad : {"", "Coffer.svc", "a..b", "-a.svc", "a.svc:443", "https://a.svc"}) {
    EXPECT_THAT(ParseFlags({"--vault-admin", "x:1", "--vault-service", bad}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--vault-service")))
        << bad;
  }
}

TEST(FlagsTest, VaultServiceAsTheChartPassesIt) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      OperatorFlags flags,
      ParseFlags({"--vault-admin=coffer-vault-admin.coffer-system.svc:9444",
                  "--vault-service=coffer-vault.coffer-system.svc.cluster.local"}));
  EXPECT_EQ(flags.manager.settings.vault_service, "coffer-vault.coffer-system.svc.cluster.local");
}

TEST(FlagsTest, WebhookAsTheChartPassesIt) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      OperatorFlags flags,
      ParseFlags({"--vault-admin=x:1", "--webhook-address=0.0.0.0:9443",
                  "--webhook-names=coffer-webhook.coffer-system.svc,coffer-webhook",
                  "--webhook-token-expiration=2h", "--token-audience=api://coffer-prod",
                  "--webhook-configuration=coffer-workload-identity"}));
  EXPECT_EQ(flags.webhook.configuration, "coffer-workload-identity");
  EXPECT_EQ(flags.webhook.address, "0.0.0.0:9443");
  EXPECT_EQ(flags.webhook.names,
            (std::vector<std::string>{"coffer-webhook.coffer-system.svc", "coffer-webhook"}));
  EXPECT_EQ(flags.webhook.token_expiration, absl::Hours(2));
  EXPECT_EQ(flags.manager.settings.token_audience, "api://coffer-prod");
  EXPECT_THAT(ParseFlags({"--vault-admin=x:1", "--webhook-address=:9443"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--webhook-names")));
  EXPECT_THAT(ParseFlags({"--vault-admin=x:1", "--webhook-names=Bad_Name"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--webhook-names")));
  EXPECT_THAT(ParseFlags({"--vault-admin=x:1", "--webhook-token-expiration=5m"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--webhook-token-expiration")));
}

TEST(FlagsTest, VaultUrlIsWhereSecretSyncsConnect) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      OperatorFlags flags, ParseFlags({"--vault-admin=x:1", "--vault-url=https://127.0.0.1:8443"}));
  EXPECT_EQ(flags.vault_connect_to, "127.0.0.1:8443");
  EXPECT_THAT(ParseFlags({"--vault-admin=x:1", "--vault-url=http://127.0.0.1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--vault-url")));
}

}  // namespace
}  // namespace coffer::op
