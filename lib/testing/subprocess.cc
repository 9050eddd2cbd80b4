#include "lib/testing/subprocess.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "lib/testing/temp_dir.h"

namespace coffer::testing {
namespace {

[[noreturn]] void ExecChild(const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& extra_env, int out_fd) {
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, STDIN_FILENO);
  for (const auto& [key, value] : extra_env) setenv(key.c_str(), value.c_str(), 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

RunResult Run(const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& extra_env) {
  TempDir dir;
  std::string log = dir.File("out");
  Subprocess p(argv, log, extra_env);
  RunResult result;
  if (!p.Start()) return result;
  int code = p.Wait(std::chrono::minutes(5));
  result.exit_code = code < 0 ? -1 : code;
  result.output = p.Log();
  return result;
}

Subprocess::Subprocess(std::vector<std::string> argv, std::string log_path,
                       std::map<std::string, std::string> extra_env)
    : argv_(std::move(argv)), log_path_(std::move(log_path)), extra_env_(std::move(extra_env)) {}

Subprocess::~Subprocess() {
  if (running()) Stop(SIGKILL);
}

bool Subprocess::Start() {
  int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  pid_ = fork();
  if (pid_ == 0) ExecChild(argv_, extra_env_, fd);
  close(fd);
  exited_ = false;
  return pid_ > 0;
}

bool Subprocess::running() {
  if (pid_ <= 0 || exited_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    status_ = status;
    return false;
  }
  return r == 0;
}

int Subprocess::Wait(std::chrono::milliseconds timeout) {
  PollUntil([this] { return !running(); }, timeout);
  if (!exited_) return -1000;  // still running
  return DecodeStatus(status_);
}

int Subprocess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (running()) kill(pid_, signal);
  int code = Wait(timeout);
  if (code == -1000) {
    kill(pid_, SIGKILL);
    code = Wait(std::chrono::seconds(10));
  }
  return code;
}

std::string Subprocess::Log() const { return ReadFileOrDie(log_path_); }

// A deadline in a test says "this happens", not how fast: a sanitized build (scripts/sanitize)
// runs several times slower, its scrypt hashes and its process starts most of all.
#ifdef COFFER_SANITIZED_BUILD
constexpr int kSlowdown = 4;
#else
constexpr int kSlowdown = 1;
#endif

bool PollUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout * kSlowdown;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace coffer::testing
