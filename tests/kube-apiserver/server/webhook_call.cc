// CallWebhook: the HTTPS call of one admission webhook and the checks of its answer.
#include "tests/kube-apiserver/server/webhook_call.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "lib/base/base64.h"
#include "lib/base/scoped_fd.h"
#include "lib/base/status.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

constexpr std::string_view kHttps = "https://";
constexpr char kInvalid[] = "received invalid webhook response: ";

absl::Status Failure(const std::string& reason) { return absl::UnavailableError(reason); }

// A file removed when this goes away: ClientOptions names the CAs to trust by path.
class TempPemFile {
 public:
  static absl::StatusOr<std::unique_ptr<TempPemFile>> Write(std::string_view pem);
  ~TempPemFile() { unlink(path_.c_str()); }
  TempPemFile(const TempPemFile&) = delete;
  TempPemFile& operator=(const TempPemFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit TempPemFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

absl::StatusOr<std::unique_ptr<TempPemFile>> TempPemFile::Write(std::string_view pem) {
  std::error_code error;
  std::filesystem::path dir = std::filesystem::temp_directory_path(error);
  if (error) dir = "/tmp";
  std::string path = (dir / "kube-standin-ca-XXXXXX").string();
  ScopedFd fd(mkstemp(path.data()));
  if (fd.get() < 0)
    return Failure("could not get REST client: cannot write the caBundle to a file");
  std::unique_ptr<TempPemFile> file(new TempPemFile(path));  // removes it on every path out
  size_t done = 0;
  while (done < pem.size()) {
    ssize_t n = write(fd.get(), pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Failure("could not get REST client: cannot write the caBundle to a file");
    done += static_cast<size_t>(n);
  }
  return file;
}

struct Endpoint {
  std::string base_url;  // https://host[:port]
  std::string path;      // at least "/"
};

// The URL split as the real server's client does (scheme and host, then the path), refusing
// what its validation of the configuration would have refused.
absl::StatusOr<Endpoint> EndpointOf(const json& client_config) {
  if (Find(client_config, "service") != nullptr) {
    return Failure(
        "could not get REST client: the stand-in calls only clientConfig.url; it cannot reach "
        "the Service that clientConfig.service names");
  }
  std::string url = StringAt(client_config, "url");
  if (url.empty()) return Failure("could not get REST client: the webhook has no clientConfig.url");
  if (url.compare(0, kHttps.size(), kHttps) != 0) {
    return Failure("could not get REST client: 'https' is the only allowed URL scheme");
  }
  if (url.find_first_of("?#") != std::string::npos) {
    return Failure("could not get REST client: a webhook URL may not have a query or fragment");
  }
  size_t slash = url.find('/', kHttps.size());
  Endpoint endpoint{url.substr(0, slash), slash == std::string::npos ? "/" : url.substr(slash)};
  std::string host = endpoint.base_url.substr(kHttps.size());
  if (host.empty() || host.find('@') != std::string::npos) {
    return Failure("could not get REST client: a webhook URL names a host and no user");
  }
  return endpoint;
}

// VerifyAdmissionResponse of a mutating webhook's AdmissionReview v1, with its messages.
absl::StatusOr<WebhookAnswer> CheckAnswer(const json& review, const std::string& uid) {
  const json* response = Find(review, "response");
  if (response == nullptr) return Failure(std::string(kInvalid) + "webhook response was absent");
  std::string got = StringAt(*response, "uid");
  if (got != uid) {
    return Failure(std::string(kInvalid) + "expected response.uid=\"" + uid + "\", got \"" + got +
                   "\"");
  }
  std::string api_version = StringAt(review, "apiVersion");
  std::string kind = StringAt(review, "kind");
  if (api_version != "admission.k8s.io/v1" || kind != "AdmissionReview") {
    if (api_version.find('/') == std::string::npos) api_version.insert(0, "/");
    return Failure(std::string(kInvalid) +
                   "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got " +
                   api_version + ", Kind=" + kind);
  }
  WebhookAnswer answer;
  const json* allowed = Find(*response, "allowed");
  answer.allowed = allowed != nullptr && allowed->is_boolean() && allowed->get<bool>();
  if (const json* status = Find(*response, "status"); status != nullptr && status->is_object()) {
    answer.status = *status;
  }
  std::string patch = StringAt(*response, "patch");
  bool typed = Find(*response, "patchType") != nullptr;
  answer.patch_type = StringAt(*response, "patchType");
  if (!patch.empty() && !typed) {
    return Failure(std::string(kInvalid) +
                   "webhook returned response.patch but not response.patchType");
  }
  if (patch.empty() && typed) {
    return Failure(std::string(kInvalid) +
                   "webhook returned response.patchType but not response.patch");
  }
  if (typed && answer.patch_type.empty()) {
    return Failure(std::string(kInvalid) + "webhook returned invalid response.patchType of \"\"");
  }
  if (!patch.empty()) {
    std::optional<std::string> decoded = Base64Decode(patch);
    if (!decoded) return Failure("failed to call webhook: response.patch is not base64");
    answer.patch = *std::move(decoded);
  }
  if (const json* warnings = Find(*response, "warnings"); warnings != nullptr) {
    if (!warnings->is_array())
      return Failure("failed to call webhook: response.warnings is no list");
    for (const json& warning : *warnings) {
      if (warning.is_string()) answer.warnings.push_back(warning.get<std::string>());
    }
  }
  return answer;
}

}  // namespace

absl::StatusOr<WebhookAnswer> CallWebhook(const http::ClientFactory& clients,
                                          const json& client_config, absl::Duration timeout,
                                          const json& review) {
  COFFER_ASSIGN_OR_RETURN(Endpoint endpoint, EndpointOf(client_config));
  http::ClientOptions options;
  options.base_url = endpoint.base_url;
  options.timeout = timeout;
  std::unique_ptr<TempPemFile> ca;
  if (std::string bundle = StringAt(client_config, "caBundle"); !bundle.empty()) {
    std::optional<std::string> pem = Base64Decode(bundle);
    if (!pem) return Failure("could not get REST client: clientConfig.caBundle is not base64");
    COFFER_ASSIGN_OR_RETURN(ca, TempPemFile::Write(*pem));
    options.ca_file = ca->path();
  }
  if (!clients) return Failure("could not get REST client: the stand-in has no HTTP client");
  absl::StatusOr<std::unique_ptr<http::Client>> client = clients(options);
  if (!client.ok()) {
    return Failure("could not get REST client: " + std::string(client.status().message()));
  }
  http::ClientRequest request;
  request.method = "POST";
  request.path_and_query =
      endpoint.path + "?timeout=" + std::to_string(absl::ToInt64Seconds(timeout)) + "s";
  request.headers.Set("Content-Type", "application/json");
  request.headers.Set("Accept", "application/json, */*");
  request.body = review.dump();
  absl::StatusOr<http::ClientResponse> response = (*client)->Send(request);
  if (!response.ok()) {
    return Failure("failed to call webhook: Post \"" + endpoint.base_url + request.path_and_query +
                   "\": " + std::string(response.status().message()));
  }
  // client-go takes 200 to 206 as success.
  if (response->status < 200 || response->status > 206) {
    return Failure("failed to call webhook: the server responded with the status code " +
                   std::to_string(response->status) + " but did not return more information");
  }
  json answer = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) {
    return Failure("failed to call webhook: the response body is not a JSON object");
  }
  const json* request_part = Find(review, "request");
  return CheckAnswer(answer, request_part != nullptr ? StringAt(*request_part, "uid") : "");
}

const json* Find(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string StringAt(const json& object, const char* key) {
  const json* value = Find(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace coffer::kube::standin
