// The data plane as a client reaches it: an HTTP request (method, target, headers, body) after
// the server parsed it, through routing, api-version and Host handling, authentication, the
// Azure JSON bodies of every operation, backup blobs on restore and the token endpoint's form.
//
// Input: "METHOD TARGET\n", header lines "Name: value\n", an empty line, then the body, as on
// the wire. "Authorization: Bearer VALID" is replaced by a token the vault issued to a
// principal allowed everything, so that inputs reach past authentication.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "vault-core/api/rest/testing/data_plane_fixture.h"

namespace coffer::api::rest {
namespace {

class Harness : public DataPlaneTest {
 public:
  Harness() {
    token_ = Token();
    if (!policies_->Set(vault_.id, {app_.object_id, {"all"}, {"all"}, {"all"}}).ok() ||
        token_.empty()) {
      std::abort();  // a harness that cannot reach past authentication fuzzes nothing
    }
  }
  void TestBody() override {}

  void Run(std::string_view input) {
    http::Request request;
    std::string_view head = input.substr(0, input.find("\n\n"));
    std::string_view body = head.size() < input.size() ? input.substr(head.size() + 2) : "";
    std::string_view line = head.substr(0, head.find('\n'));
    head.remove_prefix(line.size() < head.size() ? line.size() + 1 : head.size());
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return;
    request.method = std::string(line.substr(0, space));
    request.target = std::string(line.substr(space + 1));
    const std::size_t q = request.target.find('?');
    auto path = http::PercentDecode(std::string_view(request.target).substr(0, q), false);
    if (!path) return;  // the server answers 400 before any handler
    request.path = *path;
    if (q != std::string::npos) request.query = http::ParseQuery(request.target.substr(q + 1));
    bool has_host = false;
    while (!head.empty()) {
      line = head.substr(0, head.find('\n'));
      head.remove_prefix(line.size() < head.size() ? line.size() + 1 : head.size());
      const std::size_t colon = line.find(": ");
      if (colon == std::string_view::npos) continue;
      std::string name(line.substr(0, colon));
      std::string value(line.substr(colon + 2));
      if (value == "Bearer VALID") value = "Bearer " + token_;
      has_host = has_host || name == "Host";
      request.headers.Add(std::move(name), std::move(value));
    }
    if (!has_host) request.headers.Add("Host", kHost);
    // An address of the input's own, so that what earlier inputs did (the failed logins one
    // address may have) seldom decides what this one reaches.
    char address[64];
    std::snprintf(address, sizeof address, "[2001:db8:%zx::1]:40000",
                  std::hash<std::string_view>()(input) % 65536);
    request.remote_address = address;
    if (plane_.OnHeaders(request)) return;
    request.body = std::string(body);
    plane_.Handle(request);
  }

 private:
  std::string token_;
};

}  // namespace
}  // namespace coffer::api::rest

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh vault every so many inputs: what earlier inputs stored stays bounded.
  static std::unique_ptr<coffer::api::rest::Harness> harness;
  static int runs = 0;
  if (harness == nullptr || ++runs % 5000 == 0) {
    harness.reset();
    harness = std::make_unique<coffer::api::rest::Harness>();
  }
  harness->Run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
