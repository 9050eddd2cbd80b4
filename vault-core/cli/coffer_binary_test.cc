// Runs the built `coffer` binary the way a script would: exit codes and what it prints.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/audit_line.h"
#include "vault-core/audit/file_audit_log.h"

namespace coffer {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::RunResult;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

RunResult Coffer(std::vector<std::string> args) {
  args.insert(args.begin(), COFFER_BINARY);
  return testing::Run(args);
}

// An audit log of `n` calls, written by the vault's own writer.
std::string WriteAuditLog(const TempDir& dir, int n) {
  std::string path = dir.File("audit.log");
  FakeClock clock;
  auto log = audit::FileAuditLog::Open(path, clock);
  EXPECT_TRUE(log.ok()) << log.status();
  for (int i = 1; i <= n; ++i) {
    audit::AuditRecord record;
    record.request_id = "req" + std::to_string(i);
    record.principal = "alice";
    record.vault = "prod";
    record.operation = "SecretGet";
    record.object = "secrets/db";
    record.result = "200";
    EXPECT_TRUE((*log)->Append(record).ok());
  }
  return path;
}

TEST(CofferBinaryTest, HelpExitsZeroAndListsCommands) {
  RunResult r = Coffer({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("usage: coffer COMMAND"));
  EXPECT_THAT(r.output, HasSubstr("audit verify"));
  RunResult command = Coffer({"secret", "set", "--help"});
  EXPECT_EQ(command.exit_code, 0);
  EXPECT_THAT(command.output, HasSubstr("--value-stdin"));
}

TEST(CofferBinaryTest, UsageErrorExitsTwoWithOneLineOnStderr) {
  RunResult r = Coffer({"vault", "create", "prod", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, MatchesRegex("coffer: unknown flag --bogus[^\n]*\n"));
}

TEST(CofferBinaryTest, IntactAuditLogExitsZeroWithCountAndLastHash) {
  TempDir dir;
  std::string path = WriteAuditLog(dir, 5);
  std::string contents = ReadFileOrDie(path);
  std::string last_line = contents.substr(contents.rfind('\n', contents.size() - 2) + 1);
  last_line.pop_back();
  RunResult r = Coffer({"audit", "verify", path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "intact: 5 lines, last hash " + audit::LineHash(last_line) + "\n");
}

TEST(CofferBinaryTest, EditedAuditLineExitsSixAndNamesTheLine) {
  TempDir dir;
  std::string path = WriteAuditLog(dir, 5);
  std::string contents = ReadFileOrDie(path);
  std::size_t at = contents.find("alice", contents.find("\"seq\":3"));
  ASSERT_NE(at, std::string::npos) << contents;
  contents.replace(at, 5, "mallo");
  WriteFileOrDie(path, contents);
  RunResult r = Coffer({"audit", "verify", path});
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_THAT(r.output, MatchesRegex("tampered: line [34]: [^\n]+\n"));
  RunResult json = Coffer({"-o", "json", "audit", "verify", path});
  EXPECT_EQ(json.exit_code, 6);
  EXPECT_THAT(json.output, HasSubstr("\"intact\": false"));
}

TEST(CofferBinaryTest, MissingAuditFileIsNotFound) {
  RunResult r = Coffer({"audit", "verify", "/nonexistent/audit.log"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("coffer: "));
}

}  // namespace
}  // namespace coffer
