#ifndef COFFER_OPERATOR_CONTROLLER_RECHECK_SET_H_
#define COFFER_OPERATOR_CONTROLLER_RECHECK_SET_H_

#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "operator/api/v1alpha1/types.h"

namespace coffer::op {

// The objects whose next reconcile must look at the vault even though their status looks
// current: the drift sweep marks them, the reconciler takes the mark. Thread-safe.
class RecheckSet {
 public:
  void Mark(const v1alpha1::ObjectKey& key) {
    absl::MutexLock lock(&mu_);
    keys_.insert(key.String());
  }
  // Whether `key` was marked; the mark is gone afterwards.
  bool Take(const v1alpha1::ObjectKey& key) {
    absl::MutexLock lock(&mu_);
    return keys_.erase(key.String()) > 0;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_RECHECK_SET_H_
