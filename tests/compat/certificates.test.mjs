// Certificates through @azure/keyvault-certificates 4.10.3, unmodified: self-signed creation,
// CSR + merge with an openssl CA, cancel, import of PFX and PEM, versions, policy, soft delete,
// backup/restore, issuers, contacts, and the linked key and secret as the keys and secrets SDKs
// see them. docs/azure-certificates-wire.md is the contract; section numbers below refer to it.
//
// Every certificate, key and PFX is checked by a second parser: node's X509Certificate for
// certificates and the openssl command line for PFX files, private keys and CSRs.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto, { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { DefaultCertificatePolicy } from "@azure/keyvault-certificates";

import {
  env,
  credential,
  limitedCredential,
  certificateClient,
  secretClient,
  keyClient,
  cryptoClient,
  uniqueName,
  randomValue,
  rejectsWith,
  poll,
  collect,
  openssl,
} from "./helpers.mjs";

// One credential for the whole file, so every client shares one token.
const cred = credential();
const client = certificateClient(cred);
const secrets = secretClient(cred);
const keys = keyClient(cred);
const origin = new URL(env.vaultUrl).origin;

const VERSION = /^[0-9a-f]{32}$/;
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const PKCS12 = "application/x-pkcs12";
const PEM = "application/x-pem-file";
const DAY_MS = 86_400_000;

// A certificate request Coffer cannot issue itself: it stays pending until a merge (§2.1).
const UNKNOWN_POLICY = { issuerName: "Unknown", subject: "CN=merge-test" };

// A policy that sets every member the create body carries, none of them to Azure's default.
const FULL_POLICY = {
  issuerName: "Self",
  subject: "CN=full.coffer.test",
  subjectAlternativeNames: { dnsNames: ["full.coffer.test", "www.full.coffer.test"] },
  enhancedKeyUsage: [SERVER_AUTH],
  keyUsage: ["digitalSignature"],
  validityInMonths: 24,
  keyType: "EC",
  keyCurveName: "P-256",
  exportable: true,
  contentType: PEM,
};

// ---- files and openssl ----------------------------------------------------------------------

let dir;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "coffer-certificates-"));
});
after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// A path in the temp dir, unique per call; `bytes` are written to it when given.
function tempFile(suffix, bytes) {
  const p = path.join(dir, `${crypto.randomBytes(6).toString("hex")}${suffix}`);
  if (bytes !== undefined) fs.writeFileSync(p, bytes);
  return p;
}

// openssl's arguments for a new key, and the key usage a leaf certificate of that key has.
const RSA_2048 = { newkey: ["-newkey", "rsa:2048"], keyUsage: "digitalSignature,keyEncipherment" };
const EC_P256 = { newkey: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], keyUsage: "digitalSignature" };

// A new key pair and a self-signed leaf certificate made by openssl, shaped like a server
// certificate (not openssl's default CA:TRUE): PKCS#8 PEM key, PEM and DER certificate.
function opensslSelfSigned(subject, keyType = RSA_2048) {
  const keyFile = tempFile(".key");
  const certFile = tempFile(".crt");
  openssl(["req", "-x509", ...keyType.newkey, "-nodes", "-sha256", "-days", "30", "-subj", subject,
    "-addext", "basicConstraints=critical,CA:FALSE", "-addext", `keyUsage=critical,${keyType.keyUsage}`,
    "-addext", "extendedKeyUsage=serverAuth", "-keyout", keyFile, "-out", certFile]);
  const certPem = fs.readFileSync(certFile, "utf8");
  return { keyPem: fs.readFileSync(keyFile, "utf8"), certPem, certDer: new X509Certificate(certPem).raw };
}

// A PFX of a key and certificate made by opensslSelfSigned, protected by `password` ("" for
// the empty password).
function opensslPfx({ keyPem, certPem }, password) {
  return openssl(["pkcs12", "-export", "-inkey", tempFile(".key", keyPem), "-in", tempFile(".crt", certPem),
    "-passout", `pass:${password}`], { encoding: "buffer" });
}

// The test CA that signs CSRs in the merge tests, made once.
let testCa;
function theTestCa() {
  if (!testCa) {
    const keyFile = tempFile(".key");
    const certFile = tempFile(".crt");
    openssl(["req", "-x509", ...RSA_2048.newkey, "-nodes", "-sha256", "-days", "2",
      "-subj", "/CN=Coffer certificates test CA", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", keyFile, "-out", certFile]);
    testCa = { keyFile, certFile, x509: new X509Certificate(fs.readFileSync(certFile)) };
  }
  return testCa;
}

// Signs a PKCS#10 request (DER) with the test CA and copies the request's extensions, as an
// operator does with the CSR Coffer hands out. Returns the certificate's DER.
function signWithTestCa(csrDer) {
  const ca = theTestCa();
  return openssl(["x509", "-req", "-inform", "DER", "-in", tempFile(".csr", csrDer), "-CA", ca.certFile,
    "-CAkey", ca.keyFile, "-set_serial", `0x${crypto.randomBytes(16).toString("hex")}`, "-days", "30",
    "-sha256", "-copy_extensions", "copy", "-outform", "DER"], { encoding: "buffer" });
}

// The PEM blocks labelled `label` in `text`, in order.
function pemBlocks(text, label) {
  return text.match(new RegExp(`-----BEGIN ${label}-----[^-]+-----END ${label}-----`, "g")) ?? [];
}

const derOfPemCertificate = (block) => new X509Certificate(block).raw;

// The private keys (PEM blocks) and certificates (DER) in PEM text.
function openPem(text) {
  return {
    keys: pemBlocks(text, "PRIVATE KEY"),
    certificates: pemBlocks(text, "CERTIFICATE").map(derOfPemCertificate),
  };
}

// What openssl finds in a PFX opened with `password`: its private keys (PKCS#8 PEM) and its
// certificates (DER).
function openPfx(pfx, password = "") {
  const pass = `pass:${password}`;
  const keyText = openssl(["pkcs12", "-nocerts", "-nodes", "-passin", pass], { input: pfx });
  const certText = openssl(["pkcs12", "-nokeys", "-passin", pass], { input: pfx });
  return { keys: openPem(keyText).keys, certificates: openPem(certText).certificates };
}

// The public key (SPKI DER) of a PEM private key, as openssl derives it.
function publicKeyOfPrivatePem(keyPem) {
  return openssl(["pkey", "-pubout", "-outform", "DER"], { input: keyPem, encoding: "buffer" });
}

// The public key (SPKI DER) in a certificate, as node reads it.
function publicKeyOfCertificate(x509) {
  return x509.publicKey.export({ type: "spki", format: "der" });
}

// openssl's description of a DER certificate: extensions, signature algorithm, key size.
function opensslText(der) {
  return openssl(["x509", "-inform", "DER", "-noout", "-text"], { input: der });
}

// ---- what a certificate looks like ----------------------------------------------------------

const b64 = (bytes) => Buffer.from(bytes).toString("base64");

// The X.509 certificate in a KeyVaultCertificate's `cer`.
function x509Of(certificate) {
  assert.ok(certificate.cer instanceof Uint8Array && certificate.cer.length > 0, "the certificate has a cer");
  return new X509Certificate(Buffer.from(certificate.cer));
}

function addMonths(date, months) {
  const d = new Date(date);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

// An issued version as the SDK shows it: ids of the certificate and its key and secret share
// one 32-hex version; the thumbprint is the SHA-1 of the DER; nbf/exp are the X.509 dates (§1).
function checkIssuedVersion(certificate, name) {
  const { version } = certificate.properties;
  assert.equal(certificate.name, name);
  assert.match(version, VERSION);
  assert.equal(certificate.properties.id, `${origin}/certificates/${name}/${version}`);
  assert.equal(certificate.keyId, `${origin}/keys/${name}/${version}`);
  assert.equal(certificate.secretId, `${origin}/secrets/${name}/${version}`);
  const x509 = x509Of(certificate);
  const sha1 = crypto.createHash("sha1").update(x509.raw).digest();
  assert.equal(b64(certificate.properties.x509Thumbprint), b64(sha1), "x509Thumbprint = SHA-1(cer)");
  assert.equal(certificate.properties.x509ThumbprintString, sha1.toString("hex"));
  const { notBefore, expiresOn } = certificate.properties;
  assert.equal(notBefore.getTime(), new Date(x509.validFrom).getTime(), "notBefore = X.509 notBefore");
  assert.equal(expiresOn.getTime(), new Date(x509.validTo).getTime(), "expiresOn = X.509 notAfter");
  return x509;
}

// A self-signed certificate of `months` months, made around `startedAt` (§2.1: notBefore is
// backdated ten minutes, notAfter is notBefore + 10 min + months calendar months).
function checkSelfSigned(x509, months, startedAt) {
  // Not x509.checkIssued(x509): openssl refuses an issuer whose keyUsage lacks keyCertSign, and
  // a leaf's has none.
  assert.equal(x509.issuer, x509.subject, "issuer = subject");
  assert.ok(x509.verify(x509.publicKey), "signed with its own key");
  const notBefore = new Date(x509.validFrom).getTime();
  assert.ok(notBefore <= Date.now(), `notBefore ${x509.validFrom} is not in the future`);
  assert.ok(notBefore >= startedAt - 3_600_000, `notBefore ${x509.validFrom} is less than an hour before the request`);
  const expected = addMonths(startedAt, months).getTime();
  const notAfter = new Date(x509.validTo).getTime();
  assert.ok(Math.abs(notAfter - expected) < 2 * DAY_MS,
    `notAfter ${x509.validTo} is ${months} months after the request`);
}

// The EKU OIDs of a certificate: node 20 and 22 call them keyUsage, later ones extKeyUsage.
const extKeyUsage = (x509) => x509.extKeyUsage ?? x509.keyUsage;

const sorted = (list) => [...(list ?? [])].sort();
const lifetimeActions = (policy) =>
  (policy.lifetimeActions ?? []).map((a) => [a.action, a.lifetimePercentage, a.daysBeforeExpiry]);

// Creates a certificate and waits for it; Self finishes within the create call (§3.1).
async function createCertificate(name, policy = DefaultCertificatePolicy, options = {}) {
  const poller = await client.beginCreateCertificate(name, policy, { ...poll, ...options });
  return poller.pollUntilDone();
}

// ---- the linked key and secret --------------------------------------------------------------

// The certificate's secret as the secrets SDK reads it: managed, in the policy's format, holding
// the certificate and exactly one private key, which is the certificate's (§2.6).
async function checkLinkedSecret(certificate, contentType) {
  const secret = await secrets.getSecret(certificate.name);
  assert.equal(secret.properties.contentType, contentType);
  assert.equal(secret.properties.managed, true, "the secret is managed");
  assert.equal(secret.properties.id, certificate.secretId);
  assert.equal(secret.properties.version, certificate.properties.version);
  // The secrets SDK exposes the bundle's `kid` as certificateKeyId.
  assert.equal(secret.properties.certificateKeyId, certificate.keyId);
  const x509 = x509Of(certificate);
  const content = contentType === PKCS12 ? openPfx(Buffer.from(secret.value, "base64")) : openPem(secret.value);
  assert.equal(content.keys.length, 1, "one private key");
  assert.equal(b64(publicKeyOfPrivatePem(content.keys[0])), b64(publicKeyOfCertificate(x509)),
    "the secret's private key belongs to the certificate");
  assert.ok(content.certificates.some((c) => c.equals(x509.raw)), "the secret holds the certificate");
  if (contentType === PEM) {
    // §2.6: the PKCS#8 key first, then the certificates, leaf first.
    const keyThenCertificate =
      /^-----BEGIN PRIVATE KEY-----\n[^-]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n/;
    assert.match(secret.value, keyThenCertificate);
    assert.ok(secret.value.endsWith("-----END CERTIFICATE-----\n"), "ends with the last certificate and a newline");
    assert.ok(content.certificates[0].equals(x509.raw), "the leaf comes first");
  }
  return { secret, content };
}

// The certificate's key as the keys SDK reads it: managed, same version; a signature Coffer
// makes with it verifies with the certificate's public key in node.
async function checkLinkedKey(certificate, algorithm) {
  const key = await keys.getKey(certificate.name);
  assert.equal(key.properties.managed, true, "the key is managed");
  assert.equal(key.id, certificate.keyId);
  assert.equal(key.properties.version, certificate.properties.version);
  const data = crypto.randomBytes(200);
  const digest = crypto.createHash("sha256").update(data).digest();
  const signed = await cryptoClient(key, cred).sign(algorithm, digest);
  const publicKey = x509Of(certificate).publicKey;
  assert.ok(crypto.verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signed.result)),
    `${algorithm} by the certificate's key verifies with the certificate`);
  return key;
}

// The pending operation as getCertificateOperation shows it (§3.2).
async function pendingOperation(name) {
  const poller = await client.getCertificateOperation(name, poll);
  return { poller, operation: poller.getOperationState().certificateOperation };
}

// Starts an Unknown-issuer certificate and returns its CSR (DER).
async function startUnknown(name) {
  const poller = await client.beginCreateCertificate(name, UNKNOWN_POLICY, poll);
  assert.equal(poller.isDone(), false, "an Unknown-issuer certificate waits for a merge");
  const { operation } = await pendingOperation(name);
  assert.equal(operation.status, "inProgress");
  assert.ok(operation.csr instanceof Uint8Array && operation.csr.length > 0, "the operation has a CSR");
  return Buffer.from(operation.csr);
}

// ---- tests ----------------------------------------------------------------------------------

describe("create with the Self issuer", () => {
  test("DefaultCertificatePolicy: a self-signed RSA 2048 certificate with Azure's default policy", async () => {
    const name = uniqueName("cert-default");
    const startedAt = Date.now();
    const poller = await client.beginCreateCertificate(name, DefaultCertificatePolicy, poll);
    assert.ok(poller.isDone(), "Self issuance completes within beginCreateCertificate");
    const certificate = await poller.pollUntilDone();

    const x509 = checkIssuedVersion(certificate, name);
    assert.equal(certificate.properties.enabled, true);
    assert.equal(x509.subject, "CN=MyCert");
    checkSelfSigned(x509, 12, startedAt);
    assert.equal(x509.publicKey.asymmetricKeyType, "rsa");
    assert.equal(x509.publicKey.asymmetricKeyDetails.modulusLength, 2048);
    assert.deepEqual(sorted(extKeyUsage(x509)), [SERVER_AUTH, CLIENT_AUTH]);
    const text = opensslText(x509.raw);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    assert.match(text, /X509v3 Basic Constraints:.*\s+CA:FALSE/);

    // §2.1: the defaults Azure fills in; the subject is echoed as sent.
    const { policy } = certificate;
    assert.equal(policy.issuerName, "Self");
    assert.equal(policy.subject, "cn=MyCert");
    assert.equal(policy.keyType, "RSA");
    assert.equal(policy.keySize, 2048);
    assert.equal(policy.exportable, true);
    assert.equal(policy.reuseKey, false);
    assert.equal(policy.contentType, PKCS12);
    assert.deepEqual(sorted(policy.enhancedKeyUsage), [SERVER_AUTH, CLIENT_AUTH]);
    assert.deepEqual(sorted(policy.keyUsage), ["digitalSignature", "keyEncipherment"]);
    assert.equal(policy.validityInMonths, 12);
    assert.deepEqual(lifetimeActions(policy), [["AutoRenew", 80, undefined]]);
    assert.equal(policy.enabled, true);
    assert.deepEqual(await client.getCertificatePolicy(name), policy, "getCertificatePolicy returns the same policy");
  });

  test("a full policy: EC P-256, subject, DNS SANs, EKU, key usage, 24 months, PEM, tags", async () => {
    const name = uniqueName("cert-full");
    const startedAt = Date.now();
    const certificate = await createCertificate(name, FULL_POLICY, { tags: { team: "compat" } });

    const x509 = checkIssuedVersion(certificate, name);
    assert.deepEqual(certificate.properties.tags, { team: "compat" });
    assert.equal(x509.subject, "CN=full.coffer.test");
    assert.equal(x509.subjectAltName, "DNS:full.coffer.test, DNS:www.full.coffer.test");
    checkSelfSigned(x509, 24, startedAt);
    assert.equal(x509.publicKey.asymmetricKeyType, "ec");
    assert.equal(x509.publicKey.asymmetricKeyDetails.namedCurve, "prime256v1");
    assert.deepEqual(extKeyUsage(x509), [SERVER_AUTH]);
    const text = opensslText(x509.raw);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature\n/);

    const { policy } = certificate;
    assert.equal(policy.issuerName, "Self");
    assert.equal(policy.subject, "CN=full.coffer.test");
    assert.deepEqual(policy.subjectAlternativeNames, { dnsNames: ["full.coffer.test", "www.full.coffer.test"] });
    assert.deepEqual(policy.enhancedKeyUsage, [SERVER_AUTH]);
    assert.deepEqual(policy.keyUsage, ["digitalSignature"]);
    assert.equal(policy.validityInMonths, 24);
    assert.equal(policy.keyType, "EC");
    assert.equal(policy.keyCurveName, "P-256");
    assert.equal(policy.exportable, true);
    assert.equal(policy.contentType, PEM);
  });
});

describe("the linked secret and key", () => {
  let rsa; // DefaultCertificatePolicy: PKCS#12, RSA 2048
  let ec; // FULL_POLICY: PEM, EC P-256
  before(async () => {
    rsa = await createCertificate(uniqueName("linked-rsa"));
    ec = await createCertificate(uniqueName("linked-ec"), FULL_POLICY);
  });

  test("the secret of a PKCS#12 certificate is a PFX with an empty password, its key and certificate", async () => {
    await checkLinkedSecret(rsa, PKCS12);
  });

  test("the secret of a PEM certificate is the PKCS#8 key, then the certificate", async () => {
    await checkLinkedSecret(ec, PEM);
  });

  test("getSecret with outContentType application/x-pem-file turns the PFX into PEM", async () => {
    const secret = await secrets.getSecret(rsa.name, { outContentType: PEM });
    const content = openPem(secret.value);
    assert.equal(content.keys.length, 1);
    assert.equal(b64(publicKeyOfPrivatePem(content.keys[0])), b64(publicKeyOfCertificate(x509Of(rsa))));
    assert.ok(content.certificates[0].equals(x509Of(rsa).raw));
  });

  test("the RSA key is managed and signs RS256 for the certificate's public key", async () => {
    await checkLinkedKey(rsa, "RS256");
  });

  test("the EC key is managed and signs ES256 for the certificate's public key", async () => {
    await checkLinkedKey(ec, "ES256");
  });

  test("setSecret on the managed secret gives 403 Forbidden, inner code SecretManagedByKeyVault", async () => {
    const err = await rejectsWith(secrets.setSecret(rsa.name, "x"), 403, "Forbidden");
    assert.equal(err.details?.error?.innerError?.code, "SecretManagedByKeyVault", JSON.stringify(err.details));
    await checkLinkedSecret(rsa, PKCS12); // unchanged
  });

  test("beginDeleteSecret on the managed secret gives 403 Forbidden, inner code SecretManagedByKeyVault", async () => {
    const err = await rejectsWith(secrets.beginDeleteSecret(rsa.name, poll), 403, "Forbidden");
    assert.equal(err.details?.error?.innerError?.code, "SecretManagedByKeyVault", JSON.stringify(err.details));
    await secrets.getSecret(rsa.name);
  });

  test("beginDeleteKey on the managed key gives 403 Forbidden, inner code KeyManagedByKeyVault", async () => {
    const err = await rejectsWith(keys.beginDeleteKey(rsa.name, poll), 403, "Forbidden");
    assert.equal(err.details?.error?.innerError?.code, "KeyManagedByKeyVault", JSON.stringify(err.details));
    await keys.getKey(rsa.name);
  });
});

describe("CSR and merge (issuer Unknown)", () => {
  test("a pending certificate has a CSR; merging Buffer.from(base64 of the DER) completes it", async () => {
    const name = uniqueName("merge-b64");
    const csr = await startUnknown(name);

    // The CSR: PKCS#10, self-signature valid, the policy's subject (checked by openssl).
    const subject = openssl(["req", "-inform", "DER", "-noout", "-verify", "-subject", "-nameopt", "RFC2253"],
      { input: csr });
    assert.match(subject, /^subject=CN=merge-test$/m);

    // §1: while pending, the certificate reads as a disabled version without cer (§3.2 needs it).
    const pending = await client.getCertificate(name);
    assert.equal(pending.properties.enabled, false);
    assert.equal(pending.cer, undefined);
    assert.equal(pending.policy.issuerName, "Unknown");
    assert.deepEqual(lifetimeActions(pending.policy), [["EmailContacts", 80, undefined]]);

    // The SDK's README merges the bytes of the base64 text of the DER (§2.4).
    const leaf = signWithTestCa(csr);
    const merged = await client.mergeCertificate(name, [Buffer.from(leaf.toString("base64"))]);
    const x509 = checkIssuedVersion(merged, name);
    assert.ok(x509.raw.equals(leaf), "cer is the merged certificate");
    assert.equal(x509.issuer, "CN=Coffer certificates test CA");
    assert.ok(x509.verify(theTestCa().x509.publicKey), "signed by the test CA");
    assert.equal(x509.subject, "CN=merge-test");
    assert.equal(merged.properties.enabled, true);

    const { poller, operation } = await pendingOperation(name);
    assert.equal(operation.status, "completed");
    assert.equal(operation.target, `${origin}/certificates/${name}`);
    assert.ok(poller.isDone());
    assert.ok(Buffer.from(poller.getResult().cer).equals(leaf), "the operation's result is the merged certificate");

    const latest = await client.getCertificate(name);
    assert.equal(latest.properties.version, merged.properties.version);
    await checkLinkedSecret(merged, PKCS12);
    await checkLinkedKey(merged, "RS256");
  });

  test("a merge of raw DER with the CA certificate as chain puts the chain in the secret", async () => {
    const name = uniqueName("merge-der");
    const leaf = signWithTestCa(await startUnknown(name));
    const caDer = theTestCa().x509.raw;
    const merged = await client.mergeCertificate(name, [leaf, caDer]);
    assert.ok(x509Of(merged).raw.equals(leaf), "cer is the leaf");
    const { content } = await checkLinkedSecret(merged, PKCS12);
    assert.equal(content.certificates.length, 2, "leaf and CA");
    assert.ok(content.certificates.some((c) => c.equals(caDer)), "the secret holds the CA certificate");
    assert.equal((await pendingOperation(name)).operation.status, "completed");
  });

  test("a merge of a certificate for another key gives 400; the request stays pending and mergeable", async () => {
    const name = uniqueName("merge-wrong");
    const csr = await startUnknown(name);
    const stranger = signWithTestCa(
      openssl(["req", "-new", ...RSA_2048.newkey, "-nodes", "-keyout", tempFile(".key"), "-subj", "/CN=merge-test",
        "-outform", "DER"], { encoding: "buffer" }),
    );
    await rejectsWith(client.mergeCertificate(name, [stranger]), 400);
    assert.equal((await pendingOperation(name)).operation.status, "inProgress");
    const merged = await client.mergeCertificate(name, [signWithTestCa(csr)]);
    checkIssuedVersion(merged, name);
  });

  test("cancelOperation settles the request as cancelled; deleteCertificateOperation removes it", async () => {
    const name = uniqueName("cancel");
    const creation = await client.beginCreateCertificate(name, UNKNOWN_POLICY, poll);
    await creation.cancelOperation();

    // §2.4: Coffer has no CA to wait for, so the cancel settles at once.
    const { poller, operation } = await pendingOperation(name);
    assert.equal(operation.status, "cancelled");
    assert.equal(operation.cancellationRequested, true);
    assert.ok(poller.isDone());

    // §5.4: the disabled placeholder stays readable.
    const placeholder = await client.getCertificate(name);
    assert.equal(placeholder.properties.enabled, false);
    assert.equal(placeholder.cer, undefined);

    const removed = await client.deleteCertificateOperation(name);
    assert.equal(removed.status, "cancelled");
    await rejectsWith(client.getCertificateOperation(name, poll), 404, "PendingCertificateNotFound");
  });

  test("create or import while a request is pending gives 409 (code Forbidden, as in Azure)", async () => {
    const name = uniqueName("busy");
    await startUnknown(name);
    const creation = client.beginCreateCertificate(name, DefaultCertificatePolicy, poll);
    const err = await rejectsWith(creation, 409, "Forbidden");
    assert.match(err.message, /pending/);
    const pfx = opensslPfx(opensslSelfSigned("/CN=busy"), "");
    await rejectsWith(client.importCertificate(name, pfx), 409, "Forbidden");
    assert.equal((await pendingOperation(name)).operation.status, "inProgress", "the pending request is untouched");
  });
});

describe("import", () => {
  // Imports and checks what a user relies on: cer is the input certificate, the policy is derived
  // from it with issuer Unknown (§2.2), and the secret holds the input key in `contentType`.
  async function importAndCheck({ name, made, bytes, options = {}, contentType }) {
    const imported = await client.importCertificate(name, bytes, options);
    const x509 = checkIssuedVersion(imported, name);
    assert.ok(x509.raw.equals(made.certDer), "cer is the imported certificate");
    assert.equal(imported.policy.issuerName, "Unknown");
    assert.equal(imported.policy.subject, x509.subject);
    const { content } = await checkLinkedSecret(imported, contentType);
    assert.equal(b64(publicKeyOfPrivatePem(content.keys[0])), b64(publicKeyOfPrivatePem(made.keyPem)),
      "the secret holds the imported key");
    return imported;
  }

  test("a PFX with a password (the password option)", async () => {
    const made = opensslSelfSigned("/CN=import-pfx");
    const password = randomValue();
    const imported = await importAndCheck({
      name: uniqueName("import-pfx"),
      made,
      bytes: opensslPfx(made, password),
      options: { password },
      contentType: PKCS12,
    });
    assert.equal(imported.policy.keyType, "RSA");
    assert.equal(imported.policy.keySize, 2048);
    await checkLinkedKey(imported, "RS256");
  });

  test("a PFX with an empty password, no password option", async () => {
    const made = opensslSelfSigned("/CN=import-nopass");
    await importAndCheck({ name: uniqueName("import-nopass"), made, bytes: opensslPfx(made, ""), contentType: PKCS12 });
  });

  test("PEM text (policy contentType application/x-pem-file, so the SDK sends the text)", async () => {
    const made = opensslSelfSigned("/CN=import-pem", EC_P256);
    const imported = await importAndCheck({
      name: uniqueName("import-pem"),
      made,
      bytes: Buffer.from(made.keyPem + made.certPem),
      options: { policy: { contentType: PEM } },
      contentType: PEM,
    });
    assert.equal(imported.policy.keyType, "EC");
    await checkLinkedKey(imported, "ES256");
  });

  test("PEM bytes without a policy (the SDK sends base64 of the PEM text)", async () => {
    const made = opensslSelfSigned("/CN=import-pem64");
    const bytes = Buffer.from(made.keyPem + made.certPem);
    await importAndCheck({ name: uniqueName("import-pem64"), made, bytes, contentType: PEM });
  });

  // A refused import leaves nothing behind: no certificate, no secret, no key.
  async function checkNothingCreated(name) {
    await rejectsWith(client.getCertificate(name), 404, "CertificateNotFound");
    await rejectsWith(secrets.getSecret(name), 404, "SecretNotFound");
    await rejectsWith(keys.getKey(name), 404, "KeyNotFound");
  }

  test("a PFX with the wrong password gives 400 and creates nothing", async () => {
    const name = uniqueName("import-badpass");
    const pfx = opensslPfx(opensslSelfSigned("/CN=import-badpass"), randomValue());
    await rejectsWith(client.importCertificate(name, pfx, { password: "wrong" }), 400);
    await checkNothingCreated(name);
  });

  test("garbage bytes give 400 and create nothing", async () => {
    const name = uniqueName("import-garbage");
    await rejectsWith(client.importCertificate(name, crypto.randomBytes(300)), 400);
    await checkNothingCreated(name);
  });

  test("a PEM key that does not match the certificate gives 400 and creates nothing", async () => {
    const name = uniqueName("import-mismatch");
    const one = opensslSelfSigned("/CN=one");
    const other = opensslSelfSigned("/CN=other");
    const pem = Buffer.from(other.keyPem + one.certPem);
    await rejectsWith(client.importCertificate(name, pem, { policy: { contentType: PEM } }), 400);
    await checkNothingCreated(name);
  });
});

describe("versions, lists, properties and policy", () => {
  test("getCertificateVersion, listPropertiesOfCertificates and listPropertiesOfCertificateVersions", async () => {
    const name = uniqueName("versions");
    const first = await createCertificate(name);
    const second = await createCertificate(name);
    assert.notEqual(first.properties.version, second.properties.version);

    const old = await client.getCertificateVersion(name, first.properties.version);
    assert.ok(Buffer.from(old.cer).equals(Buffer.from(first.cer)), "the first version keeps its certificate");
    assert.ok(!Buffer.from(old.cer).equals(Buffer.from(second.cer)), "each version has its own certificate");
    assert.equal((await client.getCertificate(name)).properties.version, second.properties.version);

    const listed = (await collect(client.listPropertiesOfCertificates())).filter((p) => p.name === name);
    assert.equal(listed.length, 1, "listPropertiesOfCertificates shows the name once");
    assert.equal(listed[0].id, `${origin}/certificates/${name}`, "list ids carry no version");
    assert.equal(b64(listed[0].x509Thumbprint), b64(second.properties.x509Thumbprint),
      "the list shows the latest version's thumbprint");

    const versions = await collect(client.listPropertiesOfCertificateVersions(name));
    const expected = [first.properties.version, second.properties.version];
    assert.deepEqual(sorted(versions.map((p) => p.version)), sorted(expected));
    for (const v of versions) assert.equal(v.x509Thumbprint?.length, 20, "each version has its thumbprint");
  });

  test("updateCertificateProperties (enabled false, tags) shows on the certificate, its secret and key", async () => {
    const name = uniqueName("update");
    const first = await createCertificate(name);
    const second = await createCertificate(name);
    const { version } = second.properties;

    const updated = await client.updateCertificateProperties(name, version, { enabled: false, tags: { state: "off" } });
    assert.equal(updated.properties.enabled, false);
    assert.deepEqual(updated.properties.tags, { state: "off" });

    // §2.3: a disabled certificate still reads, with its cer.
    const got = await client.getCertificate(name);
    assert.equal(got.properties.version, version);
    assert.equal(got.properties.enabled, false);
    assert.deepEqual(got.properties.tags, { state: "off" });
    assert.ok(Buffer.from(got.cer).equals(Buffer.from(second.cer)));
    assert.equal((await client.getCertificateVersion(name, first.properties.version)).properties.enabled, true,
      "the other version is untouched");

    // The attributes are mirrored to the secret and key of that version (§2.3).
    const secretVersions = await collect(secrets.listPropertiesOfSecretVersions(name));
    assert.equal(secretVersions.find((p) => p.version === version)?.enabled, false, "the secret version is disabled");
    assert.equal(secretVersions.find((p) => p.version === first.properties.version)?.enabled, true);
    const key = await keys.getKey(name, { version });
    assert.equal(key.properties.enabled, false, "the key version is disabled");
  });

  test("updateCertificatePolicy changes the subject and keeps every other member", async () => {
    const name = uniqueName("policy");
    const policy = {
      issuerName: "Self",
      subject: "CN=before",
      keyType: "EC",
      keyCurveName: "P-384",
      validityInMonths: 6,
      contentType: PEM,
    };
    await createCertificate(name, policy);
    const original = await client.getCertificatePolicy(name);

    // The SDK returns {} here whatever Coffer answers (§2.3), so read the policy back.
    await client.updateCertificatePolicy(name, { subject: "CN=after" });
    const changed = await client.getCertificatePolicy(name);
    assert.equal(changed.subject, "CN=after");
    assert.deepEqual({ ...changed, subject: original.subject }, original, "everything but the subject is kept");
    assert.equal(changed.keyType, "EC");
    assert.equal(changed.keyCurveName, "P-384");
    assert.equal(changed.validityInMonths, 6);
    assert.equal(changed.contentType, PEM);
    assert.equal(changed.issuerName, "Self");
  });

  test("a missing certificate gives 404 CertificateNotFound on get, get version, policy and update", async () => {
    const name = uniqueName("absent");
    await rejectsWith(client.getCertificate(name), 404, "CertificateNotFound");
    const version = "0123456789abcdef0123456789abcdef";
    await rejectsWith(client.getCertificateVersion(name, version), 404, "CertificateNotFound");
    await rejectsWith(client.getCertificatePolicy(name), 404, "CertificateNotFound");
    await rejectsWith(client.updateCertificateProperties(name, "", { enabled: false }), 404, "CertificateNotFound");
  });
});

describe("soft delete, recover, purge", () => {
  async function deleteAndWait(name) {
    const poller = await client.beginDeleteCertificate(name, poll);
    return poller.pollUntilDone();
  }

  test("delete takes the key and secret with it; recover brings all three back; purge frees the name", async () => {
    const name = uniqueName("deleted");
    const certificate = await createCertificate(name);
    const { version } = certificate.properties;

    const deleted = await deleteAndWait(name);
    assert.equal(deleted.name, name);
    assert.equal(deleted.recoveryId, `${origin}/deletedcertificates/${name}`);
    assert.equal(deleted.properties.version, version);
    assert.ok(deleted.deletedOn instanceof Date, "deletedOn");
    assert.ok(deleted.scheduledPurgeDate instanceof Date, "scheduledPurgeDate");
    assert.ok(deleted.scheduledPurgeDate > deleted.deletedOn);

    const got = await client.getDeletedCertificate(name);
    assert.equal(got.recoveryId, `${origin}/deletedcertificates/${name}`);
    assert.ok(got.scheduledPurgeDate instanceof Date);
    assert.ok(Buffer.from(got.cer).equals(Buffer.from(certificate.cer)));

    // Gone from the live names, the certificate's and its key's and secret's.
    await rejectsWith(client.getCertificate(name), 404, "CertificateNotFound");
    await rejectsWith(secrets.getSecret(name), 404, "SecretNotFound");
    await rejectsWith(keys.getKey(name), 404, "KeyNotFound");

    // Listed as a deleted certificate only: the managed key and secret stay out of the deleted
    // keys and secrets lists (§2.5).
    const listed = (await collect(client.listDeletedCertificates())).filter((d) => d.name === name);
    assert.equal(listed.length, 1, "listDeletedCertificates shows the name once");
    assert.equal(listed[0].recoveryId, `${origin}/deletedcertificates/${name}`);
    assert.equal((await collect(secrets.listDeletedSecrets())).filter((d) => d.name === name).length, 0);
    assert.equal((await collect(keys.listDeletedKeys())).filter((d) => d.name === name).length, 0);

    // A soft-deleted name cannot be created over.
    await rejectsWith(client.beginCreateCertificate(name, DefaultCertificatePolicy, poll), 409, "Conflict");

    const recovered = await (await client.beginRecoverDeletedCertificate(name, poll)).pollUntilDone();
    assert.equal(recovered.properties.version, version);
    assert.ok(Buffer.from(recovered.cer).equals(Buffer.from(certificate.cer)));
    await rejectsWith(client.getDeletedCertificate(name), 404, "CertificateNotFound");
    await checkLinkedSecret(certificate, PKCS12);
    await checkLinkedKey(certificate, "RS256");

    await deleteAndWait(name);
    await client.purgeDeletedCertificate(name);
    await rejectsWith(client.getDeletedCertificate(name), 404, "CertificateNotFound");
    await rejectsWith(client.getCertificate(name), 404, "CertificateNotFound");
    await rejectsWith(secrets.getSecret(name), 404, "SecretNotFound");
    await rejectsWith(keys.getKey(name), 404, "KeyNotFound");

    const reborn = await createCertificate(name);
    assert.notEqual(reborn.properties.version, version);
    await checkLinkedSecret(reborn, PKCS12);
  });

  test("deleting, purging or recovering a missing certificate gives 404 CertificateNotFound", async () => {
    const name = uniqueName("nothing");
    await rejectsWith(client.beginDeleteCertificate(name, poll), 404, "CertificateNotFound");
    await rejectsWith(client.purgeDeletedCertificate(name), 404, "CertificateNotFound");
    await rejectsWith(client.beginRecoverDeletedCertificate(name, poll), 404, "CertificateNotFound");
  });
});

describe("backup and restore", () => {
  test("backupCertificate → delete + purge → restoreCertificateBackup: certificate, key and secret", async () => {
    const name = uniqueName("backup");
    const certificate = await createCertificate(name);
    const { content: original } = await checkLinkedSecret(certificate, PKCS12);

    const blob = await client.backupCertificate(name);
    assert.ok(blob instanceof Uint8Array && blob.length > 0, "backupCertificate returns bytes");
    await rejectsWith(client.restoreCertificateBackup(blob), 409); // the name is live

    await (await client.beginDeleteCertificate(name, poll)).pollUntilDone();
    await client.purgeDeletedCertificate(name);
    await rejectsWith(client.getCertificate(name), 404, "CertificateNotFound");

    const restored = await client.restoreCertificateBackup(blob);
    assert.equal(restored.name, name);
    assert.equal(restored.properties.version, certificate.properties.version);
    assert.ok(Buffer.from(restored.cer).equals(Buffer.from(certificate.cer)), "same certificate");
    assert.equal(restored.policy.subject, certificate.policy.subject);

    const { content } = await checkLinkedSecret(restored, PKCS12);
    assert.equal(b64(publicKeyOfPrivatePem(content.keys[0])), b64(publicKeyOfPrivatePem(original.keys[0])),
      "same private key");
    await checkLinkedKey(restored, "RS256");
  });
});

describe("issuers", () => {
  test("createIssuer → getIssuer (no password) → list → updateIssuer → deleteIssuer → 404", async () => {
    const name = uniqueName("issuer");
    const password = randomValue();
    const id = `${origin}/certificates/issuers/${name}`;

    const created = await client.createIssuer(name, "Test", { accountId: "acct", password });
    assert.equal(created.id, id);
    assert.equal(created.provider, "Test");
    assert.equal(created.accountId, "acct");
    assert.equal(created.password, undefined, "the password is never returned");
    assert.equal(created.enabled, true);

    let raw;
    const got = await client.getIssuer(name, {
      onResponse: (response) => {
        raw = response.parsedBody ?? JSON.parse(response.bodyAsText);
      },
    });
    assert.ok(raw, "the raw response was seen");
    assert.equal(raw.credentials?.pwd, undefined, "no pwd in the body");
    assert.ok(!JSON.stringify(raw).includes(password), "the password appears nowhere in the body");
    assert.equal(got.password, undefined);
    assert.equal(got.accountId, "acct");
    assert.equal(got.provider, "Test");
    // The SDK names every issuer "issuers" (§3.5): the id is what identifies it.
    assert.equal(got.id, id);

    const listed = (await collect(client.listPropertiesOfIssuers())).filter((i) => i.id === id);
    assert.deepEqual(listed.map((i) => i.provider), ["Test"]);

    // updateIssuer sends credentials {}: the stored account id stays (§2.7).
    const updated = await client.updateIssuer(name, { provider: "Other" });
    assert.equal(updated.provider, "Other");
    assert.equal(updated.accountId, "acct");
    assert.equal((await client.getIssuer(name)).provider, "Other");

    const deleted = await client.deleteIssuer(name);
    assert.equal(deleted.id, id);
    assert.equal(deleted.provider, "Other");
    await rejectsWith(client.getIssuer(name), 404, "CertificateIssuerNotFound");
    await rejectsWith(client.deleteIssuer(name), 404, "CertificateIssuerNotFound");
  });
});

describe("contacts", () => {
  const contactFields = (list) => list.map((c) => ({ email: c.email, name: c.name, phone: c.phone }));

  // Contacts belong to the vault, and this is the only test that sets them: run-compat's vault is
  // new, so there are none to begin with.
  test("getContacts 404 ContactsNotFound → setContacts → getContacts → deleteContacts → 404", async () => {
    await rejectsWith(client.getContacts(), 404, "ContactsNotFound");

    const two = [{ email: "a@b.c", name: "n" }, { email: "x@y.z", name: "m", phone: "1" }];
    assert.deepEqual(contactFields(await client.setContacts(two)), contactFields(two));
    assert.deepEqual(contactFields(await client.getContacts()), contactFields(two));

    // setContacts replaces the whole list.
    const one = [{ email: "a@b.c", name: "n" }];
    await client.setContacts(one);
    assert.deepEqual(contactFields(await client.getContacts()), contactFields(one));

    await client.deleteContacts(); // the SDK returns [] whatever the body says (§2.7)
    await rejectsWith(client.getContacts(), 404, "ContactsNotFound");
  });
});

describe("permissions", () => {
  // Principal B has secrets: get and no certificates or keys permission (run-compat).
  const limitedCred = limitedCredential();
  const limited = certificateClient(limitedCred);
  let certificate;
  before(async () => {
    certificate = await createCertificate(uniqueName("guarded"));
  });

  test("getCertificate gives 403 Forbidden, whether or not the certificate exists", async () => {
    await rejectsWith(limited.getCertificate(certificate.name), 403, "Forbidden");
    await rejectsWith(limited.getCertificate(uniqueName("absent")), 403, "Forbidden");
    await rejectsWith(collect(limited.listPropertiesOfCertificates()), 403, "Forbidden");
  });

  test("the secrets get permission alone reads the certificate's secret; the key needs keys permissions", async () => {
    const secret = await secretClient(limitedCred).getSecret(certificate.name);
    assert.equal(secret.properties.contentType, PKCS12);
    assert.equal(openPfx(Buffer.from(secret.value, "base64")).keys.length, 1);
    await rejectsWith(keyClient(limitedCred).getKey(certificate.name), 403, "Forbidden");
  });
});
