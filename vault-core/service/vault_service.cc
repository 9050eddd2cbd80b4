#include "vault-core/service/vault_service.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/crypto/random.h"
#include "vault-core/domain/names.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/retry.h"

namespace coffer::service {
namespace {

using storage::kMustNotExist;
using storage::Precondition;
using storage::Write;
using storage::v1::VaultRecord;

std::string VaultKey(std::string_view id) { return absl::StrCat("vaults/", AsAbsl(id)); }
std::string NameKey(std::string_view name) { return absl::StrCat("vaultnames/", AsAbsl(name)); }
std::string HostKey(std::string_view host) { return absl::StrCat("hosts/", AsAbsl(host)); }

domain::Vault FromRecord(const VaultRecord& r) {
  domain::Vault v;
  v.id = r.id();
  v.name = r.name();
  v.hostnames.assign(r.hostnames().begin(), r.hostnames().end());
  v.sku = r.premium() ? domain::Sku::kPremium : domain::Sku::kStandard;
  v.soft_delete_retention_days = r.soft_delete_retention_days();
  v.purge_protection = r.purge_protection();
  v.created = absl::FromUnixSeconds(r.created());
  if (r.deleted() != 0) v.deleted = absl::FromUnixSeconds(r.deleted());
  return v;
}

VaultRecord ToRecord(const domain::Vault& v) {
  VaultRecord r;
  r.set_id(v.id);
  r.set_name(v.name);
  for (const auto& h : v.hostnames) r.add_hostnames(h);
  r.set_premium(v.sku == domain::Sku::kPremium);
  r.set_soft_delete_retention_days(v.soft_delete_retention_days);
  r.set_purge_protection(v.purge_protection);
  r.set_created(absl::ToUnixSeconds(v.created));
  r.set_deleted(v.deleted.has_value() ? absl::ToUnixSeconds(*v.deleted) : 0);
  return r;
}

absl::Status ValidateHostnames(const std::vector<std::string>& hostnames) {
  if (hostnames.empty()) return absl::InvalidArgumentError("a vault needs at least one hostname");
  std::set<std::string> seen;
  for (const auto& h : hostnames) {
    COFFER_RETURN_IF_ERROR(domain::ValidateHostname(h));
    if (!seen.insert(h).second) {
      return absl::InvalidArgumentError(absl::StrCat("hostname listed twice: ", h));
    }
  }
  return absl::OkStatus();
}

absl::Status VaultNotFound(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("vault ", AsAbsl(name), " not found"));
}

}  // namespace

struct VaultService::Loaded {
  domain::Vault vault;
  storage::Revision revision = 0;
};

absl::StatusOr<std::unique_ptr<VaultService>> VaultService::Create(
    storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
    ServingCertificates* certificates) {
  COFFER_ASSIGN_OR_RETURN(auto by_host, HostCache::Create(store, {"vaults/", "hosts/"}));
  COFFER_ASSIGN_OR_RETURN(auto parent_domains, DomainCache::Create(store, {"vaults/"}, 1));
  return std::unique_ptr<VaultService>(new VaultService(
      store, keys, clock, certificates, std::move(by_host), std::move(parent_domains)));
}

absl::Status VaultService::EnsureCertificates(const std::vector<std::string>& hostnames) {
  return certificates_ == nullptr ? absl::OkStatus() : certificates_->EnsureHosts(hostnames);
}

absl::StatusOr<VaultService::Loaded> VaultService::Load(std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateVaultName(name));
  auto id = store_.Get(NameKey(name));
  if (absl::IsNotFound(id.status())) return VaultNotFound(name);
  if (!id.ok()) return id.status();
  COFFER_ASSIGN_OR_RETURN(auto entry, store_.Get(VaultKey(id->value)));
  VaultRecord record;
  if (!record.ParseFromString(entry.value)) return absl::DataLossError("vault record corrupt");
  return Loaded{FromRecord(record), entry.revision};
}

absl::StatusOr<domain::Vault> VaultService::CreateVault(const VaultSpec& spec) {
  COFFER_RETURN_IF_ERROR(domain::ValidateVaultName(spec.name));
  COFFER_RETURN_IF_ERROR(ValidateHostnames(spec.hostnames));
  if (spec.soft_delete_retention_days < 7 || spec.soft_delete_retention_days > 90) {
    return absl::InvalidArgumentError("soft-delete retention must be 7 to 90 days");
  }
  COFFER_RETURN_IF_ERROR(EnsureCertificates(spec.hostnames));
  domain::Vault vault;
  vault.id = crypto::RandomHex(16);
  vault.name = spec.name;
  vault.hostnames = spec.hostnames;
  vault.sku = spec.sku;
  vault.soft_delete_retention_days = spec.soft_delete_retention_days;
  vault.purge_protection = spec.purge_protection;
  vault.created = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now()));
  std::vector<Precondition> preconditions = {{NameKey(vault.name), kMustNotExist}};
  std::vector<Write> writes = {Write::Put(VaultKey(vault.id), ToRecord(vault).SerializeAsString()),
                               Write::Put(NameKey(vault.name), vault.id)};
  for (const auto& h : vault.hostnames) {
    preconditions.push_back({HostKey(h), kMustNotExist});
    writes.push_back(Write::Put(HostKey(h), vault.id));
  }
  auto committed = store_.Commit(preconditions, writes);
  if (absl::IsAborted(committed.status())) {
    return absl::AlreadyExistsError(
        absl::StrCat("vault name ", vault.name, " or one of its hostnames is already in use"));
  }
  if (!committed.ok()) return committed.status();
  Forget();
  return vault;
}

absl::StatusOr<domain::Vault> VaultService::Get(std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(name));
  return loaded.vault;
}

absl::StatusOr<std::vector<domain::Vault>> VaultService::List(bool include_deleted) {
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({"vaults/", "", 0}));
  std::vector<domain::Vault> vaults;
  for (const auto& entry : range.entries) {
    VaultRecord record;
    if (!record.ParseFromString(entry.value)) return absl::DataLossError("vault record corrupt");
    if (record.deleted() != 0 && !include_deleted) continue;
    vaults.push_back(FromRecord(record));
  }
  std::sort(vaults.begin(), vaults.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return vaults;
}

absl::Status VaultService::Save(const Loaded& before, const domain::Vault& after) {
  std::vector<Precondition> preconditions = {{VaultKey(after.id), before.revision}};
  std::vector<Write> writes = {Write::Put(VaultKey(after.id), ToRecord(after).SerializeAsString())};
  const auto& old_hosts = before.vault.hostnames;
  for (const auto& h : after.hostnames) {
    if (std::find(old_hosts.begin(), old_hosts.end(), h) != old_hosts.end()) continue;
    auto owner = store_.Get(HostKey(h));
    if (owner.ok()) {
      return absl::AlreadyExistsError(absl::StrCat("hostname ", h, " is already in use"));
    }
    preconditions.push_back({HostKey(h), kMustNotExist});
    writes.push_back(Write::Put(HostKey(h), after.id));
  }
  for (const auto& h : old_hosts) {
    if (std::find(after.hostnames.begin(), after.hostnames.end(), h) == after.hostnames.end()) {
      writes.push_back(Write::Delete(HostKey(h)));
    }
  }
  COFFER_RETURN_IF_ERROR(store_.Commit(preconditions, writes).status());
  Forget();
  return absl::OkStatus();
}

absl::StatusOr<domain::Vault> VaultService::Update(std::string_view name,
                                                   const VaultUpdate& update) {
  if (update.hostnames) {
    COFFER_RETURN_IF_ERROR(ValidateHostnames(*update.hostnames));
    COFFER_RETURN_IF_ERROR(EnsureCertificates(*update.hostnames));
  }
  return RetryOnConflict([&]() -> absl::StatusOr<domain::Vault> {
    COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(name));
    domain::Vault vault = loaded.vault;
    if (update.hostnames) vault.hostnames = *update.hostnames;
    if (update.sku) vault.sku = *update.sku;
    if (update.purge_protection) {
      if (vault.purge_protection && !*update.purge_protection) {
        return absl::FailedPreconditionError("purge protection cannot be turned off");
      }
      vault.purge_protection = *update.purge_protection;
    }
    COFFER_RETURN_IF_ERROR(Save(loaded, vault));
    return vault;
  });
}

absl::StatusOr<domain::Vault> VaultService::Delete(std::string_view name) {
  return RetryOnConflict([&]() -> absl::StatusOr<domain::Vault> {
    COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(name));
    if (loaded.vault.deleted) return VaultNotFound(name);
    domain::Vault vault = loaded.vault;
    vault.deleted = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now()));
    COFFER_RETURN_IF_ERROR(Save(loaded, vault));
    return vault;
  });
}

absl::StatusOr<domain::Vault> VaultService::Recover(std::string_view name) {
  return RetryOnConflict([&]() -> absl::StatusOr<domain::Vault> {
    COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(name));
    if (!loaded.vault.deleted) {
      return absl::FailedPreconditionError(absl::StrCat("vault ", AsAbsl(name), " is not deleted"));
    }
    domain::Vault vault = loaded.vault;
    vault.deleted.reset();
    COFFER_RETURN_IF_ERROR(EnsureCertificates(vault.hostnames));
    COFFER_RETURN_IF_ERROR(Save(loaded, vault));
    return vault;
  });
}

absl::Status VaultService::Purge(std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(Loaded loaded, Load(name));
  const domain::Vault& vault = loaded.vault;
  if (!vault.deleted) {
    return absl::FailedPreconditionError("only a deleted vault can be purged; delete it first");
  }
  absl::Time purge_after = *vault.deleted + absl::Hours(24) * vault.soft_delete_retention_days;
  if (vault.purge_protection && clock_.Now() < purge_after) {
    return absl::FailedPreconditionError(
        absl::StrCat("vault ", vault.name, " has purge protection: it can be purged after ",
                     absl::FormatTime(absl::RFC3339_sec, purge_after, absl::UTCTimeZone())));
  }
  COFFER_ASSIGN_OR_RETURN(auto contents, store_.Range({absl::StrCat("v/", vault.id, "/"), "", 0}));
  COFFER_ASSIGN_OR_RETURN(auto policies, store_.Range({PolicyService::Prefix(vault.id), "", 0}));
  std::vector<Write> writes = {Write::Delete(VaultKey(vault.id)),
                               Write::Delete(NameKey(vault.name)),
                               Write::Delete(envelope::VaultKeys::StorageKey(vault.id))};
  for (const auto& h : vault.hostnames) writes.push_back(Write::Delete(HostKey(h)));
  for (const auto& e : contents.entries) writes.push_back(Write::Delete(e.key));
  for (const auto& e : policies.entries) writes.push_back(Write::Delete(e.key));
  COFFER_RETURN_IF_ERROR(
      store_.Commit({Precondition{VaultKey(vault.id), loaded.revision}}, writes).status());
  keys_.Forget(vault.id);
  Forget();
  return absl::OkStatus();
}

absl::StatusOr<bool> VaultService::IsParentDomain(std::string_view parent) {
  COFFER_ASSIGN_OR_RETURN(
      auto parents, parent_domains_->Get("", [&]() -> absl::StatusOr<std::shared_ptr<const DomainSet>> {
        COFFER_ASSIGN_OR_RETURN(std::vector<domain::Vault> vaults, List(false));
        auto set = std::make_shared<DomainSet>();
        for (const auto& vault : vaults) {
          for (const std::string& host : vault.hostnames) {
            for (std::size_t dot = host.find('.'); dot != std::string::npos;
                 dot = host.find('.', dot + 1)) {
              set->insert(host.substr(dot + 1));
            }
          }
        }
        return set;
      }));
  return parents->count(parent) > 0;
}

absl::StatusOr<std::shared_ptr<const domain::Vault>> VaultService::ResolveHost(
    std::string_view host) {
  return by_host_->Get(host, [&]() -> absl::StatusOr<std::shared_ptr<const domain::Vault>> {
    auto id = store_.Get(HostKey(host));
    if (absl::IsNotFound(id.status())) {
      return absl::NotFoundError(absl::StrCat("no vault is addressed as ", AsAbsl(host)));
    }
    if (!id.ok()) return id.status();
    COFFER_ASSIGN_OR_RETURN(auto entry, store_.Get(VaultKey(id->value)));
    VaultRecord record;
    if (!record.ParseFromString(entry.value)) return absl::DataLossError("vault record corrupt");
    if (record.deleted() != 0) {
      return absl::NotFoundError(absl::StrCat("no vault is addressed as ", AsAbsl(host)));
    }
    return std::make_shared<const domain::Vault>(FromRecord(record));
  });
}

}  // namespace coffer::service
