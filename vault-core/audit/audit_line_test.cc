#include "vault-core/audit/audit_line.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

AuditRecord SampleRecord() {
  AuditRecord record;
  record.time = absl::FromUnixMicros(1767225600123456);
  record.request_id = "req-1";
  record.principal = "0f3c";
  record.vault = "prod";
  record.operation = "SecretGet";
  record.object = "secrets/db/0123";
  record.result = "200";
  record.latency = absl::Microseconds(1234);
  record.client_address = "10.0.0.7:5123";
  return record;
}

TEST(AuditLineTest, KeysAppearInTheDocumentedOrder) {
  std::string line = FormatAuditLine(SampleRecord(), 1, kGenesisHash);
  EXPECT_EQ(line,
            "{\"seq\":1,\"time\":\"2026-01-01T00:00:00.123456Z\",\"request_id\":\"req-1\","
            "\"principal\":\"0f3c\",\"vault\":\"prod\",\"operation\":\"SecretGet\","
            "\"object\":\"secrets/db/0123\",\"result\":\"200\",\"latency_ms\":1.234,"
            "\"client\":\"10.0.0.7:5123\",\"prev\":\"" +
                std::string(kGenesisHash) + "\"}");
}

TEST(AuditLineTest, ReplicaComesRightAfterSeqAndParsesBack) {
  std::string line = FormatAuditLine(SampleRecord(), 1, kGenesisHash, "vault-0");
  EXPECT_EQ(line.substr(0, 65),
            "{\"seq\":1,\"replica\":\"vault-0\",\"time\":\"2026-01-01T00:00:00.123456Z\"");
  COFFER_ASSERT_OK_AND_ASSIGN(ParsedAuditLine parsed, ParseAuditLine(line));
  EXPECT_EQ(parsed.replica, "vault-0");
  COFFER_ASSERT_OK_AND_ASSIGN(ParsedAuditLine legacy,
                              ParseAuditLine(FormatAuditLine(SampleRecord(), 1, kGenesisHash)));
  EXPECT_EQ(legacy.replica, "");
}

TEST(AuditLineTest, ReplicaNamesAreHostNames) {
  COFFER_EXPECT_OK(ValidateReplicaName("coffer-vault-0"));
  COFFER_EXPECT_OK(ValidateReplicaName("node_7.eu-west.example.com"));
  COFFER_EXPECT_OK(ValidateReplicaName(std::string(kMaxReplicaBytes, 'r')));
  for (std::string bad : {std::string(), std::string(kMaxReplicaBytes + 1, 'r'), std::string("a b"),
                          std::string("a\nb"), std::string("\x1b[31m"), std::string("(none)"),
                          std::string("vault\"0")}) {
    EXPECT_THAT(ValidateReplicaName(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

// A hostile file's "replica" never reaches a terminal: a line carrying a bad one is invalid.
TEST(AuditLineTest, LineWithAnInvalidReplicaIsRejected) {
  std::string line = FormatAuditLine(SampleRecord(), 1, kGenesisHash, "vault-0");
  for (std::string bad : {std::string("\"\\u001b]0;owned\\u0007\""), std::string("\"\""),
                          std::string("7"), absl::StrCat("\"", std::string(100000, 'r'), "\"")}) {
    std::string edited = line;
    edited.replace(edited.find("\"vault-0\""), 9, bad);
    EXPECT_THAT(ParseAuditLine(edited),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"replica\"")))
        << edited.substr(0, 80);
  }
}

TEST(AuditLineTest, FormattedLineParsesBackToTheSameRecord) {
  AuditRecord record = SampleRecord();
  std::string prev = LineHash("x");
  COFFER_ASSERT_OK_AND_ASSIGN(ParsedAuditLine parsed,
                              ParseAuditLine(FormatAuditLine(record, 42, prev)));
  EXPECT_EQ(parsed.seq, 42);
  EXPECT_EQ(parsed.prev, prev);
  EXPECT_EQ(parsed.record.time, record.time);
  EXPECT_EQ(parsed.record.request_id, record.request_id);
  EXPECT_EQ(parsed.record.principal, record.principal);
  EXPECT_EQ(parsed.record.vault, record.vault);
  EXPECT_EQ(parsed.record.operation, record.operation);
  EXPECT_EQ(parsed.record.object, record.object);
  EXPECT_EQ(parsed.record.result, record.result);
  EXPECT_EQ(parsed.record.latency, record.latency);
  EXPECT_EQ(parsed.record.client_address, record.client_address);
}

TEST(AuditLineTest, SpecialCharactersStayOnOneLineAndRoundTrip) {
  AuditRecord record = SampleRecord();
  record.object = "secrets/\"quoted\"\nnext line\r\t\\ \x01 end";
  record.principal = "Zoë ☃ 𝄞";
  record.request_id = std::string("bad utf8 \xff\xfe");
  std::string line = FormatAuditLine(record, 3, kGenesisHash);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  COFFER_ASSERT_OK_AND_ASSIGN(ParsedAuditLine parsed, ParseAuditLine(line));
  EXPECT_EQ(parsed.record.object, record.object);
  EXPECT_EQ(parsed.record.principal, record.principal);
  EXPECT_EQ(parsed.record.request_id, "bad utf8 \xEF\xBF\xBD\xEF\xBF\xBD");
}

// What a stranger sends (a megabyte "client id", a long path) cannot make a line large: each
// field is cut at 512 bytes, on a character boundary, and says so (issue 17 §1).
TEST(AuditLineTest, LongFieldsAreCutAndMarked) {
  AuditRecord record = SampleRecord();
  record.principal = "client:" + std::string(1 << 20, 'x');
  record.object = std::string(511, 'a') + "\xc3\xa9" + std::string(100, 'b');  // é across the cut
  std::string line = FormatAuditLine(record, 3, kGenesisHash);
  EXPECT_LT(line.size(), 2048u);
  COFFER_ASSERT_OK_AND_ASSIGN(ParsedAuditLine parsed, ParseAuditLine(line));
  EXPECT_EQ(parsed.record.principal,
            "client:" + std::string(505, 'x') + "...[cut " + std::to_string((1 << 20) - 505) +
                " bytes]");
  EXPECT_EQ(parsed.record.object, std::string(511, 'a') + "...[cut 102 bytes]");
  EXPECT_EQ(parsed.record.operation, record.operation);  // short fields are untouched
}

TEST(AuditLineTest, LineHashIsLowercaseHexSha256) {
  EXPECT_EQ(LineHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuditLineTest, MalformedLinesAreRejectedWithTheReason) {
  std::string good = FormatAuditLine(SampleRecord(), 1, kGenesisHash);
  EXPECT_THAT(ParseAuditLine("not json"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseAuditLine("[1,2]"), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string no_seq = good;
  no_seq.replace(0, 8, "{\"seqq\":1");
  EXPECT_THAT(ParseAuditLine(no_seq),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"seq\"")));
  std::string zero_seq = FormatAuditLine(SampleRecord(), 0, kGenesisHash);
  EXPECT_THAT(ParseAuditLine(zero_seq), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string short_prev = FormatAuditLine(SampleRecord(), 1, "abc");
  EXPECT_THAT(ParseAuditLine(short_prev),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"prev\"")));
  std::string bad_time = good;
  bad_time.replace(bad_time.find("2026"), 4, "20x6");
  EXPECT_THAT(ParseAuditLine(bad_time),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"time\"")));
  COFFER_EXPECT_OK(ParseAuditLine(good));
}

}  // namespace
}  // namespace coffer::audit
