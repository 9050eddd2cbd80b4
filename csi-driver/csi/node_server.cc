#include "csi-driver/csi/node_server.h"

#include <map>

#include "lib/base/secret_bytes.h"
#include "lib/grpcutil/grpc_status.h"

namespace coffer::csi {
namespace {

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// Kubelet hands absolute paths; anything else (or a path with "..") is not a place to mount.
bool AbsoluteClean(const std::string& path) {
  return !path.empty() && path[0] == '/' && path.find("/../") == std::string::npos &&
         (path.size() < 3 || path.compare(path.size() - 3, 3, "/..") != 0);
}

}  // namespace

grpc::Status NodeServer::NodePublishVolume(grpc::ServerContext*,
                                           const ::csi::v1::NodePublishVolumeRequest* request,
                                           ::csi::v1::NodePublishVolumeResponse*) {
  if (request->volume_id().empty()) return Invalid("volume_id is missing");
  if (request->target_path().empty()) return Invalid("target_path is missing");
  if (!AbsoluteClean(request->target_path())) {
    return Invalid("target_path must be an absolute path without '..'");
  }
  if (!request->has_volume_capability()) return Invalid("volume_capability is missing");
  if (request->volume_capability().has_block()) {
    return Invalid("block volumes are not supported: vault objects are mounted as files");
  }
  // As kubelet then binds it into containers read-only, whatever their volumeMounts say.
  if (!request->readonly()) {
    return Invalid(
        "volumes of this driver are read-only: set readOnly: true on the pod's csi "
        "volume");
  }
  PublishRequest publish;
  publish.volume_id = request->volume_id();
  publish.target_path = request->target_path();
  publish.readonly = request->readonly();
  std::map<std::string, std::string> context(request->volume_context().begin(),
                                             request->volume_context().end());
  absl::Status read = ReadVolumeContext(context, audience_, &publish);
  for (auto& [key, value] : context) internal::ZeroMemory(value.data(), value.size());  // tokens
  if (!read.ok()) return grpcutil::ToGrpcStatus(read);
  return grpcutil::ToGrpcStatus(publisher_.Publish(publish));
}

grpc::Status NodeServer::NodeUnpublishVolume(grpc::ServerContext*,
                                             const ::csi::v1::NodeUnpublishVolumeRequest* request,
                                             ::csi::v1::NodeUnpublishVolumeResponse*) {
  if (request->volume_id().empty()) return Invalid("volume_id is missing");
  if (request->target_path().empty()) return Invalid("target_path is missing");
  if (!AbsoluteClean(request->target_path())) {
    return Invalid("target_path must be an absolute path without '..'");
  }
  return grpcutil::ToGrpcStatus(publisher_.Unpublish(request->volume_id(), request->target_path()));
}

grpc::Status NodeServer::NodeGetCapabilities(grpc::ServerContext*,
                                             const ::csi::v1::NodeGetCapabilitiesRequest*,
                                             ::csi::v1::NodeGetCapabilitiesResponse*) {
  return grpc::Status::OK;  // no staging, stats or expansion
}

grpc::Status NodeServer::NodeGetInfo(grpc::ServerContext*, const ::csi::v1::NodeGetInfoRequest*,
                                     ::csi::v1::NodeGetInfoResponse* response) {
  response->set_node_id(node_id_);
  return grpc::Status::OK;
}

}  // namespace coffer::csi
