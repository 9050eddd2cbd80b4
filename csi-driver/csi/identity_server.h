#ifndef COFFER_CSI_DRIVER_CSI_IDENTITY_SERVER_H_
#define COFFER_CSI_DRIVER_CSI_IDENTITY_SERVER_H_

// CSI Identity service: the plugin's name and version, no optional plugin capabilities (a
// node-only plugin has no controller service), and Probe.

#include <functional>
#include <string>

#include "csi/v1/csi.grpc.pb.h"

namespace coffer::csi {

class IdentityServer final : public ::csi::v1::Identity::Service {
 public:
  // `ready` answers Probe.
  IdentityServer(std::string driver_name, std::string version, std::function<bool()> ready)
      : driver_name_(std::move(driver_name)), version_(std::move(version)), ready_(std::move(ready)) {}

  grpc::Status GetPluginInfo(grpc::ServerContext*, const ::csi::v1::GetPluginInfoRequest*,
                             ::csi::v1::GetPluginInfoResponse* response) override;
  grpc::Status GetPluginCapabilities(grpc::ServerContext*,
                                     const ::csi::v1::GetPluginCapabilitiesRequest*,
                                     ::csi::v1::GetPluginCapabilitiesResponse*) override;
  grpc::Status Probe(grpc::ServerContext*, const ::csi::v1::ProbeRequest*,
                     ::csi::v1::ProbeResponse* response) override;

 private:
  const std::string driver_name_;
  const std::string version_;
  const std::function<bool()> ready_;
};

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_CSI_IDENTITY_SERVER_H_
