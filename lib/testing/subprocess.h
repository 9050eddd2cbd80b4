#ifndef COFFER_LIB_TESTING_SUBPROCESS_H_
#define COFFER_LIB_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace coffer::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// Runs a command to completion (PATH is searched) and captures its output.
RunResult Run(const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& extra_env = {});

// A child process for multi-process tests; killed (SIGKILL) on destruction if still running.
// Its stdout and stderr go to a log file so that a failing test can show them.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, std::string log_path,
             std::map<std::string, std::string> extra_env = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool Start();
  // Sends `signal` and waits for the exit; returns the exit code, or -signal if signalled.
  int Stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits for the process to exit by itself.
  int Wait(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }
  std::string Log() const;

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  std::map<std::string, std::string> extra_env_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

// Polls `condition` every 20 ms until it holds or the deadline passes (four times later in a
// sanitized build, which runs several times slower).
bool PollUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A TCP port on 127.0.0.1 that was free a moment ago (for processes that cannot take port 0).
int PickFreePort();

}  // namespace coffer::testing

#endif  // COFFER_LIB_TESTING_SUBPROCESS_H_
