#include "vault-core/audit/audit_anchor.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/file_audit_log.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

class AuditAnchorTest : public ::testing::Test {
 protected:
  // Writes `lines` lines (long enough that a few span the backward reader's chunks) and keeps
  // the position after each.
  void WriteLog(int lines) {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path_, clock_));
    for (int i = 0; i < lines; ++i) {
      AuditRecord record;
      record.principal = "anonymous";
      record.operation = "SecretGet";
      record.object = absl::StrCat("secrets/s", i, "/", std::string(200, 'v'));
      record.result = "200";
      COFFER_ASSERT_OK(log->Append(record));
      positions_.push_back(log->Durable());
    }
  }

  TempDir dir_;
  const std::string path_ = dir_.File("audit.log");
  FakeClock clock_;
  std::vector<AuditPosition> positions_;  // [i]: after line i + 1
};

TEST_F(AuditAnchorTest, AnchorAtOrBehindTheLogsEndIsAccepted) {
  WriteLog(600);
  const AuditPosition end = positions_.back();
  EXPECT_EQ(end.seq, 600);
  COFFER_EXPECT_OK(CheckAnchor(path_, end, end, ""));
  COFFER_EXPECT_OK(CheckAnchor(path_, end, positions_[599 - 1], ""));
  COFFER_EXPECT_OK(CheckAnchor(path_, end, positions_[0], ""));  // read back to the first line
  COFFER_EXPECT_OK(CheckAnchor(path_, end, AuditPosition{}, ""));  // no anchor yet
}

TEST_F(AuditAnchorTest, ALogCutBackIsRefusedUnlessTheLossWasAccepted) {
  WriteLog(10);
  const AuditPosition anchor = positions_[9];
  const AuditPosition cut = positions_[6];  // three lines gone
  EXPECT_THAT(CheckAnchor(path_, cut, anchor, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("ends at line 7, but line 10 was written before")));
  EXPECT_THAT(CheckAnchor(path_, AuditPosition{}, anchor, ""),  // deleted: a new, empty log
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("audit.accepted_lost_through=10:" + anchor.hash)));
  COFFER_EXPECT_OK(CheckAnchor(path_, cut, anchor, "10:" + anchor.hash));
  // The acceptance names that very line: not a number at or above it, nor another line 10.
  EXPECT_THAT(CheckAnchor(path_, cut, anchor, "10"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckAnchor(path_, cut, anchor, "11:" + anchor.hash),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckAnchor(path_, cut, anchor, "10:" + positions_[8].hash),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(AuditAnchorTest, ALogReplacedByAnotherChainIsRefused) {
  WriteLog(5);
  const AuditPosition anchor = positions_[2];
  const std::string original = ReadFileOrDie(path_);
  // Another log of more lines in its place: line 3 is not the one the anchor names.
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  ASSERT_EQ(std::remove((path_ + ".journal").c_str()), 0);
  positions_.clear();
  clock_.Advance(absl::Minutes(1));  // written later, so its lines differ
  WriteLog(8);
  EXPECT_THAT(CheckAnchor(path_, positions_.back(), anchor, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("line 3 is not the one written then")));
  // The same at the log's very end.
  EXPECT_THAT(CheckAnchor(path_, positions_[2], anchor, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The original is accepted again.
  WriteFileOrDie(path_, original);
  COFFER_EXPECT_OK(CheckAnchor(path_, positions_.back(), anchor, ""));
}

TEST(AuditAnchorFormatTest, RoundTripsAndRefusesGarbage) {
  const AuditPosition position{42, std::string(64, 'a')};
  COFFER_ASSERT_OK_AND_ASSIGN(AuditPosition parsed, ParseAnchor(FormatAnchor(position)));
  EXPECT_EQ(parsed, position);
  EXPECT_THAT(ParseAnchor("forty-two abc"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(ParseAnchor("42"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(ParseAnchor("-1 abc"), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace coffer::audit
