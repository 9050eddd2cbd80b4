#include "vault-core/service/certificate_records.h"

namespace coffer::service::records {

using storage::v1::CertificateOperationRecord;
using storage::v1::CertificatePolicyRecord;
using storage::v1::KeyVersionRecord;

crypto::CertificateProfile ProfileOf(const domain::CertificatePolicy& p) {
  crypto::CertificateProfile profile;
  profile.subject = p.subject;
  profile.dns_names = p.dns_names;
  profile.emails = p.emails;
  profile.upns = p.upns;
  profile.ekus = p.ekus;
  profile.key_usage = p.key_usage;
  profile.validity_months = p.validity_months;
  return profile;
}

void ToRecord(const domain::CertificatePolicy& p, CertificatePolicyRecord& r) {
  r.set_exportable(p.exportable);
  r.set_kty(p.kty);
  r.set_key_size(p.key_size);
  r.set_reuse_key(p.reuse_key);
  r.set_crv(p.crv);
  r.set_content_type(p.content_type);
  r.set_subject(p.subject);
  auto copy = [](const std::vector<std::string>& from, auto* to) {
    to->Clear();
    for (const auto& v : from) *to->Add() = v;
  };
  copy(p.emails, r.mutable_emails());
  copy(p.dns_names, r.mutable_dns_names());
  copy(p.upns, r.mutable_upns());
  copy(p.ekus, r.mutable_ekus());
  copy(p.key_usage, r.mutable_key_usage());
  r.set_validity_months(p.validity_months);
  r.clear_lifetime_actions();
  for (const auto& a : p.lifetime_actions) {
    auto* out = r.add_lifetime_actions();
    out->set_lifetime_percentage(a.lifetime_percentage);
    out->set_days_before_expiry(a.days_before_expiry);
    out->set_action(a.action);
  }
  r.set_issuer_name(p.issuer_name);
  r.set_certificate_type(p.certificate_type);
  r.set_cert_transparency(p.cert_transparency ? (*p.cert_transparency ? 2 : 1) : 0);
  r.set_enabled(p.enabled);
}

domain::CertificatePolicy FromRecord(const CertificatePolicyRecord& r) {
  domain::CertificatePolicy p;
  p.exportable = r.exportable();
  p.kty = r.kty();
  p.key_size = r.key_size();
  p.reuse_key = r.reuse_key();
  p.crv = r.crv();
  p.content_type = r.content_type();
  p.subject = r.subject();
  p.emails.assign(r.emails().begin(), r.emails().end());
  p.dns_names.assign(r.dns_names().begin(), r.dns_names().end());
  p.upns.assign(r.upns().begin(), r.upns().end());
  p.ekus.assign(r.ekus().begin(), r.ekus().end());
  p.key_usage.assign(r.key_usage().begin(), r.key_usage().end());
  p.validity_months = r.validity_months();
  for (const auto& a : r.lifetime_actions()) {
    p.lifetime_actions.push_back({a.lifetime_percentage(), a.days_before_expiry(), a.action()});
  }
  p.issuer_name = r.issuer_name();
  p.certificate_type = r.certificate_type();
  if (r.cert_transparency() != 0) p.cert_transparency = r.cert_transparency() == 2;
  p.enabled = r.enabled();
  p.created = FromUnix(r.created());
  p.updated = FromUnix(r.updated());
  return p;
}

domain::CertificateOperation ToOperation(std::string_view name,
                                         const CertificateOperationRecord& r) {
  domain::CertificateOperation op;
  op.name = std::string(name);
  op.issuer_name = r.issuer_name();
  op.certificate_type = r.certificate_type();
  op.csr = r.csr();
  op.cancellation_requested = r.cancellation_requested();
  op.status = r.status();
  op.status_details = r.status_details();
  op.error_code = r.error_code();
  op.error_message = r.error_message();
  op.request_id = r.request_id();
  return op;
}

domain::PublicKey PublicKeyOf(const KeyVersionRecord& k) {
  domain::PublicKey key;
  key.n = k.n();
  key.e = k.e();
  key.curve = domain::ParseCurve(k.crv()).value_or(domain::Curve::kNone);
  key.x = k.x();
  key.y = k.y();
  return key;
}

}  // namespace coffer::service::records
