// Soft delete, recover, purge, backup and restore through the SDK's pollers and calls.

import { describe, test } from "node:test";
import assert from "node:assert/strict";

import { env, secretClient, uniqueName, randomValue, rejectsWith, poll, collect } from "./helpers.mjs";

const client = secretClient();
const origin = new URL(env.vaultUrl).origin;

async function deleteAndWait(name) {
  const poller = await client.beginDeleteSecret(name, poll);
  return poller.pollUntilDone();
}

describe("soft delete, recover, purge", () => {
  test("delete → getDeletedSecret → listDeletedSecrets → recover → delete → purge", async () => {
    const name = uniqueName("lifecycle");
    const value = randomValue();
    const set = await client.setSecret(name, value, { tags: { keep: "me" } });

    // Delete: the poller completes with the deleted secret.
    const poller = await client.beginDeleteSecret(name, poll);
    const deleted = await poller.pollUntilDone();
    assert.equal(deleted.name, name);
    assert.equal(deleted.value, undefined, "a deleted bundle has no value");
    assert.equal(deleted.properties.recoveryId, `${origin}/deletedsecrets/${name}`);
    assert.equal(deleted.properties.version, set.properties.version);
    assert.ok(deleted.properties.deletedOn instanceof Date, "deletedOn");
    assert.ok(deleted.properties.scheduledPurgeDate instanceof Date, "scheduledPurgeDate");
    assert.ok(deleted.properties.scheduledPurgeDate > deleted.properties.deletedOn);
    assert.ok(Math.abs(deleted.properties.deletedOn.getTime() - Date.now()) < 120_000);
    const days = deleted.properties.recoverableDays;
    if (days) {
      assert.equal(
        deleted.properties.scheduledPurgeDate.getTime() - deleted.properties.deletedOn.getTime(),
        days * 86_400_000,
        "scheduledPurgeDate = deletedDate + recoverableDays",
      );
    }

    // The live name is gone; the deleted one is there.
    await rejectsWith(client.getSecret(name), 404, "SecretNotFound");
    const got = await client.getDeletedSecret(name);
    assert.equal(got.name, name);
    assert.equal(got.value, undefined);
    assert.equal(got.properties.recoveryId, `${origin}/deletedsecrets/${name}`);
    assert.deepEqual(got.properties.tags, { keep: "me" });

    const listed = (await collect(client.listDeletedSecrets())).filter((d) => d.name === name);
    assert.equal(listed.length, 1, "listDeletedSecrets shows the name once");
    assert.equal(listed[0].properties.recoveryId, `${origin}/deletedsecrets/${name}`);
    assert.ok(listed[0].properties.deletedOn instanceof Date);
    assert.ok(listed[0].properties.scheduledPurgeDate instanceof Date);
    assert.equal(listed[0].value, undefined);

    // The live list does not show it.
    const live = (await collect(client.listPropertiesOfSecrets())).filter((p) => p.name === name);
    assert.equal(live.length, 0, "a deleted secret is not in listPropertiesOfSecrets");

    // Recover: the value is back, same version.
    const recoverPoller = await client.beginRecoverDeletedSecret(name, poll);
    const recovered = await recoverPoller.pollUntilDone();
    assert.equal(recovered.name, name);
    assert.equal(recovered.version, set.properties.version);
    const back = await client.getSecret(name);
    assert.equal(back.value, value);
    assert.equal(back.properties.version, set.properties.version);
    assert.deepEqual(back.properties.tags, { keep: "me" });
    await rejectsWith(client.getDeletedSecret(name), 404, "SecretNotFound");

    // Delete again and purge: nothing is left under either name.
    await deleteAndWait(name);
    await client.purgeDeletedSecret(name);
    await rejectsWith(client.getDeletedSecret(name), 404, "SecretNotFound");
    await rejectsWith(client.getSecret(name), 404, "SecretNotFound");

    // The name is free again.
    const reborn = await client.setSecret(name, randomValue());
    assert.notEqual(reborn.properties.version, set.properties.version);
  });

  test("setSecret on a soft-deleted name fails with 409 Conflict", async () => {
    const name = uniqueName("conflict");
    await client.setSecret(name, randomValue());
    await deleteAndWait(name);
    const err = await rejectsWith(client.setSecret(name, randomValue()), 409, "Conflict");
    assert.match(err.message, /deleted/i);
    await client.purgeDeletedSecret(name);
  });

  test("deleting a missing secret gives 404 SecretNotFound", async () => {
    await rejectsWith(client.beginDeleteSecret(uniqueName("nodelete"), poll), 404, "SecretNotFound");
  });

  test("purging a name that is not soft-deleted gives 404 SecretNotFound", async () => {
    const name = uniqueName("nopurge");
    await rejectsWith(client.purgeDeletedSecret(name), 404, "SecretNotFound");
    await client.setSecret(name, randomValue());
    await rejectsWith(client.purgeDeletedSecret(name), 404, "SecretNotFound");
  });

  test("recovering a name that is not soft-deleted gives 404 SecretNotFound", async () => {
    await rejectsWith(client.beginRecoverDeletedSecret(uniqueName("norecover"), poll), 404, "SecretNotFound");
  });
});

describe("backup and restore", () => {
  test("backupSecret → delete + purge → restoreSecretBackup restores all versions", async () => {
    const name = uniqueName("backup");
    const values = [randomValue(), randomValue(), randomValue()];
    const versions = [];
    for (const v of values) versions.push((await client.setSecret(name, v, { contentType: "x" })).properties.version);
    await client.updateSecretProperties(name, versions[0], { enabled: false, tags: { first: "1" } });

    const blob = await client.backupSecret(name);
    assert.ok(blob instanceof Uint8Array, "backupSecret returns bytes");
    assert.ok(blob.length > 0);
    for (const v of values) {
      assert.ok(!Buffer.from(blob).includes(Buffer.from(v)), "the backup does not carry a value in clear");
    }

    // Restoring over a live name is refused.
    await rejectsWith(client.restoreSecretBackup(blob), 409, "Conflict");

    await deleteAndWait(name);
    await client.purgeDeletedSecret(name);
    await rejectsWith(client.getSecret(name), 404, "SecretNotFound");

    const restored = await client.restoreSecretBackup(blob);
    assert.equal(restored.name, name);
    assert.equal(restored.version, versions[2], "the restored bundle is the latest version");

    const listed = await collect(client.listPropertiesOfSecretVersions(name));
    assert.deepEqual(listed.map((p) => p.version).sort(), [...versions].sort());

    for (let i = 1; i < values.length; i++) {
      const got = await client.getSecret(name, { version: versions[i] });
      assert.equal(got.value, values[i]);
      assert.equal(got.properties.contentType, "x");
    }
    assert.equal((await client.getSecret(name)).value, values[2]);

    // Attributes survive too: the first version is still disabled and tagged.
    const first = listed.find((p) => p.version === versions[0]);
    assert.equal(first.enabled, false);
    assert.deepEqual(first.tags, { first: "1" });
    await rejectsWith(client.getSecret(name, { version: versions[0] }), 403, "Forbidden");
  });

  test("backupSecret of a missing name gives 404 SecretNotFound", async () => {
    await rejectsWith(client.backupSecret(uniqueName("nobackup")), 404, "SecretNotFound");
  });

  test("restoring a corrupted blob fails with 400", async () => {
    const name = uniqueName("corrupt");
    await client.setSecret(name, randomValue());
    const blob = Buffer.from(await client.backupSecret(name));
    blob[Math.floor(blob.length / 2)] ^= 0xff;
    await rejectsWith(client.restoreSecretBackup(new Uint8Array(blob)), 400);
  });
});
