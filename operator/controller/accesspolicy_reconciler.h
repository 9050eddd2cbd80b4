#ifndef COFFER_OPERATOR_CONTROLLER_ACCESSPOLICY_RECONCILER_H_
#define COFFER_OPERATOR_CONTROLLER_ACCESSPOLICY_RECONCILER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "operator/api/v1alpha1/types.h"
#include "operator/controller/context.h"
#include "operator/controller/recheck_set.h"

namespace coffer::op {

inline constexpr char kAccessPolicyFinalizer[] = "coffer.dev/accesspolicy";

// Makes the vault of an AccessPolicy's KeyVault grant its subject exactly its permissions: a
// ServiceAccount subject becomes the managed identity of that ServiceAccount of this cluster
// (created when needed), a principal subject must exist in Coffer. Deleting the AccessPolicy
// removes the grant (finalizer coffer.dev/accesspolicy); so does a KeyVault that stops allowing
// the policy's namespace, or a subject or vault that changes (the old grant goes first).
//
// Two AccessPolicies for the same subject and KeyVault would overwrite each other's grant: the
// older one wins, the other reports Ready=False DuplicateSubject. A policy that stops
// describing its recorded grant (a new subject or vault, permissions that cannot be granted,
// an invalid spec) has that grant revoked rather than left in place.
//
// First pass: two admin calls (the subject, then the grant). A policy whose status already
// describes its generation costs none, unless the drift sweep flagged it (the grant was changed
// or removed behind the operator's back): then it is set again.
//
// Reconcile returns OK when the grant is in place or waiting for a person or for its KeyVault
// (Ready says why; KeyVault changes requeue the policies that name it), and an error when
// trying again later may help. Thread-safe.
class AccessPolicyReconciler {
 public:
  // The AccessPolicies whose subject is named `name` (a ServiceAccount's name or a principal's
  // object id; more may be returned), to find duplicates without scanning every policy.
  using SameSubject = std::function<std::vector<nlohmann::json>(const std::string& name)>;

  AccessPolicyReconciler(ReconcilerContext context, Lister policies, Lister keyvaults,
                         SameSubject same_subject)
      : ctx_(context),
        policies_(std::move(policies)),
        keyvaults_(std::move(keyvaults)),
        same_subject_(std::move(same_subject)) {}

  // The name SameSubject is keyed by, read from an AccessPolicy object without parsing it all.
  static std::string SubjectName(const nlohmann::json& object);

  // The permissions a vault's access policy grants, as the status records them.
  static v1alpha1::Permissions GrantedBy(const admin::v1::AccessPolicy& policy);

  absl::Status Reconcile(const v1alpha1::ObjectKey& key);
  void MarkForRecheck(const v1alpha1::ObjectKey& key) { recheck_.Mark(key); }

 private:
  struct Outcome;
  absl::Status Finalize(const nlohmann::json& object, const v1alpha1::AccessPolicy& ap);
  Outcome Grant(const v1alpha1::AccessPolicy& ap, const std::string& vault_name);
  absl::StatusOr<admin::v1::Principal> ResolveSubject(const v1alpha1::AccessPolicy& ap);
  // Removes the grant the status records; OK when there is none (or the vault is gone).
  absl::Status Revoke(const v1alpha1::AccessPolicyStatus& status);
  absl::Status Report(const nlohmann::json& object, v1alpha1::AccessPolicy ap,
                      const Outcome& outcome);
  // The older AccessPolicy for the same subject and KeyVault, if there is one: it wins, since
  // two would overwrite each other's grant.
  std::optional<v1alpha1::ObjectKey> OlderDuplicate(const v1alpha1::AccessPolicy& ap,
                                                    const nlohmann::json& object);

  ReconcilerContext ctx_;
  const Lister policies_;
  const Lister keyvaults_;
  const SameSubject same_subject_;
  RecheckSet recheck_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_ACCESSPOLICY_RECONCILER_H_
