#ifndef COFFER_VAULT_CORE_API_GRPC_ADMIN_CALL_H_
#define COFFER_VAULT_CORE_API_GRPC_ADMIN_CALL_H_

#include <grpcpp/support/status.h>

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "vault-core/audit/audit_log.h"

namespace grpc {
class ServerContext;
}  // namespace grpc

namespace coffer::api::admin {

// One admin RPC from its start to its answer: gives it a request id (sent to the client as
// "x-request-id" initial metadata) and writes its audit record before the answer goes out.
// Used by one handler thread.
class AdminCall {
 public:
  AdminCall(grpc::ServerContext* context, audit::AuditLog& audit, std::string operation);

  void set_vault(std::string vault) { record_.vault = std::move(vault); }
  void set_object(std::string object) { record_.object = std::move(object); }

  // Audits the call with `status`'s code name as its result and returns the answer: `status`,
  // or UNAVAILABLE when the record could not be written (nothing is acknowledged unaudited).
  grpc::Status Finish(const absl::Status& status);

 private:
  audit::AuditLog& audit_;
  audit::AuditRecord record_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace coffer::api::admin

#endif  // COFFER_VAULT_CORE_API_GRPC_ADMIN_CALL_H_
