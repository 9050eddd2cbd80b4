#ifndef COFFER_LIB_BASE_STATUS_H_
#define COFFER_LIB_BASE_STATUS_H_

// Status helpers. Fallible functions return absl::Status or absl::StatusOr<T>; these macros
// keep the error path to one line.

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define COFFER_STATUS_CONCAT_INNER_(a, b) a##b
#define COFFER_STATUS_CONCAT_(a, b) COFFER_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define COFFER_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status coffer_status_ = (expr);          \
    if (!coffer_status_.ok()) return coffer_status_; \
  } while (0)

// `COFFER_ASSIGN_OR_RETURN(auto x, F());` declares or assigns `x` from the value of a
// StatusOr, or returns its status from the enclosing function.
#define COFFER_ASSIGN_OR_RETURN(lhs, expr) \
  COFFER_ASSIGN_OR_RETURN_IMPL_(COFFER_STATUS_CONCAT_(coffer_statusor_, __LINE__), lhs, expr)

#define COFFER_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace coffer {

// Debian's abseil does not alias std::string_view, so messages built from std types go
// through std::string.
inline absl::Status WithContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), std::string(context) + ": " + std::string(status.message()));
}

}  // namespace coffer

#endif  // COFFER_LIB_BASE_STATUS_H_
