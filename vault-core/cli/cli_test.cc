// RunCli in-process: command lookup, help, usage errors, and what a missing server looks like.
#include "vault-core/cli/cli.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/cpprest/client.h"

namespace coffer::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Coffer(const std::vector<std::string>& argv, const Env& env = {}) {
  std::istringstream in;
  std::ostringstream out, err;
  int code = RunCli(argv, env, {in, out, err, false}, http::cpprest::NewClient);
  return {code, out.str(), err.str()};
}

TEST(CliTest, HelpListsEveryGroup) {
  Result r = Coffer({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* command : {"vault create", "principal secret add", "policy set", "secret backup",
                              "installation show", "audit verify", "identity create",
                              "certificate create", "certificate download", "hsm export"}) {
    EXPECT_THAT(r.out, HasSubstr(command));
  }
}

TEST(CliTest, CommandHelpShowsItsUsageAndFlags) {
  Result r = Coffer({"vault", "create", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, StartsWith("usage: coffer vault create NAME --hostname H"));
  EXPECT_THAT(r.out, HasSubstr("--retention-days N"));
  Result group = Coffer({"principal", "secret", "--help"});
  EXPECT_EQ(group.code, 0);
  EXPECT_THAT(group.out, HasSubstr("principal secret remove"));
  EXPECT_THAT(group.out, ::testing::Not(HasSubstr("vault create")));
}

TEST(CliTest, UsageErrorsExitTwoWithOneLine) {
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"vault", "frob"},
           {"vault", "create"},
           {"vault", "create", "prod"},
           {"vault", "create", "prod", "--hostname"},
           {"-o", "yaml", "vault", "list"},
           {"secret", "set", "db"},
           {"principal", "secret", "add", "--expires-in", "soon", "oid"},
       }) {
    Result r = Coffer(argv);
    EXPECT_EQ(r.code, kExitUsage) << argv[1] << " " << r.err;
    EXPECT_THAT(r.err, StartsWith("coffer: "));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// Checked before the vault is dialled: no vault URL is set, and the error is about the flags.
TEST(CliTest, CertificateFlagErrorsExitTwoBeforeAnyCall) {
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"certificate", "create", "web"},
           {"certificate", "create", "web", "--subject", "CN=web", "--size", "big"},
           {"certificate", "create", "web", "--dns", "web.example.com", "--content-type", "der"},
           {"certificate", "create", "web", "--subject", "CN=web", "--tag", "novalue"},
           {"certificate", "import", "web"},
           {"certificate", "merge", "web"},
           {"certificate", "show", "web", "--out-file", "web.pem", "--format", "pfx"},
           {"certificate", "download", "web", "--format", "pem"},
           {"certificate", "download", "web", "--file", "web.pfx", "--format", "der"},
           {"certificate", "update", "web", "--enabled", "--disabled"},
           {"certificate", "operation", "web", "--cancel", "--delete"},
       }) {
    Result r = Coffer(argv);
    EXPECT_EQ(r.code, kExitUsage) << argv[2] << " " << argv.size() << ": " << r.err;
    EXPECT_THAT(r.err, StartsWith("coffer: "));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("--vault-url"))) << r.err;
  }
}

TEST(CliTest, GroupWithoutCommandPrintsItsCommandsAndExitsTwo) {
  Result r = Coffer({"secret"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("secret restore"));
}

TEST(CliTest, DataPlaneNamesWhatIsMissing) {
  Result no_url = Coffer({"secret", "list"});
  EXPECT_EQ(no_url.code, kExitUsage);
  EXPECT_THAT(no_url.err, HasSubstr("--vault-url"));
  Result no_creds = Coffer({"secret", "list"}, {{"COFFER_VAULT_URL", "https://prod.vault.x"},
                                                {"AZURE_TENANT_ID", "t"},
                                                {"AZURE_CLIENT_ID", "c"}});
  EXPECT_EQ(no_creds.code, kExitUsage);
  EXPECT_THAT(no_creds.err, HasSubstr("set AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST"));
}

TEST(CliTest, MissingAdminSocketIsUnavailable) {
  Result r = Coffer({"vault", "list", "--admin-socket", "/nonexistent/coffer-admin.sock"});
  EXPECT_EQ(r.code, kExitUnavailable);
  EXPECT_THAT(r.err,
              HasSubstr("cannot reach the admin API at unix:/nonexistent/coffer-admin.sock"));
  Result env = Coffer({"installation", "show"}, {{"COFFER_ADMIN_SOCKET", "/nonexistent/s"}});
  EXPECT_EQ(env.code, kExitUnavailable);
  EXPECT_THAT(env.err, HasSubstr("unix:/nonexistent/s"));
}

TEST(CliTest, AdminOverTcpNeedsItsTlsFiles) {
  Result r = Coffer({"vault", "list", "--admin-address", "127.0.0.1:9444"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--admin-ca"));
}

}  // namespace
}  // namespace coffer::cli
