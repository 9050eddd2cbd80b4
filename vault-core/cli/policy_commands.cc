// coffer policy set|remove|list (PolicyAdmin): who may do what in a vault.
#include "coffer/admin/v1/admin.pb.h"
#include "lib/base/status.h"
#include "vault-core/cli/command.h"

namespace coffer::cli {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;

const std::vector<Column>& PolicyColumns() {
  static const auto* columns = new std::vector<Column>{{"OBJECT ID", "objectId"},
                                                       {"SECRETS", "secrets"},
                                                       {"KEYS", "keys"},
                                                       {"CERTIFICATES", "certificates"}};
  return *columns;
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return std::vector<std::string>(field.begin(), field.end());
}

json PolicyJson(const v1::AccessPolicy& p) {
  return {{"objectId", p.object_id()},
          {"secrets", Strings(p.secrets())},
          {"keys", Strings(p.keys())},
          {"certificates", Strings(p.certificates())}};
}

absl::StatusOr<std::string> Required(Context& ctx, const char* flag) {
  auto value = ctx.args().Value(flag);
  if (!value || value->empty()) return UsageError(std::string("give ") + flag);
  return *value;
}

absl::Status Set(Context& ctx) {
  v1::SetAccessPolicyRequest request;
  COFFER_ASSIGN_OR_RETURN(*request.mutable_vault(), Required(ctx, "--vault"));
  v1::AccessPolicy& policy = *request.mutable_policy();
  COFFER_ASSIGN_OR_RETURN(*policy.mutable_object_id(), Required(ctx, "--object-id"));
  for (const auto& p : SplitList(ctx.args().Value("--secrets").value_or(""))) {
    policy.add_secrets(p);
  }
  for (const auto& p : SplitList(ctx.args().Value("--keys").value_or(""))) policy.add_keys(p);
  for (const auto& p : SplitList(ctx.args().Value("--certificates").value_or(""))) {
    policy.add_certificates(p);
  }
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_ASSIGN_OR_RETURN(v1::AccessPolicy set, admin->SetAccessPolicy(request));
  PrintObject(ctx.out(), ctx.format(), PolicyJson(set),
              {{"Object id", "objectId"},
               {"Secrets", "secrets"},
               {"Keys", "keys"},
               {"Certificates", "certificates"}});
  return absl::OkStatus();
}

absl::Status Remove(Context& ctx) {
  v1::RemoveAccessPolicyRequest request;
  COFFER_ASSIGN_OR_RETURN(*request.mutable_vault(), Required(ctx, "--vault"));
  COFFER_ASSIGN_OR_RETURN(*request.mutable_object_id(), Required(ctx, "--object-id"));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_RETURN_IF_ERROR(admin->RemoveAccessPolicy(request).status());
  PrintMessage(ctx.out(), ctx.format(),
               "removed the access policy of " + request.object_id() + " in " + request.vault(),
               {{"vault", request.vault()}, {"removed", request.object_id()}});
  return absl::OkStatus();
}

absl::Status List(Context& ctx) {
  v1::ListAccessPoliciesRequest request;
  COFFER_ASSIGN_OR_RETURN(*request.mutable_vault(), Required(ctx, "--vault"));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_ASSIGN_OR_RETURN(v1::ListAccessPoliciesResponse response,
                          admin->ListAccessPolicies(request));
  json items = json::array();
  for (const v1::AccessPolicy& p : response.policies()) items.push_back(PolicyJson(p));
  PrintList(ctx.out(), ctx.format(), items, PolicyColumns());
  return absl::OkStatus();
}

FlagSpec VaultFlag() { return {"--vault", "V", "the vault's name"}; }
FlagSpec ObjectIdFlag() { return {"--object-id", "ID", "the principal's object id"}; }

}  // namespace

std::vector<Command> PolicyCommands() {
  return {
      {{"policy", "set"},
       {},
       "--vault V --object-id ID [--secrets get,list|all] [--keys ...] [--certificates ...]",
       "Set (replace) a principal's permissions in a vault.",
       {VaultFlag(),
        ObjectIdFlag(),
        {"--secrets", "PERMS",
         "comma-separated: get,list,set,delete,recover,backup,restore,"
         "purge, or all"},
        {"--keys", "PERMS", "comma-separated key permissions, or all"},
        {"--certificates", "PERMS", "comma-separated certificate permissions, or all"}},
       Set},
      {{"policy", "remove"},
       {},
       "--vault V --object-id ID",
       "Remove a principal's access policy from a vault.",
       {VaultFlag(), ObjectIdFlag()},
       Remove},
      {{"policy", "list"}, {}, "--vault V", "List a vault's access policies.", {VaultFlag()}, List},
  };
}

}  // namespace coffer::cli
