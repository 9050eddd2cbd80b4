#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_RANDOM_UUID_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_RANDOM_UUID_H_

#include <string>

namespace coffer::kube::standin {

// A random (version 4) UUID, lower-case canonical form: the jti of issued tokens, the uid of
// AdmissionReviews. Thread-safe.
std::string RandomUuid();

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_RANDOM_UUID_H_
