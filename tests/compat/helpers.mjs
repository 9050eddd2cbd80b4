// Shared setup for the compatibility suite: environment, name resolution, clients, raw HTTPS.
//
// The vault hostname (compat.vault.coffer.test) does not exist in DNS. Every connection made
// here, by the SDK or by hand, goes through an https.Agent whose `lookup` answers 127.0.0.1 for
// names under .coffer.test and defers to the system resolver for anything else. TLS trust
// comes from NODE_EXTRA_CA_CERTS, which run-compat sets before node starts.

import assert from "node:assert/strict";
import dns from "node:dns";
import https from "node:https";
import crypto from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";

import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyClient, CryptographyClient } from "@azure/keyvault-keys";
import { CertificateClient } from "@azure/keyvault-certificates";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite through tests/compat/run-compat`);
  return value;
}

export const env = {
  tenantId: required("AZURE_TENANT_ID"),
  clientId: required("AZURE_CLIENT_ID"),
  clientSecret: required("AZURE_CLIENT_SECRET"),
  authorityHost: required("AZURE_AUTHORITY_HOST"),
  vaultUrl: required("COFFER_VAULT_URL"),
  limitedClientId: required("COFFER_LIMITED_CLIENT_ID"),
  limitedClientSecret: required("COFFER_LIMITED_CLIENT_SECRET"),
};

export const vaultHost = new URL(env.vaultUrl).hostname;
export const apiVersion = "2026-04-01"; // what @azure/keyvault-secrets 4.12.0 sends
export const keysApiVersion = "2025-07-01"; // what @azure/keyvault-keys 4.10.2 sends

// Resolve *.coffer.test to loopback in-process; leave every other name to the real resolver.
function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (typeof options === "number") options = { family: options };
  if (hostname === "coffer.test" || hostname.endsWith(".coffer.test")) {
    if (options && options.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
    return process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return dns.lookup(hostname, options, callback);
}

export const agent = new https.Agent({ keepAlive: false, lookup });

export function credential(clientId = env.clientId, clientSecret = env.clientSecret) {
  return new ClientSecretCredential(env.tenantId, clientId, clientSecret, {
    authorityHost: env.authorityHost,
    disableInstanceDiscovery: true,
    agent,
  });
}

// Retries off: a deviation should show up as the first answer, not after back-offs.
const clientOptions = { agent, retryOptions: { maxRetries: 0 } };

export function secretClient(cred = credential()) {
  return new SecretClient(env.vaultUrl, cred, clientOptions);
}

export function limitedCredential() {
  return credential(env.limitedClientId, env.limitedClientSecret);
}

export function limitedClient() {
  return secretClient(limitedCredential());
}

// The keys SDK writes its user-agent prefix into the options object it is given (KeyClient's
// constructor and RemoteCryptographyProvider), so each client gets a fresh copy; a shared one
// would grow by one prefix per client.
export function keyClient(cred = credential()) {
  return new KeyClient(env.vaultUrl, cred, { ...clientOptions });
}

// keyOrId: a KeyVaultKey (used as is, no GET) or a key id (the client GETs the key before its
// first operation, and falls back to remote-only on a 403).
export function cryptoClient(keyOrId, cred = credential()) {
  return new CryptographyClient(keyOrId, cred, { ...clientOptions });
}

export function certificateClient(cred = credential()) {
  return new CertificateClient(env.vaultUrl, cred, { ...clientOptions });
}

// Secret names unique to this run and test: `prefix-<8 hex>`.
export function uniqueName(prefix) {
  return `${prefix}-${crypto.randomBytes(4).toString("hex")}`;
}

// A random value: none of the values used here is ever printed by the harness.
export function randomValue() {
  return crypto.randomBytes(18).toString("base64url");
}

// Fast polling: Coffer answers deletes and recovers synchronously.
export const poll = { intervalInMs: 100 };

// Asserts that `promise` rejects with a RestError of `status` whose body code is `code`
// (any code when `code` is undefined).
export async function rejectsWith(promise, status, code) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a ${status} ${code} error, but the call succeeded`);
  assert.equal(err.statusCode, status, `status of: ${err.message}`);
  if (code !== undefined) assert.equal(err.code, code, `code of: ${err.message}`);
  return err;
}

// A request made by hand (node's https module), resolved and trusted like the SDK's.
export function rawRequest(method, path, { token, headers = {}, body } = {}) {
  const url = new URL(path, env.vaultUrl);
  const h = { Accept: "application/json", ...headers };
  if (token !== undefined) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    h["Content-Type"] = "application/json";
    h["Content-Length"] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// POST {kid}/{op} by hand (op: encrypt, decrypt, sign, verify, wrapkey, unwrapkey), for what the
// CryptographyClient would refuse or compute itself without asking Coffer: operations missing
// from key_ops, keys outside their nbf/exp window, RSA1_5 and RSA-OAEP encryption. Binary
// fields of `body` go as base64url (b64url below).
export function rawKeyOperation(kid, op, body, token) {
  const path = `${new URL(kid).pathname}/${op}?api-version=${keysApiVersion}`;
  return rawRequest("POST", path, { token, body: JSON.stringify(body) });
}

export function b64url(bytes) {
  return Buffer.from(bytes).toString("base64url");
}

// A node KeyObject for the public half of a JsonWebKey as the keys SDK returns it (binary
// fields as Uint8Array). Node validates the numbers (an EC point must be on its curve) and
// names secp256k1 by its JOSE name, where Azure says P-256K.
export function publicKeyFromJwk(jwk) {
  if (jwk.kty === "RSA" || jwk.kty === "RSA-HSM") {
    return crypto.createPublicKey({ key: { kty: "RSA", n: b64url(jwk.n), e: b64url(jwk.e) }, format: "jwk" });
  }
  if (jwk.kty === "EC" || jwk.kty === "EC-HSM") {
    const crv = jwk.crv === "P-256K" ? "secp256k1" : jwk.crv;
    return crypto.createPublicKey({ key: { kty: "EC", crv, x: b64url(jwk.x), y: b64url(jwk.y) }, format: "jwk" });
  }
  throw new Error(`no public key for kty ${jwk.kty}`);
}

// Parses a WWW-Authenticate value the way @azure/keyvault-common 2.1.0 does.
export function parseChallenge(header) {
  const out = {};
  for (const part of header.replace(/^Bearer /, "").split(/,? +/)) {
    if (!/\w="/.test(part)) continue;
    const eq = part.indexOf("=");
    out[part.slice(0, eq)] = part.slice(eq + 1).slice(1, -1);
  }
  return out;
}

// The Key Vault policy's scope: the challenge's resource + "/.default", read from a real
// challenge so that no test presumes the resource.
export async function challengeScope() {
  const res = await rawRequest("GET", `/secrets?api-version=${apiVersion}`);
  assert.equal(res.status, 401, res.text);
  return `${parseChallenge(res.headers["www-authenticate"]).resource}/.default`;
}

// A bearer token for hand-made requests, from the same credential the SDK uses.
export async function bearerToken(cred = credential()) {
  return (await cred.getToken(await challengeScope())).token;
}

// Runs the openssl command line and returns its stdout: text, or a Buffer with
// { encoding: "buffer" }. `input` (text or bytes) is its stdin. A non-zero exit throws an error
// whose message holds openssl's stderr.
export function openssl(args, { input, encoding = "utf8" } = {}) {
  // Text input goes as UTF-8 bytes: execFileSync would read a string in `encoding`, and
  // "buffer" is no text encoding.
  if (typeof input === "string") input = Buffer.from(input);
  return execFileSync("openssl", args, { input, encoding, stdio: ["pipe", "pipe", "pipe"] });
}

// Collects an async iterator into an array.
export async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

// The `coffer` CLI (COFFER_BIN) against this suite's vault, with `-o json`: its exit status,
// stdout and stderr. `input` goes to its stdin when given.
export function coffer(args, input) {
  const bin = process.env.COFFER_BIN;
  assert.ok(bin, "COFFER_BIN is not set: run this suite through tests/compat/run-compat");
  const result = spawnSync(bin, [...args, "-o", "json"], {
    input,
    env: {
      ...process.env,
      COFFER_VAULT_URL: env.vaultUrl,
      COFFER_CA_FILE: process.env.NODE_EXTRA_CA_CERTS,
      COFFER_CONNECT_TO: `127.0.0.1:${new URL(env.vaultUrl).port}`,
    },
  });
  return { status: result.status, out: result.stdout.toString(), err: result.stderr.toString() };
}

// A `coffer` command that must succeed: its JSON output.
export function cofferOk(args) {
  const r = coffer(args);
  assert.equal(r.status, 0, `coffer ${args.join(" ")}: ${r.err}`);
  return JSON.parse(r.out);
}
