#ifndef COFFER_LIB_HTTP_BEAST_TLS_CONTEXT_H_
#define COFFER_LIB_HTTP_BEAST_TLS_CONTEXT_H_

#include <sys/types.h>

#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/http/server.h"

namespace coffer::http::beast {

// A TLS 1.2+ server context that follows the certificate and key files on disk: Current()
// looks at the files' metadata at most once per `recheck` and, when they changed, builds a new
// context. A new file that does not load (half written, key not matching) keeps the previous
// context and logs a warning. Connections hold the context they were started with.
// With a CertificateSource, a client that names a server (SNI) that the configured certificate
// does not cover, and that the source knows, is switched to a context with that name's
// certificate, built once and kept until the source's certificate changes. Thread-safe.
class ReloadingTlsContext {
 public:
  // Errors: INVALID_ARGUMENT (unreadable or unusable certificate or key).
  static absl::StatusOr<std::unique_ptr<ReloadingTlsContext>> Create(
      TlsFiles files, const Clock& clock, absl::Duration recheck = absl::Seconds(1),
      CertificateSource* certificates = nullptr);

  std::shared_ptr<boost::asio::ssl::context> Current();

 private:
  struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long long mtime_ns = 0;
    bool operator==(const Stamp& o) const {
      return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns;
    }
  };
  struct Stamps {
    Stamp cert;
    Stamp key;
    bool operator==(const Stamps& o) const { return cert == o.cert && key == o.key; }
  };

  ReloadingTlsContext(TlsFiles files, const Clock& clock, absl::Duration recheck,
                      CertificateSource* certificates)
      : files_(std::move(files)), clock_(clock), recheck_(recheck), certificates_(certificates) {}

  Stamps Stat() const;
  absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> Load(const TlsFiles& files);
  // The context for an SNI name (lower-cased); null for the default one. Shared, so that the
  // cache may drop it while a handshake switches to it.
  std::shared_ptr<boost::asio::ssl::context> ContextFor(const std::string& server_name);
  static int OnServerName(SSL* ssl, int* alert, void* self);

  struct NamedContext {
    std::string chain_pem;
    std::shared_ptr<boost::asio::ssl::context> context;
  };

  const TlsFiles files_;
  const Clock& clock_;
  const absl::Duration recheck_;
  absl::Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_ ABSL_GUARDED_BY(mu_);
  Stamps stamps_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_);
  CertificateSource* const certificates_;               // optional
  absl::Mutex named_mu_;
  std::map<std::string, NamedContext, std::less<>> named_ ABSL_GUARDED_BY(named_mu_);
};

}  // namespace coffer::http::beast

#endif  // COFFER_LIB_HTTP_BEAST_TLS_CONTEXT_H_
