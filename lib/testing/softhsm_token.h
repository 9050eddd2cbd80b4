#ifndef COFFER_LIB_TESTING_SOFTHSM_TOKEN_H_
#define COFFER_LIB_TESTING_SOFTHSM_TOKEN_H_

#include <string>

#include "lib/testing/temp_dir.h"

namespace coffer::testing {

// A real SoftHSM2 token in a temp dir. Construction writes a softhsm2.conf, points
// SOFTHSM2_CONF at it (process-wide: SoftHSM reads it at C_Initialize) and initialises a token.
// Only one PKCS#11 user of the module may be open while a different token dir is selected.
class SoftHsmToken {
 public:
  static constexpr const char* kModulePath = "/usr/lib/softhsm/libsofthsm2.so";
  // The security officer's PIN of every token made here.
  static constexpr const char* kSoPin = "5678";

  explicit SoftHsmToken(std::string label = "coffer-test", std::string pin = "1234");

  // Initialises one more token, `label`, in the same token directory with the same PINs: a
  // second HSM that the process can use beside the first (SoftHSM2 reads the directory once per
  // C_Initialize, so two directories cannot be open at once).
  void AddToken(const std::string& label) const;

  const std::string& label() const { return label_; }
  const std::string& pin() const { return pin_; }
  const std::string& conf_path() const { return conf_path_; }
  // A file holding the PIN, as the vault's config expects it.
  const std::string& pin_file() const { return pin_file_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string label_;
  std::string pin_;
  std::string conf_path_;
  std::string pin_file_;
};

}  // namespace coffer::testing

#endif  // COFFER_LIB_TESTING_SOFTHSM_TOKEN_H_
