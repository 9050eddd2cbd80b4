#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_PROTOBUF_BODIES_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_PROTOBUF_BODIES_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

// Decodes the application/vnd.kubernetes.protobuf TokenRequest body `kubectl create token`
// sends ("k8s\0" + runtime.Unknown wrapping authentication.k8s.io/v1 TokenRequest) into its
// JSON form, keeping only spec.audiences, spec.expirationSeconds and spec.boundObjectRef
// {kind, apiVersion, name, uid}. 400 BadRequest Status when the bytes do not parse.
absl::StatusOr<nlohmann::json> DecodeTokenRequestProto(std::string_view body);

// Decodes the protobuf body of a built-in object that kubectl's imperative creates send
// (`kubectl create namespace | serviceaccount | secret | configmap`) into its JSON form:
// apiVersion, kind, metadata (name, generateName, namespace, labels, annotations), and for
// Secrets type, data (base64, as JSON carries bytes), stringData and immutable, for ConfigMaps
// data, binaryData and immutable. 400 BadRequest Status when the bytes do not parse; 415
// UnsupportedMediaType for any other kind.
absl::StatusOr<nlohmann::json> DecodeObjectProto(std::string_view body);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_PROTOBUF_BODIES_H_
