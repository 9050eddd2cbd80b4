#include "lib/http/http.h"

#include <arpa/inet.h>
#include <strings.h>

#include <cstring>

#include <future>

namespace coffer::http {
namespace {

bool NameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void Headers::Set(std::string name, std::string value) {
  std::vector<std::pair<std::string, std::string>> kept;
  for (auto& entry : entries_) {
    if (!NameEquals(entry.first, name)) kept.push_back(std::move(entry));
  }
  entries_ = std::move(kept);
  Add(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (NameEquals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers.Add("Content-Type", std::move(content_type));
  return response;
}

Response Response::Json(int status, std::string body) {
  return Text(status, std::move(body), "application/json; charset=utf-8");
}

Response HandleAndWait(Handler& handler, const Request& request) {
  std::promise<Response> answer;
  handler.HandleAsync(request, [&answer](Response r) { answer.set_value(std::move(r)); });
  return answer.get_future().get();
}

std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> result;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (key && value) result.emplace(std::move(*key), std::move(*value));
  }
  return result;
}

std::string PeerIp(std::string_view remote_address) {
  if (!remote_address.empty() && remote_address.front() == '[') {
    return std::string(remote_address.substr(1, remote_address.find(']') - 1));
  }
  return std::string(remote_address.substr(0, remote_address.rfind(':')));
}

std::string PeerSource(std::string_view remote_address) {
  std::string ip = PeerIp(remote_address);
  ip = ip.substr(0, ip.find('%'));  // a link-local peer's zone is not part of who it is
  in6_addr address{};
  if (inet_pton(AF_INET6, ip.c_str(), &address) != 1) return ip;
  char text[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&address)) {
    inet_ntop(AF_INET, address.s6_addr + 12, text, sizeof text);
    return text;
  }
  std::memset(address.s6_addr + 8, 0, 8);
  inet_ntop(AF_INET6, &address, text, sizeof text);
  return std::string(text) + "/64";
}

}  // namespace coffer::http
