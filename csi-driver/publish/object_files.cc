#include "csi-driver/publish/object_files.h"

#include <cstring>

#include "lib/base/status.h"
#include "lib/pkix/certificate_secret.h"
#include "lib/pkix/public_key_jwk.h"

namespace coffer::csi {
namespace {

using crd::ObjectFormat;

// Key first, then the chain: the order Key Vault's PEM secrets use, and what servers that
// take one file (HAProxy, many Java and Node.js setups) expect.
SecretBytes KeyThenChain(const pkix::CertificateSecret& certificate) {
  const std::string_view key = certificate.private_key_pem.reveal();
  SecretBytes out(key.size() + certificate.chain_pem.size());
  std::memcpy(out.mutable_data(), key.data(), key.size());
  std::memcpy(out.mutable_data() + key.size(), certificate.chain_pem.data(),
              certificate.chain_pem.size());
  return out;
}

absl::StatusOr<std::vector<FileToWrite>> CertificateFiles(
    const crd::MountObject& object, const vaultclient::FetchedObject& fetched) {
  COFFER_ASSIGN_OR_RETURN(pkix::CertificateSecret certificate,
                          pkix::ReadCertificateSecret(fetched.value, fetched.content_type));
  if (object.format == ObjectFormat::kCert) {
    return std::vector<FileToWrite>{
        {object.file_name, SecretBytes(certificate.chain_pem), object.mode}};
  }
  if (certificate.private_key_pem.empty()) {
    return absl::InvalidArgumentError(
        std::string("it is not exportable: its secret holds no private key, so only format cert "
                    "can mount it, not ") +
        crd::ObjectFormatName(object.format));
  }
  // Defence in depth: the VaultMount's parser already refuses such modes.
  const mode_t key_mode = object.mode & ~static_cast<mode_t>(07);
  std::vector<FileToWrite> files;
  switch (object.format) {
    case ObjectFormat::kPfx: {
      COFFER_ASSIGN_OR_RETURN(SecretBytes pfx, pkix::Pkcs12Of(certificate));
      files.push_back({object.file_name, std::move(pfx), key_mode});
      break;
    }
    case ObjectFormat::kSplit: {
      // One mode for both files, so that they read alike. (FileNamesOf: .crt, then .key.)
      const std::vector<std::string> names = crd::FileNamesOf(object);
      files.push_back({names[0], SecretBytes(certificate.chain_pem), key_mode});
      files.push_back({names[1], std::move(certificate.private_key_pem), key_mode});
      break;
    }
    default:  // kPem: the parser gives certificates no other format
      files.push_back({object.file_name, KeyThenChain(certificate), key_mode});
      break;
  }
  return files;
}

absl::StatusOr<std::vector<FileToWrite>> KeyFiles(const crd::MountObject& object,
                                                  const vaultclient::FetchedObject& fetched) {
  if (object.format == ObjectFormat::kJwk) {
    return std::vector<FileToWrite>{
        {object.file_name, SecretBytes(fetched.value.reveal()), object.mode}};
  }
  COFFER_ASSIGN_OR_RETURN(std::string pem, pkix::PublicKeyPemFromJwk(fetched.value.reveal()));
  return std::vector<FileToWrite>{{object.file_name, SecretBytes(pem), object.mode}};
}

}  // namespace

absl::StatusOr<std::vector<FileToWrite>> FilesOf(const crd::MountObject& object,
                                                 const vaultclient::FetchedObject& fetched) {
  switch (object.type) {
    case crd::ObjectType::kCertificate:
      return CertificateFiles(object, fetched);
    case crd::ObjectType::kKey:
      return KeyFiles(object, fetched);
    case crd::ObjectType::kSecret:
      break;
  }
  return std::vector<FileToWrite>{
      {object.file_name, SecretBytes(fetched.value.reveal()), object.mode}};
}

}  // namespace coffer::csi
