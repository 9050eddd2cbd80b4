#ifndef COFFER_VAULT_CORE_STORAGE_STORAGE_CONFORMANCE_H_
#define COFFER_VAULT_CORE_STORAGE_STORAGE_CONFORMANCE_H_

// The behaviour every Store must show. Each implementation's test instantiates it:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest, ::testing::Values(factory));

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/storage/storage.h"

namespace coffer::storage {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>(const testing::TempDir& dir)> make;
};

inline std::string PrintToString(const StoreFactory& f) { return f.name; }

// Every event a watch delivers, for a test to look at. Thread-safe.
class EventLog {
 public:
  // The watch's callback.
  std::function<void(const WatchEvent&)> Recorder() {
    return [this](const WatchEvent& event) {
      absl::MutexLock lock(&mu_);
      events_.push_back(event);
    };
  }
  std::vector<WatchEvent> Events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<WatchEvent> events_ ABSL_GUARDED_BY(mu_);
};

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_);
    ASSERT_NE(store_, nullptr);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_STORAGE_CONFORMANCE_H_
