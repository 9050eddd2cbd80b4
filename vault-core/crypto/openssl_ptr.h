#ifndef COFFER_VAULT_CORE_CRYPTO_OPENSSL_PTR_H_
#define COFFER_VAULT_CORE_CRYPTO_OPENSSL_PTR_H_

// Owning pointers for OpenSSL's C handles, one deleter per type, so that no .cc file writes its
// own. Include from .cc files only: it pulls in OpenSSL's headers.

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace coffer::crypto {

template <typename T>
struct OpensslDeleter;

#define COFFER_OPENSSL_DELETER(Type, free_fn)      \
  template <>                                      \
  struct OpensslDeleter<Type> {                    \
    void operator()(Type* p) const { free_fn(p); } \
  }

COFFER_OPENSSL_DELETER(BIGNUM, BN_free);
COFFER_OPENSSL_DELETER(BIO, BIO_free);
COFFER_OPENSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free);
COFFER_OPENSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
COFFER_OPENSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
COFFER_OPENSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
COFFER_OPENSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
COFFER_OPENSSL_DELETER(OSSL_PARAM, OSSL_PARAM_free);
COFFER_OPENSSL_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free);
COFFER_OPENSSL_DELETER(PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free);
COFFER_OPENSSL_DELETER(X509, X509_free);
COFFER_OPENSSL_DELETER(X509_EXTENSION, X509_EXTENSION_free);
COFFER_OPENSSL_DELETER(X509_NAME, X509_NAME_free);
#undef COFFER_OPENSSL_DELETER

// Memory OpenSSL allocated for us (e.g. a DER encoding).
template <>
struct OpensslDeleter<unsigned char> {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};

template <typename T>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<T>>;

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_OPENSSL_PTR_H_
