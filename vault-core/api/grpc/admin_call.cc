#include "vault-core/api/grpc/admin_call.h"

#include <grpcpp/server_context.h>

#include <utility>

#include "lib/base/logging.h"
#include "lib/grpcutil/grpc_server.h"
#include "lib/grpcutil/grpc_status.h"
#include "vault-core/crypto/random.h"

namespace coffer::api::admin {

AdminCall::AdminCall(grpc::ServerContext* context, audit::AuditLog& audit, std::string operation)
    : audit_(audit), start_(std::chrono::steady_clock::now()) {
  record_.request_id = crypto::RandomUuid();
  record_.principal = grpcutil::CallerIdentity(context);
  record_.operation = std::move(operation);
  record_.client_address = context->peer();
  context->AddInitialMetadata("x-request-id", record_.request_id);
}

grpc::Status AdminCall::Finish(const absl::Status& status) {
  record_.result = absl::StatusCodeToString(status.code());
  record_.latency = absl::FromChrono(std::chrono::steady_clock::now() - start_);
  absl::Status audited = audit_.Append(record_);
  if (!audited.ok()) {
    COFFER_LOG(kAudit, err, "{} {} not answered: the audit write failed: {}", record_.operation,
               record_.request_id, audited.ToString());
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the audit trail cannot be written; try again later");
  }
  return grpcutil::ToGrpcStatus(status);
}

}  // namespace coffer::api::admin
