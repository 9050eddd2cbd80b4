#include "lib/base/status.h"

#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  COFFER_ASSIGN_OR_RETURN(int half, Half(x));
  COFFER_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int x) {
  COFFER_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckEven(4), IsOk());
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument, "odd"));
}

TEST(StatusMacrosTest, WithContextPrefixesTheMessage) {
  EXPECT_THAT(WithContext(absl::NotFoundError("gone"), "opening db"),
              StatusIs(absl::StatusCode::kNotFound, "opening db: gone"));
  EXPECT_THAT(WithContext(absl::OkStatus(), "x"), IsOk());
}

}  // namespace
}  // namespace coffer
