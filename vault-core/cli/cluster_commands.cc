// coffer cluster set|list|remove (ClusterAdmin): Kubernetes clusters whose service-account
// tokens managed identities log in with, besides those of the configuration file.
#include "coffer/admin/v1/admin.pb.h"
#include "lib/base/secret_bytes.h"
#include "lib/base/status.h"
#include "vault-core/cli/command.h"

namespace coffer::cli {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;

json ClusterJson(const v1::TrustedCluster& c) {
  return {{"name", c.name()},
          {"issuer", c.issuer()},
          {"audience", c.audience()},
          {"verify", c.verify()},
          {"apiServer", c.api_server()},
          {"created", UnixTimeJson(c.created_unix())}};
}

absl::StatusOr<std::string> RequiredFlag(Context& ctx, const char* flag) {
  auto value = ctx.args().Value(flag);
  if (!value || value->empty()) return UsageError(std::string("give ") + flag);
  return *value;
}

absl::Status Set(Context& ctx) {
  v1::SetTrustedClusterRequest request;
  v1::TrustedCluster& cluster = *request.mutable_cluster();
  cluster.set_name(ctx.arg(0));
  COFFER_ASSIGN_OR_RETURN(*cluster.mutable_issuer(), RequiredFlag(ctx, "--issuer"));
  COFFER_ASSIGN_OR_RETURN(*cluster.mutable_api_server(), RequiredFlag(ctx, "--api-server"));
  COFFER_ASSIGN_OR_RETURN(std::string ca_file, RequiredFlag(ctx, "--ca-file"));
  COFFER_ASSIGN_OR_RETURN(std::string token_file, RequiredFlag(ctx, "--token-file"));
  COFFER_ASSIGN_OR_RETURN(*cluster.mutable_ca_certificate_pem(), ReadFile(ca_file));
  cluster.set_audience(ctx.args().Value("--audience").value_or(""));
  cluster.set_verify(ctx.args().Value("--verify").value_or(""));
  COFFER_ASSIGN_OR_RETURN(std::string token, ReadFile(token_file));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  request.set_token(token);
  internal::ZeroMemory(token.data(), token.size());
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  absl::StatusOr<v1::TrustedCluster> set = admin->SetTrustedCluster(request);
  request.mutable_token()->assign(request.token().size(), '\0');
  if (!set.ok()) return set.status();
  json doc = ClusterJson(*set);
  PrintMessage(ctx.out(), ctx.format(),
               "Trusting cluster " + set->name() + " (issuer " + set->issuer() + ", " +
                   set->verify() + ").",
               doc);
  return absl::OkStatus();
}

absl::Status List(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_ASSIGN_OR_RETURN(v1::ListTrustedClustersResponse response,
                          admin->ListTrustedClusters({}));
  json items = json::array();
  for (const v1::TrustedCluster& c : response.clusters()) items.push_back(ClusterJson(c));
  PrintList(ctx.out(), ctx.format(), items,
            {{"NAME", "name"}, {"ISSUER", "issuer"}, {"VERIFY", "verify"},
             {"API SERVER", "apiServer"}});
  return absl::OkStatus();
}

absl::Status Remove(Context& ctx) {
  v1::RemoveTrustedClusterRequest request;
  request.set_name(ctx.arg(0));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_RETURN_IF_ERROR(admin->RemoveTrustedCluster(request).status());
  PrintMessage(ctx.out(), ctx.format(), "no longer trusting cluster " + ctx.arg(0),
               {{"removed", ctx.arg(0)}});
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> ClusterCommands() {
  return {
      {{"cluster", "set"},
       {"NAME"},
       "--issuer URL --api-server URL --ca-file FILE --token-file FILE [--audience AUD] "
       "[--verify tokenreview|jwks]",
       "Trust a Kubernetes cluster's service-account tokens (or change how).",
       {{"--issuer", "URL", "its tokens' iss"},
        {"--api-server", "URL", "https:// address of its API server"},
        {"--ca-file", "FILE", "the API server's CA certificate (PEM)"},
        {"--token-file", "FILE", "the bearer token Coffer presents there (stored sealed)"},
        {"--audience", "AUD", "the aud the tokens must carry (default api://coffer)"},
        {"--verify", "HOW", "tokenreview (default) or jwks"}},
       Set},
      {{"cluster", "list"}, {}, "", "List the clusters trusted through the admin API.", {}, List},
      {{"cluster", "remove"}, {"NAME"}, "", "Stop trusting a cluster.", {}, Remove},
  };
}

}  // namespace coffer::cli
