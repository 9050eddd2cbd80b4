#include "vault-core/keystore/software/software_keystore.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/crypto/openssl_ptr.h"
#include "vault-core/crypto/software_key.h"
#include "vault-core/keystore/software/key_files.h"

namespace coffer::keystore {
namespace {

constexpr size_t kKeySize = 32;
constexpr size_t kCoordinateSize = 32;
constexpr size_t kPointSize = 65;

absl::StatusOr<SecretBytes> RandomKey() {
  SecretBytes key(kKeySize);
  if (RAND_bytes(key.mutable_data(), kKeySize) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return key;
}

absl::StatusOr<SecretBytes> NewSigningKeyPem() {
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey(EVP_EC_gen("P-256"), EVP_PKEY_free);
  crypto::OpensslPtr<BIO> bio(BIO_new(BIO_s_secmem()));
  if (pkey == nullptr || bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError("generating an EC P-256 key failed");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes(std::string_view(data, static_cast<size_t>(size)));
}

// EVP_CIPHER_CTX_FLAG_WRAP_ALLOW: OpenSSL refuses the key-wrap ciphers through EVP unless asked.
// Wraps (encrypt) or unwraps `in` into `out`, which has room for in_size + 16 bytes.
absl::Status KeyWrap(const SecretBytes& kek, const uint8_t* in, size_t in_size, bool encrypt,
                     uint8_t* out, size_t* out_size) {
  crypto::OpensslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return absl::InternalError("EVP_CIPHER_CTX_new failed");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  int len = 0;
  int final_len = 0;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_wrap_pad(), nullptr, kek.data(), nullptr,
                        encrypt ? 1 : 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), out, &len, in, static_cast<int>(in_size)) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out + len, &final_len) != 1) {
    return encrypt ? absl::InternalError("AES key wrap failed")
                   : absl::DataLossError("data key does not unwrap under the software master key");
  }
  *out_size = static_cast<size_t>(len + final_len);
  return absl::OkStatus();
}

absl::StatusOr<std::string> PublicPoint(EVP_PKEY* pkey) {
  unsigned char point[kPointSize + 1];
  size_t size = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                      sizeof(point), &size) != 1 ||
      size != kPointSize || point[0] != 0x04) {
    return absl::FailedPreconditionError("signing key has no uncompressed P-256 public point");
  }
  return std::string(reinterpret_cast<char*>(point), size);
}

}  // namespace

void SoftwareKeyStore::PkeyFree::operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }

SoftwareKeyStore::~SoftwareKeyStore() = default;

absl::StatusOr<std::unique_ptr<KeyStore>> SoftwareKeyStore::Create(const SoftwareOptions& options) {
  if (options.master_key_file.empty()) {
    return absl::InvalidArgumentError("software key store needs a master key file");
  }
  const std::string signing_file = options.signing_key_file.empty()
                                       ? options.master_key_file + ".signing.pem"
                                       : options.signing_key_file;
  COFFER_LOG(kHsm, warn,
             "SOFTWARE KEY STORE: keys live in files and in memory ({}); this is not "
             "an HSM and is for tests only",
             options.master_key_file);
  COFFER_ASSIGN_OR_RETURN(KeyFile master, ReadOrCreateKeyFile(options.master_key_file, RandomKey));
  if (master.contents.size() != kKeySize) {
    return absl::FailedPreconditionError("master key file '" + options.master_key_file + "' has " +
                                         std::to_string(master.contents.size()) +
                                         " bytes, expected 32");
  }
  COFFER_ASSIGN_OR_RETURN(KeyFile signing, ReadOrCreateKeyFile(signing_file, NewSigningKeyPem));
  crypto::OpensslPtr<BIO> bio(
      BIO_new_mem_buf(signing.contents.data(), static_cast<int>(signing.contents.size())));
  PkeyPtr pkey(bio == nullptr ? nullptr
                              : PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  char group[32] = {};
  if (pkey == nullptr || !EVP_PKEY_is_a(pkey.get(), "EC") ||
      EVP_PKEY_get_group_name(pkey.get(), group, sizeof(group), nullptr) != 1 ||
      std::string_view(group) != "prime256v1") {
    return absl::FailedPreconditionError("signing key file '" + signing_file +
                                         "' is not a PEM EC P-256 private key");
  }
  COFFER_ASSIGN_OR_RETURN(std::string public_key, PublicPoint(pkey.get()));
  COFFER_LOG(kHsm, info, "software key store: master key {}, signing key {}",
             master.created ? "created" : "found", signing.created ? "created" : "found");
  return std::unique_ptr<KeyStore>(new SoftwareKeyStore(std::move(master.contents), std::move(pkey),
                                                        "software:" + options.master_key_file,
                                                        std::move(public_key)));
}

absl::StatusOr<DataKey> SoftwareKeyStore::NewDataKey() {
  COFFER_ASSIGN_OR_RETURN(SecretBytes key, RandomKey());
  std::string wrapped(kKeySize + 16, '\0');
  size_t size = 0;
  COFFER_RETURN_IF_ERROR(KeyWrap(master_key_, key.data(), key.size(), true,
                                 reinterpret_cast<uint8_t*>(wrapped.data()), &size));
  wrapped.resize(size);
  return DataKey{std::move(key), std::move(wrapped)};
}

absl::StatusOr<SecretBytes> SoftwareKeyStore::UnwrapDataKey(std::string_view wrapped) {
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return absl::DataLossError("wrapped data key has " + std::to_string(wrapped.size()) +
                               " bytes; an AES-KWP blob is a multiple of 8, at least 16");
  }
  SecretBytes key(wrapped.size() + 16);
  size_t size = 0;
  COFFER_RETURN_IF_ERROR(KeyWrap(master_key_, reinterpret_cast<const uint8_t*>(wrapped.data()),
                                 wrapped.size(), false, key.mutable_data(), &size));
  key.resize(size);
  if (key.size() != kKeySize) {
    return absl::DataLossError("unwrapped data key has " + std::to_string(key.size()) +
                               " bytes, expected 32");
  }
  return key;
}

absl::StatusOr<std::string> SoftwareKeyStore::SignEs256(std::string_view data) {
  crypto::OpensslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  unsigned char der[80];
  size_t der_size = sizeof(der);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, signing_key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), der, &der_size, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return absl::InternalError("ECDSA signing failed");
  }
  // OpenSSL speaks DER; JWS wants the fixed-width r || s.
  const unsigned char* p = der;
  crypto::OpensslPtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, der_size));
  std::string out(2 * kCoordinateSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (sig == nullptr ||
      BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), bytes, kCoordinateSize) != kCoordinateSize ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), bytes + kCoordinateSize, kCoordinateSize) !=
          kCoordinateSize) {
    return absl::InternalError("ECDSA signature conversion failed");
  }
  return out;
}

absl::StatusOr<ProtectedKey> SoftwareKeyStore::Protect(const crypto::SoftwareKey& key) {
  // The curve travels in front of the material, so the key comes back whole from the blob.
  SecretBytes plain(1 + key.material.size());
  plain.mutable_data()[0] = static_cast<uint8_t>(key.curve);
  std::copy(key.material.data(), key.material.data() + key.material.size(),
            plain.mutable_data() + 1);
  ProtectedKey out;
  out.wrapped.assign(plain.size() + 16, '\0');
  size_t size = 0;
  COFFER_RETURN_IF_ERROR(KeyWrap(master_key_, plain.data(), plain.size(), true,
                                 reinterpret_cast<uint8_t*>(out.wrapped.data()), &size));
  out.wrapped.resize(size);
  COFFER_ASSIGN_OR_RETURN(out.public_key, crypto::PublicKeyOf(key));
  COFFER_ASSIGN_OR_RETURN(out.bits, crypto::KeyBitsOf(key));
  return out;
}

absl::StatusOr<ProtectedKey> SoftwareKeyStore::GenerateKey(const domain::KeySpec& spec) {
  COFFER_ASSIGN_OR_RETURN(crypto::SoftwareKey key, crypto::GenerateSoftwareKey(spec));
  return Protect(key);
}

absl::StatusOr<ProtectedKey> SoftwareKeyStore::ImportKey(const domain::PrivateKeyParts& parts) {
  COFFER_ASSIGN_OR_RETURN(crypto::SoftwareKey key, crypto::SoftwareKeyFromParts(parts));
  return Protect(key);
}

absl::StatusOr<domain::KeyOperationResult> SoftwareKeyStore::RunKeyOperation(
    domain::KeyType type, std::string_view wrapped, const domain::KeyOperationRequest& request) {
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return absl::DataLossError("wrapped key is not an AES-KWP blob");
  }
  SecretBytes plain(wrapped.size() + 16);
  size_t size = 0;
  COFFER_RETURN_IF_ERROR(KeyWrap(master_key_, reinterpret_cast<const uint8_t*>(wrapped.data()),
                                 wrapped.size(), false, plain.mutable_data(), &size));
  if (size < 2) return absl::DataLossError("wrapped key is empty");
  crypto::SoftwareKey key{type, static_cast<domain::Curve>(plain.data()[0]),
                          SecretBytes(plain.reveal().substr(1, size - 1))};
  return crypto::RunPrivate(key, request);
}

}  // namespace coffer::keystore
