#ifndef COFFER_LIB_GRPCUTIL_PEM_FILE_H_
#define COFFER_LIB_GRPCUTIL_PEM_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace coffer::grpcutil {

// The contents of a PEM file for gRPC's TLS options (certificates, keys, CAs). INVALID_ARGUMENT
// naming `what` and the path when it cannot be read or holds no PEM block.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, const char* what);

}  // namespace coffer::grpcutil

#endif  // COFFER_LIB_GRPCUTIL_PEM_FILE_H_
