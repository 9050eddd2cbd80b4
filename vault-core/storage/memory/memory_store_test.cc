#include "vault-core/storage/memory/memory_store.h"

#include "vault-core/storage/storage_conformance.h"

namespace coffer::storage {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"Memory",
                                                        [](const testing::TempDir&) {
                                                          return std::unique_ptr<Store>(
                                                              new MemoryStore());
                                                        }}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace coffer::storage
