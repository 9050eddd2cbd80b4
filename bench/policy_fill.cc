// Fills an installation through its admin API with VAULTS vaults (pv-0, pv-1, ..., hostnames
// pv-N.vault.coffer.test), each holding the access policies of PRINCIPALS principals: the
// benchmark's own (--object-id, secrets get and set everywhere) and PRINCIPALS - 1 made here
// (secrets get and list). THREADS calls run at a time. The shape of issue 16's "1,000 vaults
// each holding 1,000 principals' policies", for bench/run-policies.
//
//   coffer_policy_fill --admin-socket S --object-id ID --vaults N --principals M --threads T
// prints "N vaults, M principals, P policies in S s (R policies/s)"; exits 1 on the first error.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "lib/vaultclient/admin_client.h"

namespace {

using coffer::vaultclient::AdminClient;

[[noreturn]] void Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "coffer_policy_fill: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

// Runs job(i) for every i in [0, count) on `threads` threads.
template <typename Job>
void Parallel(long count, int threads, const Job& job) {
  std::atomic<long> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (long i; (i = next++) < count;) job(i);
    });
  }
  for (std::thread& worker : workers) worker.join();
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket, bench_object_id;
  long vaults = 0, principals = 0;
  int threads = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--admin-socket") socket = value;
    else if (flag == "--object-id") bench_object_id = value;
    else if (flag == "--vaults") vaults = std::atol(value.c_str());
    else if (flag == "--principals") principals = std::atol(value.c_str());
    else if (flag == "--threads") threads = std::atoi(value.c_str());
  }
  if (socket.empty() || bench_object_id.empty() || vaults < 1 || principals < 1 || threads < 1) {
    std::fprintf(stderr, "usage: coffer_policy_fill --admin-socket S --object-id ID --vaults N "
                         "--principals M [--threads T]\n");
    return 2;
  }
  coffer::vaultclient::AdminTarget target;
  target.unix_socket = socket;
  auto admin = AdminClient::Connect(target);
  if (!admin.ok()) Fail("connect", admin.status());

  Parallel(vaults, threads, [&](long v) {
    coffer::admin::v1::CreateVaultRequest request;
    request.set_name("pv-" + std::to_string(v));
    request.add_hostnames(request.name() + ".vault.coffer.test");
    auto vault = (*admin)->CreateVault(request);
    if (!vault.ok() && !absl::IsAlreadyExists(vault.status())) Fail(request.name(), vault.status());
  });
  std::vector<std::string> object_ids(principals);
  object_ids[0] = bench_object_id;
  Parallel(principals - 1, threads, [&](long p) {
    coffer::admin::v1::CreatePrincipalRequest request;
    request.set_display_name("fill-" + std::to_string(p));
    auto principal = (*admin)->CreatePrincipal(request);
    if (!principal.ok()) Fail(request.display_name(), principal.status());
    object_ids[p + 1] = principal->object_id();
  });

  const auto start = std::chrono::steady_clock::now();
  Parallel(vaults * principals, threads, [&](long i) {
    const long p = i % principals;
    coffer::admin::v1::SetAccessPolicyRequest request;
    request.set_vault("pv-" + std::to_string(i / principals));
    request.mutable_policy()->set_object_id(object_ids[p]);
    request.mutable_policy()->add_secrets("get");
    request.mutable_policy()->add_secrets(p == 0 ? "set" : "list");
    auto policy = (*admin)->SetAccessPolicy(request);
    if (!policy.ok()) Fail("policy in " + request.vault(), policy.status());
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%ld vaults, %ld principals, %ld policies in %.1f s (%.0f policies/s)\n", vaults,
              principals, vaults * principals, seconds, vaults * principals / seconds);
  return 0;
}
