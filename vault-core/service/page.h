#ifndef COFFER_VAULT_CORE_SERVICE_PAGE_H_
#define COFFER_VAULT_CORE_SERVICE_PAGE_H_

#include <string>
#include <vector>

namespace coffer::service {

// One page of a listing. `continuation` is opaque and empty on the last page; passing it back
// resumes after the last item, with no server-side state.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string continuation;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_PAGE_H_
