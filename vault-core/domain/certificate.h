#ifndef COFFER_VAULT_CORE_DOMAIN_CERTIFICATE_H_
#define COFFER_VAULT_CORE_DOMAIN_CERTIFICATE_H_

// Vault certificates with Azure Key Vault's model: one policy per certificate, versions that
// each own a key and a secret of the same name and version, a pending operation while a
// version is being issued. docs/azure-certificates-wire.md is the reference.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/key.h"
#include "vault-core/domain/secret.h"

namespace coffer::domain {

inline constexpr char kPkcs12ContentType[] = "application/x-pkcs12";
inline constexpr char kPemContentType[] = "application/x-pem-file";
inline constexpr char kSelfIssuer[] = "Self";
inline constexpr char kUnknownIssuer[] = "Unknown";

struct CertificateLifetimeAction {
  int lifetime_percentage = 0;  // 1-99; or
  int days_before_expiry = 0;
  std::string action;  // "AutoRenew" or "EmailContacts"
};

// A certificate's policy with every member resolved (Azure's defaults filled in).
struct CertificatePolicy {
  // key_props
  bool exportable = true;
  std::string kty = "RSA";  // RSA, RSA-HSM, EC, EC-HSM
  int key_size = 2048;      // RSA only
  bool reuse_key = false;
  std::string crv;  // EC only
  // secret_props
  std::string content_type = kPkcs12ContentType;
  // x509_props
  std::string subject;
  std::vector<std::string> emails, dns_names, upns;
  std::vector<std::string> ekus = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  std::vector<std::string> key_usage = {"digitalSignature", "keyEncipherment"};
  int validity_months = 12;
  std::vector<CertificateLifetimeAction> lifetime_actions;
  // issuer
  std::string issuer_name = kSelfIssuer;
  std::string certificate_type;
  std::optional<bool> cert_transparency;
  // attributes
  bool enabled = true;
  std::optional<absl::Time> created;
  std::optional<absl::Time> updated;
};

// Azure's default lifetime action: AutoRenew at 80% for Self, EmailContacts otherwise.
std::vector<CertificateLifetimeAction> DefaultLifetimeActions(const std::string& issuer_name);
// INVALID_ARGUMENT naming the member that is wrong (key type and size, curve, content type,
// lifetime actions, a subject or SANs, an HSM key asked to be exportable).
absl::Status ValidateCertificatePolicy(const CertificatePolicy& policy);
// What the policy's key is: type, size or curve, and whether the HSM holds it.
KeySpec KeySpecOf(const CertificatePolicy& policy, bool* hsm);
// The key_ops of a certificate's key, from the policy's key usage (about-certificates).
std::vector<std::string> KeyOpsFor(const std::vector<std::string>& key_usage);

struct CertificateOperation {
  std::string name;
  std::string issuer_name;
  std::string certificate_type;
  std::optional<bool> cert_transparency;
  std::string csr;  // DER
  bool cancellation_requested = false;
  std::string status;  // "inProgress", "completed", "failed", "cancelled"
  std::string status_details;
  std::string error_code, error_message;
  std::string request_id;
};

struct CertificateProperties {
  std::string name;
  std::string version;
  std::string x5t;  // SHA-1 of the DER, raw; empty while pending
  Tags tags;
  ObjectAttributes attributes;
  bool pending = false;         // a placeholder: created, not yet issued
  bool from_operation = false;  // made by create: bundles name the pending operation
  bool preserve_order = false;
};

struct Certificate {
  CertificateProperties properties;
  std::string der;                // the leaf; empty while pending
  std::optional<CertificatePolicy> policy;
};

struct DeletedCertificate {
  Certificate certificate;
  absl::Time deleted;
  absl::Time scheduled_purge;
};

struct CertificateCreateOptions {
  bool enabled = true;
  Tags tags;
  bool preserve_order = false;
};

// An import as it came: the PFX (DER) or the PEM text, and the PFX's password.
struct CertificateImport {
  SecretBytes value;
  SecretBytes password;
  bool enabled = true;
  Tags tags;
  bool preserve_order = false;
};

struct CertificateUpdate {
  std::optional<bool> enabled;
  std::optional<Tags> tags;
};

struct CertificateIssuer {
  std::string name;
  std::string provider;
  std::string account_id;
  SecretBytes password;  // never returned
  std::string organization_id;
  struct Admin {
    std::string first_name, last_name, email, phone;
  };
  std::vector<Admin> admins;
  bool enabled = true;
  absl::Time created, updated;
};

struct CertificateContact {
  std::string email, name, phone;
};

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_CERTIFICATE_H_
