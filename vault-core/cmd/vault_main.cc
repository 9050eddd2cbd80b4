// coffer-vault: the vault server. See docs/configuration.md.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "lib/base/logging.h"
#include "lib/base/stop_signals.h"
#include "lib/base/version.h"
#include "lib/base/zero_on_free.h"
#include "vault-core/server/config.h"
#include "vault-core/server/vault_server.h"

extern char** environ;

namespace {

constexpr const char* kUsage =
    "usage: coffer-vault [--config FILE] [--set PATH=VALUE]...\n"
    "\n"
    "Runs the Coffer vault server.\n"
    "  --config FILE       YAML configuration (docs/configuration.md)\n"
    "  --set PATH=VALUE    override one setting, e.g. --set http.port=9443 (repeatable)\n"
    "Environment: COFFER__SECTION__KEY=VALUE overrides the file, e.g. COFFER__LOG__LEVEL=debug.\n"
    "SIGTERM or SIGINT stops it: no new connections, requests in flight finish, then exit 0.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "coffer-vault: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!coffer::ZeroOpenSslMemoryOnFree()) return Fail("OpenSSL allocated memory before main()");
  if (coffer::PrintVersionIfAsked(argc, argv, "coffer-vault")) return 0;
  std::string config_path;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if ((arg == "--config" || arg == "--set") && i + 1 < argc) {
      (arg == "--config" ? config_path = argv[++i] : overrides.emplace_back(argv[++i]));
      continue;
    }
    return Fail("unknown or incomplete argument '" + arg + "' (see --help)");
  }

  // Debian builds abseil without NDEBUG, which leaves Mutex deadlock detection on: a global
  // graph lock taken on every Lock(). Tests keep it; the server does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const coffer::StopSignals stop_signals;  // before any thread starts

  auto config = coffer::server::LoadVaultConfig(config_path, overrides, environ);
  if (!config.ok()) return Fail(std::string(config.status().message()));
  coffer::InitLogging(
      config->log.format == "json" ? coffer::LogFormat::kJson : coffer::LogFormat::kText,
      config->log.level);

  auto server = coffer::server::VaultServer::Start(*config);
  if (!server.ok()) return Fail(std::string(server.status().message()));

  const int signal_number = stop_signals.Wait();
  COFFER_LOG(kVault, info, "received {}", strsignal(signal_number));
  (*server)->Shutdown();
  return 0;
}
