#include "lib/pkix/certificate_secret.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "lib/pkix/openssl_ptr.h"

namespace coffer::pkix {
namespace {

struct Parts {
  OpensslPtr<EVP_PKEY> key;
  std::vector<OpensslPtr<X509>> certs;  // as stored
};

// OpenSSL's reason for the last error, for a message; empties the error queue of this thread,
// so that a later call does not report a stale error.
std::string OpensslReason() {
  const char* reason = ERR_reason_error_string(ERR_peek_last_error());
  std::string out = reason != nullptr ? reason : "unknown error";
  ERR_clear_error();
  return out;
}

bool LastErrorIs(int lib, int reason) {
  unsigned long e = ERR_peek_last_error();
  return ERR_GET_LIB(e) == lib && ERR_GET_REASON(e) == reason;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "application/x-pem-file; charset=utf-8" -> "application/x-pem-file".
std::string MediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) {
    type.remove_prefix(1);
  }
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) {
    type.remove_suffix(1);
  }
  return Lower(type);
}

// Frees what PEM_read_bio allocated, wiping the body: it may be a private key.
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long size = 0;
  ~PemBlock() {
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<std::size_t>(size));
  }
};

absl::Status AddPemBlock(const PemBlock& block, Parts& parts) {
  const std::string_view name = block.name;
  const unsigned char* cursor = block.data;
  if (name == PEM_STRING_X509 || name == PEM_STRING_X509_OLD) {
    OpensslPtr<X509> cert(d2i_X509(nullptr, &cursor, block.size));
    if (cert == nullptr) {
      return absl::InvalidArgumentError("a CERTIFICATE block of its PEM is not a certificate: " +
                                        OpensslReason());
    }
    parts.certs.push_back(std::move(cert));
    return absl::OkStatus();
  }
  if (name == PEM_STRING_PKCS8) {
    return absl::InvalidArgumentError(
        "its private key is encrypted; a certificate's PEM in Key Vault holds it unencrypted");
  }
  const bool key =
      name == PEM_STRING_PKCS8INF || name == PEM_STRING_RSA || name == PEM_STRING_ECPRIVATEKEY;
  if (!key) return absl::OkStatus();  // e.g. EC PARAMETERS, which openssl ecparam writes
  if (block.header != nullptr && block.header[0] != '\0') {  // Proc-Type: 4,ENCRYPTED
    return absl::InvalidArgumentError(
        "its private key is encrypted; a certificate's PEM in Key Vault holds it unencrypted");
  }
  if (parts.key != nullptr) return absl::InvalidArgumentError("its PEM holds two private keys");
  parts.key.reset(d2i_AutoPrivateKey(nullptr, &cursor, block.size));
  if (parts.key == nullptr) {
    return absl::InvalidArgumentError("the private key of its PEM cannot be read: " +
                                      OpensslReason());
  }
  return absl::OkStatus();
}

absl::Status ReadPem(std::string_view pem, Parts& parts) {
  OpensslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("out of memory");
  for (;;) {
    PemBlock block;
    if (PEM_read_bio(bio.get(), &block.name, &block.header, &block.data, &block.size) != 1) {
      if (LastErrorIs(ERR_LIB_PEM, PEM_R_NO_START_LINE)) break;  // the end
      return absl::InvalidArgumentError("its PEM is malformed: " + OpensslReason());
    }
    COFFER_RETURN_IF_ERROR(AddPemBlock(block, parts));
  }
  ERR_clear_error();
  return absl::OkStatus();
}

absl::StatusOr<Parts> ReadPkcs12(std::string_view der) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  OpensslPtr<PKCS12> p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size())));
  if (p12 == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("its value is not a PKCS#12 (PFX) file");
  }
  EVP_PKEY* key = nullptr;
  X509* leaf = nullptr;
  STACK_OF(X509)* others = nullptr;
  // An empty password: PKCS12_parse tries both the absent and the empty one, as Azure's
  // clients do.
  if (PKCS12_parse(p12.get(), "", &key, &leaf, &others) != 1) {
    if (LastErrorIs(ERR_LIB_PKCS12, PKCS12_R_MAC_VERIFY_FAILURE)) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          "its PFX has a password; a certificate's PFX in Key Vault has an empty one");
    }
    return absl::InvalidArgumentError("its PFX cannot be read: " + OpensslReason());
  }
  Parts parts;
  parts.key.reset(key);
  if (leaf != nullptr) parts.certs.emplace_back(leaf);
  while (others != nullptr && sk_X509_num(others) > 0) {
    parts.certs.emplace_back(sk_X509_shift(others));
  }
  sk_X509_free(others);
  return parts;
}

bool Issued(X509* issuer, X509* subject) {
  return issuer != subject && X509_check_issued(issuer, subject) == X509_V_OK;
}

// The certificates leaf first, then up the chain, then the rest as stored (module docs).
absl::StatusOr<std::vector<X509*>> LeafFirst(const Parts& parts) {
  std::vector<X509*> rest;
  for (const auto& cert : parts.certs) rest.push_back(cert.get());
  auto leaf = rest.end();
  if (parts.key != nullptr) {
    leaf = std::find_if(rest.begin(), rest.end(), [&](X509* c) {
      ERR_set_mark();  // a mismatch leaves errors we do not want to report
      bool match = X509_check_private_key(c, parts.key.get()) == 1;
      ERR_pop_to_mark();
      return match;
    });
    if (leaf == rest.end()) {
      return absl::InvalidArgumentError("its private key belongs to none of its certificates");
    }
  } else {
    leaf = std::find_if(rest.begin(), rest.end(), [&](X509* c) {
      return std::none_of(rest.begin(), rest.end(), [&](X509* d) { return Issued(c, d); });
    });
    if (leaf == rest.end()) leaf = rest.begin();  // a cycle of cross-signatures: as stored
  }
  std::vector<X509*> chain = {*leaf};
  rest.erase(leaf);
  for (;;) {
    auto next =
        std::find_if(rest.begin(), rest.end(), [&](X509* c) { return Issued(c, chain.back()); });
    if (next == rest.end()) break;
    chain.push_back(*next);
    rest.erase(next);
  }
  chain.insert(chain.end(), rest.begin(), rest.end());
  return chain;
}

// The bytes written to a memory BIO.
SecretBytes Contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return SecretBytes(std::string_view(data, size > 0 ? static_cast<std::size_t>(size) : 0));
}

absl::StatusOr<CertificateSecret> Assemble(const Parts& parts) {
  if (parts.certs.empty()) return absl::InvalidArgumentError("it holds no certificate");
  COFFER_ASSIGN_OR_RETURN(std::vector<X509*> chain, LeafFirst(parts));
  CertificateSecret out;
  OpensslPtr<BIO> certs(BIO_new(BIO_s_mem()));
  for (X509* cert : chain) {
    if (certs == nullptr || PEM_write_bio_X509(certs.get(), cert) != 1) {
      return absl::InternalError("cannot write a certificate as PEM: " + OpensslReason());
    }
  }
  out.chain_pem = std::string(Contents(certs.get()).reveal());
  if (parts.key != nullptr) {
    // Secure memory, wiped when freed. PEM_write_bio_PrivateKey writes PKCS#8 in OpenSSL 3.
    OpensslPtr<BIO> key(BIO_new(BIO_s_secmem()));
    if (key == nullptr || PEM_write_bio_PrivateKey(key.get(), parts.key.get(), nullptr, nullptr, 0,
                                                   nullptr, nullptr) != 1) {
      return absl::InternalError("cannot write the private key as PKCS#8: " + OpensslReason());
    }
    out.private_key_pem = Contents(key.get());
  }
  return out;
}

std::string WithoutSpace(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

bool LooksLikePem(std::string_view text) {
  std::size_t start = text.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos && text.substr(start).rfind("-----BEGIN", 0) == 0;
}

}  // namespace

absl::StatusOr<CertificateSecret> ReadCertificateSecret(const SecretBytes& value,
                                                        std::string_view content_type) {
  const std::string type = MediaType(content_type);
  const std::string_view text = value.reveal();
  if (text.empty()) return absl::InvalidArgumentError("its secret is empty");
  bool pem;
  if (type == kPemContentType) {
    pem = true;
  } else if (type == kPkcs12ContentType) {
    pem = false;
  } else if (type.empty()) {
    pem = LooksLikePem(text);
  } else {
    return absl::InvalidArgumentError("its secret's content type is '" + std::string(content_type) +
                                      "', neither " + kPkcs12ContentType + " nor " +
                                      kPemContentType);
  }
  if (pem) {
    Parts parts;
    COFFER_RETURN_IF_ERROR(ReadPem(text, parts));
    return Assemble(parts);
  }
  std::string base64 = WithoutSpace(text);
  std::optional<std::string> der = Base64Decode(base64);
  internal::ZeroMemory(base64.data(), base64.size());
  if (!der) return absl::InvalidArgumentError("its PKCS#12 value is not standard base64");
  SecretBytes pkcs12(*der);
  internal::ZeroMemory(der->data(), der->size());
  COFFER_ASSIGN_OR_RETURN(Parts parts, ReadPkcs12(pkcs12.reveal()));
  COFFER_ASSIGN_OR_RETURN(CertificateSecret out, Assemble(parts));
  out.pkcs12 = std::move(pkcs12);
  return out;
}

absl::StatusOr<SecretBytes> Pkcs12Of(const CertificateSecret& secret) {
  if (secret.private_key_pem.empty()) {
    return absl::FailedPreconditionError("there is no private key to put in a PKCS#12 file");
  }
  if (!secret.pkcs12.empty()) return SecretBytes(secret.pkcs12.reveal());
  Parts parts;
  COFFER_RETURN_IF_ERROR(ReadPem(secret.private_key_pem.reveal(), parts));
  COFFER_RETURN_IF_ERROR(ReadPem(secret.chain_pem, parts));
  if (parts.key == nullptr || parts.certs.empty()) {
    return absl::InvalidArgumentError("a PKCS#12 file needs a private key and a certificate");
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<X509*> chain, LeafFirst(parts));
  STACK_OF(X509)* issuers = sk_X509_new_null();  // borrows: parts owns the certificates
  for (std::size_t i = 1; issuers != nullptr && i < chain.size(); ++i) {
    sk_X509_push(issuers, chain[i]);
  }
  OpensslPtr<PKCS12> p12(
      PKCS12_create("", nullptr, parts.key.get(), chain[0], issuers, 0, 0, 0, 0, 0));
  sk_X509_free(issuers);
  const int size = p12 == nullptr ? -1 : i2d_PKCS12(p12.get(), nullptr);
  if (size <= 0) return absl::InternalError("cannot make a PKCS#12 file: " + OpensslReason());
  SecretBytes out(static_cast<std::size_t>(size));
  unsigned char* cursor = out.mutable_data();
  i2d_PKCS12(p12.get(), &cursor);
  return out;
}

}  // namespace coffer::pkix
