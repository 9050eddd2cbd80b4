// Authentication and authorization: the 401 challenge, tokens from the token service, access
// policies (deny by default, deny reveals nothing), wrong credentials and bad api-versions.

import { describe, test, before } from "node:test";
import assert from "node:assert/strict";

import {
  env,
  vaultHost,
  apiVersion,
  credential,
  secretClient,
  limitedClient,
  uniqueName,
  randomValue,
  rejectsWith,
  rawRequest,
  parseChallenge,
  collect,
  poll,
  challengeScope,
  bearerToken,
} from "./helpers.mjs";

function checkChallenge(res) {
  assert.equal(res.status, 401, res.text);
  const header = res.headers["www-authenticate"];
  assert.ok(header, "a 401 carries WWW-Authenticate");
  // Exactly Azure's shape: double-quoted values, no spaces inside them, ", " between pairs.
  assert.match(header, /^Bearer authorization="[^" ]+", resource="[^" ]+"$/, header);
  const c = parseChallenge(header);
  // authorization = AUTHORITY/TENANT: the path is exactly /TENANT (the SDK reads the tenant
  // from it), and the authority is the one clients use as authorityHost.
  const authorization = new URL(c.authorization);
  assert.equal(authorization.protocol, "https:");
  assert.equal(authorization.pathname, `/${env.tenantId}`);
  assert.equal(authorization.origin, new URL(env.authorityHost).origin);
  // resource: the vault host name must end in "." + the resource host name (the JS SDK's check),
  // and the resource carries the vault URL's port (the Python SDK compares host:port).
  const resource = new URL(c.resource);
  assert.equal(resource.protocol, "https:");
  assert.equal(resource.pathname, "/", "resource is a bare origin");
  assert.ok(vaultHost.endsWith(`.${resource.hostname}`),
            `${vaultHost} is not under ${resource.hostname}`);
  assert.equal(resource.port, new URL(env.vaultUrl).port, "resource names the vault's port");
  assert.equal(res.json?.error?.code, "Unauthorized", res.text);
  return c;
}

describe("the 401 challenge", () => {
  test("no Authorization header: 401 with the challenge", async () => {
    checkChallenge(await rawRequest("GET", `/secrets/anything/?api-version=${apiVersion}`));
  });

  test("a garbage bearer token: 401 with the challenge", async () => {
    const res = await rawRequest("GET", `/secrets/anything/?api-version=${apiVersion}`, {
      token: "garbage.not-a.jwt",
    });
    checkChallenge(res);
  });

  test("a body-less PUT without a token (the SDK's first try) gets the challenge, not a 400", async () => {
    const res = await rawRequest("PUT", `/secrets/${uniqueName("probe")}?api%2Dversion=${apiVersion}`, {
      headers: { "Content-Type": "application/json" },
    });
    checkChallenge(res);
  });
});

describe("tokens", () => {
  test("getToken for the challenge's scope returns a token that lives at least 10 minutes", async () => {
    const scope = await challengeScope();
    const token = await credential().getToken(scope);
    assert.ok(token?.token, "a token");
    assert.ok(token.expiresOnTimestamp - Date.now() > 600_000, "expires_in >= 600 s");
  });

  test("a hand-made request with a valid token works, with the key written api%2Dversion", async () => {
    const client = secretClient();
    const name = uniqueName("raw");
    const value = randomValue();
    await client.setSecret(name, value);
    const token = await bearerToken();
    const res = await rawRequest("GET", `/secrets/${name}/?api%2Dversion=${apiVersion}`, { token });
    assert.equal(res.status, 200, res.status === 200 ? "" : res.text);
    assert.match(res.headers["content-type"], /^application\/json/);
    assert.equal(res.json.value, value);
    assert.match(res.json.id, new RegExp(`^${new URL(env.vaultUrl).origin}/secrets/${name}/[0-9a-f]{32}$`));
  });

  test("an unknown api-version (banana) gets 400 BadParameter", async () => {
    const token = await bearerToken();
    const res = await rawRequest("GET", "/secrets?api-version=banana", { token });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.error?.code, "BadParameter", res.text);
  });

  test("a wrong client secret surfaces as AuthenticationRequiredError with invalid_client", async () => {
    const wrong = credential(env.clientId, `${env.clientSecret}x`);
    let err;
    try {
      await secretClient(wrong).getSecret(uniqueName("denied"));
    } catch (e) {
      err = e;
    }
    assert.ok(err, "the call must fail");
    assert.equal(err.name, "AuthenticationRequiredError", `${err.name}: ${err.message}`);
    assert.match(err.message, /invalid_client/);

    let direct;
    try {
      await wrong.getToken(await challengeScope());
    } catch (e) {
      direct = e;
    }
    assert.ok(direct, "getToken must fail");
    assert.match(direct.message, /invalid_client/);
  });
});

describe("a principal with only secrets/get", () => {
  const limited = limitedClient();
  const admin = secretClient();
  const name = uniqueName("shared");
  const value = randomValue();

  before(async () => {
    await admin.setSecret(name, value);
  });

  test("getSecret works", async () => {
    const got = await limited.getSecret(name);
    assert.equal(got.value, value);
  });

  test("setSecret fails with 403 Forbidden", async () => {
    await rejectsWith(limited.setSecret(uniqueName("nope"), randomValue()), 403, "Forbidden");
    await rejectsWith(limited.setSecret(name, randomValue()), 403, "Forbidden");
    assert.equal((await admin.getSecret(name)).value, value, "the value is unchanged");
  });

  test("listPropertiesOfSecrets fails with 403 Forbidden", async () => {
    await rejectsWith(collect(limited.listPropertiesOfSecrets()), 403, "Forbidden");
  });

  test("delete fails with 403 Forbidden", async () => {
    await rejectsWith(limited.beginDeleteSecret(name, poll), 403, "Forbidden");
    assert.equal((await admin.getSecret(name)).value, value);
  });

  test("denials reveal nothing: a missing and an existing name get the same 403", async () => {
    const missing = uniqueName("absent");
    for (const [what, call] of [
      ["setSecret", (n) => limited.setSecret(n, randomValue())],
      ["beginDeleteSecret", (n) => limited.beginDeleteSecret(n, poll)],
      ["backupSecret", (n) => limited.backupSecret(n)],
      ["updateSecretProperties", (n) => limited.updateSecretProperties(n, "", { enabled: false })],
      ["listPropertiesOfSecretVersions", (n) => collect(limited.listPropertiesOfSecretVersions(n))],
    ]) {
      const a = await rejectsWith(call(name), 403, "Forbidden");
      const b = await rejectsWith(call(missing), 403, "Forbidden");
      assert.equal(
        a.message.replaceAll(name, "NAME"),
        b.message.replaceAll(missing, "NAME"),
        `${what}: the messages differ between an existing and a missing name`,
      );
    }
  });

  test("getSecret of a missing name is a plain 404 SecretNotFound (get is granted)", async () => {
    // Azure access policies are vault-wide: a principal that may get every secret learns
    // nothing new from a 404, and Azure answers 404 here.
    await rejectsWith(limited.getSecret(uniqueName("absent")), 404, "SecretNotFound");
  });
});
