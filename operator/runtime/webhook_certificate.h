#ifndef COFFER_OPERATOR_RUNTIME_WEBHOOK_CERTIFICATE_H_
#define COFFER_OPERATOR_RUNTIME_WEBHOOK_CERTIFICATE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/vaultclient/admin_api.h"

namespace coffer::op {

// The admission webhook's TLS certificate, issued by the vault from the installation's CA
// (admin IssueServingCertificate: a fresh key each time, nothing kept by the vault), so the
// MutatingWebhookConfiguration's caBundle is the CA clients already trust (ConfigMap coffer-ca).
// Written as DIR/tls.crt and DIR/tls.key (mode 0600), each by rename so a reader never sees half
// a file; the HTTPS server re-reads them when they change. A certificate is renewed once two
// thirds of its life have passed (day 20 of 30), leaving ten days for a vault that cannot be
// reached. Thread-safe.
class WebhookCertificate {
 public:
  WebhookCertificate(vaultclient::AdminApi& admin, Clock& clock,
                     std::vector<std::string> dns_names, std::string dir)
      : admin_(admin), clock_(clock), dns_names_(std::move(dns_names)), dir_(std::move(dir)) {}

  // Issues and writes a certificate when none has been written by this process or the current
  // one is due; otherwise does nothing. On error it is asked again at the next call; the files
  // may then hold the new key with the old certificate, which the server does not load (it
  // keeps serving the pair it has).
  absl::Status Refresh();

  // The CA that issued the current certificate ("" before the first): what the API server must
  // trust to call the webhook.
  std::string ca_pem() const {
    absl::MutexLock lock(&mu_);
    return ca_pem_;
  }

  std::string cert_file() const { return dir_ + "/tls.crt"; }
  std::string key_file() const { return dir_ + "/tls.key"; }

 private:
  vaultclient::AdminApi& admin_;
  Clock& clock_;
  const std::vector<std::string> dns_names_;
  const std::string dir_;
  mutable absl::Mutex mu_;
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string ca_pem_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_RUNTIME_WEBHOOK_CERTIFICATE_H_
