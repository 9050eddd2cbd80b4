// coffer vault create|list|show|update|delete|recover|purge (the VaultAdmin service).
#include "coffer/admin/v1/admin.pb.h"
#include "lib/base/status.h"
#include "vault-core/cli/command.h"

namespace coffer::cli {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;

const std::vector<Column>& VaultFields() {
  static const auto* columns = new std::vector<Column>{
      {"Name", "name"},
      {"URI", "uri"},
      {"Hostnames", "hostnames"},
      {"SKU", "sku"},
      {"Soft-delete retention days", "softDeleteRetentionDays"},
      {"Purge protection", "purgeProtection"},
      {"Created", "created"},
      {"Deleted", "deleted"},
      {"Id", "id"},
  };
  return *columns;
}

const std::vector<Column>& VaultColumns() {
  static const auto* columns = new std::vector<Column>{
      {"NAME", "name"},           {"URI", "uri"},         {"SKU", "sku"},
      {"HOSTNAMES", "hostnames"}, {"DELETED", "deleted"},
  };
  return *columns;
}

json VaultJson(const v1::Vault& v) {
  return {{"name", v.name()},
          {"id", v.id()},
          {"uri", v.uri()},
          {"hostnames", std::vector<std::string>(v.hostnames().begin(), v.hostnames().end())},
          {"sku", v.sku() == v1::SKU_PREMIUM ? "premium" : "standard"},
          {"softDeleteRetentionDays", v.soft_delete_retention_days()},
          {"purgeProtection", v.purge_protection()},
          {"created", UnixTimeJson(v.created_unix())},
          {"deleted", UnixTimeJson(v.deleted_unix())}};
}

absl::Status ShowVault(Context& ctx, const absl::StatusOr<v1::Vault>& vault) {
  if (!vault.ok()) return vault.status();
  PrintObject(ctx.out(), ctx.format(), VaultJson(*vault), VaultFields());
  return absl::OkStatus();
}

absl::StatusOr<v1::Sku> ParseSku(const std::string& text) {
  if (text == "standard") return v1::SKU_STANDARD;
  if (text == "premium") return v1::SKU_PREMIUM;
  return UsageError("invalid --sku '" + text + "': use standard or premium");
}

absl::Status Create(Context& ctx) {
  v1::CreateVaultRequest request;
  request.set_name(ctx.arg(0));
  for (const std::string& h : ctx.args().Values("--hostname")) request.add_hostnames(h);
  if (request.hostnames().empty()) return UsageError("a vault needs at least one --hostname");
  if (auto sku = ctx.args().Value("--sku")) {
    COFFER_ASSIGN_OR_RETURN(v1::Sku parsed, ParseSku(*sku));
    request.set_sku(parsed);
  }
  if (auto days = ctx.args().Value("--retention-days")) {
    COFFER_ASSIGN_OR_RETURN(long long parsed, ParseInteger(*days, "--retention-days"));
    if (parsed < 7 || parsed > 90) return UsageError("--retention-days must be 7 to 90");
    request.set_soft_delete_retention_days(static_cast<int>(parsed));
  }
  request.set_purge_protection(ctx.args().Has("--purge-protection"));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  return ShowVault(ctx, admin->CreateVault(request));
}

absl::Status List(Context& ctx) {
  v1::ListVaultsRequest request;
  request.set_include_deleted(ctx.args().Has("--include-deleted"));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_ASSIGN_OR_RETURN(v1::ListVaultsResponse response, admin->ListVaults(request));
  json items = json::array();
  for (const v1::Vault& v : response.vaults()) items.push_back(VaultJson(v));
  PrintList(ctx.out(), ctx.format(), items, VaultColumns());
  return absl::OkStatus();
}

absl::Status Show(Context& ctx) {
  v1::GetVaultRequest request;
  request.set_name(ctx.arg(0));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  return ShowVault(ctx, admin->GetVault(request));
}

absl::Status Update(Context& ctx) {
  v1::UpdateVaultRequest request;
  request.set_name(ctx.arg(0));
  std::vector<std::string> hostnames = ctx.args().Values("--hostname");
  if (!hostnames.empty()) {
    for (const std::string& h : hostnames) request.add_hostnames(h);
    request.add_update_mask("hostnames");
  }
  if (auto sku = ctx.args().Value("--sku")) {
    COFFER_ASSIGN_OR_RETURN(v1::Sku parsed, ParseSku(*sku));
    request.set_sku(parsed);
    request.add_update_mask("sku");
  }
  if (ctx.args().Has("--purge-protection")) {
    request.set_purge_protection(true);
    request.add_update_mask("purge_protection");
  }
  if (request.update_mask().empty()) {
    return UsageError("nothing to update: give --hostname, --sku or --purge-protection");
  }
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  return ShowVault(ctx, admin->UpdateVault(request));
}

template <class Request, class Method>
Handler ByName(Method method) {
  return [method](Context& ctx) -> absl::Status {
    Request request;
    request.set_name(ctx.arg(0));
    COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
    return ShowVault(ctx, ((*admin).*method)(request));
  };
}

absl::Status Purge(Context& ctx) {
  v1::PurgeVaultRequest request;
  request.set_name(ctx.arg(0));
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_RETURN_IF_ERROR(admin->PurgeVault(request).status());
  PrintMessage(ctx.out(), ctx.format(), "purged vault " + ctx.arg(0), {{"purged", ctx.arg(0)}});
  return absl::OkStatus();
}

FlagSpec HostnameFlag() {
  return {"--hostname", "H", "a DNS name clients address the vault by (repeatable)", true};
}
FlagSpec SkuFlag() { return {"--sku", "SKU", "standard or premium (premium allows HSM keys)"}; }
FlagSpec PurgeProtectionFlag() {
  return {"--purge-protection", "", "deleted objects cannot be purged before retention ends"};
}

}  // namespace

std::vector<Command> VaultCommands() {
  using vaultclient::AdminClient;
  return {
      {{"vault", "create"},
       {"NAME"},
       "--hostname H [--hostname H]... [--sku standard|premium] [--retention-days N] "
       "[--purge-protection]",
       "Create a vault.",
       {HostnameFlag(),
        SkuFlag(),
        {"--retention-days", "N", "soft-delete retention, 7 to 90 days (default 90)"},
        PurgeProtectionFlag()},
       Create},
      {{"vault", "list"},
       {},
       "[--include-deleted]",
       "List vaults.",
       {{"--include-deleted", "", "also list soft-deleted vaults"}},
       List},
      {{"vault", "show"}, {"NAME"}, "", "Show a vault.", {}, Show},
      {{"vault", "update"},
       {"NAME"},
       "[--hostname H]... [--sku standard|premium] [--purge-protection]",
       "Change a vault's hostnames (all of them), SKU, or turn on purge protection.",
       {HostnameFlag(), SkuFlag(), PurgeProtectionFlag()},
       Update},
      {{"vault", "delete"},
       {"NAME"},
       "",
       "Soft-delete a vault: it stops serving and can be recovered until purged.",
       {},
       ByName<v1::DeleteVaultRequest>(&AdminClient::DeleteVault)},
      {{"vault", "recover"},
       {"NAME"},
       "",
       "Recover a soft-deleted vault.",
       {},
       ByName<v1::RecoverVaultRequest>(&AdminClient::RecoverVault)},
      {{"vault", "purge"},
       {"NAME"},
       "",
       "Remove a deleted vault and everything in it, for good.",
       {},
       Purge},
  };
}

}  // namespace coffer::cli
