#include "vault-core/crypto/record_sealer.h"

#include "absl/strings/str_cat.h"
#include "coffer/envelope/v1/envelope.pb.h"
#include "lib/base/status.h"
#include "vault-core/crypto/aes_gcm.h"
#include "vault-core/crypto/random.h"

namespace coffer::crypto {
namespace {

constexpr std::uint32_t kFormatAesGcm = 1;

void AppendField(std::string& out, std::string_view field) {
  std::uint32_t n = static_cast<std::uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  out.append(field);
}

// Length-prefixed, so that no two different addresses give the same bytes.
std::string AssociatedData(const RecordAddress& address, std::string_view data_key_id) {
  std::string aad = "coffer.record.v1";
  AppendField(aad, address.vault);
  AppendField(aad, address.object);
  AppendField(aad, address.version);
  AppendField(aad, data_key_id);
  return aad;
}

}  // namespace

absl::StatusOr<std::string> RecordSealer::Seal(const RecordAddress& address,
                                               std::string_view plaintext) const {
  std::string nonce = RandomBytes(kAesGcmNonceSize);
  COFFER_ASSIGN_OR_RETURN(
      std::string ciphertext,
      AesGcmSeal(data_key_, nonce, plaintext, AssociatedData(address, data_key_id_)));
  envelope::v1::SealedRecord record;
  record.set_format(kFormatAesGcm);
  record.set_data_key_id(data_key_id_);
  record.set_nonce(std::move(nonce));
  record.set_ciphertext(std::move(ciphertext));
  return record.SerializeAsString();
}

absl::StatusOr<SecretBytes> RecordSealer::Open(const RecordAddress& address,
                                               std::string_view sealed) const {
  envelope::v1::SealedRecord record;
  if (!record.ParseFromArray(sealed.data(), static_cast<int>(sealed.size()))) {
    return absl::DataLossError("sealed record is not parseable");
  }
  if (record.format() != kFormatAesGcm) {
    return absl::DataLossError(absl::StrCat("sealed record has unknown format ", record.format()));
  }
  if (record.data_key_id() != data_key_id_) {
    return absl::DataLossError(absl::StrCat("record was sealed under data key '",
                                            record.data_key_id(), "', not this vault's '",
                                            data_key_id_, "'"));
  }
  auto plaintext = AesGcmOpen(data_key_, record.nonce(), record.ciphertext(),
                              AssociatedData(address, data_key_id_));
  if (!plaintext.ok()) {
    return absl::DataLossError(absl::StrCat("record ", address.object, " of vault ", address.vault,
                                            " does not open: altered or moved from elsewhere"));
  }
  return plaintext;
}

}  // namespace coffer::crypto
