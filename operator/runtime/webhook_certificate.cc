#include "operator/runtime/webhook_certificate.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lib/base/secret_bytes.h"
#include "lib/base/status.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;

// Writes `bytes` to `path` through a fresh temporary file of mode 0600 beside it (mkstemp: no
// existing file or link is written through), flushed to disk before the rename.
absl::Status WriteByRename(const std::string& path, std::string_view bytes) {
  std::string temp = path + ".XXXXXX";
  int fd = ::mkstemp(temp.data());  // mode 0600
  if (fd < 0) return absl::UnavailableError("cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const std::string why = std::strerror(errno);
  ::close(fd);
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return absl::UnavailableError("cannot write " + path + ": " + (ok ? std::strerror(errno) : why));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WebhookCertificate::Refresh() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  if (now < renew_at_) return absl::OkStatus();
  v1::IssueServingCertificateRequest request;
  for (const std::string& name : dns_names_) request.add_dns_names(name);
  COFFER_ASSIGN_OR_RETURN(v1::ServingCertificate issued, admin_.IssueServingCertificate(request));
  const SecretBytes key(issued.private_key_pem());
  internal::ZeroMemory(issued.mutable_private_key_pem()->data(), issued.private_key_pem().size());
  // The key first: until the certificate follows, the pair does not match and the server keeps
  // serving the previous one.
  COFFER_RETURN_IF_ERROR(WriteByRename(key_file(), key.reveal()));
  COFFER_RETURN_IF_ERROR(WriteByRename(cert_file(), issued.certificate_chain_pem()));
  const absl::Time not_after = absl::FromUnixSeconds(issued.not_after_unix());
  renew_at_ = now + (not_after - now) * 2 / 3;
  ca_pem_ = issued.ca_certificate_pem();
  return absl::OkStatus();
}

}  // namespace coffer::op
