#ifndef COFFER_LIB_HTTP_FAKE_CLIENT_H_
#define COFFER_LIB_HTTP_FAKE_CLIENT_H_

// A Client for tests that answers from a function instead of the network. Header-only.

#include <functional>
#include <string_view>
#include <utility>

#include "lib/http/client.h"

namespace coffer::http {

// Thread-safe if `handler` is.
class FakeClient : public Client {
 public:
  using Handler = std::function<absl::StatusOr<ClientResponse>(const ClientRequest&)>;

  explicit FakeClient(Handler handler) : handler_(std::move(handler)) {}

  absl::StatusOr<ClientResponse> Send(const ClientRequest& request) override {
    return handler_(request);
  }

  // Answers like Send, then hands the whole body to `on_data` in one piece.
  absl::StatusOr<ClientResponse> Stream(const ClientRequest& request,
                                        const std::function<bool(std::string_view)>& on_data,
                                        const Cancellation* cancel) override {
    if (cancel != nullptr && cancel->cancelled()) return absl::CancelledError("request cancelled");
    absl::StatusOr<ClientResponse> response = handler_(request);
    if (!response.ok()) return response;
    if (!response->body.empty()) on_data(response->body);
    response->body.clear();
    return response;
  }

 private:
  const Handler handler_;
};

}  // namespace coffer::http

#endif  // COFFER_LIB_HTTP_FAKE_CLIENT_H_
