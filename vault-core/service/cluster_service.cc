#include "vault-core/service/cluster_service.h"

#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/domain/names.h"

namespace coffer::service {
namespace {

using storage::v1::TrustedClusterRecord;

constexpr char kKeyId[] = "_clusters";  // the installation data key that seals the tokens
constexpr char kPrefix[] = "clusters/";

std::string Key(std::string_view name) { return absl::StrCat(kPrefix, AsAbsl(name)); }
crypto::RecordAddress TokenAddress(const std::string& name) {
  return {kKeyId, "clusters/token", name};
}

bool HttpsUrl(const std::string& url) {
  return url.rfind("https://", 0) == 0 && url.size() > 8 && url.size() <= 2048 &&
         url.find_first_of(" \t\r\n") == std::string::npos;
}

absl::Status Validate(const StoredCluster& c) {
  COFFER_RETURN_IF_ERROR(domain::ValidateDnsLabel("cluster name", c.name));
  if (!HttpsUrl(c.issuer)) return absl::InvalidArgumentError("issuer: want an https:// URL");
  if (c.audience.empty() || c.audience.size() > 256 || c.audience == c.issuer) {
    return absl::InvalidArgumentError(
        "audience: 1 to 256 characters, other than the issuer (every pod's default token carries "
        "that)");
  }
  if (c.verify != "tokenreview" && c.verify != "jwks") {
    return absl::InvalidArgumentError("verify: tokenreview or jwks");
  }
  if (!HttpsUrl(c.api_server)) return absl::InvalidArgumentError("api_server: want an https:// URL");
  if (c.ca_certificate_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos ||
      c.ca_certificate_pem.size() > 64 * 1024) {
    return absl::InvalidArgumentError("ca_certificate_pem: want the API server's CA in PEM");
  }
  if (c.token.empty() || c.token.size() > 16 * 1024) {
    return absl::InvalidArgumentError("token: want the bearer token Coffer presents (at most 16 KiB)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StoredCluster> ClusterService::Set(StoredCluster cluster) {
  if (cluster.audience.empty()) cluster.audience = "api://coffer";
  if (cluster.verify.empty()) cluster.verify = "tokenreview";
  COFFER_RETURN_IF_ERROR(Validate(cluster));
  for (const Reserved& r : reserved_) {
    if (r.name == cluster.name || r.issuer == cluster.issuer) {
      return absl::FailedPreconditionError("cluster " + r.name +
                                           " is set in the configuration file (identity.clusters)");
    }
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<StoredCluster> known, List(false));
  for (const StoredCluster& k : known) {
    if (k.name != cluster.name && k.issuer == cluster.issuer) {
      return absl::AlreadyExistsError("issuer " + cluster.issuer + " is cluster " + k.name +
                                      "'s: a token must name one cluster");
    }
  }
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(kKeyId));
  COFFER_ASSIGN_OR_RETURN(std::string sealed,
                          sealer->Seal(TokenAddress(cluster.name), cluster.token.reveal()));
  cluster.created = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now()));
  TrustedClusterRecord record;
  record.set_name(cluster.name);
  record.set_issuer(cluster.issuer);
  record.set_audience(cluster.audience);
  record.set_verify(cluster.verify);
  record.set_api_server(cluster.api_server);
  record.set_ca_certificate_pem(cluster.ca_certificate_pem);
  record.set_sealed_token(sealed);
  record.set_created(absl::ToUnixSeconds(cluster.created));
  COFFER_RETURN_IF_ERROR(store_.Put(Key(cluster.name), record.SerializeAsString(), {}).status());
  cluster.token = SecretBytes();
  return cluster;
}

absl::StatusOr<std::vector<StoredCluster>> ClusterService::List(bool with_tokens) {
  std::vector<StoredCluster> out;
  std::string continuation;
  do {
    COFFER_ASSIGN_OR_RETURN(storage::RangeResult range,
                            store_.Range({kPrefix, continuation, 1000}));
    for (const storage::Entry& entry : range.entries) {
      TrustedClusterRecord r;
      if (!r.ParseFromString(entry.value)) return absl::DataLossError("cluster record corrupt");
      StoredCluster c{r.name(), r.issuer(), r.audience(), r.verify(), r.api_server(),
                      r.ca_certificate_pem(), SecretBytes(), absl::FromUnixSeconds(r.created())};
      if (with_tokens) {
        COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(kKeyId));
        COFFER_ASSIGN_OR_RETURN(c.token, sealer->Open(TokenAddress(c.name), r.sealed_token()));
      }
      out.push_back(std::move(c));
    }
    continuation = range.continuation;
  } while (!continuation.empty());
  return out;
}

absl::Status ClusterService::Remove(std::string_view name) {
  auto entry = store_.Get(Key(name));
  if (absl::IsNotFound(entry.status())) {
    return absl::NotFoundError(absl::StrCat("no trusted cluster ", AsAbsl(name)));
  }
  if (!entry.ok()) return entry.status();
  return store_.Delete(Key(name), entry->revision).status();
}

}  // namespace coffer::service
