#ifndef COFFER_LIB_PKIX_OPENSSL_PTR_H_
#define COFFER_LIB_PKIX_OPENSSL_PTR_H_

// Owning pointers for the OpenSSL handles of lib/pkix, one deleter per type. Include from this
// folder's .cc files only: it pulls in OpenSSL's headers. (vault-core has its own: components
// share lib/, never each other's code.)

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <memory>

namespace coffer::pkix {

template <typename T>
struct OpensslDeleter;

#define COFFER_PKIX_DELETER(Type, free_fn)         \
  template <>                                      \
  struct OpensslDeleter<Type> {                    \
    void operator()(Type* p) const { free_fn(p); } \
  }

COFFER_PKIX_DELETER(BIGNUM, BN_free);
COFFER_PKIX_DELETER(BIO, BIO_free);
COFFER_PKIX_DELETER(EVP_PKEY, EVP_PKEY_free);
COFFER_PKIX_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
COFFER_PKIX_DELETER(OSSL_PARAM, OSSL_PARAM_free);
COFFER_PKIX_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free);
COFFER_PKIX_DELETER(PKCS12, PKCS12_free);
COFFER_PKIX_DELETER(X509, X509_free);
#undef COFFER_PKIX_DELETER

template <typename T>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<T>>;

}  // namespace coffer::pkix

#endif  // COFFER_LIB_PKIX_OPENSSL_PTR_H_
