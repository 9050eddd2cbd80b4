#ifndef COFFER_LIB_GRPCUTIL_GRPC_STATUS_H_
#define COFFER_LIB_GRPCUTIL_GRPC_STATUS_H_

// absl::Status <-> grpc::Status. The codes are the same canonical codes, so they map 1:1 and
// the message is kept as is.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace coffer::grpcutil {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace coffer::grpcutil

#endif  // COFFER_LIB_GRPCUTIL_GRPC_STATUS_H_
