#include "vault-core/keystore/pkcs11/module.h"

#include <dlfcn.h>

#include <map>

#include "absl/synchronization/mutex.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/keystore/pkcs11/ck_rv.h"

namespace coffer::keystore {
namespace {

// Loading, initialising, finalising and unloading all happen under this one lock, so a Load()
// cannot race with the C_Finalize of the previous instance of the same module.
absl::Mutex registry_mutex(absl::kConstInit);

std::map<std::string, std::weak_ptr<Pkcs11Module>>& Registry()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(registry_mutex) {
  static auto* registry = new std::map<std::string, std::weak_ptr<Pkcs11Module>>();
  return *registry;
}

// An expired entry is a module whose last user has gone but whose deleter (C_Finalize) has not
// run yet; the deleter removes the entry.
bool NotBeingFinalized(const std::string* path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(registry_mutex) {
  auto it = Registry().find(*path);
  return it == Registry().end() || !it->second.expired();
}

struct DlCloser {
  void operator()(void* handle) const {
    if (handle != nullptr) dlclose(handle);
  }
};
using DlHandle = std::unique_ptr<void, DlCloser>;

std::string DlError() {
  const char* err = dlerror();
  return err != nullptr ? err : "unknown dlerror";
}

}  // namespace

absl::StatusOr<std::unique_ptr<Pkcs11Module>> Pkcs11Module::Open(const std::string& path) {
  dlerror();
  DlHandle handle(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (handle == nullptr) {
    return absl::FailedPreconditionError("cannot load PKCS#11 module '" + path + "': " + DlError());
  }
  auto get_function_list =
      reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle.get(), "C_GetFunctionList"));
  if (get_function_list == nullptr) {
    return absl::FailedPreconditionError("'" + path +
                                         "' is not a PKCS#11 module: no C_GetFunctionList");
  }
  CK_FUNCTION_LIST* fns = nullptr;
  CK_RV rv = get_function_list(&fns);
  if (rv != CKR_OK || fns == nullptr) {
    return absl::FailedPreconditionError("C_GetFunctionList of '" + path +
                                         "' failed: " + CkrName(rv));
  }
  // The module may call our threads concurrently; let it use the OS's locks.
  CK_C_INITIALIZE_ARGS args = {};
  args.flags = CKF_OS_LOCKING_OK;
  rv = fns->C_Initialize(&args);
  bool finalize = true;
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    COFFER_LOG(kHsm, warn, "PKCS#11 module '{}' was already initialised outside Coffer", path);
    finalize = false;
  } else if (rv != CKR_OK) {
    return WithContext(CkrToStatus(rv, "C_Initialize"), "PKCS#11 module '" + path + "'");
  }
  return std::unique_ptr<Pkcs11Module>(new Pkcs11Module(path, handle.release(), fns, finalize));
}

absl::StatusOr<std::shared_ptr<Pkcs11Module>> Pkcs11Module::Load(const std::string& path) {
  absl::MutexLock lock(&registry_mutex);
  // Initialising before the previous instance's C_Finalize would have that finalise ours.
  registry_mutex.Await(absl::Condition(&NotBeingFinalized, &path));
  auto& registry = Registry();
  auto it = registry.find(path);
  if (it != registry.end()) {
    if (std::shared_ptr<Pkcs11Module> live = it->second.lock()) return live;
  }
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<Pkcs11Module> module, Open(path));
  // The deleter takes the registry lock, so finalisation is ordered with the next Load().
  std::shared_ptr<Pkcs11Module> shared(module.release(), [](Pkcs11Module* m) {
    absl::MutexLock lock(&registry_mutex);
    const std::string path = m->path();
    delete m;
    auto entry = Registry().find(path);
    if (entry != Registry().end() && entry->second.expired()) Registry().erase(entry);
  });
  registry[path] = shared;
  COFFER_LOG(kHsm, info, "loaded PKCS#11 module {}", path);
  return shared;
}

Pkcs11Module::~Pkcs11Module() {
  if (finalize_) {
    CK_RV rv = fns_->C_Finalize(nullptr);
    if (rv != CKR_OK) COFFER_LOG(kHsm, warn, "C_Finalize of {}: {}", path_, CkrName(rv));
  }
  dlclose(handle_);
}

}  // namespace coffer::keystore
