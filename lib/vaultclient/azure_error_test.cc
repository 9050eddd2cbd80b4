#include "lib/vaultclient/azure_error.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::vaultclient {
namespace {

using ::coffer::testing::StatusIs;

TEST(AzureErrorTest, NotFoundKeepsAzuresCodeAndMessage) {
  absl::Status status = StatusFromAzureError(
      404,
      R"({"error":{"code":"SecretNotFound","message":"A secret with (name/id) x was not found in this key vault."}})");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound,
                               "SecretNotFound: A secret with (name/id) x was not found in this "
                               "key vault."));
}

TEST(AzureErrorTest, InnerCodeTellsDisabledFromDenied) {
  EXPECT_THAT(
      StatusFromAzureError(
          403,
          R"({"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}})"),
      StatusIs(absl::StatusCode::kPermissionDenied,
               "Forbidden (SecretDisabled): Operation get is not allowed on a disabled secret."));
}

TEST(AzureErrorTest, StatusCodesMapToWhatTheCallerShouldDo) {
  const std::string body = R"({"error":{"code":"C","message":"m"}})";
  EXPECT_THAT(StatusFromAzureError(400, body), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(StatusFromAzureError(401, body), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(StatusFromAzureError(409, body), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(StatusFromAzureError(429, body), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(StatusFromAzureError(503, body), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(StatusFromAzureError(500, body), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(StatusFromAzureError(418, body), StatusIs(absl::StatusCode::kUnknown));
}

TEST(AzureErrorTest, NonJsonBodyIsQuotedOnOneLine) {
  EXPECT_THAT(StatusFromAzureError(502, "<html>\nbad gateway</html>"),
              StatusIs(absl::StatusCode::kUnavailable, "HTTP 502: <html> bad gateway</html>"));
  EXPECT_THAT(StatusFromAzureError(404, ""), StatusIs(absl::StatusCode::kNotFound, "HTTP 404"));
}

TEST(AzureErrorTest, WrongClientSecretIsUnauthenticatedWithItsDescription) {
  EXPECT_THAT(
      StatusFromTokenError(
          401,
          R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})"),
      StatusIs(absl::StatusCode::kUnauthenticated,
               "invalid_client: AADSTS7000215: Invalid client secret provided."));
}

TEST(AzureErrorTest, BadScopeIsInvalidArgument) {
  EXPECT_THAT(StatusFromTokenError(
                  400, R"({"error":"invalid_scope","error_description":"AADSTS500011: none"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid_scope: AADSTS500011: none"));
  EXPECT_THAT(StatusFromTokenError(503, "down"),
              StatusIs(absl::StatusCode::kUnavailable, "token endpoint: HTTP 503: down"));
}

}  // namespace
}  // namespace coffer::vaultclient
