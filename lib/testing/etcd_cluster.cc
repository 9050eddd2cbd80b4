#include "lib/testing/etcd_cluster.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <regex>

namespace coffer::testing {
namespace {

std::string PeerUrl(int port) { return "http://127.0.0.1:" + std::to_string(port); }

}  // namespace

std::unique_ptr<EtcdCluster> EtcdCluster::Start(const std::string& dir, Options options) {
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster());
  std::filesystem::create_directories(dir);
  cluster->dir_ = dir;
  cluster->options_ = options;
  for (int i = 0; i < options.members; ++i) {
    cluster->client_ports_.push_back(PickFreePort());
    cluster->peer_ports_.push_back(PickFreePort());
    cluster->endpoints_.push_back("127.0.0.1:" + std::to_string(cluster->client_ports_[i]));
  }
  for (int i = 0; i < options.members; ++i) {
    cluster->members_.push_back(cluster->MakeMember(i, /*fresh=*/true));
    if (!cluster->members_.back()->Start()) return nullptr;
  }
  bool up = PollUntil(
      [&] {
        return cluster->Etcdctl(cluster->endpoint_list(), {"put", "/coffer-test/ready", "1"})
                   .exit_code == 0;
      },
      std::chrono::seconds(30));
  if (!up) {
    std::fprintf(stderr, "etcd did not start:\n%s\n", cluster->Logs().c_str());
    return nullptr;
  }
  // The probe key stays out of the tests' way: they use prefixes of their own.
  cluster->Etcdctl(cluster->endpoint_list(), {"del", "/coffer-test/ready"});
  return cluster;
}

RunResult EtcdCluster::Etcdctl(const std::string& endpoints, std::vector<std::string> args) {
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + endpoints, "--command-timeout=2s"};
  if (!options_.cert_file.empty()) {
    argv.push_back("--cacert=" + options_.ca_file);
    argv.push_back("--cert=" + options_.client_cert_file);
    argv.push_back("--key=" + options_.client_key_file);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, {{"ETCDCTL_API", "3"}});
}

std::unique_ptr<Subprocess> EtcdCluster::MakeMember(int i, bool fresh) {
  std::string initial;
  for (int j = 0; j < options_.members; ++j) {
    if (j > 0) initial += ",";
    initial += "m" + std::to_string(j) + "=" + PeerUrl(peer_ports_[j]);
  }
  std::vector<std::string> argv = {
      "etcd",
      "--name=m" + std::to_string(i),
      "--data-dir=" + dir_ + "/etcd-m" + std::to_string(i),
      "--listen-client-urls=" + Scheme() + "127.0.0.1:" + std::to_string(client_ports_[i]),
      "--advertise-client-urls=" + Scheme() + "127.0.0.1:" + std::to_string(client_ports_[i]),
      "--listen-peer-urls=" + PeerUrl(peer_ports_[i]),
      "--initial-advertise-peer-urls=" + PeerUrl(peer_ports_[i]),
      "--initial-cluster=" + initial,
      "--initial-cluster-token=coffer-test",
      std::string("--initial-cluster-state=") + (fresh ? "new" : "existing"),
      "--log-outputs=stderr",
      // As docs/operations.md asks of production clusters: a purge deletes every version of an
      // object in one transaction.
      "--max-txn-ops=" + std::to_string(options_.max_txn_ops),
  };
  if (!options_.cert_file.empty()) {
    argv.push_back("--cert-file=" + options_.cert_file);
    argv.push_back("--key-file=" + options_.key_file);
    argv.push_back("--trusted-ca-file=" + options_.ca_file);
    argv.push_back("--client-cert-auth");
  }
  if (options_.quota_bytes > 0) {
    argv.push_back("--quota-backend-bytes=" + std::to_string(options_.quota_bytes));
  }
  return std::make_unique<Subprocess>(std::move(argv),
                                      dir_ + "/etcd-m" + std::to_string(i) + ".log");
}

EtcdCluster::~EtcdCluster() {
  for (auto& member : members_) {
    if (member != nullptr && member->running()) member->Stop(SIGKILL);
  }
}

std::string EtcdCluster::endpoint_list() const {
  std::string list;
  for (const auto& endpoint : endpoints_) list += (list.empty() ? "" : ",") + endpoint;
  return list;
}

void EtcdCluster::Kill(int member) { members_[member]->Stop(SIGKILL); }

void EtcdCluster::Pause(int member, bool paused) {
  kill(members_[member]->pid(), paused ? SIGSTOP : SIGCONT);
}

bool EtcdCluster::Restart(int member) {
  members_[member] = MakeMember(member, /*fresh=*/false);
  if (!members_[member]->Start()) return false;
  return PollUntil([&] { return Answers(member); }, std::chrono::seconds(30));
}

bool EtcdCluster::Answers(int member) {
  return Etcdctl(endpoints_[member], {"endpoint", "health"}).exit_code == 0;
}

int EtcdCluster::Leader() {
  for (int i = 0; i < options_.members; ++i) {
    if (!members_[i]->running()) continue;
    RunResult status = Etcdctl(endpoints_[i], {"endpoint", "status", "-w", "json"});
    std::smatch member, leader;
    static const std::regex kMember("\"member_id\":([0-9]+)");
    static const std::regex kLeader("\"leader\":([0-9]+)");
    if (status.exit_code == 0 && std::regex_search(status.output, member, kMember) &&
        std::regex_search(status.output, leader, kLeader) && member[1] == leader[1]) {
      return i;
    }
  }
  return -1;
}

bool EtcdCluster::SetNoSpaceAlarm(bool on) {
  if (!on) return Etcdctl(endpoint_list(), {"alarm", "disarm"}).exit_code == 0;
  // etcdctl cannot raise an alarm; etcd's JSON gateway takes the Maintenance.Alarm call.
  RunResult raised = Run({"curl", "-sf", "-X", "POST", "http://" + endpoints_[0] +
                          "/v3/maintenance/alarm", "-d",
                          R"({"action":"ACTIVATE","alarm":"NOSPACE"})"});
  return raised.exit_code == 0 && raised.output.find("NOSPACE") != std::string::npos;
}

std::string EtcdCluster::Logs() const {
  std::string logs;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i] == nullptr) continue;
    std::string log = members_[i]->Log();
    if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
    logs += "--- etcd m" + std::to_string(i) + "\n" + log;
  }
  return logs;
}

}  // namespace coffer::testing
