// The authentication endpoints of KubeApiHandler: TokenRequest (serviceaccounts/{name}/token),
// TokenReview and the OIDC discovery document and JWKS.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "lib/base/status.h"
#include "tests/kube-apiserver/server/kube_api_handler.h"
#include "tests/kube-apiserver/server/protobuf_bodies.h"
#include "tests/kube-apiserver/server/random_uuid.h"
#include "tests/kube-apiserver/store/status_body.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

constexpr int64_t kDefaultExpirationSeconds = 3600;
constexpr int64_t kMinExpirationSeconds = 600;
constexpr int64_t kLeewaySeconds = 60;

http::Response JsonResponse(int code, const json& body) {
  return http::Response::Json(code, body.dump());
}

http::Response ErrorResponse(const absl::Status& status) {
  json body = StatusBody(status);
  return JsonResponse(body.value("code", 500), body);
}

absl::Status KubeError(absl::StatusCode code, const std::string& message, std::string reason,
                       int http_code) {
  return MakeKubeError(code, message,
                       KubeErrorInfo{std::move(reason), http_code, "", "", "", nullptr});
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::vector<std::string> Strings(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const json& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string Quoted(const std::vector<std::string>& items) {
  return "[\"" + absl::StrJoin(items, "\",\"") + "\"]";
}

}  // namespace

json KubeApiHandler::UserInfoOf(const http::Request& request) {
  std::optional<std::string_view> header = request.headers.Get("Authorization");
  std::string_view token = header && header->substr(0, 7) == "Bearer " ? header->substr(7) : "";
  // What kubeadm's admin.conf authenticates as (since 1.29).
  if (!token.empty() && IsAdmin(token)) {
    return {{"username", "kubernetes-admin"},
            {"groups", {"kubeadm:cluster-admins", "system:authenticated"}}};
  }
  absl::StatusOr<json> review = Authenticate(std::string(token), {issuer_.issuer()});
  if (!review.ok()) {
    return {{"username", "system:anonymous"}, {"groups", {"system:unauthenticated"}}};
  }
  return (*review)["user"];
}

bool KubeApiHandler::IsPublicPath(const std::string& path) {
  return path == "/.well-known/openid-configuration" || path == "/openid/v1/jwks";
}

std::optional<http::Response> KubeApiHandler::AuthEndpoint(const http::Request& request) {
  std::vector<std::string> segs = absl::StrSplit(request.path, '/', absl::SkipEmpty());
  bool token = segs.size() == 7 && segs[0] == "api" && segs[1] == "v1" && segs[2] == "namespaces" &&
               segs[4] == "serviceaccounts" && segs[6] == "token";
  bool review = segs.size() == 4 && segs[0] == "apis" && segs[1] == "authentication.k8s.io" &&
                segs[2] == "v1" && segs[3] == "tokenreviews";
  bool oidc = IsPublicPath(request.path);
  if (!token && !review && !oidc) return std::nullopt;
  if (request.method != (oidc ? "GET" : "POST")) {
    return ErrorResponse(
        KubeError(absl::StatusCode::kUnimplemented,
                  "the server does not allow this method on the requested resource",
                  "MethodNotAllowed", 405));
  }
  if (oidc) {
    http::Response response;
    if (segs[0] == "openid") {
      response = http::Response::Json(200, issuer_.Jwks().dump());
      response.headers.Set("Content-Type", "application/jwk-set+json");
    } else {
      absl::MutexLock lock(&mu_);
      json config = {{"issuer", issuer_.issuer()},
                     {"jwks_uri", "https://" + server_address_ + "/openid/v1/jwks"},
                     {"response_types_supported", {"id_token"}},
                     {"subject_types_supported", {"public"}},
                     {"id_token_signing_alg_values_supported", {"RS256"}}};
      response = http::Response::Json(200, config.dump());
    }
    response.headers.Set("Cache-Control", "public, max-age=3600");
    return response;
  }
  std::string type(request.headers.Get("Content-Type").value_or("application/json"));
  absl::StatusOr<json> body = type.rfind("application/vnd.kubernetes.protobuf", 0) == 0
                                  ? DecodeTokenRequestProto(request.body)
                                  : [&]() -> absl::StatusOr<json> {
    json parsed = json::parse(request.body, nullptr, false);
    if (!parsed.is_object()) {
      return BadRequestError("the body of the request was in an unknown format");
    }
    return parsed;
  }();
  if (!body.ok()) return ErrorResponse(body.status());
  absl::StatusOr<json> result =
      token ? RequestToken(segs[3], segs[5], *std::move(body)) : ReviewToken(*std::move(body));
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(201, *result);
}

absl::StatusOr<json> KubeApiHandler::RequestToken(const std::string& ns, const std::string& name,
                                                  json request) {
  COFFER_ASSIGN_OR_RETURN(json sa, store_.Get("v1/serviceaccounts", ns, name));
  json spec = request.value("spec", json::object());
  std::vector<std::string> audiences = Strings(spec.value("audiences", json::array()));
  if (audiences.empty()) audiences = {issuer_.issuer()};
  int64_t seconds = spec.value("expirationSeconds", kDefaultExpirationSeconds);
  if (seconds < kMinExpirationSeconds || seconds > (int64_t{1} << 32)) {
    return InvalidError(ResourceName::Parse("authentication.k8s.io/v1/tokenrequests"),
                        "TokenRequest", name, "spec.expirationSeconds", "FieldValueInvalid",
                        seconds < kMinExpirationSeconds
                            ? "may not specify a duration less than 10 minutes"
                            : "may not specify a duration larger than 2^32 seconds");
  }
  absl::Time now = clock_.Now();
  int64_t iat = absl::ToUnixSeconds(now);
  json k8s = {{"namespace", ns},
              {"serviceaccount", {{"name", name}, {"uid", sa["metadata"].value("uid", "")}}}};
  if (spec.contains("boundObjectRef")) {
    json ref = spec["boundObjectRef"];
    std::string kind = ref.value("kind", "");
    std::string ref_name = ref.value("name", "");
    if (kind != "Pod" && kind != "Secret") {
      return BadRequestError("cannot bind token to object of type " + kind);
    }
    std::string resource = kind == "Pod" ? "v1/pods" : "v1/secrets";
    COFFER_ASSIGN_OR_RETURN(json bound, store_.Get(resource, ns, ref_name));
    std::string uid = bound["metadata"].value("uid", "");
    if (!ref.value("uid", "").empty() && ref.value("uid", "") != uid) {
      return KubeError(absl::StatusCode::kAborted,
                       "the UID in the bound object reference (" + ref.value("uid", "") +
                           ") does not match the UID in record. The object might have been "
                           "deleted and then recreated",
                       "Conflict", 409);
    }
    if (kind == "Pod") {
      std::string pod_sa = bound.value("/spec/serviceAccountName"_json_pointer, std::string());
      if ((pod_sa.empty() ? "default" : pod_sa) != name) {
        return BadRequestError("cannot bind token for serviceaccount \"" + name +
                               "\" to pod running with different serviceaccount name.");
      }
    }
    k8s[kind == "Pod" ? "pod" : "secret"] = {{"name", ref_name}, {"uid", uid}};
    spec["boundObjectRef"]["uid"] = uid;
  }
  json claims = {{"aud", audiences},
                 {"exp", iat + seconds},
                 {"iat", iat},
                 {"nbf", iat},
                 {"iss", issuer_.issuer()},
                 {"jti", RandomUuid()},
                 {"sub", "system:serviceaccount:" + ns + ":" + name},
                 {"kubernetes.io", k8s}};
  spec["audiences"] = audiences;
  spec["expirationSeconds"] = seconds;
  return json{
      {"apiVersion", "authentication.k8s.io/v1"},
      {"kind", "TokenRequest"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"creationTimestamp", Rfc3339(now)}}},
      {"spec", spec},
      {"status",
       {{"token", issuer_.Sign(claims)},
        {"expirationTimestamp", Rfc3339(now + absl::Seconds(seconds))}}}};
}

absl::StatusOr<json> KubeApiHandler::ReviewToken(json review) {
  json spec = review.value("spec", json::object());
  std::vector<std::string> wanted = Strings(spec.value("audiences", json::array()));
  if (wanted.empty()) wanted = {issuer_.issuer()};
  json status = {{"user", json::object()}};
  absl::StatusOr<json> user = Authenticate(spec.value("token", ""), wanted);
  if (user.ok()) {
    status["authenticated"] = true;
    status["user"] = (*user)["user"];
    status["audiences"] = (*user)["audiences"];
  } else {
    status["error"] = std::string(user.status().message());
  }
  return json{{"apiVersion", "authentication.k8s.io/v1"},
              {"kind", "TokenReview"},
              {"metadata", {{"creationTimestamp", nullptr}}},
              {"spec", spec},
              {"status", status}};
}

absl::StatusOr<json> KubeApiHandler::Authenticate(const std::string& token,
                                                  const std::vector<std::string>& wanted) {
  COFFER_ASSIGN_OR_RETURN(json claims, issuer_.Verify(token));
  auto fail = [](const std::string& message) {
    return absl::UnauthenticatedError("[invalid bearer token, " + message + "]");
  };
  if (claims.value("iss", "") != issuer_.issuer()) return fail("token issuer is not trusted");
  int64_t now = absl::ToUnixSeconds(clock_.Now());
  if (now > claims.value("exp", int64_t{0}) + kLeewaySeconds) {
    return fail("service account token has expired");
  }
  if (now + kLeewaySeconds < claims.value("nbf", int64_t{0})) {
    return fail("service account token is not valid yet");
  }
  std::vector<std::string> aud = claims["aud"].is_string()
                                     ? std::vector<std::string>{claims["aud"].get<std::string>()}
                                     : Strings(claims["aud"]);
  std::vector<std::string> both;
  for (const std::string& a : wanted) {
    if (std::find(aud.begin(), aud.end(), a) != aud.end()) both.push_back(a);
  }
  if (both.empty()) {
    return fail("token audiences " + Quoted(aud) + " is invalid for the target audiences " +
                Quoted(wanted));
  }
  json k8s = claims.value("kubernetes.io", json::object());
  std::string ns = k8s.value("namespace", "");
  std::string name = k8s.value("/serviceaccount/name"_json_pointer, std::string());
  std::string sa_uid = k8s.value("/serviceaccount/uid"_json_pointer, std::string());
  absl::StatusOr<json> sa = store_.Get("v1/serviceaccounts", ns, name);
  if (!sa.ok()) return fail("serviceaccounts \"" + name + "\" not found");
  if ((*sa)["metadata"].value("uid", "") != sa_uid) {
    return fail("service account UID (" + (*sa)["metadata"].value("uid", "") +
                ") does not match claim (" + sa_uid + ")");
  }
  json extra = {{"authentication.kubernetes.io/credential-id",
                 {"JTI=" + claims.value("jti", std::string())}}};
  for (const char* kind : {"pod", "secret"}) {
    if (!k8s.contains(kind)) continue;
    std::string bound_name = k8s[kind].value("name", "");
    std::string bound_uid = k8s[kind].value("uid", "");
    absl::StatusOr<json> bound =
        store_.Get(kind == std::string("pod") ? "v1/pods" : "v1/secrets", ns, bound_name);
    if (!bound.ok() || (*bound)["metadata"].contains("deletionTimestamp")) {
      return fail("service account token has been invalidated");
    }
    std::string uid = (*bound)["metadata"].value("uid", "");
    if (uid != bound_uid) {
      return fail(std::string(kind) + " UID (" + uid +
                  ") does not match service account pod ref claim (" + bound_uid + ")");
    }
    if (kind == std::string("pod")) {
      extra["authentication.kubernetes.io/pod-name"] = {bound_name};
      extra["authentication.kubernetes.io/pod-uid"] = {uid};
    }
  }
  json user = {{"username", "system:serviceaccount:" + ns + ":" + name},
               {"uid", sa_uid},
               {"groups",
                {"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}},
               {"extra", extra}};
  return json{{"user", user}, {"audiences", both}};
}

}  // namespace coffer::kube::standin
