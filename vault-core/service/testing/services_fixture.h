#ifndef COFFER_VAULT_CORE_SERVICE_TESTING_SERVICES_FIXTURE_H_
#define COFFER_VAULT_CORE_SERVICE_TESTING_SERVICES_FIXTURE_H_

// A test fixture holding the vault's services wired as the server wires them, over an
// in-memory store, the software key store and a fake clock: for tests of the services and of
// the APIs above them. Tests only (target coffer_service_testing).

#include <memory>
#include <utility>

#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/keystore/software/software_keystore.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/principal_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/vault_service.h"
#include "vault-core/storage/memory/memory_store.h"

namespace coffer::service {

class ServicesFixture : public ::testing::Test {
 protected:
  ServicesFixture()
      : hsm_(std::move(*keystore::SoftwareKeyStore::Create({dir_.File("master.key"), ""}))),
        keys_(*hsm_, store_, clock_),
        vaults_(std::move(*VaultService::Create(store_, keys_, clock_))),
        secrets_(store_, keys_, clock_),
        policies_(std::move(*PolicyService::Create(store_))),
        principals_(std::move(*PrincipalService::Create(store_, clock_))) {}

  testing::TempDir dir_;
  FakeClock clock_;
  storage::MemoryStore store_;
  std::unique_ptr<keystore::KeyStore> hsm_;
  envelope::VaultKeys keys_;
  std::unique_ptr<VaultService> vaults_;
  SecretService secrets_;
  std::unique_ptr<PolicyService> policies_;
  std::unique_ptr<PrincipalService> principals_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_TESTING_SERVICES_FIXTURE_H_
