// `coffer certificate ...` against the same vault the SDK tests use: what the CLI creates,
// imports, merges and downloads, checked with the openssl command line, and the life cycle
// (versions, soft delete, recover, purge, backup and restore) as the CLI shows it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { coffer, cofferOk as ok, uniqueName, randomValue, openssl } from "./helpers.mjs";

const VERSION = /^[0-9a-f]{32}$/;
const PKCS12 = "application/x-pkcs12";



// Runs a command that must fail with exit code `status` (docs/cli.md, "Errors and exit codes").
function fails(args, status) {
  const r = coffer(args);
  assert.equal(r.status, status, `coffer ${args.join(" ")} exited ${r.status}: ${r.out}${r.err}`);
  return r;
}

// ---- files and openssl ----------------------------------------------------------------------

let dir;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "coffer-certificates-cli-"));
});
after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// A path in the temp dir, unique per call; `text` is written to it when given.
function tempFile(suffix, text) {
  const p = path.join(dir, `${crypto.randomBytes(6).toString("hex")}${suffix}`);
  if (text !== undefined) fs.writeFileSync(p, text);
  return p;
}

const modeOf = (file) => fs.statSync(file).mode & 0o777;

// The SHA-1 thumbprint of the (first) certificate in a PEM file, in hex as the CLI prints it.
function thumbprintOf(file) {
  const out = openssl(["x509", "-noout", "-fingerprint", "-sha1", "-in", file]);
  return out.match(/Fingerprint=([0-9A-F:]+)/i)[1].replaceAll(":", "").toUpperCase();
}

const subjectOf = (file) => openssl(["x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", file]).trim();
// The public key (SPKI PEM) of the first certificate, and of the first private key, in a file.
const certificateKeyOf = (file) => openssl(["x509", "-pubkey", "-noout", "-in", file]);
const privateKeyPublicOf = (file) => openssl(["pkey", "-pubout", "-in", file]);
// The first private key in a file, as openssl writes it (PKCS#8 PEM): equal text, equal key.
const privateKeyOf = (file) => openssl(["pkey", "-in", file]);
const certificateCount = (text) => (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;

// A key and a self-signed server certificate made by openssl.
function opensslSelfSigned(subject) {
  const keyFile = tempFile(".key");
  const certFile = tempFile(".crt");
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30", "-subj", subject,
    "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth",
    "-keyout", keyFile, "-out", certFile]);
  return { keyFile, certFile };
}

// A PFX of `made` under `password`.
function opensslPfx(made, password) {
  const pfxFile = tempFile(".pfx");
  openssl(["pkcs12", "-export", "-inkey", made.keyFile, "-in", made.certFile, "-passout", `pass:${password}`,
    "-out", pfxFile]);
  return pfxFile;
}

// A CA of this test's own, as an operator's would be.
function opensslCa() {
  const keyFile = tempFile(".key");
  const certFile = tempFile(".crt");
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
    "-subj", "/CN=Coffer CLI test CA", "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", keyFile, "-out", certFile]);
  return { keyFile, certFile };
}

// A certificate the vault cannot find under `name`, nor its key or secret.
function assertNothingNamed(name) {
  assert.match(fails(["certificate", "show", name], 3).err, /^coffer: CertificateNotFound/);
  fails(["key", "show", name], 3);
  fails(["secret", "show", name], 3);
  assert.ok(!ok(["certificate", "list", "--include-pending"]).some((c) => c.name === name));
}

// ---- the tests ------------------------------------------------------------------------------

test("coffer certificate create (Self) issues at once; show and download agree with openssl", () => {
  const name = uniqueName("cli-self");
  const made = ok(["certificate", "create", name, "--subject", "CN=cli.coffer.test", "--dns", "cli.coffer.test",
    "--dns", "www.cli.coffer.test", "--kty", "EC", "--curve", "P-256", "--months", "6", "--tag", "by=cli"]);
  assert.equal(made.name, name);
  assert.match(made.version, VERSION);
  assert.equal(made.pending, false);
  assert.equal(made.subject, "CN=cli.coffer.test");
  assert.deepEqual(made.dnsNames, ["cli.coffer.test", "www.cli.coffer.test"]);
  assert.equal(made.issuer, "Self");
  assert.equal(made.contentType, PKCS12);
  assert.deepEqual(made.tags, { by: "cli" });
  assert.match(made.thumbprint, /^[0-9A-F]{40}$/);
  assert.ok(made.keyId.endsWith(`/keys/${name}/${made.version}`), made.keyId);
  assert.ok(made.secretId.endsWith(`/secrets/${name}/${made.version}`), made.secretId);
  const months = (Date.parse(made.expires) - Date.parse(made.notBefore)) / (30.4 * 86_400_000);
  assert.ok(months > 5.5 && months < 6.5, `valid for ${months} months`);

  // show: the same version, and --out-file writes the certificate openssl reads.
  const certFile = tempFile(".crt");
  const shown = ok(["certificate", "show", name, "--out-file", certFile]);
  assert.equal(shown.version, made.version);
  assert.equal(shown.thumbprint, made.thumbprint);
  assert.equal(thumbprintOf(certFile), made.thumbprint);
  assert.equal(subjectOf(certFile), "subject=CN=cli.coffer.test");
  assert.equal(subjectOf(certFile), openssl(["x509", "-noout", "-issuer", "-nameopt", "RFC2253", "-in",
    certFile]).trim().replace("issuer=", "subject="), "self-signed");
  assert.match(openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", certFile]),
    /DNS:cli\.coffer\.test, DNS:www\.cli\.coffer\.test/);
  assert.match(openssl(["x509", "-noout", "-text", "-in", certFile]), /ASN1 OID: prime256v1/);

  // download --format pem: the key (PKCS#8) first, then the certificate; mode 0600.
  const pemFile = tempFile(".pem");
  const pem = ok(["certificate", "download", name, "--file", pemFile, "--format", "pem"]);
  assert.deepEqual(pem, { name, version: made.version, file: pemFile, format: "pem" });
  assert.equal(modeOf(pemFile), 0o600);
  const pemText = fs.readFileSync(pemFile, "utf8");
  assert.match(pemText, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(certificateCount(pemText), 1);
  assert.equal(thumbprintOf(pemFile), made.thumbprint);
  assert.equal(privateKeyPublicOf(pemFile), certificateKeyOf(pemFile), "the key is the certificate's");

  // download --format pfx: PKCS#12 with an empty password that OpenSSL 3 opens as it is.
  const pfxFile = tempFile(".pfx");
  assert.equal(ok(["certificate", "download", name, "--file", pfxFile, "--format", "pfx"]).format, "pfx");
  assert.equal(modeOf(pfxFile), 0o600);
  const info = openssl(["pkcs12", "-in", pfxFile, "-passin", "pass:", "-nokeys", "-info"]);
  assert.equal(certificateCount(info), 1);
  const opened = tempFile(".pem");
  openssl(["pkcs12", "-in", pfxFile, "-passin", "pass:", "-nodes", "-out", opened]);
  assert.equal(thumbprintOf(opened), made.thumbprint);
  assert.equal(privateKeyOf(opened), privateKeyOf(pemFile), "the PFX holds the same key");
});

test("coffer certificate import takes an openssl PFX with --password-file and keeps its key", () => {
  const name = uniqueName("cli-import");
  const made = opensslSelfSigned("/CN=cli-import.coffer.test");
  const password = randomValue();
  const pfxFile = opensslPfx(made, password);
  const passwordFile = tempFile(".pass", `${password}\n`); // as `echo` writes it
  fs.chmodSync(passwordFile, 0o600);
  const imported = ok(["certificate", "import", name, "--file", pfxFile, "--password-file", passwordFile,
    "--tag", "from=openssl"]);
  assert.equal(imported.name, name);
  assert.match(imported.version, VERSION);
  assert.equal(imported.pending, false);
  assert.equal(imported.thumbprint, thumbprintOf(made.certFile));
  assert.equal(imported.subject, "CN=cli-import.coffer.test");
  assert.equal(imported.issuer, "Unknown");
  assert.equal(imported.contentType, PKCS12);
  assert.deepEqual(imported.tags, { from: "openssl" });

  const pemFile = tempFile(".pem");
  ok(["certificate", "download", name, "--file", pemFile, "--format", "pem"]);
  assert.equal(thumbprintOf(pemFile), thumbprintOf(made.certFile));
  assert.equal(privateKeyOf(pemFile), privateKeyOf(made.keyFile), "the vault kept the PFX's key");
});

test("coffer certificate import with a wrong password fails, says why, and creates nothing", () => {
  const name = uniqueName("cli-badpass");
  const pfxFile = opensslPfx(opensslSelfSigned("/CN=cli-badpass"), randomValue());
  const passwordFile = tempFile(".pass", "not the password\n");
  const r = fails(["certificate", "import", name, "--file", pfxFile, "--password-file", passwordFile], 1);
  assert.equal(r.out, "");
  assert.match(r.err, /^coffer: .*the password is wrong/);
  assert.equal(r.err.trim().split("\n").length, 1, "one line");
  assertNothingNamed(name);
});

test("coffer certificate create --issuer Unknown --csr-file, signed by an openssl CA, then merge", () => {
  const name = uniqueName("cli-merge");
  const csrFile = tempFile(".csr");
  const pending = ok(["certificate", "create", name, "--subject", "CN=cli-merge.coffer.test",
    "--dns", "cli-merge.coffer.test", "--issuer", "Unknown", "--csr-file", csrFile]);
  assert.equal(pending.name, name);
  assert.equal(pending.status, "inProgress");
  assert.equal(pending.issuer, "Unknown");
  // The CSR: PKCS#10 in PEM, signed by the key the vault keeps, for the policy's subject.
  assert.match(fs.readFileSync(csrFile, "utf8"), /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  assert.equal(openssl(["req", "-in", csrFile, "-noout", "-verify", "-subject", "-nameopt", "RFC2253"]).trim(),
    "subject=CN=cli-merge.coffer.test");
  assert.equal(ok(["certificate", "show", name]).pending, true);
  assert.ok(!ok(["certificate", "list"]).some((c) => c.name === name), "pending: not listed by default");
  assert.ok(ok(["certificate", "list", "--include-pending"]).some((c) => c.name === name));
  fails(["certificate", "download", name, "--file", tempFile(".pem")], 5);

  const ca = opensslCa();
  const leafFile = tempFile(".crt");
  openssl(["x509", "-req", "-in", csrFile, "-CA", ca.certFile, "-CAkey", ca.keyFile,
    "-set_serial", `0x${crypto.randomBytes(16).toString("hex")}`, "-days", "30", "-sha256",
    "-copy_extensions", "copy", "-out", leafFile]);
  const merged = ok(["certificate", "merge", name, "--file", leafFile, "--chain-file", ca.certFile]);
  assert.equal(merged.pending, false);
  assert.equal(merged.thumbprint, thumbprintOf(leafFile));
  assert.equal(ok(["certificate", "operation", name]).status, "completed");

  // The download: the pending key, the leaf, then the CA; openssl verifies the leaf against it.
  const pemFile = tempFile(".pem");
  ok(["certificate", "download", name, "--file", pemFile, "--format", "pem"]);
  const pemText = fs.readFileSync(pemFile, "utf8");
  assert.equal(certificateCount(pemText), 2, "leaf and CA");
  assert.equal(thumbprintOf(pemFile), merged.thumbprint, "leaf first");
  const caBody = fs.readFileSync(ca.certFile, "utf8").replace(/-----[A-Z ]+-----|\s/g, "");
  assert.ok(pemText.replace(/\s/g, "").includes(caBody), "the CA certificate follows the leaf");
  assert.equal(privateKeyPublicOf(pemFile), certificateKeyOf(leafFile), "the key is the CSR's");
  assert.match(openssl(["verify", "-CAfile", ca.certFile, pemFile]), /: OK$/m);
});

test("coffer certificate list, versions, delete, deleted, recover and purge", () => {
  const name = uniqueName("cli-life");
  const first = ok(["certificate", "create", name, "--subject", "CN=cli-life", "--content-type", "pem"]);
  const second = ok(["certificate", "create", name, "--subject", "CN=cli-life", "--content-type", "pem"]);
  assert.notEqual(second.version, first.version);
  assert.notEqual(second.thumbprint, first.thumbprint);
  const versions = ok(["certificate", "versions", name]);
  assert.deepEqual(versions.map((v) => v.version).sort(), [first.version, second.version].sort());
  assert.deepEqual(versions.map((v) => v.thumbprint).sort(), [first.thumbprint, second.thumbprint].sort());
  const listed = ok(["certificate", "list"]).filter((c) => c.name === name);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].enabled, true);

  // Delete takes the key and the secret along.
  const deleted = ok(["certificate", "delete", name]);
  assert.equal(deleted.name, name);
  assert.ok(deleted.recoveryId.endsWith(`/deletedcertificates/${name}`), deleted.recoveryId);
  assert.ok(deleted.scheduledPurge, "a purge date");
  assertNothingNamed(name);
  assert.ok(ok(["certificate", "deleted"]).some((c) => c.name === name));
  assert.ok(!ok(["key", "deleted"]).some((k) => k.name === name), "listed as the certificate only");
  // The name is taken until it is recovered or purged.
  assert.match(fails(["certificate", "create", name, "--subject", "CN=cli-life"], 5).err, /Conflict/);

  const recovered = ok(["certificate", "recover", name]);
  assert.equal(recovered.version, second.version);
  assert.equal(ok(["certificate", "show", name]).thumbprint, second.thumbprint);
  assert.equal(ok(["certificate", "versions", name]).length, 2);
  assert.equal(ok(["key", "show", name]).version, second.version);
  assert.ok(!ok(["certificate", "deleted"]).some((c) => c.name === name));

  ok(["certificate", "delete", name]);
  assert.deepEqual(ok(["certificate", "purge", name]), { purged: name });
  assert.ok(!ok(["certificate", "deleted"]).some((c) => c.name === name));
  assertNothingNamed(name);
  fails(["certificate", "recover", name], 3);
  // The name is free again.
  assert.notEqual(ok(["certificate", "create", name, "--subject", "CN=cli-life"]).version, second.version);
});

test("coffer certificate backup and restore bring back every version with the same key", () => {
  const name = uniqueName("cli-backup");
  const first = ok(["certificate", "create", name, "--subject", "CN=cli-backup"]);
  const second = ok(["certificate", "create", name, "--subject", "CN=cli-backup", "--tag", "n=2"]);
  const beforeFile = tempFile(".pem");
  ok(["certificate", "download", name, "--file", beforeFile, "--format", "pem"]);

  const backupFile = tempFile(".backup");
  const backedUp = ok(["certificate", "backup", name, "--file", backupFile]);
  assert.equal(backedUp.name, name);
  assert.equal(modeOf(backupFile), 0o600);
  const blob = fs.readFileSync(backupFile, "utf8");
  assert.equal(backedUp.bytes, blob.length);
  assert.doesNotMatch(blob, /PRIVATE KEY|CERTIFICATE/, "an opaque blob");
  // Over a live name, restore is refused.
  fails(["certificate", "restore", "--file", backupFile], 5);

  ok(["certificate", "delete", name]);
  ok(["certificate", "purge", name]);
  assertNothingNamed(name);
  const restored = ok(["certificate", "restore", "--file", backupFile]);
  assert.equal(restored.name, name);
  assert.equal(restored.version, second.version);
  assert.equal(restored.thumbprint, second.thumbprint);
  assert.deepEqual(restored.tags, { n: "2" });
  assert.deepEqual(ok(["certificate", "versions", name]).map((v) => v.version).sort(),
    [first.version, second.version].sort());
  const afterFile = tempFile(".pem");
  ok(["certificate", "download", name, "--file", afterFile, "--format", "pem"]);
  assert.equal(privateKeyOf(afterFile), privateKeyOf(beforeFile), "the same private key");
  assert.equal(thumbprintOf(afterFile), second.thumbprint);
});
