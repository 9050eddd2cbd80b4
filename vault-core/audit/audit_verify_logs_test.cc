#include "vault-core/audit/audit_verify_logs.h"

#include <string>
#include <utility>
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z

// The lines (without newlines) of `replica`'s chain; line k is lines[k - 1], made at
// `start` + k seconds. Each record names its replica and line, so two chains never share one.
std::vector<std::string> Chain(const std::string& replica, int n, std::int64_t start = kStart) {
  std::vector<std::string> lines;
  std::string prev(kGenesisHash);
  for (int seq = 1; seq <= n; ++seq) {
    AuditRecord record;
    record.time = absl::FromUnixSeconds(start + seq);
    record.principal = "alice";
    record.operation = "SecretGet";
    record.object = absl::StrCat("secrets/", replica, "/", seq);
    record.result = "200";
    lines.push_back(FormatAuditLine(record, seq, prev, replica));
    prev = LineHash(lines.back());
  }
  return lines;
}

// `lines` continued by `n` more lines of `replica`, made from kStart + 1000 seconds on.
std::vector<std::string> Continue(std::vector<std::string> lines, const std::string& replica, int n,
                                  const std::string& object) {
  for (int i = 0; i < n; ++i) {
    AuditRecord record;
    record.time = absl::FromUnixSeconds(kStart + 1000 + i);
    record.operation = "SecretSet";
    record.object = object;
    record.result = "200";
    std::int64_t seq = static_cast<std::int64_t>(lines.size()) + 1;
    lines.push_back(FormatAuditLine(record, seq, LineHash(lines.back()), replica));
  }
  return lines;
}

std::string File(const std::vector<std::string>& lines) {
  return absl::StrCat(absl::StrJoin(lines, "\n"), "\n");
}

TEST(AuditVerifyLogsTest, LogsOfSeveralReplicasEachVerifyAndNameTheirReplica) {
  LogsVerdict verdict = VerifyAuditLogContents({{"a.log", File(Chain("vault-a", 5))},
                                                {"b.log", File(Chain("vault-b", 7))},
                                                {"c.log", File(Chain("vault-c", 1))}});
  EXPECT_TRUE(verdict.ok());
  ASSERT_EQ(verdict.logs.size(), 3u);
  EXPECT_EQ(verdict.logs[0].result.replica, "vault-a");
  EXPECT_EQ(verdict.logs[0].result.lines, 5);
  EXPECT_EQ(verdict.logs[0].result.earliest, absl::FromUnixSeconds(kStart + 1));
  EXPECT_EQ(verdict.logs[0].result.latest, absl::FromUnixSeconds(kStart + 5));
  EXPECT_EQ(verdict.logs[1].result.replica, "vault-b");
  EXPECT_EQ(verdict.logs[1].result.lines, 7);
  EXPECT_EQ(verdict.logs[2].result.replica, "vault-c");
  EXPECT_THAT(verdict.conflicts, IsEmpty());
}

TEST(AuditVerifyLogsTest, LineCopiedFromReplicaAIntoReplicaBsLogFailsThatLog) {
  std::vector<std::string> a = Chain("vault-a", 5);
  std::vector<std::string> b = Chain("vault-b", 5);
  b.insert(b.begin() + 3, a[3]);
  LogsVerdict verdict = VerifyAuditLogContents({{"a.log", File(a)}, {"b.log", File(b)}});
  EXPECT_FALSE(verdict.ok());
  EXPECT_TRUE(verdict.logs[0].result.intact) << verdict.logs[0].result.problem;
  const VerifyResult& broken = verdict.logs[1].result;
  EXPECT_FALSE(broken.intact);
  EXPECT_EQ(broken.replica, "vault-b");
  EXPECT_EQ(broken.first_bad_line, 4);
  EXPECT_THAT(broken.problem, HasSubstr("line 4: names replica vault-a, but the log is replica "
                                        "vault-b's (a line from another replica's log"));
}

// Even a line that a forger re-chained into B's log (its seq and prev fixed) still names A.
TEST(AuditVerifyLogsTest, ForeignLineRechainedIntoAnotherLogStillFails) {
  std::vector<std::string> b = Chain("vault-b", 3);
  AuditRecord record;
  record.time = absl::FromUnixSeconds(kStart + 4);
  record.operation = "SecretGet";
  b.push_back(FormatAuditLine(record, 4, LineHash(b.back()), "vault-a"));
  b = Continue(b, "vault-b", 2, "after");
  LogsVerdict verdict = VerifyAuditLogContents({{"b.log", File(b)}});
  EXPECT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.logs[0].result.first_bad_line, 4);
  EXPECT_THAT(verdict.logs[0].result.problem, HasSubstr("names replica vault-a"));
}

TEST(AuditVerifyLogsTest, SameReplicasChainContinuedTwoWaysIsAFork) {
  std::vector<std::string> common = Chain("vault-a", 3);
  std::vector<std::string> one = Continue(common, "vault-a", 2, "secrets/one");
  std::vector<std::string> other = Continue(common, "vault-a", 4, "secrets/other");
  LogsVerdict verdict =
      VerifyAuditLogContents({{"a.log", File(one)}, {"a-restored.log", File(other)}});
  EXPECT_TRUE(verdict.logs[0].result.intact);
  EXPECT_TRUE(verdict.logs[1].result.intact) << "each log alone is a valid chain";
  EXPECT_FALSE(verdict.ok());
  ASSERT_EQ(verdict.conflicts.size(), 1u);
  const LogConflict& fork = verdict.conflicts[0];
  EXPECT_EQ(fork.kind, LogConflict::Kind::kFork);
  EXPECT_EQ(fork.replica, "vault-a");
  EXPECT_EQ(fork.first, 0u);
  EXPECT_EQ(fork.second, 1u);
  EXPECT_EQ(fork.problem,
            "fork: replica vault-a: a.log and a-restored.log share lines 1-3 and differ from "
            "line 4: its chain was continued twice");
}

TEST(AuditVerifyLogsTest, TwoChainsClaimingOneReplicaAtTheSameTimeOverlap) {
  std::vector<std::string> first = Chain("vault-a", 5);
  std::vector<std::string> second = Chain("vault-a", 5, kStart + 3);  // a second writer, 3 s in
  LogsVerdict verdict = VerifyAuditLogContents({{"x.log", File(first)}, {"y.log", File(second)}});
  EXPECT_FALSE(verdict.ok());
  ASSERT_EQ(verdict.conflicts.size(), 1u);
  EXPECT_EQ(verdict.conflicts[0].kind, LogConflict::Kind::kOverlap);
  EXPECT_THAT(verdict.conflicts[0].problem,
              HasSubstr("overlap: replica vault-a: x.log (2026-01-01T00:00:01Z to "
                        "2026-01-01T00:00:05Z) and y.log (2026-01-01T00:00:04Z to "));
}

// A log moved aside while the vault was stopped, and the new chain started after it.
TEST(AuditVerifyLogsTest, RotatedChainsOfOneReplicaOneAfterAnotherAreFine) {
  LogsVerdict verdict =
      VerifyAuditLogContents({{"a.log.1", File(Chain("vault-a", 5))},
                              {"a.log", File(Chain("vault-a", 5, kStart + 3600))}});
  EXPECT_TRUE(verdict.ok());
  EXPECT_THAT(verdict.conflicts, IsEmpty());
}

TEST(AuditVerifyLogsTest, CopyOfALogsFirstLinesAgreesAndIsNoted) {
  std::vector<std::string> live = Chain("vault-a", 6);
  std::vector<std::string> shipped(live.begin(), live.begin() + 4);
  LogsVerdict verdict =
      VerifyAuditLogContents({{"shipped.log", File(shipped)}, {"live.log", File(live)}});
  EXPECT_TRUE(verdict.ok());
  EXPECT_THAT(verdict.notes, ElementsAre("copy: replica vault-a: shipped.log holds the first 4 of "
                                         "the 6 lines of live.log"));
}

// A copy that a host rewrote after shipping: the shipped lines no longer match.
TEST(AuditVerifyLogsTest, LogRewrittenAfterItsCopyWasShippedIsAFork) {
  std::vector<std::string> shipped = Chain("vault-a", 4);
  std::vector<std::string> rewritten(shipped.begin(), shipped.begin() + 2);
  rewritten = Continue(rewritten, "vault-a", 4, "secrets/rewritten");
  LogsVerdict verdict =
      VerifyAuditLogContents({{"shipped.log", File(shipped)}, {"live.log", File(rewritten)}});
  EXPECT_FALSE(verdict.ok());
  ASSERT_EQ(verdict.conflicts.size(), 1u);
  EXPECT_THAT(verdict.conflicts[0].problem, HasSubstr("share lines 1-2 and differ from line 3"));
}

TEST(AuditVerifyLogsTest, LegacyLogsWithoutReplicaVerifyAndAreNotCompared) {
  std::vector<std::string> legacy = Chain("", 4);
  LogsVerdict verdict = VerifyAuditLogContents(
      {{"old.log", File(legacy)}, {"old-too.log", File(Chain("", 3, kStart + 2))}});
  EXPECT_TRUE(verdict.ok());
  EXPECT_EQ(verdict.logs[0].result.replica, "");
  EXPECT_EQ(verdict.logs[0].result.replica_from_line, 0);
  EXPECT_EQ(verdict.logs[0].result.lines, 4);
  EXPECT_THAT(verdict.conflicts, IsEmpty());
}

TEST(AuditVerifyLogsTest, UnreadableFileIsReportedAndFailsTheRun) {
  coffer::testing::TempDir dir;
  coffer::testing::WriteFileOrDie(dir.File("a.log"), File(Chain("vault-a", 2)));
  LogsVerdict verdict = VerifyAuditLogs({dir.File("a.log"), dir.File("missing.log")});
  EXPECT_FALSE(verdict.ok());
  ASSERT_EQ(verdict.logs.size(), 2u);
  EXPECT_TRUE(verdict.logs[0].result.intact);
  EXPECT_EQ(verdict.logs[0].result.replica, "vault-a");
  EXPECT_THAT(verdict.logs[1].read, StatusIs(absl::StatusCode::kNotFound));
}

TEST(AuditVerifyLogsTest, ForkIsFoundBetweenFilesOnDisk) {
  coffer::testing::TempDir dir;
  std::vector<std::string> common = Chain("vault-a", 2);
  coffer::testing::WriteFileOrDie(dir.File("1.log"), File(Continue(common, "vault-a", 1, "x")));
  coffer::testing::WriteFileOrDie(dir.File("2.log"), File(Continue(common, "vault-a", 1, "y")));
  LogsVerdict verdict = VerifyAuditLogs({dir.File("1.log"), dir.File("2.log")});
  EXPECT_FALSE(verdict.ok());
  ASSERT_EQ(verdict.conflicts.size(), 1u);
  EXPECT_EQ(verdict.conflicts[0].kind, LogConflict::Kind::kFork);
}

}  // namespace
}  // namespace coffer::audit
