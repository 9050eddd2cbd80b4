#include "vault-core/audit/file_audit_log.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/audit_line.h"
#include "vault-core/audit/audit_verify.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

AuditRecord Record(std::string object) {
  AuditRecord record;
  record.request_id = "req";
  record.principal = "anonymous";
  record.operation = "SecretGet";
  record.object = std::move(object);
  record.result = "200";
  return record;
}

std::vector<ParsedAuditLine> ParseFile(const std::string& path) {
  std::vector<ParsedAuditLine> parsed;
  for (absl::string_view line : absl::StrSplit(ReadFileOrDie(path), '\n', absl::SkipEmpty())) {
    absl::StatusOr<ParsedAuditLine> one =
        ParseAuditLine(std::string_view(line.data(), line.size()));
    EXPECT_TRUE(one.ok()) << one.status();
    if (one.ok()) parsed.push_back(*one);
  }
  return parsed;
}

VerifyResult VerifyOrDie(const std::string& path) {
  absl::StatusOr<VerifyResult> result = VerifyAuditFile(path);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : VerifyResult{};
}

TEST(FileAuditLogTest, AppendedLinesVerifyIntactWithTheRightCount) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock));
    for (int i = 0; i < 5; ++i) COFFER_ASSERT_OK(log->Append(Record(absl::StrCat("s", i))));
  }
  VerifyResult result = VerifyOrDie(dir.File("audit.log"));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, 5);
  std::vector<ParsedAuditLine> lines = ParseFile(dir.File("audit.log"));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].seq, 1);
  EXPECT_EQ(lines[4].record.object, "s4");
  EXPECT_EQ(lines[4].record.time, clock.Now());
}

TEST(FileAuditLogTest, RecordTimeIsKeptWhenSet) {
  TempDir dir;
  FakeClock clock;
  AuditRecord record = Record("s");
  record.time = absl::FromUnixMicros(1000000123456);
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock));
    COFFER_ASSERT_OK(log->Append(record));
  }
  std::vector<ParsedAuditLine> lines = ParseFile(dir.File("audit.log"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].record.time, record.time);
}

TEST(FileAuditLogTest, ReopeningContinuesTheChain) {
  TempDir dir;
  FakeClock clock;
  for (int round = 0; round < 3; ++round) {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock));
    COFFER_ASSERT_OK(log->Append(Record("a")));
    COFFER_ASSERT_OK(log->Append(Record("b")));
  }
  VerifyResult result = VerifyOrDie(dir.File("audit.log"));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, 6);
  std::vector<ParsedAuditLine> lines = ParseFile(dir.File("audit.log"));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[2].seq, 3);
  EXPECT_EQ(lines[5].seq, 6);
}

TEST(FileAuditLogTest, ReplicasLinesNameItAndVerifyAsItsChain) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                                FileAuditLog::Open(dir.File("audit.log"), clock, {"vault-0"}));
    COFFER_ASSERT_OK(log->Append(Record("a")));
    COFFER_ASSERT_OK(log->Append(Record("b")));
  }
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                                FileAuditLog::Open(dir.File("audit.log"), clock, {"vault-0"}));
    COFFER_ASSERT_OK(log->Append(Record("c")));
  }
  std::vector<ParsedAuditLine> lines = ParseFile(dir.File("audit.log"));
  ASSERT_EQ(lines.size(), 3u);
  for (const ParsedAuditLine& line : lines) EXPECT_EQ(line.replica, "vault-0");
  VerifyResult result = VerifyOrDie(dir.File("audit.log"));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.replica, "vault-0");
}

// A volume mounted on the wrong replica, or a renamed one: it must not write into another
// replica's chain, nor into it without a name. The log and its journal are left as they are.
TEST(FileAuditLogTest, AnotherReplicasLogIsNotContinued) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                                FileAuditLog::Open(dir.File("audit.log"), clock, {"vault-0"}));
    COFFER_ASSERT_OK(log->Append(Record("a")));
  }
  std::string contents = ReadFileOrDie(dir.File("audit.log"));
  std::string journal = ReadFileOrDie(dir.File("audit.log.journal"));
  EXPECT_THAT(FileAuditLog::Open(dir.File("audit.log"), clock, {"vault-1"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is replica vault-0's chain, but this replica is named vault-1")));
  EXPECT_THAT(
      FileAuditLog::Open(dir.File("audit.log"), clock),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no replica name is configured")));
  EXPECT_EQ(ReadFileOrDie(dir.File("audit.log")), contents);
  EXPECT_TRUE(ReadFileOrDie(dir.File("audit.log.journal")) == journal);
  COFFER_EXPECT_OK(FileAuditLog::Open(dir.File("audit.log"), clock, {"vault-0"}));
}

// A single server's log from before replicas were named, upgraded: it goes on with named lines.
TEST(FileAuditLogTest, LogWithoutReplicaIsContinuedWithNamedLines) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock));
    COFFER_ASSERT_OK(log->Append(Record("before")));
    COFFER_ASSERT_OK(log->Append(Record("before")));
  }
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                                FileAuditLog::Open(dir.File("audit.log"), clock, {"vault-0"}));
    COFFER_ASSERT_OK(log->Append(Record("after")));
  }
  VerifyResult result = VerifyOrDie(dir.File("audit.log"));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, 3);
  EXPECT_EQ(result.replica, "vault-0");
  EXPECT_EQ(result.replica_from_line, 3);
}

TEST(FileAuditLogTest, InvalidReplicaNameIsRefusedBeforeTheFileIsCreated) {
  TempDir dir;
  EXPECT_THAT(FileAuditLog::Open(dir.File("audit.log"), Clock::Real(), {"vault 0"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("replica name \"vault 0\"")));
  EXPECT_NE(access(dir.File("audit.log").c_str(), F_OK), 0);
}

TEST(FileAuditLogTest, CreatedFileIsReadableByOwnerOnly) {
  TempDir dir;
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), Clock::Real()));
  struct stat st;
  ASSERT_EQ(stat(dir.File("audit.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Without its journal nothing explains a torn line (a crash leaves the journal behind): the
// log refuses to continue and is left as it is.
TEST(FileAuditLogTest, TornLastLineWithoutJournalFailsOpenWithDataLoss) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock));
    COFFER_ASSERT_OK(log->Append(Record("a")));
  }
  ASSERT_EQ(unlink(dir.File("audit.log.journal").c_str()), 0);
  std::string contents = ReadFileOrDie(dir.File("audit.log"));
  WriteFileOrDie(dir.File("audit.log"), contents + contents.substr(0, 30));
  EXPECT_THAT(FileAuditLog::Open(dir.File("audit.log"), clock),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::AllOf(HasSubstr("torn"), HasSubstr("coffer audit verify"))));
  EXPECT_EQ(ReadFileOrDie(dir.File("audit.log")), contents + contents.substr(0, 30));
}

// What a machine crash can leave: the journal as it stood while the log was open, and the
// log's unsynced end lost, torn, or with zeros in place of some of it. Reopening replays the
// journal: the log comes back byte for byte with every acknowledged line.
TEST(FileAuditLogTest, AfterACrashAcknowledgedLinesComeBackFromTheJournal) {
  TempDir dir;
  FakeClock clock;
  std::string path = dir.File("audit.log");
  std::string journal_at_crash;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path, clock));
    for (int i = 0; i < 5; ++i) COFFER_ASSERT_OK(log->Append(Record(absl::StrCat("x/", i))));
    journal_at_crash = ReadFileOrDie(path + ".journal");
  }
  std::string whole = ReadFileOrDie(path);
  std::vector<std::string> lines = absl::StrSplit(whole, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u);
  std::string first_three = lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n";
  std::string holed = whole;
  std::fill(holed.begin() + 40, holed.begin() + 90, '\0');  // a block that never reached disk
  for (const std::string& after_crash : {first_three + lines[3].substr(0, 20), holed}) {
    WriteFileOrDie(path, after_crash);
    WriteFileOrDie(path + ".journal", journal_at_crash);
    {
      COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path, clock));
      EXPECT_TRUE(ReadFileOrDie(path) == whole) << "the log was not restored byte for byte";
    }
  }
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path, clock));
  COFFER_ASSERT_OK(log->Append(Record("after")));
  log.reset();
  VerifyResult result = VerifyOrDie(path);
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, 6);
}

// A journal that does not continue this log's chain (another log's, or stale) adds nothing.
TEST(FileAuditLogTest, AJournalFromAnotherLogIsNotApplied) {
  TempDir dir;
  FakeClock clock;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto other, FileAuditLog::Open(dir.File("other.log"), clock));
    for (int i = 0; i < 3; ++i) COFFER_ASSERT_OK(other->Append(Record("other")));
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock));
    COFFER_ASSERT_OK(log->Append(Record("mine")));
  }
  std::string mine = ReadFileOrDie(dir.File("audit.log"));
  WriteFileOrDie(dir.File("audit.log.journal"), ReadFileOrDie(dir.File("other.log.journal")));
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock));
  log.reset();
  EXPECT_EQ(ReadFileOrDie(dir.File("audit.log")), mine);
}

// More lines than the journal holds: it wraps (syncing the log first), and a crash after the
// wrap is still recovered from the journal's newer lines.
TEST(FileAuditLogTest, TheJournalWrapsAndStillRecoversAfterwards) {
  TempDir dir;
  FakeClock clock;
  std::string path = dir.File("audit.log");
  const int kLines = 3000;  // about 1.5 MiB with these objects: one wrap of the 1 MiB journal
  std::string journal_at_crash;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path, clock));
    // In groups of 100, so that batches stay far smaller than the journal, as under load.
    std::atomic<int> done{0};
    std::atomic<int> failed{0};
    for (int i = 0; i < kLines; ++i) {
      log->AppendAsync(Record(absl::StrCat("secrets/", std::string(200, 'n'), "/", i)),
                       [&](absl::Status s) {
                         if (!s.ok()) ++failed;
                         ++done;
                       });
      if (i % 100 == 99) {
        ASSERT_TRUE(testing::PollUntil([&] { return done.load() == i + 1; }));
      }
    }
    EXPECT_EQ(failed.load(), 0);
    journal_at_crash = ReadFileOrDie(path + ".journal");
  }
  std::string whole = ReadFileOrDie(path);
  ASSERT_GT(whole.size(), std::size_t{1} << 20);
  struct stat journal;
  ASSERT_EQ(stat(dir.File("audit.log.journal").c_str(), &journal), 0);
  EXPECT_EQ(journal.st_size, 1 << 20) << "the journal is overwritten in place, never grown";
  // Lose the last 100 lines of the log, as if they never reached the disk.
  std::size_t cut = whole.size();
  for (int i = 0; i < 100; ++i) cut = whole.rfind('\n', cut - 2) + 1;
  WriteFileOrDie(path, whole.substr(0, cut));
  WriteFileOrDie(path + ".journal", journal_at_crash);
  { COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path, clock)); }
  EXPECT_TRUE(ReadFileOrDie(path) == whole) << "the log was not restored byte for byte";
  VerifyResult result = VerifyOrDie(path);
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, kLines);
}

TEST(FileAuditLogTest, UnparseableLastLineFailsOpenWithDataLoss) {
  TempDir dir;
  WriteFileOrDie(dir.File("audit.log"), "not an audit line\n");
  EXPECT_THAT(FileAuditLog::Open(dir.File("audit.log"), Clock::Real()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not parse")));
}

TEST(FileAuditLogTest, UnopenablePathFailsOpenWithFailedPrecondition) {
  TempDir dir;
  EXPECT_THAT(FileAuditLog::Open(dir.File("no/such/dir/audit.log"), Clock::Real()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(FileAuditLogTest, SecondWriterOfTheSameFileIsRefused) {
  TempDir dir;
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), Clock::Real()));
  EXPECT_THAT(FileAuditLog::Open(dir.File("audit.log"), Clock::Real()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("locked")));
}

TEST(FileAuditLogTest, FailedWriteFailsThisAndEveryLaterAppend) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full";
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open("/dev/full", Clock::Real()));
  EXPECT_THAT(log->Append(Record("a")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("No space left")));
  EXPECT_THAT(log->Append(Record("b")), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(log->batches(), 1);
  // Requests are turned away before they act, for good: the log never says it has room again.
  EXPECT_TRUE(log->Overloaded());
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_TRUE(log->Overloaded());
}

// Needs root: it mounts a small tmpfs to fill (CI runs as root). A full disk refuses the lines
// that do not fit, and the log says so (Overloaded: requests are turned away before they act),
// while it lasts; once there is room it says so by itself, and the chain goes on from its last
// line, with nothing of the refused ones in it.
TEST(FileAuditLogTest, AFullDiskRefusesAppendsWhileItLastsThenTheChainGoesOn) {
  TempDir dir;
  const std::string small = dir.File("small");
  ASSERT_EQ(mkdir(small.c_str(), 0700), 0);
  ASSERT_EQ(mount("tmpfs", small.c_str(), "tmpfs", 0, "size=2m,mode=0700"), 0)
      << "mounting a tmpfs needs root (CI runs as root): " << strerror(errno);
  struct Unmount {
    std::string at;
    ~Unmount() { umount2(at.c_str(), MNT_DETACH); }
  } unmount{small};
  const std::string path = small + "/audit.log";
  const std::string filler = small + "/filler";
  FakeClock clock;
  int lines_fitted = 0;
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path, clock));
    COFFER_ASSERT_OK(log->Append(Record("before")));
    {  // everything the log and its journal left
      int fd = open(filler.c_str(), O_WRONLY | O_CREAT, 0600);
      ASSERT_GE(fd, 0);
      const std::string block(64 * 1024, 'x');
      while (write(fd, block.data(), block.size()) > 0) {}
      while (write(fd, block.data(), 1) > 0) {}
      close(fd);
    }
    // Lines go on into the log's last page (audit fields are capped, so each is short), then
    // the first one that needs a new page is refused.
    absl::Status refused;
    int fitted = 0;
    for (; fitted < 64 && refused.ok(); ++fitted) refused = log->Append(Record("while full"));
    --fitted;
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("No space left")));
    EXPECT_TRUE(log->Overloaded());
    EXPECT_THAT(log->Append(Record("still full")), StatusIs(absl::StatusCode::kUnavailable));
    absl::SleepFor(absl::Milliseconds(1500));  // the log has looked for room, and found none
    EXPECT_TRUE(log->Overloaded());
    ASSERT_EQ(unlink(filler.c_str()), 0);
    EXPECT_TRUE(coffer::testing::PollUntil([&] { return !log->Overloaded(); }));
    COFFER_EXPECT_OK(log->Append(Record("after")));
    COFFER_EXPECT_OK(log->Append(Record("after, too")));
    lines_fitted = fitted;
  }
  VerifyResult result = VerifyOrDie(path);
  EXPECT_TRUE(result.intact) << result.problem;
  std::vector<ParsedAuditLine> lines = ParseFile(path);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(3 + lines_fitted));
  EXPECT_EQ(lines[0].record.object, "before");
  EXPECT_EQ(lines[lines.size() - 2].record.object, "after");
  EXPECT_EQ(lines.back().seq, 3 + lines_fitted);
}

TEST(FileAuditLogTest, SpecialCharactersStayOnOneLineAndVerify) {
  TempDir dir;
  AuditRecord record = Record("secrets/\"x\"\nsecond line\\ \t");
  record.principal = "Zoë ☃ 𝄞 \xff";
  {
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), Clock::Real()));
    COFFER_ASSERT_OK(log->Append(record));
    COFFER_ASSERT_OK(log->Append(Record("after")));
  }
  VerifyResult result = VerifyOrDie(dir.File("audit.log"));
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, 2);
  std::vector<ParsedAuditLine> lines = ParseFile(dir.File("audit.log"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].record.object, record.object);
  EXPECT_EQ(lines[0].record.principal, "Zoë ☃ 𝄞 \xEF\xBF\xBD");
}

// Every thread's records land exactly once, in one valid chain.
void AppendConcurrently(FileAuditLog& log, int threads, int per_thread) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&log, t, per_thread] {
      for (int i = 0; i < per_thread; ++i) {
        EXPECT_TRUE(log.Append(Record(absl::StrCat(t, "/", i))).ok());
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
}

void ExpectAllLanded(const std::string& path, int threads, int per_thread) {
  VerifyResult result = VerifyOrDie(path);
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.lines, threads * per_thread);
  std::set<std::string> objects;
  for (const ParsedAuditLine& line : ParseFile(path)) objects.insert(line.record.object);
  EXPECT_EQ(objects.size(), static_cast<std::size_t>(threads * per_thread));
}

TEST(FileAuditLogTest, ConcurrentAppendsAllLandInOneValidChain) {
  TempDir dir;
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), Clock::Real()));
  AppendConcurrently(*log, 8, 200);
  EXPECT_LE(log->batches(), 8 * 200);
  ::testing::Test::RecordProperty("batches", static_cast<int>(log->batches()));
  log.reset();
  ExpectAllLanded(dir.File("audit.log"), 8, 200);
}

TEST(FileAuditLogTest, AppendsQueuedTogetherShareOneFsync) {
  TempDir dir;
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), Clock::Real()));
  // Each thread has one Append in flight, so holding each batch until 8 are queued puts one
  // record of every thread in each batch: 200 fsyncs for 1,600 lines.
  log->SetMinBatchForTest(8);
  AppendConcurrently(*log, 8, 200);
  EXPECT_EQ(log->batches(), 200);
  log.reset();
  ExpectAllLanded(dir.File("audit.log"), 8, 200);
}

TEST(FileAuditLogTest, AsyncAppendsCallBackOnceDurableInOneValidChain) {
  TempDir dir;
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), Clock::Real()));
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  for (int i = 0; i < 500; ++i) {
    log->AppendAsync(Record(absl::StrCat("async/", i)),
                     [&](absl::Status status) { (status.ok() ? ok : failed)++; });
  }
  ASSERT_TRUE(testing::PollUntil([&] { return ok.load() + failed.load() == 500; }));
  EXPECT_EQ(failed.load(), 0);
  // Far fewer fsyncs than records: the queued appends were grouped.
  EXPECT_LT(log->batches(), 500);
  log.reset();
  ExpectAllLanded(dir.File("audit.log"), 1, 500);
}

// A writer that falls behind (a stalled disk) makes the log say it is overloaded once
// max_queued lines wait, so that new requests are turned away before they act; the record of
// something already done is still taken, and the log recovers once the writer catches up.
TEST(FileAuditLogTest, ALogWithMaxQueuedLinesWaitingSaysItIsOverloaded) {
  TempDir dir;
  FileAuditLogOptions options;
  options.max_queued = 2;
  COFFER_ASSERT_OK_AND_ASSIGN(auto log,
                              FileAuditLog::Open(dir.File("audit.log"), Clock::Real(), options));
  log->SetMinBatchForTest(4);  // the writer waits: a disk that does not keep up
  std::atomic<int> ok{0};
  auto append = [&](const std::string& object) {
    log->AppendAsync(Record(object), [&](absl::Status s) { ok += s.ok(); });
  };
  append("queued/0");
  EXPECT_FALSE(log->Overloaded());
  append("queued/1");
  EXPECT_TRUE(log->Overloaded());
  append("done/anyway");  // what was done is recorded, bound or not
  append("done/too");

  ASSERT_TRUE(testing::PollUntil([&] { return ok.load() == 4; }));
  EXPECT_FALSE(log->Overloaded());
  log.reset();
  ExpectAllLanded(dir.File("audit.log"), 1, 4);
}

TEST(FileAuditLogTest, AsyncAppendToAFailedLogReportsUnavailable) {
  COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open("/dev/full", Clock::Real()));
  EXPECT_FALSE(log->Append(Record("a")).ok());
  absl::Status seen;
  std::atomic<bool> called{false};
  log->AppendAsync(Record("b"), [&](absl::Status status) {
    seen = status;
    called = true;
  });
  ASSERT_TRUE(testing::PollUntil([&] { return called.load(); }));
  EXPECT_THAT(seen, StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace coffer::audit
