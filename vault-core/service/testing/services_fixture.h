#ifndef COFFER_VAULT_CORE_SERVICE_TESTING_SERVICES_FIXTURE_H_
#define COFFER_VAULT_CORE_SERVICE_TESTING_SERVICES_FIXTURE_H_

// A test fixture holding the vault's services wired as the server wires them (through a
// CachedStore), over an in-memory store, the software key store and a fake clock: for tests of
// the services and of the APIs above them. Tests only (target coffer_service_testing).

#include <memory>
#include <utility>

#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/keystore/software/software_keystore.h"
#include "vault-core/service/certificate_service.h"
#include "vault-core/service/key_service.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/principal_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/vault_service.h"
#include "vault-core/storage/cached_store.h"
#include "vault-core/storage/memory/memory_store.h"

namespace coffer::service {

class ServicesFixture : public ::testing::Test {
 protected:
  ServicesFixture()
      : cached_(std::move(*storage::CachedStore::Create(store_))),
        hsm_(std::move(*keystore::SoftwareKeyStore::Create({dir_.File("master.key"), ""}))),
        keys_(*hsm_, *cached_, clock_),
        vaults_(std::move(*VaultService::Create(*cached_, keys_, clock_))),
        secrets_(*cached_, keys_, clock_),
        key_service_(*cached_, keys_, *hsm_, clock_),
        certificate_service_(*cached_, keys_, key_service_, clock_),
        policies_(std::move(*PolicyService::Create(*cached_))),
        principals_(std::move(*PrincipalService::Create(*cached_, clock_))) {}

  testing::TempDir dir_;
  FakeClock clock_;
  storage::MemoryStore store_;  // what the services see goes through cached_
  std::unique_ptr<storage::CachedStore> cached_;
  std::unique_ptr<keystore::KeyStore> hsm_;
  envelope::VaultKeys keys_;
  std::unique_ptr<VaultService> vaults_;
  SecretService secrets_;
  KeyService key_service_;
  CertificateService certificate_service_;
  std::unique_ptr<PolicyService> policies_;
  std::unique_ptr<PrincipalService> principals_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_TESTING_SERVICES_FIXTURE_H_
