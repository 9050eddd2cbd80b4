// etcd's own put rate from one client process, the reference of `bench/run-http` in etcd mode:
// plain KV.Put requests over gRPC (etcd's wire, nothing of Coffer's storage layer), `inflight`
// at a time on one channel, for `seconds`, with values the size of a sealed secret record.
//
//   coffer_etcd_put_bench ENDPOINTS SECONDS INFLIGHT...   (ENDPOINTS: a,b,c; the first is used)
// prints one line per INFLIGHT: "etcd put|INFLIGHT|puts/s|p50 us|p99 us".
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "etcd/v3/etcd.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

void Measure(etcdserverpb::KV::Stub& kv, int seconds, int inflight) {
  const std::string value(320, 'v');
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(inflight);
  std::vector<std::thread> threads;
  std::atomic<long> failures{0};
  for (int t = 0; t < inflight; ++t) {
    threads.emplace_back([&, t] {
      for (long i = 0; !stop.load(); ++i) {
        etcdserverpb::PutRequest request;
        request.set_key("/bench/put/" + std::to_string(t) + "/" + std::to_string(i % 1000));
        request.set_value(value);
        etcdserverpb::PutResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        Clock::time_point start = Clock::now();
        if (!kv.Put(&context, request, &response).ok()) {
          ++failures;
          continue;
        }
        latencies[t].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& thread : threads) thread.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto at = [&](double q) { return all.empty() ? 0.0 : all[std::size_t(q * (all.size() - 1))]; };
  std::printf("etcd put|%d|%.0f|%.0f|%.0f\n", inflight, double(all.size()) / seconds, at(0.5),
              at(0.99));
  if (failures.load() > 0) std::fprintf(stderr, "%ld puts failed\n", failures.load());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ENDPOINTS SECONDS INFLIGHT...\n", argv[0]);
    return 2;
  }
  std::string endpoint = argv[1];
  endpoint = endpoint.substr(0, endpoint.find(','));
  auto channel = grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials());
  auto kv = etcdserverpb::KV::NewStub(channel);
  for (int i = 3; i < argc; ++i) Measure(*kv, std::atoi(argv[2]), std::atoi(argv[i]));
  return 0;
}
