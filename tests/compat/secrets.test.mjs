// Secret values and versions: set, get latest, get by version, update properties, disabled and
// expired secrets, through @azure/keyvault-secrets' SecretClient, unmodified.

import { describe, test } from "node:test";
import assert from "node:assert/strict";

import { env, secretClient, uniqueName, randomValue, rejectsWith, vaultHost } from "./helpers.mjs";

const client = secretClient();
const origin = new URL(env.vaultUrl).origin;

// Azure versions are 32 lowercase hex characters.
const VERSION = /^[0-9a-f]{32}$/;

describe("set and get", () => {
  test("setSecret returns the new version with its value; getSecret reads it back", async () => {
    const name = uniqueName("basic");
    const value = randomValue();
    const set = await client.setSecret(name, value, {
      contentType: "text/plain",
      tags: { env: "compat", owner: "tests" },
    });
    assert.equal(set.name, name);
    assert.equal(set.value, value);
    assert.match(set.properties.version, VERSION);
    assert.equal(set.properties.id, `${origin}/secrets/${name}/${set.properties.version}`);
    assert.equal(set.properties.vaultUrl, origin);
    assert.equal(set.properties.enabled, true);
    assert.equal(set.properties.contentType, "text/plain");
    assert.deepEqual(set.properties.tags, { env: "compat", owner: "tests" });
    assert.ok(set.properties.createdOn instanceof Date);
    assert.ok(set.properties.updatedOn instanceof Date);
    assert.ok(Math.abs(set.properties.createdOn.getTime() - Date.now()) < 120_000, "createdOn is now");
    assert.ok(set.properties.recoveryLevel, "recoveryLevel is reported");

    const got = await client.getSecret(name);
    assert.equal(got.value, value);
    assert.equal(got.properties.version, set.properties.version);
    assert.equal(got.properties.id, set.properties.id);
    assert.equal(got.properties.contentType, "text/plain");
    assert.deepEqual(got.properties.tags, { env: "compat", owner: "tests" });
  });

  test("a second set makes a new latest version; old versions stay readable by version", async () => {
    const name = uniqueName("versions");
    const v1 = randomValue();
    const v2 = randomValue();
    const first = await client.setSecret(name, v1);
    const second = await client.setSecret(name, v2);
    assert.notEqual(first.properties.version, second.properties.version);
    assert.match(second.properties.version, VERSION);

    const latest = await client.getSecret(name);
    assert.equal(latest.value, v2);
    assert.equal(latest.properties.version, second.properties.version);

    const old = await client.getSecret(name, { version: first.properties.version });
    assert.equal(old.value, v1);
    assert.equal(old.properties.version, first.properties.version);
    assert.equal(old.properties.id, `${origin}/secrets/${name}/${first.properties.version}`);

    const newer = await client.getSecret(name, { version: second.properties.version });
    assert.equal(newer.value, v2);
  });

  test("a value with unicode and JSON-significant characters round-trips", async () => {
    const name = uniqueName("unicode");
    const value = `päss "wörd" \\ {}\n\t€ 🔑 ${randomValue()}`;
    await client.setSecret(name, value);
    assert.equal((await client.getSecret(name)).value, value);
  });

  test("getSecret of a missing name gives 404 SecretNotFound", async () => {
    await rejectsWith(client.getSecret(uniqueName("missing")), 404, "SecretNotFound");
  });

  test("getSecret of an unknown version gives 404 SecretNotFound", async () => {
    const name = uniqueName("noversion");
    await client.setSecret(name, randomValue());
    await rejectsWith(
      client.getSecret(name, { version: "0123456789abcdef0123456789abcdef" }),
      404,
      "SecretNotFound",
    );
  });

  test("secret names are case-insensitive", async () => {
    // Azure: "Objects are uniquely identified within Key Vault using a case-insensitive
    // identifier" (learn.microsoft.com/azure/key-vault/about-keys-secrets-and-certificates).
    const name = uniqueName("Case");
    const v1 = randomValue();
    const v2 = randomValue();
    await client.setSecret(name, v1);
    assert.equal((await client.getSecret(name.toLowerCase())).value, v1, "get with other casing");
    await client.setSecret(name.toUpperCase(), v2);
    assert.equal((await client.getSecret(name)).value, v2, "a set with other casing is a new version");
    const versions = [];
    for await (const p of client.listPropertiesOfSecretVersions(name.toLowerCase())) versions.push(p);
    assert.equal(versions.length, 2);
    const listed = [];
    for await (const p of client.listPropertiesOfSecrets()) {
      if (p.name.toLowerCase() === name.toLowerCase()) listed.push(p);
    }
    assert.equal(listed.length, 1, "one secret, whatever the casing");
  });

  test("the vault URL is the one addressed by hostname", () => {
    assert.ok(vaultHost.endsWith(".vault.coffer.test"), vaultHost);
  });
});

describe("update properties", () => {
  test("updateSecretProperties changes enabled, tags, contentType and expiresOn", async () => {
    const name = uniqueName("update");
    const value = randomValue();
    const set = await client.setSecret(name, value, { tags: { a: "1", b: "2" }, contentType: "old" });
    const version = set.properties.version;

    const expires = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000);
    const updated = await client.updateSecretProperties(name, version, {
      enabled: false,
      tags: { c: "3" },
      contentType: "application/json",
      expiresOn: expires,
    });
    assert.equal(updated.name, name);
    assert.equal(updated.version, version);
    assert.equal(updated.enabled, false);
    assert.deepEqual(updated.tags, { c: "3" }, "tags are replaced as a whole");
    assert.equal(updated.contentType, "application/json");
    assert.equal(updated.expiresOn.getTime(), expires.getTime());

    // Disabled: reads are refused.
    await rejectsWith(client.getSecret(name), 403, "Forbidden");

    // Fields not sent stay as they were; enabling makes it readable again.
    const reenabled = await client.updateSecretProperties(name, version, { enabled: true });
    assert.equal(reenabled.enabled, true);
    assert.deepEqual(reenabled.tags, { c: "3" });
    assert.equal(reenabled.contentType, "application/json");
    assert.equal(reenabled.expiresOn.getTime(), expires.getTime());

    const got = await client.getSecret(name);
    assert.equal(got.value, value, "the value is untouched by updates");
    assert.equal(got.properties.enabled, true);
    assert.equal(got.properties.contentType, "application/json");
    assert.deepEqual(got.properties.tags, { c: "3" });
    assert.equal(got.properties.expiresOn.getTime(), expires.getTime());
  });

  test("updating an older version leaves the latest alone", async () => {
    const name = uniqueName("updold");
    const first = await client.setSecret(name, randomValue());
    const second = await client.setSecret(name, randomValue());
    await client.updateSecretProperties(name, first.properties.version, { tags: { old: "yes" } });
    const latest = await client.getSecret(name);
    assert.equal(latest.properties.version, second.properties.version);
    assert.equal(latest.properties.tags, undefined);
    const old = await client.getSecret(name, { version: first.properties.version });
    assert.deepEqual(old.properties.tags, { old: "yes" });
  });

  test("updating an unknown version gives 404 SecretNotFound", async () => {
    const name = uniqueName("updmissing");
    await client.setSecret(name, randomValue());
    await rejectsWith(
      client.updateSecretProperties(name, "0123456789abcdef0123456789abcdef", { enabled: false }),
      404,
      "SecretNotFound",
    );
  });
});

describe("disabled and expired secrets", () => {
  test("a disabled secret's getSecret fails with 403 Forbidden, inner code SecretDisabled", async () => {
    const name = uniqueName("disabled");
    await client.setSecret(name, randomValue(), { enabled: false });
    const err = await rejectsWith(client.getSecret(name), 403, "Forbidden");
    assert.equal(err.details?.error?.code, "Forbidden");
    assert.equal(err.details?.error?.innerError?.code, "SecretDisabled", JSON.stringify(err.details));
  });

  test("a disabled secret still has its properties listed, without a value", async () => {
    const name = uniqueName("disabledlist");
    const set = await client.setSecret(name, randomValue(), { enabled: false });
    assert.equal(set.properties.enabled, false);
    const versions = [];
    for await (const p of client.listPropertiesOfSecretVersions(name)) versions.push(p);
    assert.equal(versions.length, 1);
    assert.equal(versions[0].enabled, false);
    assert.equal(versions[0].version, set.properties.version);
    assert.equal(versions[0].value, undefined);
  });

  test("an expired secret (expiresOn in the past) is still readable", async () => {
    const name = uniqueName("expired");
    const value = randomValue();
    const expires = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const set = await client.setSecret(name, value, { expiresOn: expires });
    assert.equal(set.properties.expiresOn.getTime(), expires.getTime());
    const got = await client.getSecret(name);
    assert.equal(got.value, value);
    assert.equal(got.properties.expiresOn.getTime(), expires.getTime());
  });

  test("a not-yet-valid secret (notBefore in the future) is still readable", async () => {
    const name = uniqueName("notbefore");
    const value = randomValue();
    const nbf = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);
    await client.setSecret(name, value, { notBefore: nbf });
    const got = await client.getSecret(name);
    assert.equal(got.value, value);
    assert.equal(got.properties.notBefore.getTime(), nbf.getTime());
  });
});
