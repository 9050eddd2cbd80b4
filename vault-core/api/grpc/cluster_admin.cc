#include "vault-core/api/grpc/cluster_admin.h"

#include "lib/base/status.h"
#include "vault-core/api/grpc/admin_call.h"

namespace coffer::api::admin {
namespace {

namespace pb = ::coffer::admin::v1;

void ToProto(const service::StoredCluster& c, pb::TrustedCluster* out) {
  out->set_name(c.name);
  out->set_issuer(c.issuer);
  out->set_audience(c.audience);
  out->set_verify(c.verify);
  out->set_api_server(c.api_server);
  out->set_ca_certificate_pem(c.ca_certificate_pem);
  out->set_created_unix(absl::ToUnixSeconds(c.created));
}

std::string ClusterObject(const std::string& name) { return "clusters/" + name; }

}  // namespace

grpc::Status ClusterAdminService::SetTrustedCluster(grpc::ServerContext* context,
                                                    const pb::SetTrustedClusterRequest* request,
                                                    pb::TrustedCluster* response) {
  AdminCall call(context, audit_, "AdminClusterSet");
  const pb::TrustedCluster& in = request->cluster();
  call.set_object(ClusterObject(in.name()));
  service::StoredCluster cluster{in.name(),       in.issuer(),
                                 in.audience(),   in.verify(),
                                 in.api_server(), in.ca_certificate_pem(),
                                 SecretBytes(request->token()), absl::InfinitePast()};
  absl::StatusOr<service::StoredCluster> set = clusters_.Set(std::move(cluster));
  if (set.ok()) ToProto(*set, response);
  return call.Finish(set.status());
}

grpc::Status ClusterAdminService::ListTrustedClusters(grpc::ServerContext* context,
                                                      const pb::ListTrustedClustersRequest*,
                                                      pb::ListTrustedClustersResponse* response) {
  AdminCall call(context, audit_, "AdminClusterList");
  absl::StatusOr<std::vector<service::StoredCluster>> listed = clusters_.List(false);
  if (listed.ok()) {
    for (const service::StoredCluster& c : *listed) ToProto(c, response->add_clusters());
  }
  return call.Finish(listed.status());
}

grpc::Status ClusterAdminService::RemoveTrustedCluster(
    grpc::ServerContext* context, const pb::RemoveTrustedClusterRequest* request,
    pb::RemoveTrustedClusterResponse*) {
  AdminCall call(context, audit_, "AdminClusterRemove");
  call.set_object(ClusterObject(request->name()));
  return call.Finish(clusters_.Remove(request->name()));
}

}  // namespace coffer::api::admin
