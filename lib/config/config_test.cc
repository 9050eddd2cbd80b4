#include "gmock/gmock.h"
#include "lib/config/config_node.h"
#include "lib/config/config_reader.h"
#include "lib/testing/status_matchers.h"

namespace coffer::config {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

struct Settings {
  std::string listen = "127.0.0.1:8443";
  int threads = 2;
  bool verbose = false;
  absl::Duration drain = absl::Seconds(10);
  std::string backend = "sqlite";
  std::string cert_file;
  std::vector<std::string> hosts;
};

absl::Status Load(const ConfigNode& root, Settings& s) {
  MapReader r(root, "");
  r.Read("listen", &s.listen);
  r.Read("threads", &s.threads, 1, 64);
  r.Read("verbose", &s.verbose);
  r.ReadDuration("drain", &s.drain);
  r.ReadEnum("backend", &s.backend, {"sqlite", "memory"});
  r.Read("hosts", &s.hosts);
  r.Map("tls", [&](MapReader& tls) { tls.Read("cert_file", &s.cert_file); });
  return r.Finish();
}

absl::Status LoadText(std::string_view yaml, Settings& s) {
  auto root = ParseYaml(yaml);
  if (!root.ok()) return root.status();
  return Load(*root, s);
}

TEST(ConfigTest, ReadsTypedValuesAndKeepsDefaults) {
  Settings s;
  ASSERT_THAT(LoadText("threads: 4\ndrain: 1m30s\ntls:\n  cert_file: /c.pem\nhosts: [a, b]\n", s),
              IsOk());
  EXPECT_EQ(s.threads, 4);
  EXPECT_EQ(s.drain, absl::Seconds(90));
  EXPECT_EQ(s.cert_file, "/c.pem");
  EXPECT_EQ(s.hosts, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.listen, "127.0.0.1:8443");
  EXPECT_EQ(s.backend, "sqlite");
}

TEST(ConfigTest, EmptyDocumentGivesDefaults) {
  Settings s;
  EXPECT_THAT(LoadText("", s), IsOk());
  EXPECT_EQ(s.threads, 2);
}

TEST(ConfigTest, UnknownKeyIsNamedWithItsPath) {
  Settings s;
  EXPECT_THAT(LoadText("tls:\n  cert_fle: x\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key tls.cert_fle")));
  EXPECT_THAT(LoadText("lisen: x\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key lisen")));
}

TEST(ConfigTest, BadValuesNameTheirPath) {
  Settings s;
  EXPECT_THAT(LoadText("threads: many\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threads: must be a whole")));
  EXPECT_THAT(LoadText("threads: 0\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("between 1 and 64")));
  EXPECT_THAT(LoadText("verbose: yes please\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("verbose")));
  EXPECT_THAT(LoadText("drain: soon\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("drain")));
  EXPECT_THAT(LoadText("backend: etcd\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("one of sqlite, memory")));
  EXPECT_THAT(LoadText("tls: [1, 2]\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls must be a map")));
  EXPECT_THAT(LoadText("listen: {a: 1}\n", s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listen")));
}

TEST(ConfigTest, SyntaxErrorsAndDuplicatesGiveTheLine) {
  EXPECT_THAT(ParseYaml("a: 1\nb: [unclosed\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line")));
  EXPECT_THAT(ParseYaml("a: 1\na: 2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
}

TEST(ConfigTest, OverridesBeatTheFileAndAreCheckedToo) {
  auto root = ParseYaml("listen: 1.2.3.4:1\ntls:\n  cert_file: old\n");
  ASSERT_THAT(root, IsOk());
  std::string env1 = "COFFER__TLS__CERT_FILE=from-env";
  std::string env2 = "UNRELATED=1";
  char* environ[] = {env1.data(), env2.data(), nullptr};
  ASSERT_THAT(ApplyEnvironment(*root, "COFFER__", environ), IsOk());
  ASSERT_THAT(SetPath(*root, "listen", "0.0.0.0:9"), IsOk());
  Settings s;
  ASSERT_THAT(Load(*root, s), IsOk());
  EXPECT_EQ(s.cert_file, "from-env");
  EXPECT_EQ(s.listen, "0.0.0.0:9");

  ASSERT_THAT(SetPath(*root, "tls.typo", "x"), IsOk());
  EXPECT_THAT(Load(*root, s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key tls.typo")));
  EXPECT_THAT(SetPath(*root, "listen.deeper", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::config
