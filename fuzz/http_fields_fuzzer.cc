// What lib/http makes of a request's raw fields before any handler: the target's
// percent-decoding, the query and the token endpoint's form (one parser), and the peer address
// the per-client limits count.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/http/http.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)coffer::http::PercentDecode(input, false);
  (void)coffer::http::PercentDecode(input, true);
  (void)coffer::http::ParseQuery(input);
  (void)coffer::http::PeerSource(input);
  return 0;
}
