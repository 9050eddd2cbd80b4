#ifndef COFFER_CSI_DRIVER_CSI_NODE_SERVER_H_
#define COFFER_CSI_DRIVER_CSI_NODE_SERVER_H_

// CSI Node service for inline ephemeral volumes: checks each call's arguments as the spec asks
// (INVALID_ARGUMENT naming what is missing) and hands the rest to the Publisher. Staging,
// volume stats and expansion are not offered (NodeGetCapabilities says so) and stay
// UNIMPLEMENTED.

#include <string>

#include "csi-driver/publish/publisher.h"
#include "csi/v1/csi.grpc.pb.h"

namespace coffer::csi {

class NodeServer final : public ::csi::v1::Node::Service {
 public:
  // `audience`: the tokenRequests audience whose token is exchanged (api://coffer).
  NodeServer(Publisher& publisher, std::string node_id, std::string audience)
      : publisher_(publisher), node_id_(std::move(node_id)), audience_(std::move(audience)) {}

  grpc::Status NodePublishVolume(grpc::ServerContext*,
                                 const ::csi::v1::NodePublishVolumeRequest* request,
                                 ::csi::v1::NodePublishVolumeResponse*) override;
  grpc::Status NodeUnpublishVolume(grpc::ServerContext*,
                                   const ::csi::v1::NodeUnpublishVolumeRequest* request,
                                   ::csi::v1::NodeUnpublishVolumeResponse*) override;
  grpc::Status NodeGetCapabilities(grpc::ServerContext*,
                                   const ::csi::v1::NodeGetCapabilitiesRequest*,
                                   ::csi::v1::NodeGetCapabilitiesResponse*) override;
  grpc::Status NodeGetInfo(grpc::ServerContext*, const ::csi::v1::NodeGetInfoRequest*,
                           ::csi::v1::NodeGetInfoResponse* response) override;

 private:
  Publisher& publisher_;
  const std::string node_id_;
  const std::string audience_;
};

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_CSI_NODE_SERVER_H_
