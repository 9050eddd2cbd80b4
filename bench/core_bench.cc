// Seal/open of vault records and storage put/get, for bench/README.md. Run through
// bench/run-core, which puts OpenSSL's own AES-256-GCM speed beside these figures.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "lib/testing/softhsm_token.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/crypto/aes_gcm.h"
#include "vault-core/crypto/random.h"
#include "vault-core/crypto/record_sealer.h"
#include "vault-core/identity/client_secret.h"
#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"
#include "vault-core/storage/memory/memory_store.h"
#include "vault-core/storage/sqlite/sqlite_store.h"

namespace coffer {
namespace {

const crypto::RecordAddress kAddress{"vault-1", "secrets/bench", "0123456789abcdef"};

void BM_AesGcmSeal(benchmark::State& state) {
  SecretBytes key = crypto::RandomSecret(32);
  std::string nonce = crypto::RandomBytes(12);
  std::string plaintext(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crypto::AesGcmSeal(key, nonce, plaintext, "ad"));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AesGcmSeal)->Arg(64)->Arg(1024)->Arg(16384);

void BM_RecordSeal(benchmark::State& state) {
  crypto::RecordSealer sealer("dk", crypto::RandomSecret(32));
  std::string plaintext(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(sealer.Seal(kAddress, plaintext));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RecordSeal)->Arg(64)->Arg(1024)->Arg(16384);

void BM_RecordOpen(benchmark::State& state) {
  crypto::RecordSealer sealer("dk", crypto::RandomSecret(32));
  std::string sealed =
      *sealer.Seal(kAddress, std::string(static_cast<std::size_t>(state.range(0)), 'x'));
  for (auto _ : state) benchmark::DoNotOptimize(sealer.Open(kAddress, sealed));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RecordOpen)->Arg(64)->Arg(1024)->Arg(16384);

// One store per benchmark run; SQLite in a temp dir with synchronous=FULL, as the vault runs.
std::unique_ptr<storage::Store> MakeStore(bool sqlite, const testing::TempDir& dir) {
  if (!sqlite) return std::make_unique<storage::MemoryStore>();
  return std::move(*storage::SqliteStore::Open({dir.File("bench.db")}));
}

void BM_StorePut(benchmark::State& state) {
  testing::TempDir dir;
  auto store = MakeStore(state.range(0) == 1, dir);
  std::string value(1024, 'v');
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store->Put("k/" + std::to_string(i++ % 1000), value, std::nullopt));
  }
}
BENCHMARK(BM_StorePut)->ArgName("sqlite")->Arg(0)->Arg(1)->UseRealTime();

void BM_StoreGet(benchmark::State& state) {
  testing::TempDir dir;
  auto store = MakeStore(state.range(0) == 1, dir);
  std::string value(1024, 'v');
  for (int i = 0; i < 1000; ++i) (void)store->Put("k/" + std::to_string(i), value, std::nullopt);
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(store->Get("k/" + std::to_string(i++ % 1000)));
}
BENCHMARK(BM_StoreGet)->ArgName("sqlite")->Arg(0)->Arg(1)->UseRealTime();

// What a cold vault pays once per data key: an unwrap inside SoftHSM2.
void BM_Pkcs11UnwrapDataKey(benchmark::State& state) {
  testing::SoftHsmToken token("bench");
  keystore::Pkcs11Options options;
  options.module_path = testing::SoftHsmToken::kModulePath;
  options.token_label = token.label();
  options.pin = SecretBytes(token.pin());
  auto hsm = std::move(*keystore::Pkcs11KeyStore::Create(options));
  std::string wrapped = hsm->NewDataKey()->wrapped;
  for (auto _ : state) benchmark::DoNotOptimize(hsm->UnwrapDataKey(wrapped));
}
BENCHMARK(BM_Pkcs11UnwrapDataKey);

// What every client-secret token request pays, on purpose (scrypt; docs/security-model.md).
void BM_VerifyClientSecret(benchmark::State& state) {
  const SecretBytes secret = identity::NewClientSecret();
  const std::string encoded = identity::HashClientSecret(secret);
  for (auto _ : state) benchmark::DoNotOptimize(identity::VerifyClientSecret(secret, encoded));
}
BENCHMARK(BM_VerifyClientSecret)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace coffer

BENCHMARK_MAIN();
