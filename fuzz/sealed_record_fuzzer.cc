// Sealed records as read back from storage (a corrupt database, or one an attacker wrote):
// RecordSealer::Open must refuse what it did not seal, whatever the bytes, and open what it did.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/base/secret_bytes.h"
#include "vault-core/crypto/record_sealer.h"

namespace {

const coffer::crypto::RecordSealer& Sealer() {
  static const auto* sealer = new coffer::crypto::RecordSealer(
      "dk-fuzz", coffer::SecretBytes(std::string(32, '\x5a')));
  return *sealer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const coffer::crypto::RecordAddress address{"vault-fuzz", "secrets/fuzz", "0123"};
  // The input as a stored record: anything but a record sealed under this key for this address
  // is refused (only an AEAD forgery would open, and the seeds hold none).
  if (Sealer().Open(address, bytes).ok()) __builtin_trap();
  // The input as a value: it seals, and opens back to itself.
  auto sealed = Sealer().Seal(address, bytes);
  if (!sealed.ok()) __builtin_trap();
  auto opened = Sealer().Open(address, *sealed);
  if (!opened.ok() || opened->reveal() != bytes) __builtin_trap();
  return 0;
}
