#ifndef COFFER_VAULT_CORE_API_GRPC_CLUSTER_ADMIN_H_
#define COFFER_VAULT_CORE_API_GRPC_CLUSTER_ADMIN_H_

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/service/cluster_service.h"

namespace coffer::api::admin {

// coffer.admin.v1.ClusterAdmin over service::ClusterService. API server tokens go in and are
// never returned, logged or audited. See AdminServices.
class ClusterAdminService final : public ::coffer::admin::v1::ClusterAdmin::Service {
 public:
  ClusterAdminService(service::ClusterService& clusters, audit::AuditLog& audit)
      : clusters_(clusters), audit_(audit) {}

  grpc::Status SetTrustedCluster(grpc::ServerContext* context,
                                 const ::coffer::admin::v1::SetTrustedClusterRequest* request,
                                 ::coffer::admin::v1::TrustedCluster* response) override;
  grpc::Status ListTrustedClusters(grpc::ServerContext* context,
                                   const ::coffer::admin::v1::ListTrustedClustersRequest* request,
                                   ::coffer::admin::v1::ListTrustedClustersResponse* response) override;
  grpc::Status RemoveTrustedCluster(
      grpc::ServerContext* context, const ::coffer::admin::v1::RemoveTrustedClusterRequest* request,
      ::coffer::admin::v1::RemoveTrustedClusterResponse* response) override;

 private:
  service::ClusterService& clusters_;
  audit::AuditLog& audit_;
};

}  // namespace coffer::api::admin

#endif  // COFFER_VAULT_CORE_API_GRPC_CLUSTER_ADMIN_H_
