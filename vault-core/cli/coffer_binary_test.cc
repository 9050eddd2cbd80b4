// Runs the built `coffer` binary the way a script would: exit codes and what it prints.
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/audit_line.h"
#include "vault-core/audit/file_audit_log.h"
#include "vault-core/identity/jwk.h"
#include "vault-core/keystore/software/software_keystore.h"

namespace coffer {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::RunResult;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

RunResult Coffer(std::vector<std::string> args) {
  args.insert(args.begin(), COFFER_BINARY);
  return testing::Run(args);
}

// An audit log of `n` calls, written by the vault's own writer as `replica` ("": none).
std::string WriteAuditLog(const TempDir& dir, int n, const std::string& replica = "",
                          const std::string& file = "audit.log") {
  std::string path = dir.File(file);
  FakeClock clock;
  auto log = audit::FileAuditLog::Open(path, clock, {replica});
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

std::string LastLineHash(const std::string& path) {
  std::string contents = ReadFileOrDie(path);
  std::string last_line = contents.substr(contents.rfind('\n', contents.size() - 2) + 1);
  last_line.pop_back();
  return audit::LineHash(last_line);
}

TEST(CofferBinaryTest, IntactAuditLogExitsZeroWithCountAndLastHash) {
  TempDir dir;
  std::string path = WriteAuditLog(dir, 5);
  RunResult r = Coffer({"audit", "verify", path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // FakeClock starts at 2026-01-01T00:00:00Z and stands still.
  EXPECT_EQ(r.output, path + ": intact: replica (none), 5 lines, " +
                          "2026-01-01T00:00:00Z to 2026-01-01T00:00:00Z, last hash " +
                          LastLineHash(path) + "\n");
}

TEST(CofferBinaryTest, LogsOfSeveralReplicasPrintOneLineEach) {
  TempDir dir;
  std::string a = WriteAuditLog(dir, 3, "vault-0", "a.log");
  std::string b = WriteAuditLog(dir, 4, "vault-1", "b.log");
  RunResult r = Coffer({"audit", "verify", a, b});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> lines = absl::StrSplit(r.output, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_THAT(lines[0], StartsWith(a + ": intact: replica vault-0, 3 lines, "));
  EXPECT_THAT(lines[0], EndsWith(", last hash " + LastLineHash(a)));
  EXPECT_THAT(lines[1], StartsWith(b + ": intact: replica vault-1, 4 lines, "));
  RunResult json = Coffer({"-o", "json", "audit", "verify", a, b});
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"replica\": \"vault-1\""));
}

// b.log was a copy of a.log's first lines that then went on by itself: replica vault-0 forked.
TEST(CofferBinaryTest, ForkedReplicaChainExitsSixAndSaysWhere) {
  TempDir dir;
  std::string a = WriteAuditLog(dir, 3, "vault-0", "a.log");
  std::string contents = ReadFileOrDie(a);
  WriteFileOrDie(dir.File("b.log"), contents.substr(0, contents.find('\n') + 1));
  {
    FakeClock clock;
    auto log = audit::FileAuditLog::Open(dir.File("b.log"), clock, {"vault-0"});
    ASSERT_TRUE(log.ok()) << log.status();
    audit::AuditRecord record;
    record.operation = "SecretDelete";
    ASSERT_TRUE((*log)->Append(record).ok());
  }
  RunResult r = Coffer({"audit", "verify", a, dir.File("b.log")});
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_THAT(r.output, HasSubstr("fork: replica vault-0: " + a + " and " + dir.File("b.log") +
                                  " share line 1 and differ from line 2"));
}

// A directory stands for the log and the files rotated before it: the chain is checked across
// them, and a rotated file that lost its end is caught though it verifies alone.
TEST(CofferBinaryTest, ADirectoryOfRotatedLogsVerifiesAsOneChain) {
  TempDir dir;
  {
    FakeClock clock;
    audit::FileAuditLogOptions options;
    options.replica = "vault-0";
    options.rotate_bytes = 1500;
    auto log = audit::FileAuditLog::Open(dir.File("audit.log"), clock, options);
    ASSERT_TRUE(log.ok()) << log.status();
    audit::AuditRecord record;
    record.operation = "SecretGet";
    record.object = "secrets/db";
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->Append(record).ok());
    ASSERT_TRUE(::coffer::testing::PollUntil([&] { return (*log)->rotations() >= 1; }));
  }
  RunResult r = Coffer({"audit", "verify", dir.path()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir.File("audit.log") + ": intact: replica vault-0"));
  EXPECT_THAT(r.output, HasSubstr("(continuing audit.log."));
  EXPECT_THAT(r.output, HasSubstr("rotated: replica vault-0: "));
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr(".journal")));

  const std::string log = ReadFileOrDie(dir.File("audit.log"));
  const std::string marker = log.substr(0, log.find('\n'));
  const std::size_t name_at = marker.find("\"object\":\"") + 10;
  const std::string rotated = dir.File(marker.substr(name_at, marker.find('"', name_at) - name_at));
  std::string contents = ReadFileOrDie(rotated);
  contents.erase(contents.rfind('\n', contents.size() - 2) + 1);  // its last line
  WriteFileOrDie(rotated, contents);
  RunResult cut = Coffer({"audit", "verify", dir.path()});
  EXPECT_EQ(cut.exit_code, 6) << cut.output;
  EXPECT_THAT(cut.output, HasSubstr("gap: replica vault-0: " + dir.File("audit.log") +
                                    " continues " + rotated));
}

// The vault's signing key, as its JWKS publishes it, proves its checkpoints; another's does not.
TEST(CofferBinaryTest, CheckpointsVerifyAgainstTheVaultsJwks) {
  TempDir dir;
  class Signer : public audit::CheckpointSigner {
   public:
    explicit Signer(keystore::KeyStore& store) : store_(store) {}
    std::string key_id() const override { return "vault-key"; }
    absl::StatusOr<std::string> Sign(std::string_view message) override {
      return store_.SignEs256(message);
    }

   private:
    keystore::KeyStore& store_;
  };
  auto jwks_of = [&](const std::string& key_file) {
    auto store = std::move(*keystore::SoftwareKeyStore::Create({dir.File(key_file), ""}));
    std::string file = dir.File(key_file + ".jwks");
    WriteFileOrDie(file, identity::JwksJson(*identity::SplitP256Point(store->signing_public_key()),
                                            "vault-key"));
    return std::make_pair(std::move(store), file);
  };
  auto [store, jwks] = jwks_of("vault.key");
  Signer signer(*store);
  {
    FakeClock clock;
    audit::FileAuditLogOptions options;
    options.replica = "vault-0";
    options.signer = &signer;
    auto log = audit::FileAuditLog::Open(dir.File("audit.log"), clock, options);
    ASSERT_TRUE(log.ok()) << log.status();
    audit::AuditRecord record;
    record.operation = "SecretGet";
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*log)->Append(record).ok());
  }  // a clean stop: the fourth line is a checkpoint
  RunResult r = Coffer({"audit", "verify", "--jwks", jwks, dir.File("audit.log")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("4 lines, signed through line 4, "));
  RunResult json = Coffer({"-o", "json", "audit", "verify", "--jwks", jwks, dir.File("audit.log")});
  EXPECT_THAT(json.output, HasSubstr("\"signedThrough\": 4"));

  auto [other, other_jwks] = jwks_of("other.key");
  RunResult forged = Coffer({"audit", "verify", "--jwks", other_jwks, dir.File("audit.log")});
  EXPECT_EQ(forged.exit_code, 6) << forged.output;
  EXPECT_THAT(forged.output, HasSubstr("line 4: a checkpoint whose signature does not verify"));

  WriteFileOrDie(dir.File("bad.jwks"), "{\"keys\": 7}");
  RunResult bad = Coffer({"audit", "verify", "--jwks", dir.File("bad.jwks"), dir.File("audit.log")});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("not a JWKS"));
}

TEST(CofferBinaryTest, AuditVerifyWithoutAFileIsAUsageError) {
  RunResult r = Coffer({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("usage: coffer audit verify FILE|DIR..."));
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
  ASSERT_THAT(r.output, StartsWith(path));
  EXPECT_THAT(r.output.substr(path.size()),
              MatchesRegex(": tampered: replica \\(none\\), 5 lines: line [34]: [^\n]+\n"));
  RunResult json = Coffer({"-o", "json", "audit", "verify", path});
  EXPECT_EQ(json.exit_code, 6);
  EXPECT_THAT(json.output, HasSubstr("\"intact\": false"));
}

TEST(CofferBinaryTest, MissingAuditFileIsNotFound) {
  RunResult r = Coffer({"audit", "verify", "/nonexistent/audit.log"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("coffer: "));
}

// The others are still verified and reported; tampering outranks the missing file.
TEST(CofferBinaryTest, MissingFileAmongSeveralIsReportedAfterTheOthers) {
  TempDir dir;
  std::string a = WriteAuditLog(dir, 2, "vault-0", "a.log");
  RunResult r = Coffer({"audit", "verify", a, dir.File("gone.log")});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr(a + ": intact: replica vault-0, 2 lines"));
  EXPECT_THAT(r.output, HasSubstr("coffer: cannot open " + dir.File("gone.log")));
  std::string contents = ReadFileOrDie(a);
  contents.replace(contents.find("alice"), 5, "mallo");
  WriteFileOrDie(a, contents);
  EXPECT_EQ(Coffer({"audit", "verify", a, dir.File("gone.log")}).exit_code, 6);
}

}  // namespace
}  // namespace coffer
