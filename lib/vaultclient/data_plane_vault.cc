#include "lib/vaultclient/data_plane_vault.h"

#include <algorithm>
#include <optional>

#include "lib/base/status.h"
#include "lib/vaultclient/data_plane_client.h"
#include "lib/vaultclient/key_bundle.h"

namespace coffer::vaultclient {
namespace {

// A view of a client owned by DataPlaneVault, for a DataPlaneClient that wants to own one.
class BorrowedClient : public http::Client {
 public:
  explicit BorrowedClient(http::Client& client) : client_(client) {}
  absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest& request) override {
    return client_.Send(request);
  }
  absl::StatusOr<http::ClientResponse> Stream(const http::ClientRequest& request,
                                              const std::function<bool(std::string_view)>& on_data,
                                              const http::Cancellation* cancel) override {
    return client_.Stream(request, on_data, cancel);
  }

 private:
  http::Client& client_;
};

bool Usable(const Secret& s, absl::Time now) {
  return s.enabled && (!s.not_before || *s.not_before <= now) && (!s.expires || now < *s.expires);
}

class DataPlaneSession : public VaultSession {
 public:
  DataPlaneSession(std::unique_ptr<DataPlaneClient> client, Clock& clock)
      : client_(std::move(client)), clock_(clock) {}

  absl::StatusOr<FetchedObject> ReadSecret(const std::string& name,
                                           const std::string& version) override {
    if (!version.empty()) return Fetched(client_->GetSecret(name, version));
    // Usually the latest version is the one: one read. When it is disabled or outside its
    // window, the newest version that is neither.
    absl::StatusOr<Secret> latest = client_->GetSecret(name);
    const absl::Time now = clock_.Now();
    if (latest.ok() && Usable(*latest, now)) return Fetched(std::move(latest));
    bool disabled = !latest.ok() && latest.status().code() == absl::StatusCode::kPermissionDenied &&
                    latest.status().message().find("disabled") != std::string_view::npos;
    if (!latest.ok() && !disabled) return latest.status();
    COFFER_ASSIGN_OR_RETURN(std::vector<Secret> versions, client_->ListVersions(name));
    const Secret* best = nullptr;
    for (const Secret& v : versions) {
      if (!Usable(v, now) || v.version.empty()) continue;
      if (best == nullptr ||
          v.created.value_or(absl::InfinitePast()) > best->created.value_or(absl::InfinitePast())) {
        best = &v;
      }
    }
    if (best == nullptr) {
      return absl::FailedPreconditionError("no version of secret '" + name +
                                           "' is enabled and inside its validity window");
    }
    return Fetched(client_->GetSecret(name, best->version));
  }

  // As ReadSecret, except that GET answers for a disabled key too (Azure's keys do), so the
  // attributes decide.
  absl::StatusOr<FetchedObject> ReadKey(const std::string& name,
                                        const std::string& version) override {
    COFFER_ASSIGN_OR_RETURN(KeyVersion key, GetKey(name, version));
    if (!version.empty()) {
      if (!key.enabled) {
        return absl::FailedPreconditionError("version " + version + " of key '" + name +
                                             "' is disabled");
      }
      return FetchedObject{key.version, SecretBytes(key.jwk), ""};
    }
    const absl::Time now = clock_.Now();
    if (key.UsableAt(now)) return FetchedObject{key.version, SecretBytes(key.jwk), ""};
    COFFER_ASSIGN_OR_RETURN(std::vector<std::string> items,
                            client_->ListJson("/keys/" + name + "/versions"));
    std::optional<KeyVersion> best;
    for (const std::string& item : items) {
      absl::StatusOr<KeyVersion> v = ParseKeyItem(item);
      if (!v.ok() || !v->UsableAt(now)) continue;
      if (!best || v->created.value_or(absl::InfinitePast()) >
                       best->created.value_or(absl::InfinitePast())) {
        best = *std::move(v);
      }
    }
    if (!best) {
      return absl::FailedPreconditionError("no version of key '" + name +
                                           "' is enabled and inside its validity window");
    }
    COFFER_ASSIGN_OR_RETURN(KeyVersion chosen, GetKey(name, best->version));
    return FetchedObject{chosen.version, SecretBytes(chosen.jwk), ""};
  }

 private:
  static absl::StatusOr<FetchedObject> Fetched(absl::StatusOr<Secret> secret) {
    if (!secret.ok()) return secret.status();
    return FetchedObject{secret->version, std::move(secret->value),
                         std::move(secret->content_type)};
  }

  // The latest version with an empty `version` (the trailing slash is how the SDKs ask).
  absl::StatusOr<KeyVersion> GetKey(const std::string& name, const std::string& version) {
    COFFER_ASSIGN_OR_RETURN(std::string body,
                            client_->CallJson("GET", "/keys/" + name + "/" + version));
    absl::StatusOr<KeyVersion> key = ParseKeyBundle(body);
    if (!key.ok()) return absl::InternalError(std::string(key.status().message()));
    return key;
  }

  const std::unique_ptr<DataPlaneClient> client_;
  Clock& clock_;
};

}  // namespace

DataPlaneVault::DataPlaneVault(DataPlaneVaultOptions options, http::ClientFactory factory,
                               Clock& clock)
    : options_(std::move(options)), factory_(std::move(factory)), clock_(clock) {}

DataPlaneVault::~DataPlaneVault() = default;

absl::StatusOr<std::unique_ptr<http::Client>> DataPlaneVault::SharedClient(
    const http::ClientOptions& options) {
  absl::MutexLock lock(&mu_);
  std::string key = options.base_url + "\n" + options.ca_file;
  auto it = clients_.find(key);
  if (it == clients_.end()) {
    COFFER_ASSIGN_OR_RETURN(std::unique_ptr<http::Client> client, factory_(options));
    it = clients_.emplace(key, std::move(client)).first;
  }
  return std::unique_ptr<http::Client>(std::make_unique<BorrowedClient>(*it->second));
}

absl::StatusOr<VaultAuthority> DataPlaneVault::Authority(const std::string& url) {
  {
    absl::MutexLock lock(&mu_);
    auto it = authorities_.find(url);
    if (it != authorities_.end()) return it->second;
  }
  http::ClientFactory shared = [this](const http::ClientOptions& o) { return SharedClient(o); };
  COFFER_ASSIGN_OR_RETURN(VaultAuthority authority,
                          DiscoverAuthority(url, options_.connect_to, options_.ca_file, shared));
  absl::MutexLock lock(&mu_);
  authorities_[url] = authority;
  return authority;
}

absl::StatusOr<std::unique_ptr<VaultSession>> DataPlaneVault::SignIn(const std::string& vault_url,
                                                                     const std::string& client_id,
                                                                     const SecretBytes& assertion) {
  COFFER_ASSIGN_OR_RETURN(VaultAuthority authority, Authority(vault_url));
  DataPlaneOptions options;
  options.vault_url = vault_url;
  options.ca_file = options_.ca_file;
  options.connect_to = options_.connect_to;
  options.timeout = options_.timeout;
  options.credentials.tenant_id = authority.tenant_id;
  options.credentials.authority_host = authority.authority_host;
  options.credentials.client_id = client_id;
  options.credentials.client_assertion = SecretBytes(assertion.reveal());
  http::ClientFactory shared = [this](const http::ClientOptions& o) { return SharedClient(o); };
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<DataPlaneClient> client,
                          DataPlaneClient::Create(options, shared, clock_));
  COFFER_RETURN_IF_ERROR(client->SignIn());
  return std::unique_ptr<VaultSession>(
      std::make_unique<DataPlaneSession>(std::move(client), clock_));
}

}  // namespace coffer::vaultclient
