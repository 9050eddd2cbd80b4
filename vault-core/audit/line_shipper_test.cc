#include "vault-core/audit/line_shipper.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/audit/file_audit_log.h"

namespace coffer::audit {
namespace {

using ::coffer::testing::PollUntil;
using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;

// A log collector listening on a unix socket: what it has read, one connection at a time.
class Collector {
 public:
  explicit Collector(std::string path) : path_(std::move(path)) {
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path_.data(), path_.size());
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(listen(listener_, 4), 0);
  }
  ~Collector() {
    Hangup();
    close(listener_);
  }
  // Accepts the shipper's connection and reads until `text` holds `bytes` bytes (or 10 s).
  std::string ReadUntil(std::size_t bytes) {
    if (connection_ < 0) connection_ = accept(listener_, nullptr, nullptr);
    timeval timeout{10, 0};
    setsockopt(connection_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char buf[4096];
    while (text_.size() < bytes) {
      ssize_t n = read(connection_, buf, sizeof(buf));
      if (n <= 0) break;
      text_.append(buf, static_cast<std::size_t>(n));
    }
    return text_;
  }
  void Hangup() {
    if (connection_ >= 0) close(connection_);
    connection_ = -1;
  }

 private:
  std::string path_;
  int listener_ = -1;
  int connection_ = -1;
  std::string text_;
};

TEST(LineShipperTest, LinesReachTheCollectorInOrder) {
  TempDir dir;
  Collector collector(dir.File("collector.sock"));
  COFFER_ASSERT_OK_AND_ASSIGN(auto shipper,
                              LineShipper::Start("unix:" + dir.File("collector.sock")));
  shipper->Ship("one\n");
  shipper->Ship("two\nthree\n");
  EXPECT_EQ(collector.ReadUntil(14), "one\ntwo\nthree\n");
  EXPECT_TRUE(PollUntil([&] { return shipper->shipped_lines() == 3; }));
  EXPECT_EQ(shipper->dropped_lines(), 0);
}

// The collector restarts: lines queued meanwhile arrive once it listens again.
TEST(LineShipperTest, ACollectorThatComesLateOrBackGetsTheQueuedLines) {
  TempDir dir;
  COFFER_ASSERT_OK_AND_ASSIGN(auto shipper,
                              LineShipper::Start("unix:" + dir.File("collector.sock")));
  shipper->Ship("before\n");  // nobody listens yet
  absl::SleepFor(absl::Milliseconds(100));
  {
    Collector collector(dir.File("collector.sock"));
    EXPECT_EQ(collector.ReadUntil(7), "before\n");
  }
  unlink(dir.File("collector.sock").c_str());
  shipper->Ship("while-away\n");
  Collector again(dir.File("collector.sock"));
  EXPECT_THAT(again.ReadUntil(11), ::testing::EndsWith("while-away\n"));
}

TEST(LineShipperTest, PastTheCapLinesAreDroppedNotWaitedFor) {
  TempDir dir;
  COFFER_ASSERT_OK_AND_ASSIGN(
      auto shipper, LineShipper::Start("unix:" + dir.File("nobody.sock"), /*max_queued_bytes=*/16));
  const absl::Time start = absl::Now();
  for (int i = 0; i < 1000; ++i) shipper->Ship("0123456789\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // generous: only a hang fails this
  EXPECT_EQ(shipper->dropped_lines(), 999);
  EXPECT_EQ(shipper->shipped_lines(), 0);
}

TEST(LineShipperTest, AnyOtherTargetIsRefused) {
  EXPECT_THAT(LineShipper::Start("tcp://collector:514"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("unix:PATH")));
  EXPECT_THAT(LineShipper::Start("unix:"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LineShipper::Start("unix:/" + std::string(200, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// What the collector receives from a log is the log's own lines, byte for byte, rotation
// markers included; stdout is the same code over descriptor 1 (here a pipe).
TEST(LineShipperTest, TheLogsDurableLinesAreShippedAsTheFileHoldsThem) {
  TempDir dir;
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  auto shipper = LineShipper::ForDescriptor(pipe_fds[1], 1 << 20);
  FakeClock clock;
  std::string file;
  {
    FileAuditLogOptions options;
    options.replica = "vault-0";
    options.shipper = shipper.get();
    options.rotate_bytes = 1500;
    COFFER_ASSERT_OK_AND_ASSIGN(auto log, FileAuditLog::Open(dir.File("audit.log"), clock, options));
    AuditRecord record;
    record.operation = "SecretGet";
    for (int i = 0; i < 8; ++i) COFFER_ASSERT_OK(log->Append(record));
    ASSERT_TRUE(PollUntil([&] { return log->rotations() == 1; }));
  }
  shipper.reset();  // sends what is queued
  close(pipe_fds[1]);
  std::string shipped;
  char buf[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof(buf))) > 0;) shipped.append(buf, n);
  close(pipe_fds[0]);
  const std::string log = ReadFileOrDie(dir.File("audit.log"));
  const std::string marker_name = "audit.log.";
  std::size_t at = log.find(marker_name);
  ASSERT_NE(at, std::string::npos);
  const std::string rotated = log.substr(at, log.find('"', at) - at);
  EXPECT_EQ(shipped, ReadFileOrDie(dir.File(rotated)) + log);
}

}  // namespace
}  // namespace coffer::audit
