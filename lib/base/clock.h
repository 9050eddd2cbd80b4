#ifndef COFFER_LIB_BASE_CLOCK_H_
#define COFFER_LIB_BASE_CLOCK_H_

#include "absl/time/time.h"

namespace coffer {

// Where time comes from. Injected everywhere so that tests control it instead of sleeping.
// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide wall clock.
  static Clock& Real();
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_CLOCK_H_
