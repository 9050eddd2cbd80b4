#ifndef COFFER_LIB_TESTING_STATUS_MATCHERS_H_
#define COFFER_LIB_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace coffer::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status.ToString();
  return status.ok();
}

// StatusIs(code) or StatusIs(code, message_matcher).
MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

}  // namespace coffer::testing

#define COFFER_ASSERT_OK(expr) ASSERT_THAT((expr), ::coffer::testing::IsOk())
#define COFFER_EXPECT_OK(expr) EXPECT_THAT((expr), ::coffer::testing::IsOk())

// Unwraps a StatusOr into `lhs`, failing the test if it is an error.
#define COFFER_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  COFFER_ASSERT_OK_AND_ASSIGN_IMPL_(COFFER_TESTING_CONCAT_(coffer_sor_, __LINE__), lhs, expr)
#define COFFER_TESTING_CONCAT_INNER_(a, b) a##b
#define COFFER_TESTING_CONCAT_(a, b) COFFER_TESTING_CONCAT_INNER_(a, b)
#define COFFER_ASSERT_OK_AND_ASSIGN_IMPL_(sor, lhs, expr) \
  auto sor = (expr);                                      \
  ASSERT_THAT(sor.status(), ::coffer::testing::IsOk());   \
  lhs = std::move(sor).value()

#endif  // COFFER_LIB_TESTING_STATUS_MATCHERS_H_
