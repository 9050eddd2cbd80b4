#ifndef COFFER_VAULT_CORE_SERVICE_PAGE_H_
#define COFFER_VAULT_CORE_SERVICE_PAGE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/status.h"

namespace coffer::service {

// One page of a listing. `continuation` is opaque and empty on the last page; passing it back
// resumes after the last item, with no server-side state.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string continuation;
};

// `page` with each item turned by `convert` (an item -> absl::StatusOr<To>); the first failure
// fails the page.
template <typename To, typename From, typename Convert>
absl::StatusOr<Page<To>> ConvertPage(absl::StatusOr<Page<From>> page, Convert convert) {
  if (!page.ok()) return page.status();
  Page<To> out;
  out.items.reserve(page->items.size());
  for (const From& item : page->items) {
    COFFER_ASSIGN_OR_RETURN(To converted, convert(item));
    out.items.push_back(std::move(converted));
  }
  out.continuation = std::move(page->continuation);
  return out;
}

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_PAGE_H_
