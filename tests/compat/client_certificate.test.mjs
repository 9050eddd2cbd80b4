// ClientCertificateCredential from @azure/identity, unmodified: a service principal logs in with
// a client assertion signed by its registered certificate's key (PS256, x5t#S256, as MSAL sends
// it). Also an RS256 + x5t assertion made by hand through ClientAssertionCredential, as older
// clients send, and the refusals an impostor gets.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import { test } from "node:test";

import { ClientAssertionCredential, ClientCertificateCredential } from "@azure/identity";

import { agent, env, randomValue, secretClient, uniqueName } from "./helpers.mjs";

const options = { authorityHost: env.authorityHost, disableInstanceDiscovery: true, agent };
const clientId = process.env.COFFER_CERT_CLIENT_ID;

function certificateCredential(certificatePath, extra = {}) {
  return new ClientCertificateCredential(env.tenantId, clientId, { certificatePath },
                                         { ...options, ...extra });
}

async function readsItsSecret(credential) {
  const name = uniqueName("cert");
  const value = randomValue();
  await secretClient().setSecret(name, value);
  const secret = await secretClient(credential).getSecret(name);
  assert.equal(secret.value, value);
}

test("ClientCertificateCredential reads a secret with a registered certificate", async () => {
  await readsItsSecret(certificateCredential(process.env.COFFER_CERT_FILE));
});

test("the certificate chain may be sent along (x5c)", async () => {
  await readsItsSecret(
    certificateCredential(process.env.COFFER_CERT_FILE, { sendCertificateChain: true }));
});

test("MSAL's reuse of one assertion for a second token is accepted", async () => {
  const credential = certificateCredential(process.env.COFFER_CERT_FILE);
  const scope = "https://vault.coffer.test/.default";
  assert.ok(await credential.getToken(scope));
  // A claims challenge skips MSAL's token cache but not its cached assertion (same jti).
  assert.ok(await credential.getToken(scope, {
    claims: JSON.stringify({ access_token: { nbf: { essential: true, value: "1" } } }),
  }));
});

test("an unregistered certificate is refused", async () => {
  const credential = certificateCredential(process.env.COFFER_CERT_UNREGISTERED_FILE);
  await assert.rejects(credential.getToken("https://vault.coffer.test/.default"),
                       /AADSTS700027: The certificate with identifier used to sign the client assertion is not registered/);
});

// An RS256 assertion with a SHA-1 thumbprint, made the way the JWT is specified.
function rs256Assertion(tamper = false) {
  const pem = fs.readFileSync(process.env.COFFER_CERT_FILE, "utf8");
  const der = new crypto.X509Certificate(pem).raw;
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const header = b64({ alg: "RS256", typ: "JWT",
                       x5t: crypto.createHash("sha1").update(der).digest("base64url") });
  const payload = b64({ aud: `${env.authorityHost}/${env.tenantId}/oauth2/v2.0/token`,
                        iss: clientId, sub: clientId, jti: crypto.randomUUID(),
                        nbf: now, iat: now, exp: now + 600 });
  const key = fs.readFileSync(process.env.COFFER_CERT_KEY, "utf8");
  const signature = crypto.sign("sha256", Buffer.from(`${header}.${payload}`), key);
  if (tamper) signature[10] ^= 1;
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

test("an RS256 assertion with x5t logs in; a tampered signature does not", async () => {
  await readsItsSecret(new ClientAssertionCredential(env.tenantId, clientId,
                                                     async () => rs256Assertion(), options));
  const tampered = new ClientAssertionCredential(env.tenantId, clientId,
                                                 async () => rs256Assertion(true), options);
  await assert.rejects(tampered.getToken("https://vault.coffer.test/.default"),
                       /AADSTS700027: Client assertion failed signature validation/);
});

test("a managed identity's client id does not log in with a certificate", async () => {
  const credential = new ClientCertificateCredential(
    env.tenantId, process.env.COFFER_WI_CLIENT_ID,
    { certificatePath: process.env.COFFER_CERT_FILE }, options);
  await assert.rejects(credential.getToken("https://vault.coffer.test/.default"),
                       /AADSTS700027: The certificate with identifier used to sign the client assertion is not registered/);
});
