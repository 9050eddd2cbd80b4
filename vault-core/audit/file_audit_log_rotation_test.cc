// Online rotation (docs/audit-log.md, "Rotation"): the chain goes on across files, a directory
// verifies whole, retention keeps the newest files, and a crash mid-rotation loses nothing.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/audit_anchor.h"
#include "vault-core/audit/audit_line.h"
#include "vault-core/audit/audit_verify.h"
#include "vault-core/audit/audit_verify_logs.h"
#include "vault-core/audit/file_audit_log.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::PollUntil;
using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

AuditRecord Record(int i) {
  AuditRecord record;
  record.request_id = absl::StrCat("req-", i);
  record.principal = "anonymous";
  record.operation = "SecretGet";
  record.object = absl::StrCat("secrets/s", i);
  record.result = "200";
  return record;
}

// The rotated files in `dir`, oldest first: by the seq their names end with (the fake clock
// gives them all the same time).
std::vector<std::string> RotatedFiles(const TempDir& dir) {
  std::vector<std::string> names;
  DIR* listing = opendir(dir.path().c_str());
  while (const dirent* entry = readdir(listing)) {
    std::string name = entry->d_name;
    if (absl::StartsWith(name, "audit.log.") && !absl::EndsWith(name, ".journal")) {
      names.push_back(name);
    }
  }
  closedir(listing);
  auto last_seq = [](const std::string& name) {
    return std::stoll(name.substr(name.rfind('-') + 1));
  };
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return last_seq(a) < last_seq(b);
  });
  return names;
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(ReadFileOrDie(path), '\n', absl::SkipEmpty())) {
    lines.emplace_back(line);
  }
  return lines;
}

ParsedAuditLine Parsed(const std::string& line) {
  absl::StatusOr<ParsedAuditLine> parsed = ParseAuditLine(line);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : ParsedAuditLine{};
}

FileAuditLogOptions RotateEvery(std::int64_t bytes, int retain = 0) {
  FileAuditLogOptions options;
  options.replica = "vault-0";
  options.rotate_bytes = bytes;
  options.retain = retain;
  return options;
}

// Appends records `from`..`from + n - 1`, one at a time. A rotation runs in the writer right
// after the batch that made it due, between two batches.
void AppendRecords(FileAuditLog& log, int from, int n) {
  for (int i = from; i < from + n; ++i) COFFER_ASSERT_OK(log.Append(Record(i)));
}

VerifyResult VerifyOrDie(const std::string& path) {
  absl::StatusOr<VerifyResult> result = VerifyAuditFile(path);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : VerifyResult{};
}

TEST(AuditRotationTest, BySizeTheChainGoesOnAcrossFilesAndTheDirectoryVerifiesWhole) {
  TempDir dir;
  FakeClock clock;
  std::int64_t rotations = 0;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(
        auto log, FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(2000)));
    AppendRecords(*log, 0, 40);
    ASSERT_TRUE(PollUntil([&] { return log->rotations() >= 4; }));
    rotations = log->rotations();
  }
  std::vector<std::string> rotated = RotatedFiles(dir);
  ASSERT_EQ(static_cast<std::int64_t>(rotated.size()), rotations);
  // Every record is in exactly one file, in order, and every file but the first starts with
  // the marker naming the file before it.
  std::vector<std::string> files;
  for (const std::string& name : rotated) files.push_back(dir.File(name));
  files.push_back(dir.File("audit.log"));
  int next_record = 0;
  std::int64_t next_seq = 1;
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::vector<std::string> lines = Lines(files[f]);
    ASSERT_FALSE(lines.empty());
    for (std::size_t l = 0; l < lines.size(); ++l) {
      ParsedAuditLine line = Parsed(lines[l]);
      EXPECT_EQ(line.seq, next_seq++);
      if (f > 0 && l == 0) {
        EXPECT_TRUE(IsRotationMarker(line));
        EXPECT_EQ(line.record.object, rotated[f - 1]);
        EXPECT_EQ(line.replica, "vault-0");
        continue;
      }
      EXPECT_EQ(line.record.object, absl::StrCat("secrets/s", next_record++));
    }
  }
  EXPECT_EQ(next_record, 40);
  // A rotated file's name ends with its last line's seq.
  for (std::size_t f = 0; f + 1 < files.size(); ++f) {
    EXPECT_TRUE(absl::EndsWith(rotated[f], absl::StrCat("-", Parsed(Lines(files[f]).back()).seq)))
        << rotated[f];
  }

  COFFER_ASSERT_OK_AND_ASSIGN(std::vector<std::string> at, AuditFilesAt(dir.path()));
  EXPECT_EQ(at.size(), files.size());  // the journal is not a log
  LogsVerdict verdict = VerifyAuditLogs(at);
  EXPECT_TRUE(verdict.ok());
  for (const LogVerdict& log : verdict.logs) EXPECT_TRUE(log.result.intact) << log.result.problem;
  EXPECT_THAT(verdict.notes, ::testing::Contains(HasSubstr("rotated: replica vault-0")));
  // Reopened, the log goes on from the last file's end.
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock,
                                                           RotateEvery(2000)));
  EXPECT_EQ(log->Durable().seq, next_seq - 1);
}

TEST(AuditRotationTest, ByAgeOfTheLogsFirstLine) {
  TempDir dir;
  FakeClock clock;
  FileAuditLogOptions options;
  options.rotate_every = absl::Hours(24);
  COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                              FileAuditLog::Open(dir.File("audit.log"), clock, options));
  COFFER_ASSERT_OK(log->Append(Record(0)));
  clock.Advance(absl::Hours(23));
  COFFER_ASSERT_OK(log->Append(Record(1)));
  EXPECT_EQ(log->rotations(), 0);
  clock.Advance(absl::Hours(2));
  // Due now: the writer notices within a second, with nothing more written.
  ASSERT_TRUE(PollUntil([&] { return log->rotations() == 1; }));
  EXPECT_EQ(RotatedFiles(dir).size(), 1u);
  EXPECT_EQ(Lines(dir.File("audit.log")).size(), 1u);  // the marker alone
  // A log holding only its marker is not rotated again, however long it stays so.
  clock.Advance(absl::Hours(48));
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(log->rotations(), 1);
}

TEST(AuditRotationTest, RetainKeepsTheNewestRotatedFiles) {
  TempDir dir;
  FakeClock clock;
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto log, FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(2000, 2)));
  AppendRecords(*log, 0, 60);
  ASSERT_TRUE(PollUntil([&] { return log->rotations() >= 5; }));
  log.reset();
  std::vector<std::string> rotated = RotatedFiles(dir);
  ASSERT_EQ(rotated.size(), 2u);
  // The kept ones are the newest: the log continues the second, which continues the first.
  EXPECT_EQ(Parsed(Lines(dir.File("audit.log")).front()).record.object, rotated[1]);
  EXPECT_EQ(Parsed(Lines(dir.File(rotated[1])).front()).record.object, rotated[0]);
  COFFER_ASSERT_OK_AND_ASSIGN(std::vector<std::string> at, AuditFilesAt(dir.path()));
  LogsVerdict verdict = VerifyAuditLogs(at);
  EXPECT_TRUE(verdict.ok());
  EXPECT_THAT(verdict.notes, ::testing::Contains(HasSubstr("which was not given")));
}

TEST(AuditRotationTest, ARotatedFileCutShortIsAGapThoughItVerifiesAlone) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(
        auto log, FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(2000)));
    AppendRecords(*log, 0, 12);
    ASSERT_TRUE(PollUntil([&] { return log->rotations() >= 1; }));
  }
  const std::string first = dir.File(RotatedFiles(dir).front());
  std::vector<std::string> lines = Lines(first);
  std::string cut;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) cut += lines[i] + "\n";
  WriteFileOrDie(first, cut);
  EXPECT_TRUE(VerifyOrDie(first).intact);  // the chain alone cannot tell
  COFFER_ASSERT_OK_AND_ASSIGN(std::vector<std::string> at, AuditFilesAt(dir.path()));
  LogsVerdict verdict = VerifyAuditLogs(at);
  EXPECT_FALSE(verdict.ok());
  ASSERT_FALSE(verdict.conflicts.empty());
  EXPECT_EQ(verdict.conflicts[0].kind, LogConflict::Kind::kGap);
  EXPECT_THAT(verdict.conflicts[0].problem, HasSubstr("ends at line"));
}

TEST(AuditRotationTest, ALogWhoseMarkerWasCutIsTampered) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(
        auto log, FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(2000)));
    AppendRecords(*log, 0, 12);
    ASSERT_TRUE(PollUntil([&] { return log->rotations() >= 1; }));
  }
  EXPECT_TRUE(VerifyOrDie(dir.File("audit.log")).intact);
  std::vector<std::string> lines = Lines(dir.File("audit.log"));
  ASSERT_GE(lines.size(), 2u);
  std::string cut;
  for (std::size_t i = 1; i < lines.size(); ++i) cut += lines[i] + "\n";
  WriteFileOrDie(dir.File("audit.log"), cut);
  VerifyResult result = VerifyOrDie(dir.File("audit.log"));
  EXPECT_FALSE(result.intact);
  EXPECT_THAT(result.problem, HasSubstr("removed from the start"));
}

TEST(AuditRotationTest, ARotationInterruptedByACrashIsFinishedAtOpen) {
  TempDir dir;
  FakeClock clock;
  std::int64_t last = 0;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(
        auto log, FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(2000)));
    AppendRecords(*log, 0, 12);
    ASSERT_TRUE(PollUntil([&] { return log->rotations() == 1; }));
    last = log->Durable().seq;
  }
  // As a crash leaves it after the old log was renamed aside, before the new one took its place.
  ASSERT_EQ(rename(dir.File("audit.log").c_str(), dir.File("audit.log.new").c_str()), 0);
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                                FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(0)));
    EXPECT_EQ(log->Durable().seq, last);
    COFFER_ASSERT_OK(log->Append(Record(100)));
  }
  EXPECT_NE(access(dir.File("audit.log.new").c_str(), F_OK), 0);
  // A stale one, from a rotation that had not renamed anything yet, is dropped.
  WriteFileOrDie(dir.File("audit.log.new"), "half a line");
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                                FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(0)));
    EXPECT_EQ(log->Durable().seq, last + 1);
  }
  EXPECT_NE(access(dir.File("audit.log.new").c_str(), F_OK), 0);
  COFFER_ASSERT_OK_AND_ASSIGN(std::vector<std::string> at, AuditFilesAt(dir.path()));
  EXPECT_TRUE(VerifyAuditLogs(at).ok());
}

TEST(AuditRotationTest, TheStoresAnchorIsFoundInTheFileRotatedBefore) {
  TempDir dir;
  FakeClock clock;
  AuditPosition anchor;
  AuditPosition end;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(
        auto log, FileAuditLog::Open(dir.File("audit.log"), clock, RotateEvery(2000)));
    AppendRecords(*log, 0, 5);
    anchor = log->Durable();  // before the rotation: the anchor lags the log
    AppendRecords(*log, 5, 12);
    ASSERT_TRUE(PollUntil([&] { return log->rotations() >= 1; }));
    end = log->Durable();
  }
  const std::string path = dir.File("audit.log");
  ASSERT_GT(Parsed(Lines(path).front()).seq, anchor.seq);  // not in the current file
  COFFER_EXPECT_OK(CheckAnchor(path, end, anchor, ""));
  AuditPosition wrong = anchor;
  wrong.hash = std::string(64, 'a');
  EXPECT_THAT(CheckAnchor(path, end, wrong, ""), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Without the rotated files (removed by hand), the anchor's line is missing.
  for (const std::string& name : RotatedFiles(dir)) unlink(dir.File(name).c_str());
  EXPECT_THAT(CheckAnchor(path, end, anchor, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("missing")));
}

}  // namespace
}  // namespace coffer::audit
