#include "vault-core/api/grpc/vault_admin.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/base/status.h"
#include "vault-core/api/grpc/admin_call.h"

namespace coffer::api::admin {
namespace {

namespace pb = ::coffer::admin::v1;

constexpr int kDefaultRetentionDays = 90;

absl::StatusOr<domain::Sku> SkuFromProto(pb::Sku sku) {
  switch (sku) {
    case pb::SKU_UNSPECIFIED:
    case pb::SKU_STANDARD:
      return domain::Sku::kStandard;
    case pb::SKU_PREMIUM:
      return domain::Sku::kPremium;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown sku ", static_cast<int>(sku)));
  }
}

std::string VaultUri(const domain::Vault& vault, int https_port) {
  if (vault.hostnames.empty()) return "";
  std::string uri = "https://" + vault.hostnames.front();
  if (https_port != 443) uri += ":" + std::to_string(https_port);
  return uri;
}

void ToProto(const domain::Vault& vault, int https_port, pb::Vault* out) {
  out->set_name(vault.name);
  out->set_id(vault.id);
  out->mutable_hostnames()->Assign(vault.hostnames.begin(), vault.hostnames.end());
  out->set_sku(vault.sku == domain::Sku::kPremium ? pb::SKU_PREMIUM : pb::SKU_STANDARD);
  out->set_soft_delete_retention_days(vault.soft_delete_retention_days);
  out->set_purge_protection(vault.purge_protection);
  out->set_created_unix(absl::ToUnixSeconds(vault.created));
  out->set_deleted_unix(vault.deleted ? absl::ToUnixSeconds(*vault.deleted) : 0);
  out->set_uri(VaultUri(vault, https_port));
}

absl::StatusOr<service::VaultUpdate> UpdateFromProto(const pb::UpdateVaultRequest& request) {
  if (request.update_mask().empty()) {
    return absl::InvalidArgumentError(
        "update_mask names no field: give hostnames, sku and/or purge_protection");
  }
  service::VaultUpdate update;
  for (const std::string& field : request.update_mask()) {
    if (field == "hostnames") {
      update.hostnames.emplace(request.hostnames().begin(), request.hostnames().end());
    } else if (field == "sku") {
      COFFER_ASSIGN_OR_RETURN(update.sku, SkuFromProto(request.sku()));
    } else if (field == "purge_protection") {
      update.purge_protection = request.purge_protection();
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown update_mask field \"", field,
                                                     "\": use hostnames, sku or purge_protection"));
    }
  }
  return update;
}

}  // namespace

absl::Status VaultAdminService::Answer(const absl::StatusOr<domain::Vault>& vault,
                                       pb::Vault* out) const {
  if (!vault.ok()) return vault.status();
  ToProto(*vault, https_port_, out);
  return absl::OkStatus();
}

grpc::Status VaultAdminService::CreateVault(grpc::ServerContext* context,
                                            const pb::CreateVaultRequest* request,
                                            pb::Vault* response) {
  AdminCall call(context, audit_, "AdminVaultCreate");
  call.set_vault(request->name());
  return call.Finish([&]() -> absl::Status {
    service::VaultSpec spec;
    spec.name = request->name();
    spec.hostnames.assign(request->hostnames().begin(), request->hostnames().end());
    COFFER_ASSIGN_OR_RETURN(spec.sku, SkuFromProto(request->sku()));
    spec.soft_delete_retention_days = request->soft_delete_retention_days() == 0
                                          ? kDefaultRetentionDays
                                          : request->soft_delete_retention_days();
    spec.purge_protection = request->purge_protection();
    return Answer(vaults_.CreateVault(spec), response);
  }());
}

grpc::Status VaultAdminService::GetVault(grpc::ServerContext* context,
                                         const pb::GetVaultRequest* request, pb::Vault* response) {
  AdminCall call(context, audit_, "AdminVaultGet");
  call.set_vault(request->name());
  return call.Finish(Answer(vaults_.Get(request->name()), response));
}

grpc::Status VaultAdminService::ListVaults(grpc::ServerContext* context,
                                           const pb::ListVaultsRequest* request,
                                           pb::ListVaultsResponse* response) {
  AdminCall call(context, audit_, "AdminVaultList");
  return call.Finish([&]() -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(std::vector<domain::Vault> vaults,
                            vaults_.List(request->include_deleted()));
    for (const domain::Vault& vault : vaults) ToProto(vault, https_port_, response->add_vaults());
    return absl::OkStatus();
  }());
}

grpc::Status VaultAdminService::UpdateVault(grpc::ServerContext* context,
                                            const pb::UpdateVaultRequest* request,
                                            pb::Vault* response) {
  AdminCall call(context, audit_, "AdminVaultUpdate");
  call.set_vault(request->name());
  return call.Finish([&]() -> absl::Status {
    COFFER_ASSIGN_OR_RETURN(service::VaultUpdate update, UpdateFromProto(*request));
    return Answer(vaults_.Update(request->name(), update), response);
  }());
}

grpc::Status VaultAdminService::DeleteVault(grpc::ServerContext* context,
                                            const pb::DeleteVaultRequest* request,
                                            pb::Vault* response) {
  AdminCall call(context, audit_, "AdminVaultDelete");
  call.set_vault(request->name());
  return call.Finish(Answer(vaults_.Delete(request->name()), response));
}

grpc::Status VaultAdminService::RecoverVault(grpc::ServerContext* context,
                                             const pb::RecoverVaultRequest* request,
                                             pb::Vault* response) {
  AdminCall call(context, audit_, "AdminVaultRecover");
  call.set_vault(request->name());
  return call.Finish(Answer(vaults_.Recover(request->name()), response));
}

grpc::Status VaultAdminService::PurgeVault(grpc::ServerContext* context,
                                           const pb::PurgeVaultRequest* request,
                                           pb::PurgeVaultResponse*) {
  AdminCall call(context, audit_, "AdminVaultPurge");
  call.set_vault(request->name());
  return call.Finish(vaults_.Purge(request->name()));
}

namespace {

constexpr std::size_t kMaxVersionsChecked = 1000;

// One version as a resolution weighs it.
struct Candidate {
  std::string version;
  domain::ObjectAttributes attributes;
  bool managed = false;
};
using VersionPage = std::function<absl::StatusOr<service::Page<Candidate>>(const std::string&)>;

template <typename Properties>
absl::StatusOr<service::Page<Candidate>> Candidates(
    absl::StatusOr<service::Page<Properties>> page) {
  if (!page.ok()) return page.status();
  service::Page<Candidate> out;
  for (const Properties& p : page->items) {
    out.items.push_back({p.version, p.attributes, p.managed});
  }
  out.continuation = std::move(page->continuation);
  return out;
}

// Whether `ref` could be read now, and which version a reader would get: the one named, or the
// newest enabled one inside its validity window. A certificate is read through its secret,
// which only an issued certificate has.
void Resolve(const VersionPage& list, absl::Time now, pb::ObjectResolution* out) {
  const pb::ObjectRef& ref = out->object();
  auto refuse = [out](std::string reason) {
    out->set_resolvable(false);
    out->set_reason(std::move(reason));
  };
  const std::string what = ref.type() + " '" + ref.name() + "'";
  const Candidate* best = nullptr;
  std::vector<Candidate> versions;
  std::string continuation;
  auto named = [&] {
    return std::any_of(versions.begin(), versions.end(),
                       [&](const auto& v) { return v.version == ref.version(); });
  };
  do {
    auto page = list(continuation);
    if (!page.ok()) return refuse(std::string(page.status().message()));
    // Listing the versions of a name that has none answers an empty page, as Azure does.
    if (continuation.empty() && versions.empty() && page->items.empty()) {
      return refuse(what + " does not exist");
    }
    if (ref.type() == "certificate" && !page->items.empty() && !page->items[0].managed) {
      return refuse(what + " does not exist (a secret of that name is not a certificate's)");
    }
    versions.insert(versions.end(), page->items.begin(), page->items.end());
    continuation = page->continuation;
    if (!ref.version().empty() && named()) break;
    // A check, not an audit of every version: past this many, say so rather than guess.
    if (!continuation.empty() && versions.size() >= kMaxVersionsChecked) {
      return refuse(what + " has more than " + std::to_string(kMaxVersionsChecked) +
                    " versions; not checked");
    }
  } while (!continuation.empty());
  for (const Candidate& v : versions) {
    const domain::ObjectAttributes& a = v.attributes;
    if (!ref.version().empty()) {
      if (v.version != ref.version()) continue;
      if (!a.enabled) return refuse("version " + ref.version() + " is disabled");
      best = &v;
      break;
    }
    bool usable = a.enabled && (!a.not_before || *a.not_before <= now) &&
                  (!a.expires || now < *a.expires);
    if (usable && (best == nullptr || a.created > best->attributes.created)) best = &v;
  }
  if (best == nullptr) {
    return refuse(ref.version().empty()
                      ? what + " has no enabled version inside its validity window"
                      : what + " has no version " + ref.version());
  }
  out->set_resolvable(true);
  out->set_version(best->version);
}

}  // namespace

grpc::Status VaultAdminService::ResolveObjects(grpc::ServerContext* context,
                                               const pb::ResolveObjectsRequest* request,
                                               pb::ResolveObjectsResponse* response) {
  AdminCall call(context, audit_, "AdminObjectsResolve");
  call.set_vault(request->vault());
  return call.Finish([&]() -> absl::Status {
    if (request->objects_size() > 64) {
      return absl::InvalidArgumentError("at most 64 objects per call");
    }
    COFFER_ASSIGN_OR_RETURN(domain::Vault vault, vaults_.Get(request->vault()));
    if (vault.deleted) {
      return absl::FailedPreconditionError("vault " + request->vault() + " is deleted");
    }
    const absl::Time now = absl::Now();
    for (const pb::ObjectRef& ref : request->objects()) {
      pb::ObjectResolution* out = response->add_objects();
      *out->mutable_object() = ref;
      const std::string& type = ref.type();
      if (type != "secret" && type != "certificate" && type != "key") {
        out->set_resolvable(false);
        out->set_reason("this vault serves no objects of type " + type);
        continue;
      }
      auto list = [&](const std::string& continuation)
          -> absl::StatusOr<service::Page<Candidate>> {
        if (type == "key") {
          return Candidates(keys_.ListVersions(vault, ref.name(), continuation, 100));
        }
        return Candidates(secrets_.ListVersions(vault, ref.name(), continuation, 100));
      };
      Resolve(list, now, out);
    }
    return absl::OkStatus();
  }());
}

}  // namespace coffer::api::admin
