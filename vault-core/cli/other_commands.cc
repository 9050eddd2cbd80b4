// coffer installation show (InstallationAdmin) and coffer audit verify (a local file).
#include "coffer/admin/v1/admin.pb.h"
#include "lib/base/status.h"
#include "vault-core/audit/audit_verify.h"
#include "vault-core/cli/command.h"

namespace coffer::cli {
namespace {

namespace v1 = ::coffer::admin::v1;
using nlohmann::json;

absl::Status InstallationShow(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(auto admin, ctx.Admin());
  COFFER_ASSIGN_OR_RETURN(v1::Installation installation,
                          admin->GetInstallation(v1::GetInstallationRequest()));
  PrintObject(
      ctx.out(), ctx.format(),
      {{"tenantId", installation.tenant_id()},
       {"authorityUrl", installation.authority_url()},
       {"version", installation.version()},
       {"caCertificate", installation.ca_certificate_pem()}},
      {{"Tenant id", "tenantId"}, {"Authority URL", "authorityUrl"}, {"Version", "version"}});
  return absl::OkStatus();
}

absl::Status AuditVerify(Context& ctx) {
  COFFER_ASSIGN_OR_RETURN(audit::VerifyResult result, audit::VerifyAuditFile(ctx.arg(0)));
  if (ctx.format() == OutputFormat::kJson) {
    json doc = {{"intact", result.intact}, {"lines", result.lines}};
    if (result.intact) {
      doc["lastHash"] = result.last_hash;
    } else {
      doc["firstBadLine"] = result.first_bad_line;
      doc["problem"] = result.problem;
    }
    PrintObject(ctx.out(), ctx.format(), doc, {});
  } else if (result.intact) {
    ctx.out() << "intact: " << result.lines << " lines, last hash "
              << (result.last_hash.empty() ? "-" : result.last_hash) << "\n";
  } else {
    // The problem starts with "line K: ".
    ctx.out() << "tampered: " << result.problem << "\n";
  }
  return result.intact ? absl::OkStatus() : QuietExit(kExitTampered);
}

}  // namespace

std::vector<Command> OtherCommands() {
  return {
      {{"installation", "show"},
       {},
       "",
       "Show the tenant id and authority URL that data-plane clients need.",
       {},
       InstallationShow},
      {{"audit", "verify"},
       {"FILE"},
       "",
       "Check an audit log's hash chain: exit 0 if intact, 6 if a line was edited, removed, "
       "inserted or reordered.",
       {},
       AuditVerify},
  };
}

}  // namespace coffer::cli
