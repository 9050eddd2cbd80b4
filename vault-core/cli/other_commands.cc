// coffer installation show (InstallationAdmin) and coffer audit verify (local files).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "coffer/admin/v1/admin.pb.h"
#include "lib/base/status.h"
#include "vault-core/audit/audit_verify_logs.h"
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

// The replica a log names, as printed: names are held to ValidateReplicaName's printable
// characters when read, so a hostile file cannot put anything else on the terminal.
std::string ReplicaText(const audit::VerifyResult& r) {
  if (r.replica.empty()) return "(none)";
  if (r.replica_from_line <= 1) return r.replica;
  return absl::StrCat(r.replica, " from line ", r.replica_from_line);
}

// "PATH: intact: replica R, N lines, T1 to T2, last hash H" or
// "PATH: tampered: replica R, N lines: line K: <problem>".
std::string LogLine(const audit::LogVerdict& log) {
  const audit::VerifyResult& r = log.result;
  std::string line = absl::StrCat(log.name, ": ", r.intact ? "intact" : "tampered", ": replica ",
                                  ReplicaText(r), ", ", r.lines, r.lines == 1 ? " line" : " lines");
  if (!r.intact) return absl::StrCat(line, ": ", r.problem);
  if (r.signed_through > 0) absl::StrAppend(&line, ", signed through line ", r.signed_through);
  if (!r.continues.empty()) {
    absl::StrAppend(&line, " from line ", r.first_seq, " (continuing ", r.continues, ")");
  }
  if (r.lines > 0) absl::StrAppend(&line, ", ", Rfc3339(r.earliest), " to ", Rfc3339(r.latest));
  return absl::StrCat(line, ", last hash ", r.last_hash.empty() ? "-" : r.last_hash);
}

json LogJson(const audit::LogVerdict& log) {
  const audit::VerifyResult& r = log.result;
  if (!log.read.ok()) return {{"file", log.name}, {"error", std::string(log.read.message())}};
  json doc = {{"file", log.name},
              {"intact", r.intact},
              {"replica", r.replica.empty() ? json(nullptr) : json(r.replica)},
              {"lines", r.lines}};
  if (r.replica_from_line > 1) doc["replicaFromLine"] = r.replica_from_line;
  if (!r.continues.empty()) {
    doc["continues"] = r.continues;
    doc["firstSeq"] = r.first_seq;
  }
  doc["checkpoints"] = r.checkpoints;
  if (r.signed_through > 0) doc["signedThrough"] = r.signed_through;
  if (r.lines > 0) {
    doc["earliest"] = Rfc3339(r.earliest);
    doc["latest"] = Rfc3339(r.latest);
  }
  if (r.intact) {
    doc["lastHash"] = r.last_hash;
  } else {
    doc["firstBadLine"] = r.first_bad_line;
    doc["problem"] = r.problem;
  }
  return doc;
}

const char* ConflictKind(audit::LogConflict::Kind kind) {
  switch (kind) {
    case audit::LogConflict::Kind::kFork:
      return "fork";
    case audit::LogConflict::Kind::kOverlap:
      return "overlap";
    case audit::LogConflict::Kind::kGap:
      return "gap";
  }
  return "conflict";
}

json VerdictJson(const audit::LogsVerdict& verdict) {
  json doc = {{"intact", verdict.ok()}, {"logs", json::array()}, {"conflicts", json::array()}};
  for (const audit::LogVerdict& log : verdict.logs) doc["logs"].push_back(LogJson(log));
  for (const audit::LogConflict& c : verdict.conflicts) {
    doc["conflicts"].push_back(
        {{"kind", ConflictKind(c.kind)},
         {"replica", c.replica},
         {"files", {verdict.logs[c.first].name, verdict.logs[c.second].name}},
         {"problem", c.problem}});
  }
  doc["notes"] = verdict.notes;
  return doc;
}

// Each file on its own, then the logs naming one replica against each other (a fork, or two
// chains over the same time). Exit 6 when anything is tampered or conflicts; otherwise a file
// that could not be read sets the exit code (3 when missing), after the others are reported.
absl::Status AuditVerify(Context& ctx) {
  // A directory stands for its logs: a replica's log and the files rotated before it.
  std::vector<std::string> files;
  absl::Status unread;
  for (const std::string& arg : ctx.args().positional()) {
    absl::StatusOr<std::vector<std::string>> at = audit::AuditFilesAt(arg);
    if (at.ok()) {
      files.insert(files.end(), at->begin(), at->end());
      continue;
    }
    ctx.err() << "coffer: " << at.status().message() << "\n";
    if (unread.ok()) unread = at.status();
  }
  std::optional<audit::CheckpointKeys> keys;
  if (std::optional<std::string> jwks = ctx.args().Value("--jwks")) {
    COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(*jwks));
    absl::StatusOr<audit::CheckpointKeys> read = audit::CheckpointKeysFromJwks(text);
    if (!read.ok()) return absl::InvalidArgumentError(*jwks + ": " + std::string(read.status().message()));
    keys = *std::move(read);
  }
  audit::LogsVerdict verdict = audit::VerifyAuditLogs(files, keys ? &*keys : nullptr);
  for (const audit::LogVerdict& log : verdict.logs) {
    if (log.read.ok()) continue;
    ctx.err() << "coffer: " << log.read.message() << "\n";
    if (unread.ok()) unread = log.read;
  }
  if (ctx.format() == OutputFormat::kJson) {
    PrintObject(ctx.out(), ctx.format(), VerdictJson(verdict), {});
  } else {
    for (const audit::LogVerdict& log : verdict.logs) {
      if (log.read.ok()) ctx.out() << LogLine(log) << "\n";
    }
    for (const audit::LogConflict& conflict : verdict.conflicts) {
      ctx.out() << conflict.problem << "\n";
    }
    for (const std::string& note : verdict.notes) ctx.out() << note << "\n";
  }
  bool tampered = !verdict.conflicts.empty();
  for (const audit::LogVerdict& log : verdict.logs) {
    tampered = tampered || (log.read.ok() && !log.result.intact);
  }
  if (tampered) return QuietExit(kExitTampered);
  return unread.ok() ? absl::OkStatus() : QuietExit(ExitCodeFor(unread));
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
       {"FILE|DIR..."},
       "[--jwks FILE]",
       "Check audit logs' hash chains (a directory: every log in it, the rotated ones too), "
       "and one replica's logs against each other: exit 0 if all are intact, 6 if a line was "
       "edited, removed, inserted, reordered or moved from another replica's log, a rotated "
       "file lost its end, a signed checkpoint does not verify, or a replica's chain forked.",
       {{"--jwks", "FILE",
         "the vault's JWKS (GET /TENANT/discovery/v2.0/keys): check the checkpoints' "
         "signatures, proving who wrote the logs and how far"}},
       AuditVerify},
  };
}

}  // namespace coffer::cli
