#ifndef COFFER_LIB_BASE_STOP_SIGNALS_H_
#define COFFER_LIB_BASE_STOP_SIGNALS_H_

#include <signal.h>

namespace coffer {

// How a daemon's main learns it should stop. Constructed before any thread starts, it blocks
// SIGTERM and SIGINT, so every later thread inherits the mask and only Wait() receives them;
// it also ignores SIGPIPE (a peer that closed its socket is an error return, not our death).
class StopSignals {
 public:
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until SIGTERM or SIGINT arrives; returns which.
  int Wait() const;

 private:
  sigset_t set_;
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_STOP_SIGNALS_H_
