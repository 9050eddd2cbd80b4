#include "vault-core/audit/audit_verify.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/audit_line.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

// A valid chain of `n` lines (without newlines); line k (1-based) is lines[k - 1]. Lines from
// `named_from` on name `replica`.
std::vector<std::string> Chain(int n, const std::string& replica = "", int named_from = 1) {
  std::vector<std::string> lines;
  std::string prev(kGenesisHash);
  for (int seq = 1; seq <= n; ++seq) {
    AuditRecord record;
    record.time = absl::FromUnixSeconds(1767225600 + seq);
    record.principal = "alice";
    record.operation = "SecretGet";
    record.object = absl::StrCat("secrets/s", seq);
    record.result = "200";
    lines.push_back(FormatAuditLine(record, seq, prev, seq >= named_from ? replica : ""));
    prev = LineHash(lines.back());
  }
  return lines;
}

VerifyResult Verify(const std::vector<std::string>& lines) {
  return VerifyAuditContents(absl::StrCat(absl::StrJoin(lines, "\n"), "\n"));
}

void ExpectBroken(const VerifyResult& result, std::int64_t line, const std::string& problem) {
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.first_bad_line, line) << result.problem;
  EXPECT_THAT(result.problem, HasSubstr(problem));
}

TEST(AuditVerifyTest, IntactChainReportsItsLineCountAndLastHash) {
  std::vector<std::string> lines = Chain(10);
  VerifyResult result = Verify(lines);
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, 10);
  EXPECT_EQ(result.first_bad_line, 0);
  EXPECT_EQ(result.last_hash, LineHash(lines.back()));
}

TEST(AuditVerifyTest, EmptyFileIsIntact) {
  VerifyResult result = VerifyAuditContents("");
  EXPECT_TRUE(result.intact);
  EXPECT_EQ(result.lines, 0);
}

TEST(AuditVerifyTest, RemovedLineIsReportedWhereSeqJumps) {
  std::vector<std::string> lines = Chain(10);
  lines.erase(lines.begin() + 4);
  ExpectBroken(Verify(lines), 5, "line 5: seq jumps from 4 to 6: 1 line removed");
}

TEST(AuditVerifyTest, RemovedFirstLinesAreReported) {
  std::vector<std::string> lines = Chain(10);
  lines.erase(lines.begin(), lines.begin() + 3);
  ExpectBroken(Verify(lines), 1, "starts at seq 4: 3 lines removed from the start");
}

TEST(AuditVerifyTest, InsertedCopyOfAnEarlierLineIsReported) {
  std::vector<std::string> lines = Chain(10);
  lines.insert(lines.begin() + 8, lines[2]);
  ExpectBroken(Verify(lines), 9, "line 9: inserted (1 line not in the chain");
  EXPECT_THAT(Verify(lines).problem, HasSubstr("a copy of line 3"));
}

TEST(AuditVerifyTest, ForgedLineThatChainsOntoItsPredecessorIsReportedAsInserted) {
  std::vector<std::string> lines = Chain(10);
  AuditRecord forged;
  forged.time = absl::FromUnixSeconds(1767225600);
  forged.operation = "SecretGet";
  lines.insert(lines.begin() + 8, FormatAuditLine(forged, 9, LineHash(lines[7])));
  ExpectBroken(Verify(lines), 9, "line 9: inserted (1 line not in the chain: line 10 continues");
}

TEST(AuditVerifyTest, EditedByteInAFieldIsReportedOnThatLine) {
  std::vector<std::string> lines = Chain(10);
  std::size_t at = lines[6].find("alice");
  lines[6][at] = 'A';
  ExpectBroken(Verify(lines), 7, "line 7: edited (its hash does not match line 8's prev)");
}

TEST(AuditVerifyTest, EditedSeqIsReportedOnThatLine) {
  std::vector<std::string> lines = Chain(10);
  lines[6].replace(0, 9, "{\"seq\":9,");
  ExpectBroken(Verify(lines), 7, "line 7: edited (seq is 9, expected 7");
}

TEST(AuditVerifyTest, SwappedLinesAreReportedOutOfOrder) {
  std::vector<std::string> lines = Chain(10);
  std::swap(lines[4], lines[5]);
  ExpectBroken(Verify(lines), 5, "line 5: out of order (seq 6 comes before seq 5 at line 6)");
}

TEST(AuditVerifyTest, DistantSwapIsReportedAtTheFirstMovedLine) {
  std::vector<std::string> lines = Chain(10);
  std::swap(lines[2], lines[6]);
  ExpectBroken(Verify(lines), 3, "line 3: out of order (seq 7 comes before seq 3 at line 7)");
}

TEST(AuditVerifyTest, UnparseableLineIsReported) {
  std::vector<std::string> lines = Chain(5);
  lines[3] = "{\"seq\":4";
  ExpectBroken(Verify(lines), 4, "line 4: not a valid audit record");
}

TEST(AuditVerifyTest, TornLastLineIsReported) {
  std::vector<std::string> lines = Chain(5);
  std::string contents = absl::StrCat(absl::StrJoin(lines, "\n"), "\n", lines[4].substr(0, 20));
  VerifyResult result = VerifyAuditContents(contents);
  ExpectBroken(result, 6, "line 6: torn");
  EXPECT_EQ(result.lines, 6);
}

// A log written before replicas were named still verifies, and names none.
TEST(AuditVerifyTest, LogWithoutReplicaVerifiesAsBefore) {
  VerifyResult result = Verify(Chain(6));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.replica, "");
  EXPECT_EQ(result.replica_from_line, 0);
  EXPECT_EQ(result.earliest, absl::FromUnixSeconds(1767225601));
  EXPECT_EQ(result.latest, absl::FromUnixSeconds(1767225606));
}

TEST(AuditVerifyTest, ReplicasLogReportsItsReplica) {
  VerifyResult result = Verify(Chain(6, "vault-1"));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.replica, "vault-1");
  EXPECT_EQ(result.replica_from_line, 1);
}

// An upgraded server continues its old log with named lines.
TEST(AuditVerifyTest, LogWithoutReplicaContinuedByAReplicaVerifies) {
  VerifyResult result = Verify(Chain(6, "vault-1", 4));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.replica, "vault-1");
  EXPECT_EQ(result.replica_from_line, 4);
}

TEST(AuditVerifyTest, UnnamedLineAfterNamedOnesIsReported) {
  std::vector<std::string> lines = Chain(6, "vault-1");
  std::vector<std::string> unnamed = Chain(6);
  lines[4] = unnamed[4];
  ExpectBroken(Verify(lines), 5, "line 5: names no replica, though line 1 names vault-1");
}

// However a line is crafted, what verify reports stays one short printable line.
TEST(AuditVerifyTest, ProblemReportedFromAHostileLineIsPrintableAndBounded) {
  std::vector<std::string> lines = Chain(3, "vault-1");
  lines[1].replace(lines[1].find("vault-1"), 7, "\\u001b]0;" + std::string(5000, 'x'));
  VerifyResult result = Verify(lines);
  ExpectBroken(result, 2, "line 2: not a valid audit record (\"replica\" is not a valid");
  EXPECT_LE(result.problem.size(), kMaxProblemBytes);
  for (char c : result.problem) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << result.problem;
  EXPECT_EQ(result.replica, "vault-1");
}

TEST(AuditVerifyTest, LineHashesAreReturnedInOrder) {
  std::vector<std::string> lines = Chain(3, "vault-1");
  std::vector<std::string> hashes;
  VerifyResult result =
      VerifyAuditContents(absl::StrCat(absl::StrJoin(lines, "\n"), "\n"), &hashes);
  EXPECT_TRUE(result.intact);
  EXPECT_THAT(hashes,
              ::testing::ElementsAre(LineHash(lines[0]), LineHash(lines[1]), LineHash(lines[2])));
}

TEST(AuditVerifyTest, FileIsReadAndMissingFileIsNotFound) {
  coffer::testing::TempDir dir;
  std::vector<std::string> lines = Chain(3);
  coffer::testing::WriteFileOrDie(dir.File("audit.log"), absl::StrJoin(lines, "\n") + "\n");
  COFFER_ASSERT_OK_AND_ASSIGN(VerifyResult result, VerifyAuditFile(dir.File("audit.log")));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, 3);
  EXPECT_THAT(VerifyAuditFile(dir.File("missing.log")), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace coffer::audit
