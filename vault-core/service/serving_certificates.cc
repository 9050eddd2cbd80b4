#include "vault-core/service/serving_certificates.h"

#include "coffer/storage/v1/records.pb.h"
#include "absl/strings/str_split.h"
#include "lib/base/status.h"

namespace coffer::service {
namespace {

using storage::v1::CertificateRecord;

constexpr char kTlsKeyId[] = "_tls";  // the data key that seals these records
constexpr char kCaKey[] = "tls/ca";
constexpr char kHostPrefix[] = "tls/hosts/";

const crypto::RecordAddress kCaAddress{kTlsKeyId, "tls/ca", ""};
crypto::RecordAddress HostAddress(const std::string& host) { return {kTlsKeyId, "tls/host", host}; }

}  // namespace

absl::StatusOr<std::unique_ptr<ServingCertificates>> ServingCertificates::Create(
    storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
    std::optional<crypto::CertificateAndKey> issuer) {
  COFFER_ASSIGN_OR_RETURN(auto cache, Cache::Create(store, {kHostPrefix}, 10000));
  return std::unique_ptr<ServingCertificates>(
      new ServingCertificates(store, keys, clock, std::move(cache), std::move(issuer)));
}

absl::StatusOr<std::string> ServingCertificates::Seal(const crypto::RecordAddress& address,
                                                      const crypto::CertificateAndKey& cert) {
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(kTlsKeyId));
  CertificateRecord record;
  record.set_certificate_pem(cert.certificate_pem);
  record.set_private_key_pem(std::string(cert.private_key_pem.reveal()));
  std::string plaintext = record.SerializeAsString();
  absl::StatusOr<std::string> sealed = sealer->Seal(address, plaintext);
  internal::ZeroMemory(plaintext.data(), plaintext.size());
  internal::ZeroMemory(record.mutable_private_key_pem()->data(), record.private_key_pem().size());
  return sealed;
}

absl::StatusOr<crypto::CertificateAndKey> ServingCertificates::Read(
    const std::string& key, const crypto::RecordAddress& address) {
  COFFER_ASSIGN_OR_RETURN(storage::Entry entry, store_.Get(key));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(kTlsKeyId));
  COFFER_ASSIGN_OR_RETURN(SecretBytes plaintext, sealer->Open(address, entry.value));
  CertificateRecord record;
  if (!record.ParseFromArray(plaintext.data(), static_cast<int>(plaintext.size()))) {
    return absl::DataLossError("certificate record corrupt");
  }
  crypto::CertificateAndKey out{record.certificate_pem(), SecretBytes(record.private_key_pem())};
  internal::ZeroMemory(record.mutable_private_key_pem()->data(), record.private_key_pem().size());
  return out;
}

absl::StatusOr<crypto::CertificateAndKey> ServingCertificates::LoadCa() {
  if (issuer_) return *issuer_;
  absl::StatusOr<crypto::CertificateAndKey> existing = Read(kCaKey, kCaAddress);
  if (!absl::IsNotFound(existing.status())) return existing;
  COFFER_ASSIGN_OR_RETURN(
      crypto::CertificateAndKey ca,
      crypto::NewCertificateAuthority("Coffer installation CA", clock_.Now(), kCaValidity));
  COFFER_ASSIGN_OR_RETURN(std::string sealed, Seal(kCaAddress, ca));
  auto put = store_.Put(kCaKey, sealed, storage::kMustNotExist);
  if (absl::IsAborted(put.status())) return Read(kCaKey, kCaAddress);  // another replica's won
  if (!put.ok()) return put.status();
  return ca;
}

absl::StatusOr<std::string> ServingCertificates::CaCertificate() {
  {
    absl::MutexLock lock(&mu_);
    if (!ca_certificate_pem_.empty()) return ca_certificate_pem_;
  }
  // The CA never changes within a process (a brought one is read at start; the installation's
  // own is made once), so its certificate is read once; its key only when issuing.
  COFFER_ASSIGN_OR_RETURN(crypto::CertificateAndKey ca, LoadCa());
  absl::MutexLock lock(&mu_);
  ca_certificate_pem_ = ca.certificate_pem;
  return ca_certificate_pem_;
}

absl::Status ServingCertificates::EnsureHosts(const std::vector<std::string>& hostnames) {
  if (hostnames.empty()) return absl::OkStatus();
  COFFER_ASSIGN_OR_RETURN(const std::string ca_pem, CaCertificate());
  std::optional<crypto::CertificateAndKey> ca;  // with its key, once something is to be issued
  for (const std::string& host : hostnames) {
    absl::StatusOr<std::shared_ptr<const crypto::CertificateAndKey>> current = ForHost(host);
    if (current.ok()) {
      absl::StatusOr<absl::Time> ends = crypto::CertificateNotAfter((*current)->certificate_pem);
      if (ends.ok() && *ends - clock_.Now() > kRenewBefore &&
          crypto::IsIssuedBy((*current)->certificate_pem, ca_pem)) {
        continue;
      }
    } else if (!absl::IsNotFound(current.status())) {
      return current.status();
    }
    if (!ca) {
      COFFER_ASSIGN_OR_RETURN(ca, LoadCa());
    }
    COFFER_ASSIGN_OR_RETURN(
        crypto::CertificateAndKey issued,
        crypto::IssueServerCertificate(*ca, {host}, clock_.Now(), kServerValidity));
    // A brought CA may be an intermediate: the leaf is served with the CA's chain after it.
    if (issuer_) issued.certificate_pem += issuer_->certificate_pem;
    COFFER_ASSIGN_OR_RETURN(std::string sealed, Seal(HostAddress(host), issued));
    COFFER_RETURN_IF_ERROR(store_.Put(kHostPrefix + host, sealed, std::nullopt).status());
    cache_->Invalidate(host);
  }
  return absl::OkStatus();
}

namespace {

// RFC 1123 labels (1-63 letters, digits and '-', no '-' at either end), lower case.
bool IsLowerCaseDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
  }
  return true;
}

// What the installation's CA signs for callers other than the vault itself: a Kubernetes
// Service's name (NAME.NAMESPACE.svc, with or without the cluster's domain after it), through
// which the API server calls a webhook, or localhost. Never a public name, an address, or a
// vault hostname (whose certificate the vault alone holds).
bool IsServiceName(const std::string& name) {
  if (name == "localhost") return true;
  if (!IsLowerCaseDnsName(name)) return false;
  std::vector<absl::string_view> labels = absl::StrSplit(name, '.');
  return labels.size() >= 3 && labels[2] == "svc";
}

}  // namespace

absl::StatusOr<crypto::CertificateAndKey> ServingCertificates::IssueFor(
    const std::vector<std::string>& dns_names) {
  if (dns_names.empty() || dns_names.size() > 10) {
    return absl::InvalidArgumentError("dns_names: between 1 and 10 names");
  }
  for (const std::string& name : dns_names) {
    if (!IsServiceName(name)) {
      return absl::InvalidArgumentError(
          "dns_names: want a Service's name (NAME.NAMESPACE.svc[.DOMAIN]) or localhost: " +
          name.substr(0, 64));
    }
    absl::StatusOr<storage::Entry> vault_host = store_.Get(kHostPrefix + name);
    if (vault_host.ok()) {
      return absl::InvalidArgumentError("dns_names: " + name + " is a vault's hostname");
    }
    if (!absl::IsNotFound(vault_host.status())) return vault_host.status();
  }
  COFFER_ASSIGN_OR_RETURN(crypto::CertificateAndKey ca, LoadCa());
  COFFER_ASSIGN_OR_RETURN(
      crypto::CertificateAndKey issued,
      crypto::IssueServerCertificate(ca, dns_names, clock_.Now(), kOtherValidity));
  if (issuer_) issued.certificate_pem += issuer_->certificate_pem;
  return issued;
}

absl::StatusOr<std::shared_ptr<const crypto::CertificateAndKey>> ServingCertificates::ForHost(
    std::string_view hostname) {
  const std::string host(hostname);
  return cache_->Get(host,
                     [&]() -> absl::StatusOr<std::shared_ptr<const crypto::CertificateAndKey>> {
                       COFFER_ASSIGN_OR_RETURN(crypto::CertificateAndKey cert,
                                               Read(kHostPrefix + host, HostAddress(host)));
                       return std::make_shared<const crypto::CertificateAndKey>(std::move(cert));
                     });
}

}  // namespace coffer::service
