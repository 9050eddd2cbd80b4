// `coffer hsm` in-process, against two SoftHSM2 tokens named by two replicas' config files.
#include <sys/stat.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/cpprest/client.h"
#include "lib/testing/softhsm_token.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nlohmann/json.hpp"
#include "vault-core/cli/cli.h"
#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"

namespace coffer::cli {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::SoftHsmToken;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
};

class HsmCommandsTest : public ::testing::Test {
 protected:
  HsmCommandsTest() : hsm_("replica-a") {
    hsm_.AddToken("replica-b");
    a_config_ = WriteConfig("replica-a");
    b_config_ = WriteConfig("replica-b");
    so_pin_file_ = dir_.File("so-pin");
    WriteFileOrDie(so_pin_file_, std::string(SoftHsmToken::kSoPin) + "\n");
    chmod(so_pin_file_.c_str(), 0600);
  }

  std::string WriteConfig(const std::string& token) {
    std::string path = dir_.File(token + ".yaml");
    WriteFileOrDie(path, "http: {plaintext: true}\nhsm:\n  pkcs11: {module: " +
                             std::string(SoftHsmToken::kModulePath) + ", token_label: " + token +
                             ", pin_file: " + hsm_.pin_file() + "}\n");
    return path;
  }

  // The first replica's coffer-vault has started once: its HSM holds the keys.
  void StartFirstReplica() {
    keystore::Pkcs11Options options;
    options.module_path = SoftHsmToken::kModulePath;
    options.token_label = "replica-a";
    options.pin = SecretBytes(hsm_.pin());
    COFFER_ASSERT_OK(keystore::Pkcs11KeyStore::Create(options).status());
  }

  Result Coffer(const std::vector<std::string>& argv) {
    std::istringstream in;
    std::ostringstream out, err;
    int code = RunCli(argv, {}, {in, out, err, false}, http::cpprest::NewClient);
    return {code, out.str(), err.str()};
  }

  json Show(const std::string& config) {
    Result r = Coffer({"-o", "json", "hsm", "show", "--config", config});
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  // A failure is one line on stderr: "coffer: <message>".
  static void ExpectOneLineError(const Result& r, int code, const std::string& message) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_THAT(r.err, StartsWith("coffer: "));
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  SoftHsmToken hsm_;
  TempDir dir_;
  std::string a_config_, b_config_, so_pin_file_;
};

TEST_F(HsmCommandsTest, CeremonyGivesTheJoinerTheFirstReplicasKeys) {
  StartFirstReplica();
  const std::string pem = dir_.File("transport.pem"), bundle = dir_.File("bundle.json");
  Result made = Coffer({"hsm", "transport-key", "--config", b_config_, "--out", pem});
  ASSERT_EQ(made.code, 0) << made.err;
  EXPECT_THAT(ReadFileOrDie(pem), StartsWith("-----BEGIN PUBLIC KEY-----"));
  EXPECT_FALSE(Show(b_config_)["transportKey"].is_null());

  Result exported = Coffer({"hsm", "export", "--config", a_config_, "--transport-key", pem,
                            "--so-pin-file", so_pin_file_, "--out", bundle});
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("wrote " + bundle + ": master key kcv:"));
  Result imported = Coffer({"hsm", "import", "--config", b_config_, "--bundle", bundle});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("imported master key kcv:"));

  json a = Show(a_config_), b = Show(b_config_);
  EXPECT_THAT(a["masterKeyId"].get<std::string>(), StartsWith("kcv:"));
  EXPECT_EQ(b["masterKeyId"], a["masterKeyId"]);
  EXPECT_EQ(b["signingKeyId"], a["signingKeyId"]);
  EXPECT_TRUE(b["transportKey"].is_null());
  Result again = Coffer({"hsm", "import", "--config", b_config_, "--bundle", bundle});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("already holds"));
}

TEST_F(HsmCommandsTest, JoinerThatStartedBeforeTheCeremonyNeedsReplace) {
  StartFirstReplica();
  {  // the joiner's coffer-vault made keys of its own, and never served
    keystore::Pkcs11Options options;
    options.module_path = SoftHsmToken::kModulePath;
    options.token_label = "replica-b";
    options.pin = SecretBytes(hsm_.pin());
    COFFER_ASSERT_OK(keystore::Pkcs11KeyStore::Create(options).status());
  }
  const std::string pem = dir_.File("transport.pem"), bundle = dir_.File("bundle.json");
  ASSERT_EQ(Coffer({"hsm", "transport-key", "--config", b_config_, "--out", pem}).code, 0);
  ASSERT_EQ(Coffer({"hsm", "export", "--config", a_config_, "--transport-key", pem, "--so-pin-file",
                    so_pin_file_, "--out", bundle})
                .code,
            0);
  ExpectOneLineError(Coffer({"hsm", "import", "--config", b_config_, "--bundle", bundle}), 5,
                     "import with --replace");
  Result replaced =
      Coffer({"hsm", "import", "--config", b_config_, "--bundle", bundle, "--replace"});
  ASSERT_EQ(replaced.code, 0) << replaced.err;
  EXPECT_THAT(replaced.out, HasSubstr("replacing the keys it held"));
  EXPECT_EQ(Show(b_config_)["masterKeyId"], Show(a_config_)["masterKeyId"]);
}

TEST_F(HsmCommandsTest, CorruptBundleFileIsOneLineErrorAndChangesNothing) {
  StartFirstReplica();
  const std::string pem = dir_.File("transport.pem"), bundle = dir_.File("bundle.json");
  ASSERT_EQ(Coffer({"hsm", "transport-key", "--config", b_config_, "--out", pem}).code, 0);
  WriteFileOrDie(bundle, "{\"format\": \"coffer-hsm-key-bundle/v1\", \"masterKey\": 1}\n");
  ExpectOneLineError(Coffer({"hsm", "import", "--config", b_config_, "--bundle", bundle}), 1,
                     bundle + ": not a Coffer key bundle");
  json b = Show(b_config_);
  EXPECT_TRUE(b["masterKeyId"].is_null());
  EXPECT_FALSE(b["transportKey"].is_null());
}

TEST_F(HsmCommandsTest, ExportOfWhatIsNotATransportKeyIsOneLineError) {
  StartFirstReplica();
  const std::string not_pem = dir_.File("not.pem");
  WriteFileOrDie(not_pem, "hello\n");
  ExpectOneLineError(Coffer({"hsm", "export", "--config", a_config_, "--transport-key", not_pem,
                             "--so-pin-file", so_pin_file_, "--out", dir_.File("b.json")}),
                     1, "the transport key is not a public key in PEM");
}

TEST_F(HsmCommandsTest, ExportWithoutSoPinFileIsAUsageError) {
  ExpectOneLineError(Coffer({"hsm", "export", "--config", a_config_, "--transport-key",
                             dir_.File("t.pem"), "--out", dir_.File("b.json")}),
                     2, "give --so-pin-file");
}

TEST_F(HsmCommandsTest, ConfigNamingAMissingTokenIsNotFound) {
  ExpectOneLineError(Coffer({"hsm", "show", "--config", WriteConfig("no-such-token")}), 3,
                     "no PKCS#11 token labelled 'no-such-token'");
}

}  // namespace
}  // namespace coffer::cli
