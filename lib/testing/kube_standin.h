#ifndef COFFER_LIB_TESTING_KUBE_STANDIN_H_
#define COFFER_LIB_TESTING_KUBE_STANDIN_H_

// Tests that drive the Kubernetes API stand-in as a process, with real kubectl.

#include <memory>
#include <string>
#include <vector>

#include "lib/testing/subprocess.h"

namespace coffer::testing {

// The kubectl 1.32 binary itself: /usr/bin/kubectl is gcloud's dispatcher, which picks a
// version by the server's /version (docs/kube-standin-notes.md).
std::string KubectlPath();

// Starts the stand-in `binary` on a free port and waits until it has written `kubeconfig`.
// Null (and a test failure, with its log) when it does not start.
std::unique_ptr<Subprocess> StartKubeStandin(const std::string& binary,
                                             const std::string& kubeconfig,
                                             const std::string& log_path);

// kubectl with `args` against `kubeconfig`, its discovery cache in `cache_dir`.
std::vector<std::string> KubectlArgv(const std::string& kubeconfig, const std::string& cache_dir,
                                     const std::vector<std::string>& args);

}  // namespace coffer::testing

#endif  // COFFER_LIB_TESTING_KUBE_STANDIN_H_
