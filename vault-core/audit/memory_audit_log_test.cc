#include "vault-core/audit/memory_audit_log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::StatusIs;

AuditRecord Record(std::string operation) {
  AuditRecord record;
  record.operation = std::move(operation);
  return record;
}

TEST(MemoryAuditLogTest, KeepsRecordsInOrderAndStampsUnsetTimes) {
  FakeClock clock;
  MemoryAuditLog log(clock);
  AuditRecord timed = Record("SecretSet");
  timed.time = absl::FromUnixSeconds(5);
  COFFER_ASSERT_OK(log.Append(Record("SecretGet")));
  COFFER_ASSERT_OK(log.Append(timed));
  std::vector<AuditRecord> records = log.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].operation, "SecretGet");
  EXPECT_EQ(records[0].time, clock.Now());
  EXPECT_EQ(records[1].time, absl::FromUnixSeconds(5));
}

TEST(MemoryAuditLogTest, FailWithMakesAppendFailAndRecordNothingUntilCleared) {
  MemoryAuditLog log;
  log.FailWith(absl::UnavailableError("disk full"));
  EXPECT_THAT(log.Append(Record("SecretGet")), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(log.records().empty());
  log.FailWith(absl::OkStatus());
  COFFER_EXPECT_OK(log.Append(Record("SecretGet")));
  EXPECT_EQ(log.records().size(), 1u);
}

}  // namespace
}  // namespace coffer::audit
