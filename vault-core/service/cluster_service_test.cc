#include "vault-core/service/cluster_service.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/service/testing/services_fixture.h"

namespace coffer::service {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

class ClusterServiceTest : public ServicesFixture {
 protected:
  StoredCluster Cluster(const std::string& name = "prod",
                        const std::string& issuer = "https://oidc.prod.example") {
    StoredCluster c;
    c.name = name;
    c.issuer = issuer;
    c.api_server = "https://10.0.0.1:6443";
    c.ca_certificate_pem = "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n";
    c.token = SecretBytes("sa-token-of-coffer");
    return c;
  }

  ClusterService clusters_{*cached_, keys_, clock_, {{"config", "https://config.example"}}};
};

TEST_F(ClusterServiceTest, SetListAndRemoveWithTheTokenSealedAtRest) {
  COFFER_ASSERT_OK_AND_ASSIGN(StoredCluster set, clusters_.Set(Cluster()));
  EXPECT_TRUE(set.token.empty());
  EXPECT_EQ(set.audience, "api://coffer");
  EXPECT_EQ(set.verify, "tokenreview");
  COFFER_ASSERT_OK_AND_ASSIGN(std::vector<StoredCluster> listed, clusters_.List(false));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].token.empty());
  COFFER_ASSERT_OK_AND_ASSIGN(listed, clusters_.List(true));
  EXPECT_EQ(listed[0].token.reveal(), "sa-token-of-coffer");
  auto raw = store_.Get("clusters/prod");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->value.find("sa-token-of-coffer"), std::string::npos);  // sealed

  StoredCluster moved = Cluster();
  moved.verify = "jwks";
  COFFER_ASSERT_OK(clusters_.Set(moved).status());  // replaced by name
  COFFER_ASSERT_OK_AND_ASSIGN(listed, clusters_.List(false));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].verify, "jwks");
  COFFER_ASSERT_OK(clusters_.Remove("prod"));
  EXPECT_THAT(clusters_.Remove("prod"), StatusIs(absl::StatusCode::kNotFound));
  COFFER_ASSERT_OK_AND_ASSIGN(listed, clusters_.List(false));
  EXPECT_TRUE(listed.empty());
}

TEST_F(ClusterServiceTest, OneIssuerOneClusterAndConfiguredOnesAreNotTaken) {
  COFFER_ASSERT_OK(clusters_.Set(Cluster()).status());
  EXPECT_THAT(clusters_.Set(Cluster("other")), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(clusters_.Set(Cluster("config", "https://new.example")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(clusters_.Set(Cluster("x", "https://config.example")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  StoredCluster bad = Cluster("bad", "https://bad.example");
  bad.api_server = "http://10.0.0.1";
  EXPECT_THAT(clusters_.Set(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("api_server")));
  bad = Cluster("bad", "https://bad.example");
  bad.token = SecretBytes();
  EXPECT_THAT(clusters_.Set(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("token")));
  bad = Cluster("Bad_Name", "https://bad.example");
  EXPECT_THAT(clusters_.Set(bad), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::service
