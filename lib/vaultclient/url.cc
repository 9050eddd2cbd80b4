#include "lib/vaultclient/url.h"

#include <cctype>
#include <cstdio>

namespace coffer::vaultclient {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

absl::StatusOr<int> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return absl::InvalidArgumentError("bad port");
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return absl::InvalidArgumentError("bad port");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return absl::InvalidArgumentError("bad port");
  return port;
}

struct HostPort {
  std::string host;
  std::string port;  // "" when absent
};

// Splits "host", "host:port", "[v6]" or "[v6]:port".
absl::StatusOr<HostPort> SplitHostPort(std::string_view text) {
  HostPort out;
  if (!text.empty() && text[0] == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("unclosed '['");
    out.host = std::string(text.substr(0, close + 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return absl::InvalidArgumentError("junk after ']'");
      out.port = std::string(rest.substr(1));
    }
  } else {
    std::size_t colon = text.find(':');
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(text.substr(colon + 1));
  }
  if (out.host.empty() || out.host == "[]") return absl::InvalidArgumentError("empty host");
  for (char c : out.host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '@' || c == '/') {
      return absl::InvalidArgumentError("bad host");
    }
  }
  return out;
}

}  // namespace

std::string Url::Origin() const {
  return scheme + "://" + host + (explicit_port ? ":" + std::to_string(port) : "");
}

absl::StatusOr<Url> ParseUrl(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError("invalid URL '" + std::string(text) +
                                      "': " + std::string(why));
  };
  std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return bad("expected scheme://host");
  Url url;
  url.scheme = Lower(text.substr(0, sep));
  if (url.scheme != "https" && url.scheme != "http") return bad("the scheme must be https");
  std::string_view rest = text.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) return bad("user info is not allowed");
  auto host_port = SplitHostPort(authority);
  if (!host_port.ok()) return bad(std::string(host_port.status().message()));
  url.host = Lower(host_port->host);
  url.port = url.scheme == "https" ? 443 : 80;
  if (!host_port->port.empty()) {
    auto port = ParsePort(host_port->port);
    if (!port.ok()) return bad("bad port");
    url.port = *port;
    url.explicit_port = true;
  }
  if (end != std::string_view::npos) {
    std::string_view tail = rest.substr(end);
    if (tail[0] == '#') tail = {};
    std::size_t hash = tail.find('#');
    tail = tail.substr(0, hash);
    if (!tail.empty() && tail[0] == '?') {
      url.path_and_query = "/" + std::string(tail);
    } else {
      url.path_and_query = std::string(tail);
    }
    url.path = url.path_and_query.substr(0, url.path_and_query.find('?'));
  }
  if (url.path == "/") url.path.clear();
  return url;
}

absl::StatusOr<std::string> ResourceForVaultHost(std::string_view host) {
  std::size_t dot = host.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == host.size() || host[0] == '[') {
    return absl::InvalidArgumentError(
        "the vault URL's host '" + std::string(host) +
        "' must be a DNS name with at least two labels, such as prod.vault.example.com");
  }
  return "https://" + Lower(host.substr(dot + 1));
}

absl::StatusOr<std::string> DialOrigin(const Url& url, std::string_view connect_to) {
  if (connect_to.empty()) return url.Origin();
  auto host_port = SplitHostPort(connect_to);
  if (!host_port.ok()) {
    return absl::InvalidArgumentError("invalid --connect-to '" + std::string(connect_to) +
                                      "': expected ADDR or ADDR:PORT");
  }
  int port = url.port;
  if (!host_port->port.empty()) {
    auto parsed = ParsePort(host_port->port);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("invalid port in --connect-to '" + std::string(connect_to) +
                                        "'");
    }
    port = *parsed;
  }
  return url.scheme + "://" + host_port->host + ":" + std::to_string(port);
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", u);
      out.append(buf);
    }
  }
  return out;
}

}  // namespace coffer::vaultclient
