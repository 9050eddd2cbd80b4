#include "lib/testing/kube_standin.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace coffer::testing {

std::string KubectlPath() {
  const char* pinned = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
  return std::filesystem::exists(pinned) ? pinned : "kubectl";
}

std::unique_ptr<Subprocess> StartKubeStandin(const std::string& binary,
                                             const std::string& kubeconfig,
                                             const std::string& log_path) {
  auto standin = std::make_unique<Subprocess>(
      std::vector<std::string>{binary, "--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig},
      log_path);
  if (!standin->Start() || !PollUntil([&] { return std::filesystem::exists(kubeconfig); })) {
    ADD_FAILURE() << "the stand-in did not start: " << standin->Log();
    return nullptr;
  }
  return standin;
}

std::vector<std::string> KubectlArgv(const std::string& kubeconfig, const std::string& cache_dir,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {KubectlPath(), "--kubeconfig", kubeconfig, "--cache-dir",
                                   cache_dir};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace coffer::testing
