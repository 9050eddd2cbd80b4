#include "lib/http/beast/tls_context.h"

#include <openssl/ssl.h>
#include <sys/stat.h>

#include <utility>

#include "lib/base/logging.h"

namespace coffer::http::beast {
namespace ssl = boost::asio::ssl;

absl::StatusOr<std::unique_ptr<ReloadingTlsContext>> ReloadingTlsContext::Create(
    TlsFiles files, const Clock& clock, absl::Duration recheck) {
  std::unique_ptr<ReloadingTlsContext> tls(
      new ReloadingTlsContext(std::move(files), clock, recheck));
  tls->stamps_ = tls->Stat();
  auto context = Load(tls->files_);
  if (!context.ok()) return context.status();
  tls->context_ = *std::move(context);
  tls->next_check_ = clock.Now() + recheck;
  return tls;
}

std::shared_ptr<ssl::context> ReloadingTlsContext::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  absl::Time now = clock_.Now();
  if (now < next_check_) return context_;
  next_check_ = now + recheck_;
  // Stat before reading, so that a write racing with the load is seen at the next check.
  Stamps stamps = Stat();
  if (stamps == stamps_) return context_;
  stamps_ = stamps;
  auto context = Load(files_);
  if (!context.ok()) {
    COFFER_LOG(kHttp, warn, "keeping the previous TLS certificate: {}",
               context.status().ToString());
    return context_;
  }
  COFFER_LOG(kHttp, info, "loaded new TLS certificate from {}", files_.cert_file);
  context_ = *std::move(context);
  return context_;
}

ReloadingTlsContext::Stamps ReloadingTlsContext::Stat() const {
  auto stat_one = [](const std::string& path) {
    Stamp stamp;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      stamp.dev = st.st_dev;
      stamp.ino = st.st_ino;
      stamp.size = st.st_size;
      stamp.mtime_ns =
          static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    }
    return stamp;
  };
  return Stamps{stat_one(files_.cert_file), stat_one(files_.key_file)};
}

absl::StatusOr<std::shared_ptr<ssl::context>> ReloadingTlsContext::Load(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError("cannot load certificate chain " + files.cert_file + ": " +
                                      ec.message());
  }
  context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError("cannot load private key " + files.key_file + ": " +
                                      ec.message());
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return absl::InvalidArgumentError("private key " + files.key_file +
                                      " does not match certificate " + files.cert_file);
  }
  return context;
}

}  // namespace coffer::http::beast
