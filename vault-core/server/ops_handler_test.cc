#include "vault-core/server/ops_handler.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/keystore/software/software_keystore.h"
#include "vault-core/storage/memory/memory_store.h"

namespace coffer::server {
namespace {

using ::testing::HasSubstr;

// A store whose health the test sets, counting how often it is asked.
class ProbedStore : public storage::MemoryStore {
 public:
  absl::Status CheckHealth() override {
    ++asked;
    if (hold != nullptr) hold->WaitForNotification();
    return healthy ? absl::OkStatus() : absl::UnavailableError("disk gone");
  }
  absl::Notification* hold = nullptr;  // when set, a check hangs until it is notified
  std::atomic<int> asked{0};
  std::atomic<bool> healthy{true};
};

class NotFound : public http::Handler {
 public:
  http::Response Handle(const http::Request&) override { return http::Response::Text(404, ""); }
};

class OpsHandlerTest : public ::testing::Test {
 protected:
  http::Response Get(const std::string& path) {
    http::Request request;
    request.method = "GET";
    request.path = path;
    return handler_.Handle(request);
  }

  testing::TempDir dir_;
  std::unique_ptr<keystore::KeyStore> keystore_ =
      std::move(*keystore::SoftwareKeyStore::Create({dir_.File("master.key"), ""}));
  ProbedStore store_;
  metrics::Registry metrics_;
  NotFound inner_;
  FakeClock clock_;
  OpsHandler handler_{store_, *keystore_, metrics_, inner_, clock_};
};

// A probe (unauthenticated, any rate) costs one storage and HSM check a second at most, and
// readiness still follows storage within that second.
TEST_F(OpsHandlerTest, ReadinessIsCheckedAtMostOnceASecondAndFollowsStorage) {
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Get("/readyz").status, 200);
  EXPECT_EQ(store_.asked.load(), 1);

  store_.healthy = false;
  EXPECT_EQ(Get("/readyz").status, 200);  // the last check's answer, for up to a second
  clock_.Advance(OpsHandler::kReadinessLifetime);
  http::Response down = Get("/readyz");
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, HasSubstr(R"("storage":"unavailable")"));
  EXPECT_THAT(down.body, ::testing::Not(HasSubstr("disk gone")));  // the why goes to the log
  EXPECT_EQ(store_.asked.load(), 2);

  store_.healthy = true;
  clock_.Advance(OpsHandler::kReadinessLifetime);
  EXPECT_EQ(Get("/readyz").status, 200);
  clock_.Advance(-absl::Hours(1));  // a wall clock stepped back does not freeze the answer
  store_.healthy = false;
  EXPECT_EQ(Get("/readyz").status, 503);
  EXPECT_EQ(store_.asked.load(), 4);
}

// A check that hangs (a stuck store or HSM) is answered from the last check for a while, then
// as not ready: a probe must not keep seeing a replica ready that cannot answer.
// An audit log that cannot be written refuses every call: the replica says it is not ready, at
// once and without waiting out the cached check.
TEST_F(OpsHandlerTest, AnAuditLogThatCannotBeWrittenIsNotReady) {
  class Log : public audit::AuditLog {
   public:
    absl::Status Append(const audit::AuditRecord&) override { return absl::OkStatus(); }
    bool Writable() const override { return writable; }
    bool writable = true;
  } log;
  OpsHandler handler(store_, *keystore_, metrics_, inner_, clock_, nullptr, &log);
  http::Request request;
  request.method = "GET";
  request.path = "/readyz";
  EXPECT_EQ(handler.Handle(request).status, 200);
  log.writable = false;
  http::Response down = handler.Handle(request);
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, HasSubstr(R"("audit":"unavailable")"));
  log.writable = true;
  EXPECT_EQ(handler.Handle(request).status, 200);
}

TEST_F(OpsHandlerTest, ACheckThatHangsEndsInNotReady) {
  EXPECT_EQ(Get("/readyz").status, 200);
  absl::Notification release;
  store_.hold = &release;
  clock_.Advance(OpsHandler::kReadinessLifetime);
  std::thread stuck([&] { Get("/readyz"); });
  ASSERT_TRUE(testing::PollUntil([&] { return store_.asked.load() == 2; }));
  EXPECT_EQ(Get("/readyz").status, 200);  // the last answer, 1 s old
  clock_.Advance(2 * OpsHandler::kReadinessLifetime);
  EXPECT_EQ(Get("/readyz").status, 503);
  release.Notify();
  stuck.join();
}

}  // namespace
}  // namespace coffer::server
