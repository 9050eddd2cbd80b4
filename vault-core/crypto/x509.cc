#include "vault-core/crypto/x509.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <climits>
#include <ctime>

#include "lib/base/status.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/openssl_ptr.h"
#include "vault-core/crypto/rsa_public_key.h"

namespace coffer::crypto {
namespace {

constexpr absl::Duration kClockSkew = absl::Minutes(1);

absl::Status Failed(const char* what) {
  return absl::InternalError(std::string("cannot make the certificate: ") + what);
}

absl::StatusOr<OpensslPtr<EVP_PKEY>> NewP256Key() {
  OpensslPtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) return Failed("EC key generation");
  return key;
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  OpensslPtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) return Failed("extension");
  return absl::OkStatus();
}

// A certificate with serial, validity, subject CN, public key; not yet extended or signed.
absl::StatusOr<OpensslPtr<X509>> NewCertificate(std::string_view common_name, EVP_PKEY* key,
                                                absl::Time now, absl::Duration validity) {
  OpensslPtr<X509> cert(X509_new());
  OpensslPtr<BIGNUM> serial(BN_new());
  if (cert == nullptr || serial == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Failed("serial");
  }
  const time_t not_before = absl::ToTimeT(now - kClockSkew);
  const time_t not_after = absl::ToTimeT(now + validity);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return Failed("fields");
  }
  // X.509 caps a common name at 64 characters; clients match the SAN, so a longer name is
  // left out of the subject rather than refused.
  if (common_name.size() <= 64 &&
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return Failed("subject");
  }
  return cert;
}

absl::StatusOr<CertificateAndKey> Encode(X509* cert, EVP_PKEY* key) {
  OpensslPtr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  OpensslPtr<BIO> key_bio(BIO_new(BIO_s_secmem()));
  if (cert_bio == nullptr || key_bio == nullptr || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Failed("PEM encoding");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(cert_bio.get(), &data);
  CertificateAndKey out;
  out.certificate_pem.assign(data, static_cast<std::size_t>(size));
  size = BIO_get_mem_data(key_bio.get(), &data);
  out.private_key_pem = SecretBytes(std::string_view(data, static_cast<std::size_t>(size)));
  return out;
}

absl::StatusOr<absl::Time> TimeOf(const ASN1_TIME* time, const char* name) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(time, &tm) != 1) {
    return absl::InvalidArgumentError(std::string("the certificate's ") + name + " does not parse");
  }
  return absl::FromTimeT(timegm(&tm));
}

// Only the first certificate block is handed to OpenSSL: a private key ahead of it in the input
// (`cat key.pem cert.pem`, as @azure/identity's PEM file is often made) is never read, and one
// after it is never reached.
absl::StatusOr<OpensslPtr<X509>> ReadFirstCertificate(std::string_view pem) {
  const std::size_t begin = pem.find("-----BEGIN CERTIFICATE-----");
  if (begin == std::string_view::npos) {
    return absl::InvalidArgumentError("no -----BEGIN CERTIFICATE----- block in the input");
  }
  pem.remove_prefix(begin);
  if (pem.size() > INT_MAX) return absl::InvalidArgumentError("the certificate is too large");
  OpensslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OpensslPtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("the certificate does not parse");
  return cert;
}

// The key's size, when it is one that RS256 and PS256 clients can sign with.
absl::StatusOr<int> ClientRsaBits(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr || !EVP_PKEY_is_a(key, "RSA")) {
    return absl::InvalidArgumentError(
        "the certificate's key is not an RSA key (client assertions are signed with RS256 or "
        "PS256)");
  }
  const int bits = EVP_PKEY_get_bits(key);
  if (bits < RsaPublicKey::kMinBits || bits > RsaPublicKey::kMaxBits) {
    return absl::InvalidArgumentError("the certificate's RSA key has " + std::to_string(bits) +
                                      " bits; " + std::to_string(RsaPublicKey::kMinBits) + " to " +
                                      std::to_string(RsaPublicKey::kMaxBits) + " are accepted");
  }
  return bits;
}

absl::StatusOr<std::string> SubjectOf(X509* cert) {
  OpensslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    return absl::InvalidArgumentError("the certificate's subject does not print");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

absl::StatusOr<std::string> DerOf(X509* cert) {
  unsigned char* raw = nullptr;
  const int size = i2d_X509(cert, &raw);
  OpensslPtr<unsigned char> der(raw);
  if (size <= 0) return absl::InvalidArgumentError("the certificate does not encode");
  return std::string(reinterpret_cast<const char*>(der.get()), static_cast<std::size_t>(size));
}

}  // namespace

absl::StatusOr<CertificateAndKey> NewCertificateAuthority(std::string_view common_name,
                                                          absl::Time now, absl::Duration validity) {
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> key, NewP256Key());
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509> cert,
                          NewCertificate(common_name, key.get(), now, validity));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1) {
    return Failed("issuer");
  }
  COFFER_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  COFFER_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  COFFER_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Failed("signature");
  return Encode(cert.get(), key.get());
}

absl::StatusOr<CertificateAndKey> IssueServerCertificate(const CertificateAndKey& ca,
                                                         const std::vector<std::string>& dns_names,
                                                         absl::Time now, absl::Duration validity) {
  if (dns_names.empty()) return absl::InvalidArgumentError("a certificate needs a name");
  OpensslPtr<BIO> ca_cert_bio(
      BIO_new_mem_buf(ca.certificate_pem.data(), static_cast<int>(ca.certificate_pem.size())));
  OpensslPtr<BIO> ca_key_bio(
      BIO_new_mem_buf(ca.private_key_pem.data(), static_cast<int>(ca.private_key_pem.size())));
  OpensslPtr<X509> ca_cert(PEM_read_bio_X509(ca_cert_bio.get(), nullptr, nullptr, nullptr));
  OpensslPtr<EVP_PKEY> ca_key(PEM_read_bio_PrivateKey(ca_key_bio.get(), nullptr, nullptr, nullptr));
  if (ca_cert == nullptr || ca_key == nullptr) {
    return absl::InvalidArgumentError("the CA certificate or key does not parse");
  }
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> key, NewP256Key());
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509> cert,
                          NewCertificate(dns_names.front(), key.get(), now, validity));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1) {
    return Failed("issuer");
  }
  std::string san;
  for (const std::string& name : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + name;
  COFFER_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  COFFER_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature"));
  COFFER_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth"));
  COFFER_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_subject_alt_name, san.c_str()));
  COFFER_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always"));
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) return Failed("signature");
  return Encode(cert.get(), key.get());
}

absl::StatusOr<CertificateAndKey> ReadCertificateAuthority(std::string_view certificate_pem,
                                                           const SecretBytes& private_key_pem) {
  absl::StatusOr<OpensslPtr<X509>> cert = ReadFirstCertificate(certificate_pem);
  if (!cert.ok()) {
    return absl::InvalidArgumentError("the CA certificate does not parse: " +
                                      std::string(cert.status().message()));
  }
  if (X509_check_ca(cert->get()) != 1) {  // 1: basicConstraints CA:TRUE; not v1 or keyUsage alone
    return absl::InvalidArgumentError("the certificate is not a CA (basicConstraints CA:TRUE)");
  }
  OpensslPtr<BIO> key_bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  OpensslPtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return absl::InvalidArgumentError("the CA private key does not parse");
  if (X509_check_private_key(cert->get(), key.get()) != 1) {
    return absl::InvalidArgumentError("the private key is not the CA certificate's key");
  }
  COFFER_ASSIGN_OR_RETURN(CertificateAndKey out, Encode(cert->get(), key.get()));
  // The certificates after the first (the CA's own chain up to its root), kept in order so
  // that they are served after each leaf: clients that trust only the root still verify.
  OpensslPtr<BIO> chain(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  OpensslPtr<X509> first(PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr));
  OpensslPtr<BIO> rest(BIO_new(BIO_s_mem()));
  while (OpensslPtr<X509> next{PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr)}) {
    if (PEM_write_bio_X509(rest.get(), next.get()) != 1) return Failed("PEM encoding");
  }
  ERR_clear_error();  // the end of the input
  char* data = nullptr;
  const long size = BIO_get_mem_data(rest.get(), &data);
  out.certificate_pem.append(data, static_cast<std::size_t>(size));
  return out;
}

bool IsIssuedBy(std::string_view certificate_pem, std::string_view ca_certificate_pem) {
  absl::StatusOr<OpensslPtr<X509>> cert = ReadFirstCertificate(certificate_pem);
  absl::StatusOr<OpensslPtr<X509>> ca = ReadFirstCertificate(ca_certificate_pem);
  if (!cert.ok() || !ca.ok()) return false;
  EVP_PKEY* ca_key = X509_get0_pubkey(ca->get());
  return X509_check_issued(ca->get(), cert->get()) == X509_V_OK && ca_key != nullptr &&
         X509_verify(cert->get(), ca_key) == 1;
}

absl::StatusOr<absl::Time> CertificateNotAfter(std::string_view certificate_pem) {
  OpensslPtr<BIO> bio(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  OpensslPtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("the certificate does not parse");
  return TimeOf(X509_get0_notAfter(cert.get()), "notAfter");
}

absl::StatusOr<ClientCertificate> ParseClientCertificate(std::string_view certificate_pem) {
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509> cert, ReadFirstCertificate(certificate_pem));
  ClientCertificate out;
  COFFER_ASSIGN_OR_RETURN(out.rsa_bits, ClientRsaBits(cert.get()));
  COFFER_ASSIGN_OR_RETURN(out.der, DerOf(cert.get()));
  COFFER_ASSIGN_OR_RETURN(out.subject, SubjectOf(cert.get()));
  COFFER_ASSIGN_OR_RETURN(out.not_before, TimeOf(X509_get0_notBefore(cert.get()), "notBefore"));
  COFFER_ASSIGN_OR_RETURN(out.not_after, TimeOf(X509_get0_notAfter(cert.get()), "notAfter"));
  out.sha1 = Sha1(out.der);
  out.sha256 = Sha256(out.der);
  return out;
}

}  // namespace coffer::crypto
