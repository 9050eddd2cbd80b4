#include "vault-core/crypto/vault_certificates.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <climits>
#include <set>

#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "lib/base/status.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/openssl_keys.h"
#include "vault-core/crypto/openssl_ptr.h"

namespace coffer::crypto {
namespace {

using domain::KeyType;

// Azure's keyUsage names are X.509's, which OpenSSL's configuration syntax also uses.
const std::set<std::string> kKeyUsages = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly"};

constexpr std::size_t kMaxNames = 100;

absl::Status Bad(const std::string& what) { return absl::InvalidArgumentError(what); }

// Characters that would change the meaning of an OpenSSL configuration value.
bool PlainValue(std::string_view v) {
  if (v.empty() || v.size() > 255) return false;
  for (char c : v) {
    if (c == ',' || c == ';' || c == ':' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return false;
    }
  }
  return true;
}

bool DottedOid(std::string_view oid) {
  if (oid.empty() || oid.size() > 64 || oid.front() == '.' || oid.back() == '.') return false;
  for (std::size_t i = 0; i < oid.size(); ++i) {
    const char c = oid[i];
    if (c == '.' && oid[i - 1] == '.') return false;
    if (c != '.' && (c < '0' || c > '9')) return false;
  }
  return oid.find('.') != std::string_view::npos;
}

std::string Trim(std::string_view s) {
  std::size_t a = s.find_first_not_of(' ');
  std::size_t b = s.find_last_not_of(' ');
  return a == std::string_view::npos ? "" : std::string(s.substr(a, b - a + 1));
}

// "CN=a, O=b" into an X509_NAME, in the order written. A backslash escapes the next character.
absl::StatusOr<OpensslPtr<X509_NAME>> ParseSubject(std::string_view subject) {
  if (subject.size() > 1024) return Bad("The subject must be at most 1024 characters.");
  OpensslPtr<X509_NAME> name(X509_NAME_new());
  if (subject.empty()) return name;  // a certificate named by its SANs alone
  std::string part;
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < subject.size(); ++i) {
    if (subject[i] == '\\' && i + 1 < subject.size()) {
      part += subject[++i];
    } else if (subject[i] == ',' || subject[i] == ';') {
      parts.push_back(part);
      part.clear();
    } else {
      part += subject[i];
    }
  }
  parts.push_back(part);
  for (const std::string& raw : parts) {
    const std::size_t eq = raw.find('=');
    const std::string type = Trim(raw.substr(0, eq == std::string::npos ? 0 : eq));
    const std::string value = eq == std::string::npos ? "" : Trim(raw.substr(eq + 1));
    if (type.empty() || value.empty()) {
      return Bad("The subject '" + std::string(subject.substr(0, 128)) +
                 "' is not a list of TYPE=value, such as CN=example.com, O=Example.");
    }
    // Azure takes "cn=x" as "CN=x": short names in any case.
    std::string upper = type;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const bool known = OBJ_txt2nid(type.c_str()) != NID_undef;
    if (X509_NAME_add_entry_by_txt(name.get(), known ? type.c_str() : upper.c_str(),
                                   MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      ERR_clear_error();
      return Bad("The subject has an unknown attribute type or a bad value: '" +
                 type.substr(0, 32) + "'.");
    }
  }
  return name;
}

// subjectAltName in OpenSSL's configuration syntax, or "" when the profile names none.
std::string AltNames(const CertificateProfile& p) {
  std::vector<std::string> names;
  for (const auto& d : p.dns_names) names.push_back("DNS:" + d);
  for (const auto& e : p.emails) names.push_back("email:" + e);
  for (const auto& u : p.upns) names.push_back("otherName:1.3.6.1.4.1.311.20.2.3;UTF8:" + u);
  return absl::StrJoin(names, ",");
}

absl::Status AddExtension(STACK_OF(X509_EXTENSION) * extensions, X509* cert, X509* issuer,
                          X509_REQ* request, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, request, nullptr, 0);
  OpensslPtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (ext == nullptr) {
    ERR_clear_error();
    return Bad(std::string("The certificate policy's ") + OBJ_nid2sn(nid) + " is not valid.");
  }
  if (cert != nullptr) {
    if (X509_add_ext(cert, ext.get(), -1) != 1) return absl::InternalError("X509_add_ext failed");
  } else if (X509v3_add_ext(&extensions, ext.get(), -1) == nullptr) {
    return absl::InternalError("X509v3_add_ext failed");
  }
  return absl::OkStatus();
}

// The extensions a profile asks for, on a certificate (`cert`) or into `extensions` (a CSR).
absl::Status AddProfileExtensions(const CertificateProfile& p, X509* cert,
                                  STACK_OF(X509_EXTENSION) * extensions) {
  auto add = [&](int nid, const std::string& value) {
    return AddExtension(extensions, cert, cert, nullptr, nid, value);
  };
  COFFER_RETURN_IF_ERROR(add(NID_basic_constraints, "critical,CA:FALSE"));
  if (!p.key_usage.empty()) {
    COFFER_RETURN_IF_ERROR(add(NID_key_usage, "critical," + absl::StrJoin(p.key_usage, ",")));
  }
  if (!p.ekus.empty()) COFFER_RETURN_IF_ERROR(add(NID_ext_key_usage, absl::StrJoin(p.ekus, ",")));
  const std::string alt = AltNames(p);
  // With no subject the SANs are the certificate's only name, which RFC 5280 makes critical.
  if (!alt.empty()) {
    COFFER_RETURN_IF_ERROR(add(NID_subject_alt_name, (p.subject.empty() ? "critical," : "") + alt));
  }
  if (cert != nullptr) {
    COFFER_RETURN_IF_ERROR(add(NID_subject_key_identifier, "hash"));
    COFFER_RETURN_IF_ERROR(add(NID_authority_key_identifier, "keyid:always"));
  }
  return absl::OkStatus();
}

std::string Digest(domain::Algorithm alg, std::string_view data) {
  switch (alg) {
    case domain::Algorithm::kEs384:
      return Sha384(data);
    case domain::Algorithm::kEs512:
      return Sha512(data);
    default:
      return Sha256(data);
  }
}

int SignatureNid(domain::Algorithm alg) {
  switch (alg) {
    case domain::Algorithm::kEs256:
    case domain::Algorithm::kEs256K:
      return NID_ecdsa_with_SHA256;
    case domain::Algorithm::kEs384:
      return NID_ecdsa_with_SHA384;
    case domain::Algorithm::kEs512:
      return NID_ecdsa_with_SHA512;
    default:
      return NID_sha256WithRSAEncryption;
  }
}

// Names the algorithm in `algor`: RSA's with NULL parameters, ECDSA's with none (RFC 5758).
bool SetAlgorithm(X509_ALGOR* algor, domain::Algorithm alg) {
  const bool rsa = alg == domain::Algorithm::kRs256;
  return X509_ALGOR_set0(algor, OBJ_nid2obj(SignatureNid(alg)), rsa ? V_ASN1_NULL : V_ASN1_UNDEF,
                         nullptr) == 1;
}

// Signs an encoded to-be-signed structure and stores the signature as X.509 carries it.
absl::Status SignInto(ASN1_BIT_STRING* signature, domain::Algorithm alg, std::string_view tbs,
                      const DigestSigner& sign) {
  COFFER_ASSIGN_OR_RETURN(std::string value, sign(alg, Digest(alg, tbs)));
  if (alg != domain::Algorithm::kRs256) {
    COFFER_ASSIGN_OR_RETURN(value, EcdsaRawToDer(value));
  }
  if (ASN1_BIT_STRING_set(signature, reinterpret_cast<unsigned char*>(value.data()),
                          static_cast<int>(value.size())) != 1) {
    return absl::InternalError("cannot store a signature");
  }
  signature->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
  signature->flags |= ASN1_STRING_FLAG_BITS_LEFT;  // no unused bits
  return absl::OkStatus();
}

// What an OpenSSL i2d-style `encode(&out)` writes; empty when it fails.
template <typename Encode>
std::string Encoded(Encode encode) {
  unsigned char* der = nullptr;
  const int size = encode(&der);
  if (size <= 0) return "";
  OpensslPtr<unsigned char> owned(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
}

DigestSigner SignerOf(const SoftwareKey& key) {
  return [&key](domain::Algorithm alg, std::string_view digest) -> absl::StatusOr<std::string> {
    domain::KeyOperationRequest request;
    request.op = domain::KeyOperation::kSign;
    request.alg = alg;
    request.data = SecretBytes(digest);
    COFFER_ASSIGN_OR_RETURN(domain::KeyOperationResult result, RunPrivate(key, request));
    return std::string(result.value.reveal());
  };
}

std::string ToDer(X509* cert) {
  unsigned char* der = nullptr;
  int size = i2d_X509(cert, &der);
  if (size <= 0) return "";
  OpensslPtr<unsigned char> owned(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
}

absl::StatusOr<OpensslPtr<X509>> FromDer(std::string_view der) {
  if (der.empty() || der.size() > INT_MAX) return Bad("The certificate is empty or too large.");
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  OpensslPtr<X509> cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (cert == nullptr || cursor != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    ERR_clear_error();
    return Bad("The certificate is not one DER X.509 certificate.");
  }
  return cert;
}

absl::Time ToTime(const ASN1_TIME* t) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return absl::InfinitePast();
  return absl::FromUnixSeconds(timegm(&tm));
}

// The leaf's key must be the private key that came with it.
absl::StatusOr<CertificateWithKey> Assemble(EVP_PKEY* pkey, X509* leaf,
                                            const std::vector<X509*>& rest, bool key_required) {
  if ((pkey == nullptr && key_required) || leaf == nullptr) {
    return Bad("The import holds no private key or no certificate.");
  }
  if (pkey != nullptr && X509_check_private_key(leaf, pkey) != 1) {
    ERR_clear_error();
    return Bad("The private key is not the certificate's.");
  }
  CertificateWithKey out;
  if (pkey != nullptr) {
    COFFER_ASSIGN_OR_RETURN(out.key, FromPkey(pkey));
  }
  out.chain.push_back(ToDer(leaf));
  for (X509* c : rest) out.chain.push_back(ToDer(c));
  return out;
}

// The iterations a password-based algorithm asks for (PKCS#12's own PBEs, or PBES2 with PBKDF2);
// -1 for anything else (scrypt, say), which a PFX from a common tool never uses.
long Iterations(const X509_ALGOR* alg) {
  const ASN1_OBJECT* oid = nullptr;
  int type = 0;
  const void* value = nullptr;
  X509_ALGOR_get0(&oid, &type, &value, alg);
  if (type != V_ASN1_SEQUENCE || value == nullptr) return -1;
  const ASN1_TYPE* parameter = alg->parameter;
  if (OBJ_obj2nid(oid) != NID_pbes2) {
    std::unique_ptr<PBEPARAM, void (*)(PBEPARAM*)> pbe(
        static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), parameter)),
        PBEPARAM_free);
    return pbe == nullptr ? -1 : ASN1_INTEGER_get(pbe->iter);
  }
  std::unique_ptr<PBE2PARAM, void (*)(PBE2PARAM*)> pbes2(
      static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), parameter)),
      PBE2PARAM_free);
  if (pbes2 == nullptr || OBJ_obj2nid(pbes2->keyfunc->algorithm) != NID_id_pbkdf2) return -1;
  std::unique_ptr<PBKDF2PARAM, void (*)(PBKDF2PARAM*)> kdf(
      static_cast<PBKDF2PARAM*>(
          ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbes2->keyfunc->parameter)),
      PBKDF2PARAM_free);
  return kdf == nullptr ? -1 : ASN1_INTEGER_get(kdf->iter);
}

// A PFX names its own work factors; one that asks for more than any common tool uses (Azure's
// and Windows' 2000, OpenSSL's 2048, Java's 10000) would hold a request thread for seconds per
// million. Every PBE use is checked before it runs: the MAC, each encrypted safe, and each
// shrouded key (those in an encrypted safe once that safe, itself checked, is open).
absl::Status CheckWorkFactors(PKCS12* p12, const char* password) {
  constexpr long kMaxIterations = 200000;
  const auto too_costly = [](long iterations) {
    return iterations < 1 || iterations > kMaxIterations;
  };
  const auto refused = Bad("The PFX asks for more than 200000 key-derivation iterations, or "
                           "for a password algorithm other than PBKDF2.");
  const ASN1_INTEGER* mac_iterations = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &mac_iterations, p12);
  if (mac_iterations != nullptr && too_costly(ASN1_INTEGER_get(mac_iterations))) return refused;
  STACK_OF(PKCS7)* safes = PKCS12_unpack_authsafes(p12);
  if (safes == nullptr) {
    ERR_clear_error();
    return Bad("The certificate is not a PKCS#12 (PFX) file.");
  }
  absl::Status status = absl::OkStatus();
  for (int i = 0; status.ok() && i < sk_PKCS7_num(safes); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes, i);
    STACK_OF(PKCS12_SAFEBAG)* bags = nullptr;
    if (OBJ_obj2nid(safe->type) == NID_pkcs7_encrypted) {
      if (safe->d.encrypted == nullptr || safe->d.encrypted->enc_data == nullptr ||
          too_costly(Iterations(safe->d.encrypted->enc_data->algorithm))) {
        status = refused;
        break;
      }
      bags = PKCS12_unpack_p7encdata(safe, password, -1);
    } else if (OBJ_obj2nid(safe->type) == NID_pkcs7_data) {
      bags = PKCS12_unpack_p7data(safe);
    }
    for (int j = 0; bags != nullptr && j < sk_PKCS12_SAFEBAG_num(bags); ++j) {
      const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, j);
      if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag) continue;
      const X509_ALGOR* alg = nullptr;
      X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
      if (alg == nullptr || too_costly(Iterations(alg))) status = refused;
    }
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
  }
  sk_PKCS7_pop_free(safes, PKCS7_free);
  ERR_clear_error();
  return status;
}

}  // namespace

absl::Status CheckProfile(const CertificateProfile& p) {
  COFFER_RETURN_IF_ERROR(ParseSubject(p.subject).status());
  if (p.subject.empty() && p.dns_names.empty() && p.emails.empty() && p.upns.empty()) {
    return Bad("A certificate needs a subject or subject alternative names.");
  }
  if (p.validity_months < 1 || p.validity_months > 1200) {
    return Bad("validity_months must be 1 to 1200.");
  }
  if (p.dns_names.size() + p.emails.size() + p.upns.size() > kMaxNames) {
    return Bad("A certificate may have at most 100 subject alternative names.");
  }
  for (const auto* names : {&p.dns_names, &p.emails, &p.upns}) {
    for (const std::string& n : *names) {
      if (!PlainValue(n)) return Bad("The subject alternative name '" + n.substr(0, 64) + "' is not valid.");
    }
  }
  for (const std::string& eku : p.ekus) {
    if (!DottedOid(eku)) return Bad("The EKU '" + eku.substr(0, 64) + "' is not a dotted OID.");
  }
  for (const std::string& usage : p.key_usage) {
    if (kKeyUsages.count(usage) == 0) {
      return Bad("The key usage '" + usage.substr(0, 64) + "' is not one of X.509's.");
    }
  }
  return absl::OkStatus();
}

domain::Algorithm SignatureAlgorithm(const domain::PublicKey& key) {
  switch (key.curve) {
    case domain::Curve::kP256:
      return domain::Algorithm::kEs256;
    case domain::Curve::kP256K:
      return domain::Algorithm::kEs256K;
    case domain::Curve::kP384:
      return domain::Algorithm::kEs384;
    case domain::Curve::kP521:
      return domain::Algorithm::kEs512;
    case domain::Curve::kNone:
      break;
  }
  return domain::Algorithm::kRs256;
}

absl::StatusOr<std::string> SelfSignedCertificate(const domain::PublicKey& key,
                                                  const DigestSigner& sign,
                                                  const CertificateProfile& profile,
                                                  absl::Time now) {
  COFFER_RETURN_IF_ERROR(CheckProfile(profile));
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPublicPkey(key));
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509_NAME> subject, ParseSubject(profile.subject));
  OpensslPtr<X509> cert(X509_new());
  unsigned char serial_bytes[16];
  if (cert == nullptr || RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) {
    return absl::InternalError("cannot start a certificate");
  }
  serial_bytes[0] &= 0x7f;  // a positive INTEGER
  OpensslPtr<BIGNUM> serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  std::time_t start = absl::ToTimeT(now - absl::Minutes(10));
  // Calendar months, as Azure counts validity_months (a day past a shorter month's end rolls on).
  const absl::CivilSecond from = absl::ToCivilSecond(now, absl::UTCTimeZone());
  std::time_t end = absl::ToTimeT(absl::FromCivil(
      absl::CivilSecond(from.year(), from.month() + profile.validity_months, from.day(),
                        from.hour(), from.minute(), from.second()),
      absl::UTCTimeZone()));
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 || serial == nullptr ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(cert.get(), subject.get()) != 1 ||
      X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, &start) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, 0, &end) == nullptr ||
      X509_set_pubkey(cert.get(), pkey.get()) != 1) {
    return absl::InternalError("cannot fill in a certificate");
  }
  COFFER_RETURN_IF_ERROR(AddProfileExtensions(profile, cert.get(), nullptr));
  // OpenSSL signs only with keys it holds; the key may be in the HSM, so the algorithm is named
  // in both places X.509 has it, the to-be-signed part encoded and signed by `sign`.
  const domain::Algorithm alg = SignatureAlgorithm(key);
  const ASN1_BIT_STRING* signature = nullptr;
  const X509_ALGOR* outer = nullptr;
  X509_get0_signature(&signature, &outer, cert.get());
  if (!SetAlgorithm(const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(cert.get())), alg) ||
      !SetAlgorithm(const_cast<X509_ALGOR*>(outer), alg)) {
    return absl::InternalError("cannot name the certificate's signature algorithm");
  }
  const std::string tbs_der =
      Encoded([&](unsigned char** out) { return i2d_re_X509_tbs(cert.get(), out); });
  if (tbs_der.empty()) return absl::InternalError("cannot encode the certificate");
  COFFER_RETURN_IF_ERROR(
      SignInto(const_cast<ASN1_BIT_STRING*>(signature), alg, tbs_der, sign));
  return ToDer(cert.get());
}

absl::StatusOr<std::string> CertificateSigningRequest(const domain::PublicKey& key,
                                                      const DigestSigner& sign,
                                                      const CertificateProfile& profile) {
  COFFER_RETURN_IF_ERROR(CheckProfile(profile));
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPublicPkey(key));
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509_NAME> subject, ParseSubject(profile.subject));
  std::unique_ptr<X509_REQ, void (*)(X509_REQ*)> request(X509_REQ_new(), X509_REQ_free);
  if (request == nullptr || X509_REQ_set_version(request.get(), 0) != 1 ||
      X509_REQ_set_subject_name(request.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), pkey.get()) != 1) {
    return absl::InternalError("cannot fill in a certificate request");
  }
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  absl::Status added = AddProfileExtensions(profile, nullptr, extensions);
  if (added.ok() && X509_REQ_add_extensions(request.get(), extensions) != 1) {
    added = absl::InternalError("cannot add the request's extensions");
  }
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  COFFER_RETURN_IF_ERROR(added);
  const domain::Algorithm alg = SignatureAlgorithm(key);
  const ASN1_BIT_STRING* signature = nullptr;
  const X509_ALGOR* algor = nullptr;
  X509_REQ_get0_signature(request.get(), &signature, &algor);
  if (!SetAlgorithm(const_cast<X509_ALGOR*>(algor), alg)) {
    return absl::InternalError("cannot name the request's signature algorithm");
  }
  const std::string tbs_der =
      Encoded([&](unsigned char** out) { return i2d_re_X509_REQ_tbs(request.get(), out); });
  if (tbs_der.empty()) return absl::InternalError("cannot encode the certificate request");
  COFFER_RETURN_IF_ERROR(
      SignInto(const_cast<ASN1_BIT_STRING*>(signature), alg, tbs_der, sign));
  std::string out =
      Encoded([&](unsigned char** der) { return i2d_X509_REQ(request.get(), der); });
  if (out.empty()) return absl::InternalError("cannot encode the certificate request");
  return out;
}

absl::StatusOr<std::string> SelfSignedCertificate(const SoftwareKey& key,
                                                  const CertificateProfile& profile,
                                                  absl::Time now) {
  COFFER_ASSIGN_OR_RETURN(domain::PublicKey public_key, PublicKeyOf(key));
  return SelfSignedCertificate(public_key, SignerOf(key), profile, now);
}

absl::StatusOr<std::string> CertificateSigningRequest(const SoftwareKey& key,
                                                      const CertificateProfile& profile) {
  COFFER_ASSIGN_OR_RETURN(domain::PublicKey public_key, PublicKeyOf(key));
  return CertificateSigningRequest(public_key, SignerOf(key), profile);
}

absl::StatusOr<CertificateInfo> ParseCertificate(std::string_view der) {
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509> cert, FromDer(der));
  CertificateInfo info;
  info.der = std::string(der);
  OpensslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  // In the certificate's own order, as Azure's policies show subjects ("CN=a, O=b"), and
  // without escaping UTF-8: a form CheckProfile reads back to the same name.
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert.get()), 0,
                     (XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV & ~ASN1_STRFLGS_ESC_MSB &
                      ~XN_FLAG_SEP_MASK) |
                         XN_FLAG_SEP_CPLUS_SPC);
  char* text = nullptr;
  long size = BIO_get_mem_data(bio.get(), &text);
  info.subject.assign(text, static_cast<std::size_t>(size));
  info.not_before = ToTime(X509_get0_notBefore(cert.get()));
  info.not_after = ToTime(X509_get0_notAfter(cert.get()));
  info.sha1 = Sha1(der);
  EVP_PKEY* pkey = X509_get0_pubkey(cert.get());
  if (pkey == nullptr) return Bad("The certificate's key does not parse.");
  domain::Curve curve = domain::Curve::kNone;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    info.key_type = KeyType::kEc;
    COFFER_ASSIGN_OR_RETURN(curve, CurveOfPkey(pkey));
  } else if (EVP_PKEY_is_a(pkey, "RSA")) {
    info.key_bits = EVP_PKEY_get_bits(pkey);
  } else {
    return Bad("The certificate's key is neither RSA nor EC.");
  }
  COFFER_ASSIGN_OR_RETURN(info.public_key, PublicKeyOfPkey(pkey, curve));
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS || name->type == GEN_EMAIL) {
      const ASN1_IA5STRING* value = name->type == GEN_DNS ? name->d.dNSName : name->d.rfc822Name;
      (name->type == GEN_DNS ? info.dns_names : info.emails)
          .emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                        static_cast<std::size_t>(ASN1_STRING_length(value)));
    }
  }
  GENERAL_NAMES_free(names);
  const std::uint32_t usage = X509_get_key_usage(cert.get());
  if (usage != UINT32_MAX) {  // UINT32_MAX: no keyUsage extension
    const std::pair<std::uint32_t, const char*> bits[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"}};
    for (const auto& [bit, usage_name] : bits) {
      if ((usage & bit) != 0) info.key_usage.push_back(usage_name);
    }
  }
  auto* ekus = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert.get(), NID_ext_key_usage, nullptr, nullptr));
  for (int i = 0; ekus != nullptr && i < sk_ASN1_OBJECT_num(ekus); ++i) {
    char oid[128];
    if (OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(ekus, i), 1) > 0) {
      info.ekus.push_back(oid);
    }
  }
  EXTENDED_KEY_USAGE_free(ekus);
  return info;
}

bool IsPemText(std::string_view bytes) {
  return !bytes.empty() && bytes[0] != 0x30 &&
         bytes.find("-----BEGIN ") != std::string_view::npos;
}

absl::StatusOr<CertificateWithKey> ReadPkcs12(std::string_view pfx, const SecretBytes& password,
                                              bool key_required) {
  if (pfx.empty() || pfx.size() > INT_MAX) return Bad("The PFX is empty or too large.");
  const auto* cursor = reinterpret_cast<const unsigned char*>(pfx.data());
  std::unique_ptr<PKCS12, void (*)(PKCS12*)> p12(
      d2i_PKCS12(nullptr, &cursor, static_cast<long>(pfx.size())), PKCS12_free);
  if (p12 == nullptr) {
    ERR_clear_error();
    return Bad("The certificate is not a PKCS#12 (PFX) file.");
  }
  // PKCS12_parse wants a C string: a zeroing copy with its terminator.
  SecretBytes pass(password.size() + 1);
  std::copy(password.reveal().begin(), password.reveal().end(), pass.mutable_data());
  COFFER_RETURN_IF_ERROR(CheckWorkFactors(p12.get(), reinterpret_cast<const char*>(pass.data())));
  EVP_PKEY* pkey = nullptr;
  X509* leaf = nullptr;
  STACK_OF(X509)* ca = nullptr;
  const int parsed = PKCS12_parse(p12.get(), reinterpret_cast<const char*>(pass.data()), &pkey,
                                  &leaf, &ca);
  OpensslPtr<EVP_PKEY> pkey_owned(pkey);
  OpensslPtr<X509> leaf_owned(leaf);
  std::vector<X509*> rest;
  for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i) rest.push_back(sk_X509_value(ca, i));
  // Without a key OpenSSL cannot tell the leaf: a keyless PFX lists it first, as ours do.
  if (parsed == 1 && pkey == nullptr && leaf == nullptr && !rest.empty() && !key_required) {
    leaf = X509_dup(rest.front());
    leaf_owned.reset(leaf);
    rest.erase(rest.begin());
  }
  absl::StatusOr<CertificateWithKey> out =
      parsed == 1 ? Assemble(pkey, leaf, rest, key_required)
                  : Bad("The PFX does not open: the password is wrong, or it uses an algorithm "
                        "OpenSSL 3 no longer accepts (RC2, 40-bit RC4).");
  sk_X509_pop_free(ca, X509_free);
  ERR_clear_error();
  return out;
}

absl::StatusOr<CertificateWithKey> ReadPemBundle(std::string_view pem) {
  if (pem.size() > INT_MAX) return Bad("The PEM is too large.");
  OpensslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OpensslPtr<EVP_PKEY> pkey;
  std::vector<OpensslPtr<X509>> certs;
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr);
  if (infos == nullptr) {
    ERR_clear_error();
    return Bad("The certificate is not PEM text with a private key and certificates.");
  }
  absl::Status status = absl::OkStatus();
  for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
    X509_INFO* info = sk_X509_INFO_value(infos, i);
    if (info->x509 != nullptr) {
      X509_up_ref(info->x509);
      certs.emplace_back(info->x509);
    }
    if (info->x_pkey != nullptr && info->x_pkey->dec_pkey != nullptr) {
      if (pkey != nullptr) status = Bad("The PEM holds more than one private key.");
      EVP_PKEY_up_ref(info->x_pkey->dec_pkey);
      pkey.reset(info->x_pkey->dec_pkey);
    }
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  ERR_clear_error();
  COFFER_RETURN_IF_ERROR(status);
  if (certs.empty()) return Bad("The PEM holds no certificate.");
  std::vector<X509*> rest;
  for (std::size_t i = 1; i < certs.size(); ++i) rest.push_back(certs[i].get());
  return Assemble(pkey.get(), certs[0].get(), rest, true);
}

absl::StatusOr<SecretBytes> WritePkcs12(const CertificateWithKey& c) {
  OpensslPtr<EVP_PKEY> pkey;
  if (c.key.material.size() != 0) {
    COFFER_ASSIGN_OR_RETURN(pkey, ToPkey(c.key));
  }
  if (c.chain.empty()) return absl::InternalError("no certificate to write");
  COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509> leaf, FromDer(c.chain[0]));
  STACK_OF(X509)* ca = sk_X509_new_null();
  for (std::size_t i = 1; i < c.chain.size(); ++i) {
    auto cert = FromDer(c.chain[i]);
    if (!cert.ok()) {
      sk_X509_pop_free(ca, X509_free);
      return cert.status();
    }
    sk_X509_push(ca, cert->release());
  }
  // OpenSSL 3's defaults: AES-256-CBC under PBKDF2 for the key and the certificates, SHA-256 MAC.
  std::unique_ptr<PKCS12, void (*)(PKCS12*)> p12(
      PKCS12_create("", nullptr, pkey.get(), leaf.get(), ca, 0, 0, 0, 0, 0), PKCS12_free);
  sk_X509_pop_free(ca, X509_free);
  if (p12 == nullptr) return absl::InternalError("cannot build the PFX");
  int size = i2d_PKCS12(p12.get(), nullptr);
  if (size <= 0) return absl::InternalError("cannot encode the PFX");
  SecretBytes out(static_cast<std::size_t>(size));
  unsigned char* cursor = out.mutable_data();
  i2d_PKCS12(p12.get(), &cursor);
  return out;
}

absl::StatusOr<SecretBytes> WritePemBundle(const CertificateWithKey& c) {
  OpensslPtr<BIO> bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr) return absl::InternalError("cannot write PEM");
  if (c.key.material.size() != 0) {
    COFFER_ASSIGN_OR_RETURN(OpensslPtr<EVP_PKEY> pkey, ToPkey(c.key));
    if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr,
                                      nullptr) != 1) {
      return absl::InternalError("cannot write the key as PEM");
    }
  }
  for (const std::string& der : c.chain) {
    COFFER_ASSIGN_OR_RETURN(OpensslPtr<X509> cert, FromDer(der));
    if (PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
      return absl::InternalError("cannot write a certificate as PEM");
    }
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes(std::string_view(data, static_cast<std::size_t>(size)));
}

bool CertificateHasKey(std::string_view der, const domain::PublicKey& public_key) {
  auto cert = FromDer(der);
  auto pkey = ToPublicPkey(public_key);
  if (!cert.ok() || !pkey.ok()) return false;
  const bool same = EVP_PKEY_eq(X509_get0_pubkey(cert->get()), pkey->get()) == 1;
  ERR_clear_error();
  return same;
}

}  // namespace coffer::crypto
