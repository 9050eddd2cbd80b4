#ifndef COFFER_LIB_TESTING_ETCD_CLUSTER_H_
#define COFFER_LIB_TESTING_ETCD_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/testing/subprocess.h"

namespace coffer::testing {

// A real etcd cluster (Debian's etcd-server) on loopback ports, data under `dir`, for tests and
// benchmarks. Members are SIGKILLed when it is destroyed.
class EtcdCluster {
 public:
  struct Options {
    int members = 1;
    std::int64_t quota_bytes = 0;  // 0: etcd's default (2 GiB)
    int max_txn_ops = 10000;       // etcd's default is 128
    // With all three: clients speak TLS and must show a certificate signed by `ca_file`
    // (whose holder the probes use: `client_cert_file`, `client_key_file`).
    std::string cert_file, key_file, ca_file;
    std::string client_cert_file, client_key_file;
  };

  // Starts every member and waits until the cluster answers a write; nullptr (with the members'
  // logs on stderr) when it does not within 30 s.
  static std::unique_ptr<EtcdCluster> Start(const std::string& dir, Options options);
  ~EtcdCluster();

  // "127.0.0.1:port" of each member, in member order.
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  std::string endpoint_list() const;  // comma-separated

  void Kill(int member);      // SIGKILL
  // SIGSTOP, or SIGCONT: a paused member keeps its connections open and answers nothing, as a
  // hung or partitioned one does (its peers' messages vanish into it).
  void Pause(int member, bool paused);
  bool Restart(int member);   // with its data; true once it answers
  // The member that leads now (asked of the members that run), or -1.
  int Leader();
  // Raises etcd's NOSPACE alarm (as a full database does: writes refused, reads served), or
  // disarms it. True when etcd took it. Plaintext members only.
  bool SetNoSpaceAlarm(bool on);
  std::string Logs() const;

 private:
  EtcdCluster() = default;
  std::unique_ptr<Subprocess> MakeMember(int i, bool fresh);
  bool Answers(int member);
  RunResult Etcdctl(const std::string& endpoints, std::vector<std::string> args);
  std::string Scheme() const { return options_.cert_file.empty() ? "http://" : "https://"; }

  std::string dir_;
  Options options_;
  std::vector<int> client_ports_;
  std::vector<int> peer_ports_;
  std::vector<std::string> endpoints_;
  std::vector<std::unique_ptr<Subprocess>> members_;
};

}  // namespace coffer::testing

#endif  // COFFER_LIB_TESTING_ETCD_CLUSTER_H_
