#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_MODULE_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_MODULE_H_

#include <p11-kit/pkcs11.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace coffer::keystore {

// A loaded, initialised PKCS#11 module. Many modules (SoftHSM2 among them) allow a single
// C_Initialize per process, so modules are shared through a process-wide registry keyed by path:
// Load() hands out the live instance if there is one, and the last holder's release runs
// C_Finalize and dlclose. A later Load() then initialises afresh, which is what lets tests point
// SOFTHSM2_CONF at a new token directory between key stores. Thread-safe.
class Pkcs11Module {
 public:
  // FAILED_PRECONDITION when the library cannot be loaded or is not a PKCS#11 module;
  // UNAVAILABLE when C_Initialize fails.
  static absl::StatusOr<std::shared_ptr<Pkcs11Module>> Load(const std::string& path);

  ~Pkcs11Module();
  Pkcs11Module(const Pkcs11Module&) = delete;
  Pkcs11Module& operator=(const Pkcs11Module&) = delete;

  const std::string& path() const { return path_; }
  CK_FUNCTION_LIST* fns() const { return fns_; }

 private:
  Pkcs11Module(std::string path, void* handle, CK_FUNCTION_LIST* fns, bool finalize)
      : path_(std::move(path)), handle_(handle), fns_(fns), finalize_(finalize) {}

  static absl::StatusOr<std::unique_ptr<Pkcs11Module>> Open(const std::string& path);

  const std::string path_;
  void* const handle_;  // from dlopen
  CK_FUNCTION_LIST* const fns_;
  // False when someone else in the process had already initialised the module: they finalise it.
  const bool finalize_;
};

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_MODULE_H_
