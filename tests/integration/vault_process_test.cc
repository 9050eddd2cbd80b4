// coffer-vault as an operator runs it: a real process with a SoftHSM2 token, a SQLite file and
// TLS, driven over HTTPS and stopped with signals.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "lib/base/scoped_fd.h"
#include "lib/http/client.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/test_certs.h"
#include "lib/vaultclient/admin_client.h"
#include "nlohmann/json.hpp"
#include "tests/integration/vault_harness.h"
#include "vault-core/audit/audit_checkpoint.h"
#include "vault-core/audit/audit_verify.h"
#include "vault-core/storage/sqlite/sqlite_store.h"

namespace coffer {
namespace {

using ::coffer::testing::PickFreePort;
using ::coffer::testing::PollUntil;
using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::SoftHsmToken;
using ::coffer::testing::Subprocess;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class VaultProcessTest : public testing::VaultHarnessTest {
 protected:
  // Runs coffer-vault expecting it to refuse to start; returns its output.
  std::string ExpectRefusal(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--config", config};
    args.insert(args.end(), extra.begin(), extra.end());
    auto vault = StartVault(args);
    int code = vault->Wait(std::chrono::seconds(30));
    EXPECT_EQ(code, 1) << vault->Log();
    return vault->Log();
  }
  // The value the last refusal to start in `log` tells the operator to accept a lost audit log
  // with.
  static std::string AcceptanceIn(const std::string& log) {
    const std::string option = "audit.accepted_lost_through=";
    const std::size_t at = log.rfind(option);
    if (at == std::string::npos) return "";
    const std::size_t start = at + option.size();
    return log.substr(start, log.find_first_of(" \n", start) - start);
  }
};

TEST_F(VaultProcessTest, ServesHealthReadinessAndMetricsThenStopsCleanlyOnSigterm) {
  auto vault = StartVault({"--config", WriteConfig()});
  auto client = Client();
  ASSERT_TRUE(PollUntil([&] { return Get(*client, "/readyz").status == 200; })) << vault->Log();

  http::ClientResponse ready = Get(*client, "/readyz");
  auto body = nlohmann::json::parse(ready.body);
  EXPECT_EQ(body["storage"], "ok");
  EXPECT_EQ(body["hsm"], "ok");
  EXPECT_EQ(Get(*client, "/healthz").body, "ok\n");

  http::ClientResponse missing = Get(*client, "/secrets/x/?api-version=7.4");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["error"]["code"], "NotFound");

  http::ClientResponse metrics = Get(*client, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("coffer_http_requests_total{code=\"200\"}"));
  EXPECT_THAT(metrics.body, HasSubstr("coffer_http_requests_total{code=\"404\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE coffer_http_request_duration_seconds histogram"));

  EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();
  EXPECT_THAT(vault->Log(), HasSubstr("stopped"));
  EXPECT_EQ(Get(*client, "/healthz").status, 0);
  // The PIN never reaches the log.
  EXPECT_THAT(vault->Log(), Not(HasSubstr(token_.pin())));
}

// The audit log as an auditor gets it: shipped to a collector as written, and signed in the
// HSM by the key the vault publishes, so that the copy proves itself offline.
TEST_F(VaultProcessTest, AuditLinesAreShippedAndTheirCheckpointsVerifyWithThePublishedKeys) {
  const std::string socket_path = dir_.File("collector.sock");
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  std::string shipped;  // what the collector read, until the vault closed the connection
  std::thread collector([&] {
    int connection = accept(listener, nullptr, nullptr);
    char buf[4096];
    for (ssize_t n; (n = read(connection, buf, sizeof(buf))) > 0;) shipped.append(buf, n);
    close(connection);
  });

  auto vault = StartReadyVault({"--set", "audit.ship=unix:" + socket_path, "--set",
                                "audit.checkpoint_every=1s"});
  std::unique_ptr<vaultclient::AdminClient> admin = ConnectAdmin();
  ASSERT_NE(admin, nullptr);
  COFFER_ASSERT_OK_AND_ASSIGN(auto installation,
                              admin->GetInstallation(admin::v1::GetInstallationRequest()));
  admin::v1::CreateVaultRequest create;
  create.set_name("shipped");
  create.add_hostnames("shipped.vault.coffer.test");
  COFFER_ASSERT_OK(admin->CreateVault(create).status());
  absl::SleepFor(absl::Milliseconds(1500));  // a periodic checkpoint
  COFFER_ASSERT_OK(admin->GetInstallation(admin::v1::GetInstallationRequest()).status());
  auto client = Client();
  http::ClientResponse jwks =
      Get(*client, "/" + installation.tenant_id() + "/discovery/v2.0/keys");
  ASSERT_EQ(jwks.status, 200);
  EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();  // and a checkpoint at the stop
  collector.join();
  close(listener);

  const std::string log = ReadFileOrDie(audit_path());
  EXPECT_EQ(shipped, log);
  COFFER_ASSERT_OK_AND_ASSIGN(audit::CheckpointKeys keys,
                              audit::CheckpointKeysFromJwks(jwks.body));
  audit::VerifyResult result = audit::VerifyAuditContents(shipped, nullptr, &keys);
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_GE(result.checkpoints, 2);
  EXPECT_EQ(result.signed_through, result.lines);  // the stop's checkpoint is the last line
}

TEST_F(VaultProcessTest, OversizedBodyGetsAzureShaped413) {
  auto vault = StartReadyVault();
  auto client = Client();
  http::ClientRequest request;
  request.method = "PUT";
  request.path_and_query = "/secrets/big?api-version=7.4";
  request.body = std::string(2 * 1024 * 1024, 'x');
  auto response = client->Send(request);
  ASSERT_THAT(response, testing::IsOk());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "RequestEntityTooLarge");
}

// Where any of `pieces` is in the memory of process `pid` ("" if nowhere): the mapping's line
// of /proc/PID/maps. Reads what an attacker with a core dump or ptrace would read. Mappings
// over 1 GiB are address-space reservations, not data (AddressSanitizer's), and are skipped.
std::string WhereInMemory(pid_t pid, const std::vector<std::string>& pieces) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream maps(proc + "/maps");
  ScopedFd mem(open((proc + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
  if (mem.get() < 0) return "cannot read " + proc + "/mem: " + std::strerror(errno);
  std::size_t longest = 0;
  for (const std::string& piece : pieces) longest = std::max(longest, piece.size());
  std::string found;
  std::string chunk(1 << 20, '\0');
  for (std::string line; found.empty() && std::getline(maps, line);) {
    std::uint64_t start = 0, end = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %4s", &start, &end, perms) != 3 ||
        perms[0] != 'r' || end - start > (std::uint64_t{1} << 30)) {
      continue;
    }
    std::string tail;  // the end of the previous chunk, for a piece across two chunks
    for (std::uint64_t at = start; at < end && found.empty();) {
      const ssize_t n = pread(mem.get(), chunk.data(),
                              std::min<std::uint64_t>(chunk.size(), end - at),
                              static_cast<off_t>(at));
      if (n <= 0) break;  // a guard or device page
      const std::string window = tail + chunk.substr(0, n);
      for (const std::string& piece : pieces) {
        const std::size_t pos = window.find(piece);
        if (pos == std::string::npos) continue;
        found = absl::StrCat(line, " at +0x", absl::Hex(at - tail.size() + pos - start));
        break;
      }
      tail = window.substr(window.size() - std::min(window.size(), longest - 1));
      at += n;  // a short read goes on from where it stopped
    }
  }
  return found;
}

// A memory dump of the vault (a core file, a swap page, a debugger) finds no part of a secret
// value that was set and read over HTTPS once its requests are done: what C++ code and OpenSSL
// free is zeroed (lib/base/zero_on_free.h), so is the I/O thread's dead stack, and what owns a
// value wipes it. Runs as root in CI (reading another process's memory needs ptrace
// rights).
TEST_F(VaultProcessTest, ASecretValueLeavesNoCopyInTheVaultsMemoryOnceItsRequestsAreDone) {
  auto vault = StartReadyVault();
  vaultclient::DataPlaneCredentials credentials =
      NewSecretsVault("scrubbed", "scrubbed.vault.coffer.test");
  // Values of random hex digits, each looked for once its requests are done: a short one
  // (what its requests left on the I/O thread's stack), then one of 24 KiB, large enough that
  // the buffers which held it while it was parsed, sealed and answered are not all reused at
  // once (what they left on the heap).
  std::random_device random;
  for (const std::size_t size : {64, 24 * 1024}) {
    std::string value;
    while (value.size() < size) absl::StrAppend(&value, absl::Hex(random(), absl::kZeroPad8));
    // Sixteen-digit pieces (64 random bits each) every 16 digits of the short value and every
    // 256 of the long one: a freed block whose first bytes an allocator reused for its own
    // bookkeeping still shows the rest.
    std::vector<std::string> pieces;
    for (std::size_t at = 0; at < size; at += std::min<std::size_t>(size / 4, 256)) {
      pieces.push_back(value.substr(at, 16));
    }
    {
      auto client = DataPlane("scrubbed.vault.coffer.test", credentials);
      ASSERT_NE(client, nullptr);
      const std::string name = "scrubbed-" + std::to_string(size);
      COFFER_ASSERT_OK(client->SetSecret(name, SecretBytes(value)));
      COFFER_ASSERT_OK_AND_ASSIGN(auto read, client->GetSecret(name));
      ASSERT_EQ(read.value.reveal(), value);
    }  // its connections close; the vault frees theirs when it sees them go
    // A scan that reads nothing would pass below: it must find the value where it is, here.
    ASSERT_THAT(WhereInMemory(getpid(), pieces), Not(::testing::IsEmpty()));
    std::string where;
    EXPECT_TRUE(PollUntil([&] { return (where = WhereInMemory(vault->pid(), pieces)).empty(); }))
        << "a value of " << size << " bytes is still in the vault's memory, in " << where;
  }
  EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();
}

TEST_F(VaultProcessTest, RestartReusesTheSameHsmKeysAndDatabase) {
  std::string config = WriteConfig(token_.label(), token_.pin_file());
  for (int run = 0; run < 2; ++run) {
    auto vault = StartVault({"--config", config});
    auto client = Client();
    ASSERT_TRUE(PollUntil([&] { return Get(*client, "/readyz").status == 200; })) << vault->Log();
    EXPECT_EQ(vault->Stop(SIGINT), 0) << vault->Log();
  }
  EXPECT_TRUE(std::filesystem::exists(db_path()));
}

// The store keeps where the audit log stood: a log whose tail was cut off (journal and all)
// while the vault was stopped is refused at the next start, naming what was lost, until the
// operator accepts that loss; a log left alone starts as ever.
TEST_F(VaultProcessTest, AnAuditLogCutBackWhileStoppedIsRefusedAtStart) {
  std::string config = WriteConfig(token_.label(), token_.pin_file());
  {
    auto vault = StartReadyVault();
    std::unique_ptr<vaultclient::AdminClient> admin = ConnectAdmin();
    ASSERT_NE(admin, nullptr);
    for (const char* name : {"one", "two", "three"}) {  // each call is audited
      admin::v1::CreateVaultRequest request;
      request.set_name(name);
      request.add_hostnames(std::string(name) + ".vault.coffer.test");
      ASSERT_THAT(admin->CreateVault(request), testing::IsOk());
    }
    EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();
  }
  {  // a clean restart is served
    auto vault = StartReadyVault();
    EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();
  }
  const std::string log = ReadFileOrDie(audit_path());
  std::vector<std::string> lines = absl::StrSplit(log, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 3u);
  // Whoever holds the log's directory drops its last two lines and the journal.
  std::string cut;
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) cut += lines[i] + "\n";
  WriteFileOrDie(audit_path(), cut);
  std::filesystem::remove(audit_path() + ".journal");
  std::string out = ExpectRefusal(config);
  EXPECT_THAT(out, HasSubstr("went backwards"));
  const std::string acceptance = AcceptanceIn(out);
  EXPECT_THAT(acceptance, StartsWith(std::to_string(lines.size()) + ":"));
  EXPECT_EQ(ReadFileOrDie(audit_path()), cut);  // left as evidence
  // The operator, knowing, accepts the loss once; later starts need nothing more.
  {
    auto vault = StartReadyVault({"--set", "audit.accepted_lost_through=" + acceptance});
    EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();
  }
  {
    auto vault = StartReadyVault();
    EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();
  }
  // A setting left in place excuses no later loss, nor a log replaced by a device.
  std::filesystem::remove(audit_path());
  std::filesystem::remove(audit_path() + ".journal");
  std::filesystem::create_symlink("/dev/null", audit_path());
  out = ExpectRefusal(config, {"--set", "audit.accepted_lost_through=" + acceptance});
  EXPECT_THAT(out, HasSubstr("is no longer a regular file"));
  auto vault = StartReadyVault({"--set", "audit.accepted_lost_through=" + AcceptanceIn(out)});
  EXPECT_EQ(vault->Stop(SIGTERM), 0) << vault->Log();
}

TEST_F(VaultProcessTest, WrongPinIsRefusedInOneLineAndWritesNothing) {
  WriteFileOrDie(dir_.File("wrong.pin"), "9999\n");
  std::string out = ExpectRefusal(WriteConfig(token_.label(), dir_.File("wrong.pin")));
  // The refusal is one line of its own (operator logs may precede it).
  std::vector<std::string> refusals;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "coffer-vault: ")) refusals.emplace_back(line);
  }
  ASSERT_EQ(refusals.size(), 1u) << out;
  EXPECT_THAT(refusals[0], HasSubstr("wrong PIN"));
  EXPECT_FALSE(std::filesystem::exists(db_path()));
}

TEST_F(VaultProcessTest, MissingTokenIsRefusedNamingTheLabel) {
  std::string out = ExpectRefusal(WriteConfig("no-such-token", token_.pin_file()));
  EXPECT_THAT(out, HasSubstr("no-such-token"));
  EXPECT_FALSE(std::filesystem::exists(db_path()));
}

TEST_F(VaultProcessTest, MissingHsmModuleIsRefusedNamingThePath) {
  std::string config = WriteConfig(token_.label(), token_.pin_file());
  auto vault = StartVault({"--config", config, "--set", "hsm.pkcs11.module=/no/such/libp11.so"});
  EXPECT_EQ(vault->Wait(std::chrono::seconds(30)), 1);
  EXPECT_THAT(vault->Log(), HasSubstr("/no/such/libp11.so"));
  EXPECT_FALSE(std::filesystem::exists(db_path()));
}

TEST_F(VaultProcessTest, DatabaseFromANewerSchemaIsRefusedAndLeftAlone) {
  std::string config = WriteConfig(token_.label(), token_.pin_file());
  {
    auto store = storage::SqliteStore::Open({db_path()});
    ASSERT_THAT(store, testing::IsOk());
  }
  testing::RunResult r = testing::Run(
      {"sqlite3", db_path(),
       "PRAGMA user_version = " + std::to_string(storage::SqliteStore::kSchemaVersion + 1)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string before = ReadFileOrDie(db_path());
  std::string out = ExpectRefusal(config);
  EXPECT_THAT(out, HasSubstr("newer"));
  EXPECT_EQ(ReadFileOrDie(db_path()), before);
}

TEST_F(VaultProcessTest, BadConfigIsRefusedNamingTheKey) {
  std::string config = WriteConfig(token_.label(), token_.pin_file());
  auto vault = StartVault({"--config", config, "--set", "http.tls.cert_flie=/x"});
  EXPECT_EQ(vault->Wait(std::chrono::seconds(30)), 1);
  EXPECT_THAT(vault->Log(), HasSubstr("unknown key http.tls.cert_flie"));
  EXPECT_THAT(ExpectRefusal(dir_.File("missing.yaml")), HasSubstr("cannot read config file"));
}

}  // namespace
}  // namespace coffer
