// `coffer audit verify` over a log it is handed: every line parsed, its chain and replica
// checked, whatever the file holds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vault-core/audit/audit_line.h"
#include "vault-core/audit/audit_verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view contents(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> hashes;
  coffer::audit::VerifyResult result = coffer::audit::VerifyAuditContents(contents, &hashes);
  // What verify accepts as a whole line must parse on its own too.
  if (result.intact && !contents.empty()) {
    std::string_view first = contents.substr(0, contents.find('\n'));
    if (!coffer::audit::ParseAuditLine(first).ok()) __builtin_trap();
  }
  return 0;
}
