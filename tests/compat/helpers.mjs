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

import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";

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

export function limitedClient() {
  return secretClient(credential(env.limitedClientId, env.limitedClientSecret));
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

// Collects an async iterator into an array.
export async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}
