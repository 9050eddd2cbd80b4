#ifndef COFFER_TESTS_KUBE_APISERVER_SERVER_TOKEN_REQUEST_PROTO_H_
#define COFFER_TESTS_KUBE_APISERVER_SERVER_TOKEN_REQUEST_PROTO_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

// Decodes the application/vnd.kubernetes.protobuf TokenRequest body `kubectl create token`
// sends ("k8s\0" + runtime.Unknown wrapping authentication.k8s.io/v1 TokenRequest) into its
// JSON form, keeping only spec.audiences, spec.expirationSeconds and spec.boundObjectRef
// {kind, apiVersion, name, uid}. 400 BadRequest Status when the bytes do not parse.
absl::StatusOr<nlohmann::json> DecodeTokenRequestProto(std::string_view body);

// Decodes a protobuf body of a built-in object whose content the stand-in only needs from
// metadata (name, generateName, namespace, labels, annotations), plus apiVersion and kind:
// what `kubectl create serviceaccount` sends. 400 BadRequest Status when the bytes do not parse.
absl::StatusOr<nlohmann::json> DecodeMetadataOnlyProto(std::string_view body);

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_SERVER_TOKEN_REQUEST_PROTO_H_
