#ifndef COFFER_OPERATOR_WEBHOOK_POD_IDENTITY_H_
#define COFFER_OPERATOR_WEBHOOK_POD_IDENTITY_H_

// What the workload-identity webhook adds to a pod so that the Azure SDK's
// WorkloadIdentityCredential (and DefaultAzureCredential, which tries it) logs in to Coffer with
// the pod's own ServiceAccount token, the application changing nothing
// (docs/workload-identity.md):
//
// - volume `coffer-identity-token`: a projected ServiceAccount token for Coffer's audience, which
//   kubelet binds to the pod and renews; every container mounts it read-only at
//   /var/run/secrets/azure/tokens, and AZURE_FEDERATED_TOKEN_FILE names the file;
// - AZURE_CLIENT_ID (when the client id is known), AZURE_TENANT_ID and AZURE_AUTHORITY_HOST;
// - volume `coffer-ca`: ConfigMap `coffer-ca` (key ca.crt), which the operator writes into each
//   namespace with a KeyVault, mounted read-only at /var/run/secrets/coffer/ca, and
//   SSL_CERT_FILE (OpenSSL, Go), REQUESTS_CA_BUNDLE (Python requests) and NODE_EXTRA_CA_CERTS
//   (Node.js) naming its ca.crt. The ConfigMap is not optional: a pod whose namespace lacks it
//   waits in ContainerCreating with an event saying so, instead of starting with a trust store
//   that names a missing file.
//
// SSL_CERT_FILE and REQUESTS_CA_BUNDLE *replace* the trust store of the process: with them a
// process trusts Coffer's CA and nothing else, so its calls to any other HTTPS service (public
// APIs, a database with a public certificate) fail verification. (NODE_EXTRA_CA_CERTS only adds
// to Node's bundled roots.) A pod that needs both annotates itself
// `coffer.dev/inject-ca: "false"` and gets neither the CA volume, its mounts, nor the three
// variables; it then adds Coffer's CA to its image's trust store itself.
//
// What the pod sets itself wins, so that a hand-written spec keeps working:
// - an `env` entry of one of these names is left alone (only `env` is read: a value that comes
//   through `envFrom` is overridden by ours, as Kubernetes lets `env` win);
// - a volume of one of our names is never added twice nor changed, even if it is not ours;
// - a container that already mounts a volume of our name gets no second mount, and the file
//   variables then name the file where that mount puts it (a mount of the whole volume, or a
//   `subPath` of the file itself); a container that mounts something else at our path, or
//   mounts our volume only in part, gets neither our mount nor the file variables of that
//   volume, since no path of ours would hold the file there.
// A variable whose value would be empty is not set.
// Applying the patch and computing it again gives an empty patch.

#include <cstdint>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace coffer::op {

struct WorkloadIdentitySettings {
  std::string tenant_id;       // AZURE_TENANT_ID: the installation's tenant
  std::string authority_host;  // AZURE_AUTHORITY_HOST: the vault's identity.authority_url
  // Of the projected token: the audience Coffer trusts for this cluster
  // (identity.clusters.NAME.audience).
  std::string audience = "api://coffer";
  // Of the projected token; Kubernetes takes 600 s to 2^32 s, and kubelet renews the token
  // once 80% of it has passed.
  std::int64_t token_expiration_seconds = 3600;
  std::string ca_config_map = "coffer-ca";  // the ConfigMap holding the CA bundle as ca.crt
};

inline constexpr char kInjectCaAnnotation[] = "coffer.dev/inject-ca";  // "false" opts out

inline constexpr char kTokenVolumeName[] = "coffer-identity-token";
inline constexpr char kTokenMountPath[] = "/var/run/secrets/azure/tokens";
inline constexpr char kTokenFileName[] = "azure-identity-token";
inline constexpr char kCaVolumeName[] = "coffer-ca";
inline constexpr char kCaMountPath[] = "/var/run/secrets/coffer/ca";
inline constexpr char kCaFileName[] = "ca.crt";

// The RFC 6902 JSON Patch (an array, empty when nothing is missing) that adds the above to
// `pod`, a Pod as the API server sends it for admission. initContainers get the same as
// containers. Paths hold indices and fixed names only, so nothing needs escaping. An
// absent `spec.volumes`, `env` or `volumeMounts` is added whole; a present one is appended to.
// Never fails and never throws: a pod without a `spec` object gets an empty patch, and fields of
// an unexpected JSON type are read as absent. Thread-safe (pure).
nlohmann::json WorkloadIdentityPatch(const nlohmann::json& pod, std::string_view client_id,
                                     const WorkloadIdentitySettings& settings);

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_WEBHOOK_POD_IDENTITY_H_
