#include "vault-core/api/rest/secrets_api.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"

namespace coffer::api::rest {
namespace {

using ::coffer::testing::StatusIs;

SecretRoute Route(std::string_view method, std::string_view path) {
  auto route = RouteSecrets(method, path);
  EXPECT_TRUE(route.has_value()) << path;
  EXPECT_TRUE(route.has_value() && route->ok()) << path;
  return route.has_value() && route->ok() ? **route : SecretRoute{};
}

TEST(RouteSecretsTest, FollowsAzurePaths) {
  const std::string v = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(Route("PUT", "/secrets/db").op, SecretOp::kSet);
  EXPECT_EQ(Route("GET", "/secrets/db/").op, SecretOp::kGet);
  EXPECT_EQ(Route("GET", "/secrets/db/").version, "");
  EXPECT_EQ(Route("GET", "/secrets/db").op, SecretOp::kGet);
  EXPECT_EQ(Route("GET", "/secrets/db/" + v).version, v);
  EXPECT_EQ(Route("PATCH", "/secrets/db/").op, SecretOp::kUpdate);
  EXPECT_EQ(Route("GET", "/secrets").op, SecretOp::kList);
  EXPECT_EQ(Route("GET", "/secrets/db/versions").op, SecretOp::kListVersions);
  EXPECT_EQ(Route("DELETE", "/secrets/db").op, SecretOp::kDelete);
  EXPECT_EQ(Route("POST", "/secrets/db/backup").op, SecretOp::kBackup);
  EXPECT_EQ(Route("POST", "/secrets/restore").op, SecretOp::kRestore);
  EXPECT_EQ(Route("GET", "/secrets/restore").op, SecretOp::kGet);  // a secret named "restore"
  EXPECT_EQ(Route("GET", "/deletedsecrets").op, SecretOp::kListDeleted);
  EXPECT_EQ(Route("GET", "/deletedsecrets/db").op, SecretOp::kGetDeleted);
  EXPECT_EQ(Route("DELETE", "/deletedsecrets/db").op, SecretOp::kPurge);
  EXPECT_EQ(Route("POST", "/deletedsecrets/db/recover").op, SecretOp::kRecover);
}

TEST(RouteSecretsTest, OtherPathsAreNotOursAndBadShapesAreBadRequests) {
  EXPECT_FALSE(RouteSecrets("GET", "/keys/k").has_value());
  EXPECT_FALSE(RouteSecrets("GET", "/healthz").has_value());
  EXPECT_THAT(*RouteSecrets("POST", "/secrets/db"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(*RouteSecrets("GET", "/secrets/a/b/c"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RouteSecretsTest, EveryOperationNeedsItsAzurePermission) {
  EXPECT_STREQ(RequiredPermission(SecretOp::kGet), "get");
  EXPECT_STREQ(RequiredPermission(SecretOp::kSet), "set");
  EXPECT_STREQ(RequiredPermission(SecretOp::kUpdate), "set");
  EXPECT_STREQ(RequiredPermission(SecretOp::kList), "list");
  EXPECT_STREQ(RequiredPermission(SecretOp::kPurge), "purge");
  EXPECT_STREQ(RequiredPermission(SecretOp::kRestore), "restore");
  EXPECT_STREQ(OperationName(SecretOp::kRestore), "SecretRestore");
  EXPECT_STREQ(OperationName(SecretOp::kSet), "SecretSet");
}

}  // namespace
}  // namespace coffer::api::rest
