#include "lib/http/beast/tls_context.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "lib/base/logging.h"

namespace coffer::http::beast {
namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 or newer, and no renegotiation tricks: every context this server builds.
std::shared_ptr<ssl::context> NewServerContext() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  // One recv() takes a record's header and body together (and whatever follows), instead of
  // one recv() for each: TlsSocket always asks OpenSSL before it waits on the socket, so bytes
  // OpenSSL holds are never left waiting for a readiness event that will not come.
  SSL_CTX_set_read_ahead(context->native_handle(), 1);
  return context;
}

constexpr std::size_t kMaxNamedContexts = 10000;

}  // namespace

absl::StatusOr<std::unique_ptr<ReloadingTlsContext>> ReloadingTlsContext::Create(
    TlsFiles files, const Clock& clock, absl::Duration recheck, CertificateSource* certificates) {
  std::unique_ptr<ReloadingTlsContext> tls(
      new ReloadingTlsContext(std::move(files), clock, recheck, certificates));
  Stamps stamps = tls->Stat();  // before reading, as Current() does
  auto context = tls->Load(tls->files_);
  if (!context.ok()) return context.status();
  absl::MutexLock lock(&tls->mu_);
  tls->stamps_ = stamps;
  tls->context_ = *std::move(context);
  tls->next_check_ = clock.Now() + recheck;
  return tls;
}

std::shared_ptr<ssl::context> ReloadingTlsContext::Current() {
  absl::MutexLock lock(&mu_);
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
  auto context = NewServerContext();
  if (certificates_ != nullptr) {
    SSL_CTX_set_tlsext_servername_callback(context->native_handle(), &OnServerName);
    SSL_CTX_set_tlsext_servername_arg(context->native_handle(), this);
  }
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

int ReloadingTlsContext::OnServerName(SSL* ssl, int*, void* self) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
  // The configured certificate wins wherever it is valid for the name (a public certificate
  // for *.vault.example.com, say); the source fills in the names it does not cover.
  X509* configured = SSL_CTX_get0_certificate(SSL_get_SSL_CTX(ssl));
  if (configured != nullptr && X509_check_host(configured, name, 0, 0, nullptr) == 1) {
    return SSL_TLSEXT_ERR_OK;
  }
  std::string host(name);
  if (host.size() > 253) return SSL_TLSEXT_ERR_OK;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::shared_ptr<ssl::context> context = static_cast<ReloadingTlsContext*>(self)->ContextFor(host);
  // SSL_set_SSL_CTX takes its own reference; ours keeps it alive until then.
  if (context != nullptr) SSL_set_SSL_CTX(ssl, context->native_handle());
  return SSL_TLSEXT_ERR_OK;
}

std::shared_ptr<ssl::context> ReloadingTlsContext::ContextFor(const std::string& server_name) {
  std::optional<ServingCertificate> cert = certificates_->For(server_name);
  if (!cert) return nullptr;
  absl::MutexLock lock(&named_mu_);
  auto it = named_.find(server_name);
  if (it != named_.end() && it->second.chain_pem == cert->chain_pem) return it->second.context;
  auto context = NewServerContext();
  boost::system::error_code ec;
  context->use_certificate_chain(boost::asio::buffer(cert->chain_pem), ec);
  if (!ec) {
    context->use_private_key(boost::asio::buffer(cert->key_pem.data(), cert->key_pem.size()),
                             ssl::context::pem, ec);
  }
  if (ec || SSL_CTX_check_private_key(context->native_handle()) != 1) {
    COFFER_LOG(kHttp, warn, "the certificate for {} does not load; serving the default one",
               server_name);
    return nullptr;
  }
  if (named_.size() >= kMaxNamedContexts) named_.clear();
  named_[server_name] = {cert->chain_pem, context};
  return context;
}

}  // namespace coffer::http::beast
