// Every data-plane operation against every way a caller can lack the right to it: a 401 (with
// Key Vault's challenge) or a 403, as Azure answers, and nothing of the object in any answer.
// The operations come from the routers' own enums (each operation's audit name), so a route
// added without a row here fails RouteTableCoversEveryOperation.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "lib/base/base64.h"
#include "nlohmann/json.hpp"
#include "vault-core/api/rest/certificates_api.h"
#include "vault-core/api/rest/testing/data_plane_fixture.h"
#include "vault-core/api/rest/keys_api.h"
#include "vault-core/api/rest/secrets_api.h"
#include "vault-core/identity/token_signer.h"
#include "vault-core/keystore/software/software_keystore.h"

namespace coffer::api::rest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A name and a value no answer may carry.
constexpr char kName[] = "m4trix-object";
constexpr char kValue[] = "t0p-s3cret-m4trix-value";

struct RouteRow {
  std::string operation;  // the audit name the router gives it
  std::string method;
  std::string path;  // kName stands where Azure puts the object's name
};

std::vector<RouteRow> RouteTable() {
  const std::string n = kName;
  const std::string v = "0123456789abcdef0123456789abcdef";
  return {
      {"SecretSet", "PUT", "/secrets/" + n},
      {"SecretGet", "GET", "/secrets/" + n + "/" + v},
      {"SecretUpdate", "PATCH", "/secrets/" + n + "/" + v},
      {"SecretList", "GET", "/secrets"},
      {"SecretListVersions", "GET", "/secrets/" + n + "/versions"},
      {"SecretDelete", "DELETE", "/secrets/" + n},
      {"SecretGetDeleted", "GET", "/deletedsecrets/" + n},
      {"SecretListDeleted", "GET", "/deletedsecrets"},
      {"SecretRecover", "POST", "/deletedsecrets/" + n + "/recover"},
      {"SecretPurge", "DELETE", "/deletedsecrets/" + n},
      {"SecretBackup", "POST", "/secrets/" + n + "/backup"},
      {"SecretRestore", "POST", "/secrets/restore"},
      {"KeyCreate", "POST", "/keys/" + n + "/create"},
      {"KeyImport", "PUT", "/keys/" + n},
      {"KeyGet", "GET", "/keys/" + n + "/" + v},
      {"KeyUpdate", "PATCH", "/keys/" + n + "/" + v},
      {"KeyList", "GET", "/keys"},
      {"KeyListVersions", "GET", "/keys/" + n + "/versions"},
      {"KeyDelete", "DELETE", "/keys/" + n},
      {"KeyGetDeleted", "GET", "/deletedkeys/" + n},
      {"KeyListDeleted", "GET", "/deletedkeys"},
      {"KeyRecover", "POST", "/deletedkeys/" + n + "/recover"},
      {"KeyPurge", "DELETE", "/deletedkeys/" + n},
      {"KeyBackup", "POST", "/keys/" + n + "/backup"},
      {"KeyRestore", "POST", "/keys/restore"},
      {"KeyRotate", "POST", "/keys/" + n + "/rotate"},
      {"KeyGetRotationPolicy", "GET", "/keys/" + n + "/rotationpolicy"},
      {"KeySetRotationPolicy", "PUT", "/keys/" + n + "/rotationpolicy"},
      {"KeyEncrypt", "POST", "/keys/" + n + "/" + v + "/encrypt"},
      {"KeyDecrypt", "POST", "/keys/" + n + "/" + v + "/decrypt"},
      {"KeyWrap", "POST", "/keys/" + n + "/" + v + "/wrapkey"},
      {"KeyUnwrap", "POST", "/keys/" + n + "/" + v + "/unwrapkey"},
      {"KeySign", "POST", "/keys/" + n + "/" + v + "/sign"},
      {"KeyVerify", "POST", "/keys/" + n + "/" + v + "/verify"},
      {"RandomBytes", "POST", "/rng"},
      {"CertificateCreate", "POST", "/certificates/" + n + "/create"},
      {"CertificateImport", "POST", "/certificates/" + n + "/import"},
      {"CertificateGet", "GET", "/certificates/" + n + "/" + v},
      {"CertificateUpdate", "PATCH", "/certificates/" + n + "/" + v},
      {"CertificateList", "GET", "/certificates"},
      {"CertificateListVersions", "GET", "/certificates/" + n + "/versions"},
      {"CertificatePolicyGet", "GET", "/certificates/" + n + "/policy"},
      {"CertificatePolicyUpdate", "PATCH", "/certificates/" + n + "/policy"},
      {"CertificatePendingGet", "GET", "/certificates/" + n + "/pending"},
      {"CertificatePendingCancel", "PATCH", "/certificates/" + n + "/pending"},
      {"CertificatePendingDelete", "DELETE", "/certificates/" + n + "/pending"},
      {"CertificatePendingMerge", "POST", "/certificates/" + n + "/pending/merge"},
      {"CertificateDelete", "DELETE", "/certificates/" + n},
      {"CertificateGetDeleted", "GET", "/deletedcertificates/" + n},
      {"CertificateListDeleted", "GET", "/deletedcertificates"},
      {"CertificateRecover", "POST", "/deletedcertificates/" + n + "/recover"},
      {"CertificatePurge", "DELETE", "/deletedcertificates/" + n},
      {"CertificateBackup", "POST", "/certificates/" + n + "/backup"},
      {"CertificateRestore", "POST", "/certificates/restore"},
      {"CertificateIssuerSet", "PUT", "/certificates/issuers/" + n},
      {"CertificateIssuerUpdate", "PATCH", "/certificates/issuers/" + n},
      {"CertificateIssuerGet", "GET", "/certificates/issuers/" + n},
      {"CertificateIssuerDelete", "DELETE", "/certificates/issuers/" + n},
      {"CertificateIssuerList", "GET", "/certificates/issuers"},
      {"CertificateContactsSet", "PUT", "/certificates/contacts"},
      {"CertificateContactsGet", "GET", "/certificates/contacts"},
      {"CertificateContactsDelete", "DELETE", "/certificates/contacts"},
  };
}

// The audit names of every value of an operation enum, up to the first one its switch does not
// name (OperationName's fallback): the enum as the compiler sees it, not as a list kept by hand.
template <typename Op>
std::set<std::string> AllOperations(const std::string& unknown) {
  std::set<std::string> names;
  for (int i = 0;; ++i) {
    std::string name = OperationName(static_cast<Op>(i));
    if (name == unknown) return names;
    names.insert(name);
  }
}

// The operation the data plane's routers give a row, or "" if none takes it.
std::string Routed(const RouteRow& row) {
  if (auto route = RouteSecrets(row.method, row.path)) {
    return route->ok() ? OperationName((*route)->op) : "";
  }
  if (auto route = RouteKeys(row.method, row.path)) {
    return route->ok() ? OperationName((*route)->op) : "";
  }
  if (auto route = RouteCertificates(row.method, row.path)) {
    return route->ok() ? OperationName((*route)->op) : "";
  }
  return "";
}

TEST(RouteTableTest, RouteTableCoversEveryOperation) {
  std::set<std::string> all = AllOperations<SecretOp>("SecretUnknown");
  for (const std::string& name : AllOperations<KeyOp>("KeyUnknown")) all.insert(name);
  for (const std::string& name : AllOperations<CertificateOp>("CertificateUnknown")) {
    all.insert(name);
  }
  std::set<std::string> rows;
  for (const RouteRow& row : RouteTable()) {
    EXPECT_EQ(Routed(row), row.operation) << row.method << " " << row.path;
    rows.insert(row.operation);
  }
  EXPECT_EQ(rows, all);
  EXPECT_GT(all.size(), 60u);
}

class AuthorizationMatrixTest : public DataPlaneTest {
 protected:
  AuthorizationMatrixTest() {
    // The object exists, so that an answer that leaked it would show.
    EXPECT_EQ(Send("PUT", "/secrets/" + std::string(kName) + "?api-version=7.4",
                   nlohmann::json{{"value", kValue}}.dump(), Token())
                  .status,
              200);
  }

  identity::AccessTokenClaims Claims(const domain::Principal& who) {
    identity::AccessTokenClaims claims;
    claims.issuer = authority_.issuer();
    claims.audience = "https://vault.coffer.test";
    claims.subject = who.object_id;
    claims.app_id = who.client_id;
    claims.tenant_id = kTenant;
    claims.issued_at = clock_.Now();
    claims.not_before = claims.issued_at;
    claims.expires = claims.issued_at + absl::Hours(1);
    return claims;
  }
  std::string Mint(const identity::AccessTokenClaims& claims,
                   identity::TokenSigner* signer = nullptr) {
    absl::StatusOr<std::string> token = (signer ? *signer : signer_).Issue(claims);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }
  // `token` with one character of part `part` (0 header, 1 claims, 2 signature) changed.
  static std::string Tampered(std::string token, int part) {
    std::size_t at = 0;
    for (int i = 0; i < part; ++i) at = token.find('.', at) + 1;
    at += 5;
    token[at] = token[at] == 'A' ? 'B' : 'A';
    return token;
  }

  struct Caller {
    std::string name;
    std::string token;
    int status;  // what every route must answer
  };
  std::vector<Caller> Callers() {
    std::vector<Caller> callers;
    const std::string valid = Token();
    callers.push_back({"no token", "", 401});
    callers.push_back({"malformed", "not-a-jwt", 401});
    {
      identity::AccessTokenClaims claims = Claims(app_);
      clock_.Advance(-absl::Hours(2));
      claims.issued_at = claims.not_before = clock_.Now();
      claims.expires = clock_.Now() + absl::Hours(1);
      callers.push_back({"expired", Mint(claims), 401});
      clock_.Advance(absl::Hours(2));
    }
    {
      identity::AccessTokenClaims claims = Claims(app_);
      claims.not_before = clock_.Now() + absl::Hours(1);
      claims.expires = clock_.Now() + absl::Hours(2);
      callers.push_back({"not yet valid", Mint(claims), 401});
    }
    {
      identity::AccessTokenClaims claims = Claims(app_);
      claims.audience = "https://elsewhere.test";
      callers.push_back({"wrong audience", Mint(claims), 401});
    }
    {
      identity::AccessTokenClaims claims = Claims(app_);
      claims.issuer = "https://login.coffer.test/another-tenant/v2.0";
      callers.push_back({"another issuer", Mint(claims), 401});
    }
    // Another installation's vault: its own signing key, the same names in every claim.
    callers.push_back({"another installation", Mint(Claims(app_), &other_signer_), 401});
    {
      domain::Principal gone = *principals_->CreatePrincipal("gone");
      EXPECT_TRUE(policies_->Set(vault_.id, {gone.object_id, {"all"}, {"all"}, {"all"}}).ok());
      std::string token = Mint(Claims(gone));
      EXPECT_TRUE(principals_->Delete(gone.object_id).ok());
      callers.push_back({"deleted principal", token, 401});
    }
    {
      domain::Principal nobody = *principals_->CreatePrincipal("nobody");
      callers.push_back({"no access policy", Mint(Claims(nobody)), 403});
    }
    {  // every permission, on another vault
      domain::Vault other = *vaults_->CreateVault(
          {"other", {"other.vault.coffer.test"}, domain::Sku::kStandard, 7, false});
      domain::Principal elsewhere = *principals_->CreatePrincipal("elsewhere");
      EXPECT_TRUE(policies_->Set(other.id, {elsewhere.object_id, {"all"}, {"all"}, {"all"}}).ok());
      callers.push_back({"another vault's principal", Mint(Claims(elsewhere)), 403});
    }
    {
      const std::size_t dot = valid.find('.');
      std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") +
                         valid.substr(dot, valid.rfind('.') - dot) + ".";
      callers.push_back({"alg none", none, 401});
    }
    callers.push_back({"tampered signature", Tampered(valid, 2), 401});
    callers.push_back({"tampered claims", Tampered(valid, 1), 401});
    callers.push_back({"tampered header", Tampered(valid, 0), 401});
    return callers;
  }

  std::unique_ptr<keystore::KeyStore> other_hsm_ =
      std::move(*keystore::SoftwareKeyStore::Create({dir_.File("other.key"), ""}));
  identity::TokenSigner other_signer_{*other_hsm_, clock_};
};

TEST_F(AuthorizationMatrixTest, EveryRouteRefusesEveryCallerWithoutTheRight) {
  const std::vector<Caller> callers = Callers();
  for (const RouteRow& row : RouteTable()) {
    for (const Caller& caller : callers) {
      SCOPED_TRACE(row.method + " " + row.path + " as " + caller.name);
      const std::string body = row.method == "GET" || row.method == "DELETE"
                                   ? ""
                                   : nlohmann::json{{"value", "x"}}.dump();
      http::Response r = Send(row.method, row.path + "?api-version=7.4", body, caller.token);
      EXPECT_EQ(r.status, caller.status) << r.body;
      if (r.status == 401) {
        EXPECT_THAT(r.headers.Get("WWW-Authenticate").value_or(""),
                    HasSubstr("Bearer authorization="));
      }
      const nlohmann::json answer = nlohmann::json::parse(r.body, nullptr, false);
      const std::string code = answer.is_object() && answer.contains("error")
                                   ? answer["error"].value("code", "")
                                   : "";
      EXPECT_EQ(code, caller.status == 401 ? "Unauthorized" : "Forbidden");
      for (const auto& [name, value] : r.headers.entries()) {
        EXPECT_THAT(value, Not(HasSubstr(kName))) << name;
      }
      EXPECT_THAT(r.body, Not(HasSubstr(kName)));
      EXPECT_THAT(r.body, Not(HasSubstr(kValue)));
    }
  }
  // And nothing was changed: the secret is as it was, in the vault that holds it.
  http::Response get = Send("GET", "/secrets/" + std::string(kName) + "?api-version=7.4", "",
                            Token());
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(nlohmann::json::parse(get.body)["value"], kValue);
}

}  // namespace
}  // namespace coffer::api::rest
