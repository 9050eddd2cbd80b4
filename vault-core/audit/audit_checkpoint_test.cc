#include "vault-core/audit/audit_checkpoint.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/audit_verify.h"
#include "vault-core/audit/file_audit_log.h"
#include "vault-core/keystore/software/software_keystore.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::PollUntil;
using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

// The vault's signing key, as the software key store holds it in tests.
class KeyStoreSigner : public CheckpointSigner {
 public:
  explicit KeyStoreSigner(const TempDir& dir, std::string name = "master.key")
      : store_(std::move(*keystore::SoftwareKeyStore::Create({dir.File(name), ""}))) {}
  std::string key_id() const override { return "kid-1"; }
  absl::StatusOr<std::string> Sign(std::string_view message) override {
    if (broken_) return absl::UnavailableError("the HSM is away");
    return store_->SignEs256(message);
  }
  CheckpointKeys Keys(const std::string& kid = "kid-1") const {
    CheckpointKeys keys;
    keys[kid] = std::move(*crypto::P256PublicKey::FromPoint(store_->signing_public_key()));
    return keys;
  }
  bool broken_ = false;

 private:
  std::unique_ptr<keystore::KeyStore> store_;
};

AuditRecord Record(int i) {
  AuditRecord record;
  record.principal = "anonymous";
  record.operation = "SecretGet";
  record.object = absl::StrCat("secrets/s", i);
  record.result = "200";
  return record;
}

std::vector<ParsedAuditLine> ParseFile(const std::string& path) {
  std::vector<ParsedAuditLine> lines;
  for (absl::string_view line : absl::StrSplit(ReadFileOrDie(path), '\n', absl::SkipEmpty())) {
    lines.push_back(*ParseAuditLine(std::string_view(line.data(), line.size())));
  }
  return lines;
}

VerifyResult Verify(const std::string& path, const CheckpointKeys* keys) {
  absl::StatusOr<VerifyResult> result = VerifyAuditFile(path, nullptr, keys);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : VerifyResult{};
}

class AuditCheckpointTest : public ::testing::Test {
 protected:
  // Three lines, a checkpoint a minute later, then two more lines and a clean stop.
  void WriteLog() {
    FileAuditLogOptions options;
    options.replica = "vault-0";
    options.signer = &signer_;
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path_, clock_, options));
    for (int i = 0; i < 3; ++i) COFFER_ASSERT_OK(log->Append(Record(i)));
    clock_.Advance(absl::Minutes(1));
    ASSERT_TRUE(PollUntil([&] { return log->Durable().seq == 4; }));
    for (int i = 3; i < 5; ++i) COFFER_ASSERT_OK(log->Append(Record(i)));
  }

  TempDir dir_;
  FakeClock clock_;
  KeyStoreSigner signer_{dir_};
  std::string path_ = dir_.File("audit.log");
};

TEST_F(AuditCheckpointTest, WrittenAMinuteAfterLinesAndAtACleanStopAndVerifiedWithTheKey) {
  WriteLog();
  std::vector<ParsedAuditLine> lines = ParseFile(path_);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_TRUE(IsCheckpoint(lines[3]));
  EXPECT_THAT(lines[3].record.object, ::testing::StartsWith("es256:kid-1:"));
  EXPECT_TRUE(IsCheckpoint(lines[6]));  // the stop's
  const CheckpointKeys keys = signer_.Keys();
  VerifyResult result = Verify(path_, &keys);
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.checkpoints, 2);
  EXPECT_EQ(result.signed_through, 7);
  // Without the key the chain verifies, and nothing is said to be signed.
  VerifyResult unkeyed = Verify(path_, nullptr);
  EXPECT_TRUE(unkeyed.intact);
  EXPECT_EQ(unkeyed.checkpoints, 2);
  EXPECT_EQ(unkeyed.signed_through, 0);
}

// Who rewrites the log and recomputes every hash passes the chain, not the signature.
TEST_F(AuditCheckpointTest, ARewrittenChainFailsAtTheFirstCheckpointAfterTheEdit) {
  WriteLog();
  std::vector<ParsedAuditLine> lines = ParseFile(path_);
  lines[1].record.object = "secrets/nothing-to-see";
  std::string rewritten;
  std::string prev(kGenesisHash);
  for (const ParsedAuditLine& line : lines) {
    std::string bytes = FormatAuditLine(line.record, line.seq, prev, line.replica);
    prev = LineHash(bytes);
    rewritten += bytes + "\n";
  }
  WriteFileOrDie(path_, rewritten);
  EXPECT_TRUE(Verify(path_, nullptr).intact);
  const CheckpointKeys keys = signer_.Keys();
  VerifyResult result = Verify(path_, &keys);
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.first_bad_line, 4);
  EXPECT_THAT(result.problem, HasSubstr("signature does not verify"));
}

TEST_F(AuditCheckpointTest, AnotherVaultsKeyOrAnUnknownKeyIdDoesNotVerify) {
  WriteLog();
  KeyStoreSigner other(dir_, "other.key");
  const CheckpointKeys others = other.Keys();
  EXPECT_THAT(Verify(path_, &others).problem, HasSubstr("line 4: a checkpoint whose signature"));
  const CheckpointKeys renamed = signer_.Keys("kid-2");
  EXPECT_THAT(Verify(path_, &renamed).problem, HasSubstr("not in the key set"));
}

TEST_F(AuditCheckpointTest, WhenTheHsmCannotSignTheLogGoesOnWithoutCheckpoints) {
  signer_.broken_ = true;
  {
    FileAuditLogOptions options;
    options.signer = &signer_;
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path_, clock_, options));
    COFFER_ASSERT_OK(log->Append(Record(0)));
    clock_.Advance(absl::Minutes(2));
    absl::SleepFor(absl::Milliseconds(1200));  // the writer tried, once
    COFFER_ASSERT_OK(log->Append(Record(1)));
  }
  VerifyResult result = Verify(path_, nullptr);
  EXPECT_TRUE(result.intact);
  EXPECT_EQ(result.lines, 2);
  EXPECT_EQ(result.checkpoints, 0);
}

TEST_F(AuditCheckpointTest, ARotatedFileEndsWithACheckpoint) {
  {
    FileAuditLogOptions options;
    options.replica = "vault-0";
    options.signer = &signer_;
    options.rotate_bytes = 1500;
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(path_, clock_, options));
    for (int i = 0; i < 8; ++i) COFFER_ASSERT_OK(log->Append(Record(i)));
    ASSERT_TRUE(PollUntil([&] { return log->rotations() >= 1; }));
  }
  const ParsedAuditLine marker = ParseFile(path_).front();
  ASSERT_TRUE(IsRotationMarker(marker));
  const std::string rotated = dir_.File(marker.record.object);
  EXPECT_TRUE(IsCheckpoint(ParseFile(rotated).back()));
  const CheckpointKeys keys = signer_.Keys();
  VerifyResult result = Verify(rotated, &keys);
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.signed_through, result.lines);
}

}  // namespace
}  // namespace coffer::audit
