// kube-standin: the Kubernetes API server stand-in for tests. See tests/kube-apiserver/README.md.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/time.h"
#include "lib/base/base64.h"
#include "lib/base/clock.h"
#include "lib/base/stop_signals.h"
#include "lib/http/beast/server.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "tests/kube-apiserver/server/kube_api_handler.h"

namespace {

constexpr const char* kUsage =
    "usage: kube-standin --kubeconfig PATH [--listen HOST:PORT]\n"
    "\n"
    "Serves a stand-in of the Kubernetes API over HTTPS for tests "
    "(tests/kube-apiserver/README.md).\n"
    "  --listen HOST:PORT   address to bind (default 127.0.0.1:0, port 0 picks a free port)\n"
    "  --kubeconfig PATH    where to write the admin kubeconfig once the server is ready\n"
    "SIGTERM or SIGINT stops it.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "kube-standin: %s\n", message.c_str());
  return 1;
}

std::string RandomToken() {
  std::string bytes(32, '\0');
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  urandom.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return coffer::Base64UrlEncode(bytes);
}

// Written to a temporary name and renamed, so that a reader never sees half a file.
bool WriteKubeconfig(const std::string& path, const std::string& server, const std::string& ca_pem,
                     const std::string& token) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n"
        << "    server: " << server << "\n"
        << "    certificate-authority-data: " << coffer::Base64Encode(ca_pem) << "\n"
        << "users:\n- name: admin\n  user:\n    token: " << token << "\n"
        << "contexts:\n- name: standin\n  context:\n    cluster: standin\n    user: admin\n"
        << "    namespace: default\ncurrent-context: standin\n";
    if (!out) return false;
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  return !error;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  std::string kubeconfig;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if ((arg == "--listen" || arg == "--kubeconfig") && i + 1 < argc) {
      (arg == "--listen" ? listen : kubeconfig) = argv[++i];
      continue;
    }
    return Fail("unknown or incomplete argument '" + arg + "' (see --help)");
  }
  if (kubeconfig.empty()) return Fail("--kubeconfig is required (see --help)");
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Fail("--listen wants HOST:PORT");
  coffer::http::ServerOptions options;
  options.host = listen.substr(0, colon);
  options.port = std::atoi(listen.c_str() + colon + 1);
  options.threads = 4;
  options.idle_timeout = absl::Hours(2);

  const coffer::StopSignals stop_signals;  // before any thread starts

  // A throwaway CA and serving certificate (localhost, 127.0.0.1), removed on exit.
  coffer::testing::TempDir dir;
  coffer::testing::TestPki pki = coffer::testing::MakeTestPki(dir);
  if (!std::filesystem::exists(pki.server_cert)) {
    return Fail("openssl failed to make the certificates");
  }
  options.tls = coffer::http::TlsFiles{pki.server_cert, pki.server_key};

  const std::string token = RandomToken();
  // Admission webhooks are called over cpprestsdk's HTTPS client.
  coffer::kube::standin::KubeApiHandler handler(coffer::Clock::Real(), token, "",
                                                coffer::http::cpprest::NewClient);
  auto server = coffer::http::beast::StartServer(options, handler);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::string address = options.host + ":" + std::to_string((*server)->port());
  handler.set_server_address(address);
  if (!WriteKubeconfig(kubeconfig, "https://" + address,
                       coffer::testing::ReadFileOrDie(pki.ca_cert), token)) {
    return Fail("cannot write " + kubeconfig);
  }
  std::fprintf(stderr, "kube-standin: serving https://%s\n", address.c_str());

  stop_signals.Wait();
  (*server)->Shutdown(absl::Seconds(1));
  return 0;
}
