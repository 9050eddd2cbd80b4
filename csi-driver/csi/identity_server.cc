#include "csi-driver/csi/identity_server.h"

namespace coffer::csi {

grpc::Status IdentityServer::GetPluginInfo(grpc::ServerContext*,
                                           const ::csi::v1::GetPluginInfoRequest*,
                                           ::csi::v1::GetPluginInfoResponse* response) {
  response->set_name(driver_name_);
  response->set_vendor_version(version_);
  return grpc::Status::OK;
}

grpc::Status IdentityServer::GetPluginCapabilities(grpc::ServerContext*,
                                                   const ::csi::v1::GetPluginCapabilitiesRequest*,
                                                   ::csi::v1::GetPluginCapabilitiesResponse*) {
  return grpc::Status::OK;  // none: Node service only
}

grpc::Status IdentityServer::Probe(grpc::ServerContext*, const ::csi::v1::ProbeRequest*,
                                   ::csi::v1::ProbeResponse* response) {
  response->mutable_ready()->set_value(ready_());
  return grpc::Status::OK;
}

}  // namespace coffer::csi
