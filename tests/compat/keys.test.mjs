// Keys through @azure/keyvault-keys 4.10.2, unmodified: KeyClient (create, import, get, list,
// update, rotate, rotation policy, random bytes, delete/recover/purge, backup/restore),
// CryptographyClient with every algorithm Coffer serves, and the errors users see.
// docs/azure-keys-wire.md is the contract; section numbers below refer to it.

import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";

import {
  env,
  credential,
  limitedCredential,
  keyClient,
  cryptoClient,
  uniqueName,
  rejectsWith,
  poll,
  collect,
  rawRequest,
  rawKeyOperation,
  bearerToken,
  b64url,
  publicKeyFromJwk,
  keysApiVersion,
} from "./helpers.mjs";

// One credential for the whole file, so every client shares one token.
const cred = credential();
const client = keyClient(cred);
const origin = new URL(env.vaultUrl).origin;

const VERSION = /^[0-9a-f]{32}$/;
const PRIVATE_PARTS = ["d", "p", "q", "dp", "dq", "qi", "k"];

// What a key created without key_ops may do (§2, create). The SDK refuses locally any
// operation missing from this list, so a short list breaks clients before they reach Coffer.
const DEFAULT_OPS = {
  RSA: ["decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"],
  EC: ["sign", "verify"],
  oct: ["decrypt", "encrypt", "unwrapKey", "wrapKey"],
};
const FIELD_BYTES = { "P-256": 32, "P-384": 48, "P-521": 66, "P-256K": 32 };
const NODE_CURVE = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1", "P-256K": "secp256k1" };

// The hash each signature algorithm signs (the caller hashes; Coffer signs the digest as is).
const HASH = {
  RS256: "sha256", RS384: "sha384", RS512: "sha512",
  PS256: "sha256", PS384: "sha384", PS512: "sha512",
  ES256: "sha256", ES256K: "sha256", ES384: "sha384", ES512: "sha512",
};
const HASH_BYTES = { sha256: 32, sha384: 48, sha512: 64 };

function digestOf(alg, data) {
  return crypto.createHash(HASH[alg]).update(data).digest();
}

function family(kty) {
  return kty.replace(/-HSM$/, "");
}

function sortedOps(key) {
  return [...(key.keyOperations ?? [])].sort();
}

// Every bundle (create, get, update, rotate, import, delete, recover, restore) names its key
// in key.kid, which the SDK parses, and carries public parts only.
function checkBundle(key, name, kty) {
  assert.equal(key.name, name);
  assert.equal(key.keyType, kty);
  assert.equal(key.key.kty, kty);
  assert.match(key.properties.version, VERSION);
  assert.equal(key.id, `${origin}/keys/${name}/${key.properties.version}`);
  assert.equal(key.key.kid, key.id);
  assert.equal(key.properties.vaultUrl, origin);
  for (const part of PRIVATE_PARTS) {
    assert.equal(key.key[part], undefined, `${part} must never leave Coffer (kty ${kty})`);
  }
}

function checkRsa(key, bits) {
  const n = Buffer.from(key.key.n);
  // Unsigned big-endian without a leading zero: exactly bits/8 bytes, top bit set.
  assert.equal(n.length, bits / 8, "n is bits/8 bytes");
  assert.ok(n[0] & 0x80, "n has no leading zero byte");
  assert.equal(b64url(key.key.e), "AQAB", "e is 65537");
  assert.equal(publicKeyFromJwk(key.key).asymmetricKeyDetails.modulusLength, bits);
  assert.equal(key.key.crv, undefined);
}

function checkEc(key, curve) {
  assert.equal(key.key.crv, curve);
  // Coordinates padded to the field size (RFC 7518 §6.2.1), and a point on the curve (node
  // refuses one that is not).
  assert.equal(key.key.x.length, FIELD_BYTES[curve], "x length");
  assert.equal(key.key.y.length, FIELD_BYTES[curve], "y length");
  assert.equal(publicKeyFromJwk(key.key).asymmetricKeyDetails.namedCurve, NODE_CURVE[curve]);
  assert.equal(key.key.n, undefined);
  assert.equal(key.key.e, undefined);
}

async function deleteAndWait(name) {
  const poller = await client.beginDeleteKey(name, poll);
  return poller.pollUntilDone();
}

async function deleteAndPurge(name) {
  await deleteAndWait(name);
  await client.purgeDeletedKey(name);
}

describe("create", () => {
  test("createRsaKey: 2048 bits by default, e = 65537, every RSA operation", async () => {
    const name = uniqueName("rsa");
    const key = await client.createRsaKey(name);
    checkBundle(key, name, "RSA");
    checkRsa(key, 2048);
    assert.deepEqual(sortedOps(key), DEFAULT_OPS.RSA);
    assert.equal(key.properties.enabled, true);
    assert.ok(key.properties.createdOn instanceof Date);
    assert.ok(key.properties.updatedOn instanceof Date);
    assert.ok(Math.abs(key.properties.createdOn.getTime() - Date.now()) < 120_000, "createdOn is now");
    assert.ok(key.properties.recoveryLevel, "recoveryLevel is reported");
  });

  for (const [label, options, kty, bits] of [
    ["RSA 3072", { keySize: 3072 }, "RSA", 3072],
    ["RSA-HSM 2048", { hsm: true, keySize: 2048 }, "RSA-HSM", 2048],
  ]) {
    test(`createRsaKey ${label}`, async () => {
      const name = uniqueName("rsa");
      const key = await client.createRsaKey(name, options);
      checkBundle(key, name, kty);
      checkRsa(key, bits);
      assert.deepEqual(sortedOps(key), DEFAULT_OPS.RSA);
    });
  }

  for (const [curve, hsm] of [
    ["P-256", true],
    ["P-384", true],
    ["P-521", true],
    ["P-256K", true],
    ["P-256", false],
  ]) {
    const kty = hsm ? "EC-HSM" : "EC";
    test(`createEcKey ${kty} ${curve}: x and y of ${FIELD_BYTES[curve]} bytes, sign and verify only`, async () => {
      const name = uniqueName("ec");
      const key = await client.createEcKey(name, { curve, hsm });
      checkBundle(key, name, kty);
      checkEc(key, curve);
      assert.deepEqual(sortedOps(key), DEFAULT_OPS.EC);
    });
  }

  test("createOctKey oct-HSM 256: no key material at all in the answer", async () => {
    const name = uniqueName("oct");
    const key = await client.createOctKey(name, { hsm: true, keySize: 256 });
    checkBundle(key, name, "oct-HSM");
    assert.deepEqual(sortedOps(key), DEFAULT_OPS.oct);
    for (const part of ["n", "e", "x", "y", "crv"]) assert.equal(key.key[part], undefined, part);
  });

  test("createKey with tags, keyOps and enabled false keeps them", async () => {
    const name = uniqueName("attrs");
    const key = await client.createEcKey(name, {
      curve: "P-256",
      tags: { env: "compat" },
      keyOps: ["verify"],
      enabled: false,
    });
    checkBundle(key, name, "EC");
    assert.deepEqual(key.properties.tags, { env: "compat" });
    assert.deepEqual(key.keyOperations, ["verify"]);
    assert.equal(key.properties.enabled, false);
  });
});

describe("get, list, update", () => {
  test("getKey returns the latest version; getKey with a version returns that one", async () => {
    const name = uniqueName("get");
    const first = await client.createEcKey(name, { curve: "P-256" });
    const second = await client.createEcKey(name, { curve: "P-256" });
    assert.notEqual(first.properties.version, second.properties.version, "a create on a name adds a version");

    const latest = await client.getKey(name);
    checkBundle(latest, name, "EC");
    assert.equal(latest.properties.version, second.properties.version);
    assert.deepEqual(Buffer.from(latest.key.x), Buffer.from(second.key.x));

    const old = await client.getKey(name, { version: first.properties.version });
    checkBundle(old, name, "EC");
    assert.equal(old.properties.version, first.properties.version);
    assert.deepEqual(Buffer.from(old.key.x), Buffer.from(first.key.x));
    assert.deepEqual(sortedOps(old), DEFAULT_OPS.EC);
  });

  test("getKey of a missing name or version gives 404 KeyNotFound", async () => {
    await rejectsWith(client.getKey(uniqueName("missing")), 404, "KeyNotFound");
    const name = uniqueName("noversion");
    await client.createEcKey(name, { curve: "P-256" });
    await rejectsWith(client.getKey(name, { version: "0123456789abcdef0123456789abcdef" }), 404, "KeyNotFound");
  });

  test("listPropertiesOfKeys byPage({maxPageSize: 2}) lists each key once, versionless", async () => {
    const prefix = uniqueName("page");
    const names = [1, 2, 3].map((i) => `${prefix}-${i}`);
    for (const name of names) await client.createEcKey(name, { curve: "P-256", tags: { batch: prefix } });
    // A second version of one: the list still shows the name once.
    await client.createEcKey(names[0], { curve: "P-256", tags: { batch: prefix } });

    const pages = [];
    for await (const page of client.listPropertiesOfKeys().byPage({ maxPageSize: 2 })) pages.push(page);
    assert.ok(pages.length > 1, `expected more than one page, got ${pages.length}`);
    for (const page of pages) assert.ok(page.length <= 2, `a page has ${page.length} items for maxPageSize 2`);
    // Other test files create keys at the same time, so only this test's keys are counted.
    const mine = pages.flat().filter((p) => p.name.startsWith(`${prefix}-`));
    assert.deepEqual(mine.map((p) => p.name).sort(), names);
    for (const p of mine) {
      assert.equal(p.id, `${origin}/keys/${p.name}`, "list items of /keys have versionless ids");
      assert.equal(p.version, undefined);
      assert.equal(p.enabled, true);
      assert.deepEqual(p.tags, { batch: prefix });
      assert.ok(p.createdOn instanceof Date);
    }
  });

  test("listPropertiesOfKeyVersions byPage({maxPageSize: 2}) lists every version once", async () => {
    const name = uniqueName("vers");
    const versions = [];
    for (let i = 0; i < 3; i++) versions.push((await client.createEcKey(name, { curve: "P-256" })).properties.version);
    const pages = [];
    for await (const page of client.listPropertiesOfKeyVersions(name).byPage({ maxPageSize: 2 })) pages.push(page);
    assert.ok(pages.length > 1, `expected more than one page, got ${pages.length}`);
    for (const page of pages) assert.ok(page.length <= 2);
    const listed = pages.flat();
    assert.deepEqual(listed.map((p) => p.version).sort(), [...versions].sort());
    for (const p of listed) {
      assert.equal(p.name, name);
      assert.equal(p.id, `${origin}/keys/${name}/${p.version}`);
    }
  });

  test("updateKeyProperties changes enabled, tags and keyOps; getKey sees the same", async () => {
    const name = uniqueName("update");
    const key = await client.createRsaKey(name, { tags: { a: "1" } });
    const version = key.properties.version;

    const updated = await client.updateKeyProperties(name, version, {
      enabled: false,
      tags: { b: "2" },
      keyOps: ["sign", "verify"],
    });
    checkBundle(updated, name, "RSA");
    assert.equal(updated.properties.version, version, "an update makes no new version");
    assert.equal(updated.properties.enabled, false);
    assert.deepEqual(updated.properties.tags, { b: "2" }, "tags are replaced as a whole");
    assert.deepEqual(sortedOps(updated), ["sign", "verify"]);
    assert.deepEqual(Buffer.from(updated.key.n), Buffer.from(key.key.n));

    // A disabled key's public bundle stays readable; only its operations are refused (§2, get).
    const got = await client.getKey(name);
    checkBundle(got, name, "RSA");
    assert.equal(got.properties.version, version);
    assert.equal(got.properties.enabled, false);
    assert.deepEqual(got.properties.tags, { b: "2" });
    assert.deepEqual(sortedOps(got), ["sign", "verify"]);

    // Without a version the SDK sends PATCH /keys/NAME/: the latest. Unsent fields stay.
    const reenabled = await client.updateKeyProperties(name, { enabled: true });
    assert.equal(reenabled.properties.version, version);
    assert.equal(reenabled.properties.enabled, true);
    assert.deepEqual(reenabled.properties.tags, { b: "2" });
    assert.deepEqual(sortedOps(reenabled), ["sign", "verify"]);
    assert.equal((await client.getKey(name)).properties.enabled, true);
  });
});

describe("rotation", () => {
  for (const [label, create, check] of [
    ["RSA-HSM 2048", (n) => client.createRsaKey(n, { hsm: true, keySize: 2048 }), (k) => checkRsa(k, 2048)],
    ["EC P-384", (n) => client.createEcKey(n, { curve: "P-384" }), (k) => checkEc(k, "P-384")],
  ]) {
    test(`rotateKey on ${label} makes a new version of the same type and size`, async () => {
      const name = uniqueName("rotate");
      const key = await create(name);
      const rotated = await client.rotateKey(name);
      checkBundle(rotated, name, key.keyType);
      check(rotated);
      assert.notEqual(rotated.properties.version, key.properties.version);
      const material = (k) => Buffer.from(k.key.n ?? k.key.x);
      assert.notDeepEqual(material(rotated), material(key), "new key material");
      assert.deepEqual(sortedOps(rotated), sortedOps(key));
      assert.equal((await client.getKey(name)).properties.version, rotated.properties.version);
      const old = await client.getKey(name, { version: key.properties.version });
      assert.equal(old.properties.version, key.properties.version, "the old version stays");
    });
  }

  // [action, timeAfterCreate, timeBeforeExpiry] per lifetime action, for readable comparisons.
  const actions = (policy) =>
    (policy.lifetimeActions ?? []).map((a) => [a.action, a.timeAfterCreate ?? null, a.timeBeforeExpiry ?? null]);

  test("getKeyRotationPolicy of a key that never had one: 200 with the default policy", async () => {
    const name = uniqueName("nopolicy");
    await client.createEcKey(name, { curve: "P-256" });
    const policy = await client.getKeyRotationPolicy(name);
    // The default of §3.5 (lowkey-vault's; Azure's is unconfirmed): notify 30 days before expiry,
    // and never rotate on its own.
    assert.deepEqual(actions(policy), [["Notify", null, "P30D"]]);
    assert.equal(policy.expiresIn, undefined);
  });

  test("updateKeyRotationPolicy round-trips lifetimeActions and expiresIn", async () => {
    const name = uniqueName("policy");
    await client.createEcKey(name, { curve: "P-256" });
    const wanted = [
      ["Rotate", "P90D", null],
      ["Notify", null, "P30D"],
    ];
    const set = await client.updateKeyRotationPolicy(name, {
      lifetimeActions: [
        { action: "Rotate", timeAfterCreate: "P90D" },
        { action: "Notify", timeBeforeExpiry: "P30D" },
      ],
      expiresIn: "P1Y",
    });
    assert.deepEqual(actions(set), wanted);
    assert.equal(set.expiresIn, "P1Y");
    assert.equal(set.id, `${origin}/keys/${name}/rotationpolicy`);
    assert.ok(set.createdOn instanceof Date);
    assert.ok(set.updatedOn instanceof Date);

    const got = await client.getKeyRotationPolicy(name);
    assert.deepEqual(actions(got), wanted);
    assert.equal(got.expiresIn, "P1Y");
    assert.equal(got.id, set.id);
  });

  test("rotateKey of a missing name gives 404 KeyNotFound", async () => {
    await rejectsWith(client.rotateKey(uniqueName("norotate")), 404, "KeyNotFound");
  });
});

describe("random bytes", () => {
  test("getRandomBytes(32) returns 32 bytes, different on each call", async () => {
    const a = await client.getRandomBytes(32);
    const b = await client.getRandomBytes(32);
    assert.ok(a instanceof Uint8Array);
    assert.equal(a.length, 32);
    assert.equal(b.length, 32);
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
  });
});

describe("soft delete, recover, purge", () => {
  test("delete → getDeletedKey → listDeletedKeys → recover → delete → purge", async () => {
    const name = uniqueName("lifecycle");
    const key = await client.createEcKey(name, { curve: "P-256", tags: { keep: "me" } });

    const deleted = await deleteAndWait(name);
    checkBundle(deleted, name, "EC");
    assert.equal(deleted.properties.version, key.properties.version);
    assert.equal(deleted.properties.recoveryId, `${origin}/deletedkeys/${name}`);
    assert.ok(deleted.properties.deletedOn instanceof Date, "deletedOn");
    assert.ok(deleted.properties.scheduledPurgeDate instanceof Date, "scheduledPurgeDate");
    assert.ok(deleted.properties.scheduledPurgeDate > deleted.properties.deletedOn);
    assert.ok(Math.abs(deleted.properties.deletedOn.getTime() - Date.now()) < 120_000);

    // The live name is gone (the recover poller depends on this 404); the deleted one is there.
    await rejectsWith(client.getKey(name), 404, "KeyNotFound");
    const got = await client.getDeletedKey(name);
    checkBundle(got, name, "EC");
    assert.equal(got.properties.recoveryId, `${origin}/deletedkeys/${name}`);
    assert.deepEqual(got.properties.tags, { keep: "me" });
    assert.deepEqual(Buffer.from(got.key.x), Buffer.from(key.key.x));

    const listed = (await collect(client.listDeletedKeys())).filter((d) => d.name === name);
    assert.equal(listed.length, 1, "listDeletedKeys shows the name once");
    assert.equal(listed[0].properties.recoveryId, `${origin}/deletedkeys/${name}`);
    assert.ok(listed[0].properties.deletedOn instanceof Date);
    assert.ok(listed[0].properties.scheduledPurgeDate instanceof Date);
    const live = (await collect(client.listPropertiesOfKeys())).filter((p) => p.name === name);
    assert.equal(live.length, 0, "a deleted key is not in listPropertiesOfKeys");

    const recovered = await (await client.beginRecoverDeletedKey(name, poll)).pollUntilDone();
    checkBundle(recovered, name, "EC");
    assert.equal(recovered.properties.version, key.properties.version);
    const back = await client.getKey(name);
    assert.equal(back.properties.version, key.properties.version);
    assert.deepEqual(Buffer.from(back.key.x), Buffer.from(key.key.x), "the same key material");
    assert.deepEqual(back.properties.tags, { keep: "me" });
    await rejectsWith(client.getDeletedKey(name), 404, "KeyNotFound");

    await deleteAndPurge(name);
    await rejectsWith(client.getDeletedKey(name), 404, "KeyNotFound");
    await rejectsWith(client.getKey(name), 404, "KeyNotFound");
    const reborn = await client.createEcKey(name, { curve: "P-256" });
    assert.notEqual(reborn.properties.version, key.properties.version, "the name is free again");
  });

  test("createKey on a soft-deleted name gives 409 Conflict", async () => {
    const name = uniqueName("conflict");
    await client.createEcKey(name, { curve: "P-256" });
    await deleteAndWait(name);
    await rejectsWith(client.createEcKey(name, { curve: "P-256" }), 409, "Conflict");
    await client.purgeDeletedKey(name);
  });

  test("deleting, purging or recovering what is not there gives 404 KeyNotFound", async () => {
    await rejectsWith(client.beginDeleteKey(uniqueName("nodelete"), poll), 404, "KeyNotFound");
    const live = uniqueName("nopurge");
    await client.createEcKey(live, { curve: "P-256" });
    await rejectsWith(client.purgeDeletedKey(live), 404, "KeyNotFound");
    await rejectsWith(client.purgeDeletedKey(uniqueName("nopurge")), 404, "KeyNotFound");
    await rejectsWith(client.beginRecoverDeletedKey(uniqueName("norecover"), poll), 404, "KeyNotFound");
  });
});

describe("backup and restore", () => {
  for (const hsm of [false, true]) {
    const kty = hsm ? "RSA-HSM" : "RSA";
    test(`${kty}: backupKey → delete + purge → restoreKeyBackup gives back the same key`, async () => {
      const name = uniqueName("backup");
      const first = await client.createRsaKey(name, { hsm, tags: { v: "1" } });
      const key = await client.createRsaKey(name, { hsm });
      const digest = digestOf("RS256", crypto.randomBytes(64));
      const signature = (await cryptoClient(key, cred).sign("RS256", digest)).result;

      const blob = await client.backupKey(name);
      assert.ok(blob instanceof Uint8Array, "backupKey returns bytes");
      assert.ok(blob.length > 0);

      // Restoring onto a live name is refused.
      await rejectsWith(client.restoreKeyBackup(blob), 409, "Conflict");

      await deleteAndPurge(name);
      await rejectsWith(client.getKey(name), 404, "KeyNotFound");

      const restored = await client.restoreKeyBackup(blob);
      checkBundle(restored, name, kty);
      assert.equal(restored.properties.version, key.properties.version, "the restored bundle is the latest version");
      assert.deepEqual(Buffer.from(restored.key.n), Buffer.from(key.key.n));
      assert.deepEqual(Buffer.from(restored.key.e), Buffer.from(key.key.e));
      const versions = (await collect(client.listPropertiesOfKeyVersions(name))).map((p) => p.version);
      assert.deepEqual(versions.sort(), [first.properties.version, key.properties.version].sort());
      const old = await client.getKey(name, { version: first.properties.version });
      assert.deepEqual(old.properties.tags, { v: "1" });

      // The private half came back too: RS256 is deterministic, so the same key signs the
      // same digest into the same bytes.
      const again = (await cryptoClient(restored, cred).sign("RS256", digest)).result;
      assert.deepEqual(Buffer.from(again), Buffer.from(signature));
    });
  }

  test("backupKey of a missing name gives 404 KeyNotFound", async () => {
    await rejectsWith(client.backupKey(uniqueName("nobackup")), 404, "KeyNotFound");
  });
});

// A node JWK (base64url strings) as the SDK's JsonWebKey (Uint8Arrays).
function sdkJwk(nodeJwk, extra = {}) {
  const out = { ...extra };
  for (const [field, value] of Object.entries(nodeJwk)) {
    out[field] = field === "kty" || field === "crv" ? value : Buffer.from(value, "base64url");
  }
  return out;
}

describe("import", () => {
  for (const hsm of [false, true]) {
    const kty = hsm ? "RSA-HSM" : "RSA";
    test(`importKey of a node RSA key as ${kty}: Coffer signs and decrypts for the original key pair`, async () => {
      const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
      const jwk = privateKey.export({ format: "jwk" });
      const name = uniqueName("import-rsa");
      const imported = await client.importKey(name, sdkJwk(jwk), { hardwareProtected: hsm });
      checkBundle(imported, name, kty);
      assert.equal(b64url(imported.key.n), jwk.n);
      assert.equal(b64url(imported.key.e), jwk.e);
      assert.deepEqual(sortedOps(imported), DEFAULT_OPS.RSA, "a JWK without key_ops gets the type's defaults");

      const cc = cryptoClient(imported.id, cred);
      const data = crypto.randomBytes(200);
      const rs = await cc.sign("RS256", digestOf("RS256", data));
      assert.ok(crypto.verify("sha256", data, publicKey, rs.result), "RS256 verifies with the original key");
      const ps = await cc.sign("PS256", digestOf("PS256", data));
      const pss = { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      assert.ok(crypto.verify("sha256", data, pss, ps.result), "PS256 verifies (salt of 32 bytes)");

      // Both directions of RSA-OAEP-256 against node's OAEP(SHA-256, MGF1-SHA-256).
      const secret = crypto.randomBytes(32);
      const oaep256 = { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" };
      const fromNode = crypto.publicEncrypt({ key: publicKey, ...oaep256 }, secret);
      const dec = await cc.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: fromNode });
      assert.deepEqual(Buffer.from(dec.result), secret);
      // Remote: the SDK has no local RSA-OAEP-256.
      const enc = await cc.encrypt({ algorithm: "RSA-OAEP-256", plaintext: secret });
      assert.deepEqual(crypto.privateDecrypt({ key: privateKey, ...oaep256 }, enc.result), secret);
    });
  }

  test("importKey of a node EC P-256 key: ES256 by Coffer verifies in node with the original key", async () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = privateKey.export({ format: "jwk" });
    const name = uniqueName("import-ec");
    const imported = await client.importKey(name, sdkJwk(jwk, { keyOps: ["sign", "verify"] }));
    checkBundle(imported, name, "EC");
    checkEc(imported, "P-256");
    assert.equal(b64url(imported.key.x), jwk.x);
    assert.equal(b64url(imported.key.y), jwk.y);
    assert.deepEqual(sortedOps(imported), ["sign", "verify"]);

    const data = crypto.randomBytes(200);
    const signed = await cryptoClient(imported, cred).sign("ES256", digestOf("ES256", data));
    assert.equal(signed.result.length, 64);
    assert.ok(crypto.verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signed.result));
  });
});

for (const hsm of [false, true]) {
  const kty = hsm ? "RSA-HSM" : "RSA";
  describe(`CryptographyClient on ${kty} 2048`, () => {
    let key;
    let cc;
    let publicKey;
    let token;
    before(async () => {
      key = await client.createRsaKey(uniqueName(`cc-${kty.toLowerCase()}`), { hsm, keySize: 2048 });
      // From the id, as most applications build it: the client GETs the key first, then does
      // RSA1_5 / RSA-OAEP encryption and RS* verifyData itself, the rest on Coffer (§3.2).
      cc = cryptoClient(key.id, cred);
      publicKey = publicKeyFromJwk(key.key);
      token = await bearerToken(cred);
    });

    for (const alg of ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"]) {
      test(`encrypt + decrypt ${alg}`, async () => {
        const plaintext = crypto.randomBytes(32);
        const enc = await cc.encrypt({ algorithm: alg, plaintext });
        assert.equal(enc.algorithm, alg);
        assert.equal(enc.result.length, 256);
        const dec = await cc.decrypt({ algorithm: alg, ciphertext: enc.result });
        assert.deepEqual(Buffer.from(dec.result), plaintext);
        assert.equal(dec.keyID, key.id);
      });

      test(`Coffer's own ${alg} encrypt (raw: the SDK encrypts RSA1_5 and RSA-OAEP locally) decrypts`, async () => {
        const plaintext = crypto.randomBytes(32);
        const res = await rawKeyOperation(key.id, "encrypt", { alg, value: b64url(plaintext) }, token);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.kid, key.id);
        const ciphertext = Buffer.from(res.json.value, "base64url");
        assert.equal(ciphertext.length, 256);
        const dec = await cc.decrypt({ algorithm: alg, ciphertext });
        assert.deepEqual(Buffer.from(dec.result), plaintext);
      });

      test(`wrapKey + unwrapKey ${alg}`, async () => {
        const material = crypto.randomBytes(32);
        const wrapped = await cc.wrapKey(alg, material);
        assert.equal(wrapped.result.length, 256);
        const unwrapped = await cc.unwrapKey(alg, wrapped.result);
        assert.deepEqual(Buffer.from(unwrapped.result), material);
      });
    }

    for (const alg of ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]) {
      test(`sign + verify ${alg}: Coffer and node accept it, a tampered signature is false`, async () => {
        const data = crypto.randomBytes(300);
        const digest = digestOf(alg, data);
        const signed = await cc.sign(alg, digest);
        assert.equal(signed.algorithm, alg);
        assert.equal(signed.result.length, 256);
        assert.equal(signed.keyID, key.id);

        // verify() always asks Coffer. (verifyData checks RS* locally, and wrongly rejects every
        // PS* signature: it verifies them with PKCS#1 v1.5 padding, §3.2.)
        assert.equal((await cc.verify(alg, digest, signed.result)).result, true);
        const tampered = Buffer.from(signed.result);
        tampered[17] ^= 0x01;
        assert.equal((await cc.verify(alg, digest, tampered)).result, false, "a wrong signature is 200 false");

        const pss = alg.startsWith("PS");
        const nodeKey = pss
          ? { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[HASH[alg]] }
          : publicKey;
        assert.ok(crypto.verify(HASH[alg], data, nodeKey, signed.result), `node verifies ${alg}`);

        // PKCS#1 v1.5 is deterministic; PSS draws a fresh salt each time.
        const again = await cc.sign(alg, digest);
        if (pss) assert.notDeepEqual(Buffer.from(again.result), Buffer.from(signed.result));
        else assert.deepEqual(Buffer.from(again.result), Buffer.from(signed.result));
      });
    }

    test("signData + verifyData RS256 (the SDK hashes; verifyData checks locally)", async () => {
      const data = crypto.randomBytes(500);
      const signed = await cc.signData("RS256", data);
      assert.equal((await cc.verifyData("RS256", data, signed.result)).result, true);
      assert.equal((await cc.verifyData("RS256", crypto.randomBytes(500), signed.result)).result, false);
      assert.ok(crypto.verify("sha256", data, publicKey, signed.result));
    });
  });
}

describe("CryptographyClient on EC keys", () => {
  for (const [alg, curve, hsm, length] of [
    ["ES256", "P-256", true, 64],
    ["ES256K", "P-256K", true, 64],
    ["ES384", "P-384", true, 96],
    ["ES512", "P-521", true, 132],
    ["ES256", "P-256", false, 64],
  ]) {
    const kty = hsm ? "EC-HSM" : "EC";
    test(`${alg} on ${kty} ${curve}: a raw r||s of ${length} bytes that Coffer and node verify`, async () => {
      const key = await client.createEcKey(uniqueName("cc-ec"), { curve, hsm });
      const cc = cryptoClient(key, cred); // from the KeyVaultKey: no GET
      const data = crypto.randomBytes(300);
      const digest = digestOf(alg, data);
      const signed = await cc.sign(alg, digest);
      assert.equal(signed.result.length, length, "JWS form, not DER");
      assert.equal((await cc.verify(alg, digest, signed.result)).result, true);
      const tampered = Buffer.from(signed.result);
      tampered[5] ^= 0x01;
      assert.equal((await cc.verify(alg, digest, tampered)).result, false);
      assert.ok(
        crypto.verify(HASH[alg], data, { key: publicKeyFromJwk(key.key), dsaEncoding: "ieee-p1363" }, signed.result),
        `node verifies ${alg}`,
      );
      const again = await cc.sign(alg, digest);
      assert.notDeepEqual(Buffer.from(again.result), Buffer.from(signed.result), "ECDSA draws a fresh nonce");
    });
  }

  test("a client from a versionless id (POST /keys/NAME//sign) signs with the latest version", async () => {
    const name = uniqueName("latest");
    const v1 = await client.createEcKey(name, { curve: "P-256" });
    const v2 = await client.createEcKey(name, { curve: "P-256" });
    const data = crypto.randomBytes(100);
    for (const cc of [client.getCryptographyClient(name), cryptoClient(`${origin}/keys/${name}`, cred)]) {
      const signed = await cc.sign("ES256", digestOf("ES256", data));
      const opts = (k) => ({ key: publicKeyFromJwk(k.key), dsaEncoding: "ieee-p1363" });
      assert.ok(crypto.verify("sha256", data, opts(v2), signed.result), "signed by the latest version");
      assert.ok(!crypto.verify("sha256", data, opts(v1), signed.result));
    }
  });
});

for (const bits of [128, 192, 256]) {
  describe(`CryptographyClient on oct-HSM ${bits}`, () => {
    let cc;
    before(async () => {
      const key = await client.createOctKey(uniqueName(`cc-oct${bits}`), { hsm: true, keySize: bits });
      cc = cryptoClient(key.id, cred);
    });

    test(`A${bits}GCM: Coffer draws a 12-byte iv, returns a 16-byte tag; decrypt takes both and the aad`, async () => {
      const algorithm = `A${bits}GCM`;
      const plaintext = crypto.randomBytes(100);
      const aad = crypto.randomBytes(20);
      const enc = await cc.encrypt({ algorithm, plaintext, additionalAuthenticatedData: aad });
      assert.equal(enc.iv?.length, 12, "iv");
      assert.equal(enc.authenticationTag?.length, 16, "tag");
      assert.equal(enc.result.length, plaintext.length, "GCM adds no padding");
      assert.deepEqual(Buffer.from(enc.additionalAuthenticatedData), aad, "aad is echoed");
      const dec = await cc.decrypt({
        algorithm,
        ciphertext: enc.result,
        iv: enc.iv,
        authenticationTag: enc.authenticationTag,
        additionalAuthenticatedData: aad,
      });
      assert.deepEqual(Buffer.from(dec.result), plaintext);
      const again = await cc.encrypt({ algorithm, plaintext, additionalAuthenticatedData: aad });
      assert.notDeepEqual(Buffer.from(again.iv), Buffer.from(enc.iv), "a fresh iv per encryption");
    });

    test(`A${bits}CBCPAD without an iv: Coffer draws one and returns it`, async () => {
      // The SDK means to add an iv for CBC but never does (initializeIV tests `alg in array`).
      const algorithm = `A${bits}CBCPAD`;
      const plaintext = crypto.randomBytes(100);
      const enc = await cc.encrypt({ algorithm, plaintext });
      assert.equal(enc.iv?.length, 16, "iv");
      assert.equal(enc.result.length, 112, "PKCS#7 pads 100 bytes to 112");
      const dec = await cc.decrypt({ algorithm, ciphertext: enc.result, iv: enc.iv });
      assert.deepEqual(Buffer.from(dec.result), plaintext);
      const again = await cc.encrypt({ algorithm, plaintext });
      assert.notDeepEqual(Buffer.from(again.iv), Buffer.from(enc.iv), "a fresh iv per encryption");
    });

    test(`A${bits}CBC with the caller's iv: no padding, and that iv is the one used`, async () => {
      const algorithm = `A${bits}CBC`;
      const plaintext = crypto.randomBytes(48);
      const iv = crypto.randomBytes(16);
      const enc = await cc.encrypt({ algorithm, plaintext, iv });
      assert.equal(enc.result.length, 48);
      const dec = await cc.decrypt({ algorithm, ciphertext: enc.result, iv });
      assert.deepEqual(Buffer.from(dec.result), plaintext);
      // CBC is deterministic for a given iv: the same iv gives the same bytes, another does not.
      const same = await cc.encrypt({ algorithm, plaintext, iv });
      assert.deepEqual(Buffer.from(same.result), Buffer.from(enc.result));
      const other = await cc.encrypt({ algorithm, plaintext, iv: crypto.randomBytes(16) });
      assert.notDeepEqual(Buffer.from(other.result), Buffer.from(enc.result));
    });

    test(`A${bits}KW wraps a 32-byte key into 40 bytes (RFC 3394) and unwraps it`, async () => {
      const algorithm = `A${bits}KW`;
      const material = crypto.randomBytes(32);
      const wrapped = await cc.wrapKey(algorithm, material);
      assert.equal(wrapped.result.length, 40);
      const unwrapped = await cc.unwrapKey(algorithm, wrapped.result);
      assert.deepEqual(Buffer.from(unwrapped.result), material);
    });
  });
}

describe("errors", () => {
  let token;
  let rsa;
  let ec;
  before(async () => {
    token = await bearerToken(cred);
    rsa = await client.createRsaKey(uniqueName("err-rsa"));
    ec = await client.createEcKey(uniqueName("err-ec"), { curve: "P-256" });
  });

  // Any 32 bytes pass for a SHA-256 digest: Coffer signs digests, it never sees the data.
  const digest32 = () => crypto.randomBytes(32);

  test("an algorithm of another key type gives 400 BadParameter (ES256 on RSA, RS256 on EC)", async () => {
    await rejectsWith(cryptoClient(rsa, cred).sign("ES256", digest32()), 400, "BadParameter");
    await rejectsWith(cryptoClient(ec, cred).sign("RS256", digest32()), 400, "BadParameter");
    await rejectsWith(
      cryptoClient(rsa, cred).encrypt({ algorithm: "A256GCM", plaintext: crypto.randomBytes(16) }),
      400,
      "BadParameter",
    );
  });

  test("ES384 on a P-256 key (curve and algorithm disagree) gives 400 BadParameter", async () => {
    await rejectsWith(cryptoClient(ec, cred).sign("ES384", crypto.randomBytes(48)), 400, "BadParameter");
  });

  test("a digest of the wrong length gives 400 BadParameter", async () => {
    await rejectsWith(cryptoClient(rsa, cred).sign("RS256", crypto.randomBytes(31)), 400, "BadParameter");
    await rejectsWith(cryptoClient(rsa, cred).sign("RS256", crypto.randomBytes(48)), 400, "BadParameter");
    await rejectsWith(cryptoClient(ec, cred).sign("ES256", crypto.randomBytes(20)), 400, "BadParameter");
  });

  test("a tampered GCM tag gives 400 BadParameter", async () => {
    const oct = await client.createOctKey(uniqueName("err-oct"), { hsm: true, keySize: 256 });
    const cc = cryptoClient(oct, cred);
    const enc = await cc.encrypt({ algorithm: "A256GCM", plaintext: crypto.randomBytes(40) });
    const tag = Buffer.from(enc.authenticationTag);
    tag[0] ^= 0x01;
    await rejectsWith(
      cc.decrypt({ algorithm: "A256GCM", ciphertext: enc.result, iv: enc.iv, authenticationTag: tag }),
      400,
      "BadParameter",
    );
  });

  test("RSA1_5 plaintext longer than a 2048-bit key takes (245 bytes) gives 400 BadParameter", async () => {
    // Raw: the SDK encrypts RSA1_5 itself and only asks Coffer after node refuses.
    const body = { alg: "RSA1_5", value: b64url(crypto.randomBytes(246)) };
    const res = await rawKeyOperation(rsa.id, "encrypt", body, token);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.error?.code, "BadParameter", res.text);
  });

  test("an operation missing from key_ops gives 403 Forbidden", async () => {
    const key = await client.createRsaKey(uniqueName("ops"), { keyOps: ["sign", "verify"] });
    assert.deepEqual(sortedOps(key), ["sign", "verify"]);
    // The SDK refuses locally, without a request; Coffer must refuse too, for other clients.
    await assert.rejects(
      cryptoClient(key, cred).encrypt({ algorithm: "RSA-OAEP-256", plaintext: crypto.randomBytes(16) }),
      /Operation encrypt is not supported/,
    );
    for (const [op, body] of [
      ["encrypt", { alg: "RSA-OAEP-256", value: b64url(crypto.randomBytes(16)) }],
      ["decrypt", { alg: "RSA-OAEP", value: b64url(crypto.randomBytes(256)) }],
      ["wrapkey", { alg: "RSA-OAEP", value: b64url(crypto.randomBytes(32)) }],
    ]) {
      const res = await rawKeyOperation(key.id, op, body, token);
      assert.equal(res.status, 403, `${op}: ${res.text}`);
      assert.equal(res.json?.error?.code, "Forbidden", res.text);
    }
    // What key_ops allows still works.
    const signed = await cryptoClient(key, cred).sign("RS256", digest32());
    assert.equal(signed.result.length, 256);
  });

  test("a disabled key refuses sign with 403 Forbidden, inner code KeyDisabled", async () => {
    const name = uniqueName("disabled");
    const key = await client.createEcKey(name, { curve: "P-256", enabled: false });
    // The SDK does not check `enabled` itself, so this reaches Coffer.
    const err = await rejectsWith(cryptoClient(key, cred).sign("ES256", digest32()), 403, "Forbidden");
    assert.equal(err.details?.error?.innerError?.code, "KeyDisabled", JSON.stringify(err.details));
    await client.updateKeyProperties(name, key.properties.version, { enabled: true });
    const signed = await cryptoClient(key, cred).sign("ES256", digest32());
    assert.equal(signed.result.length, 64, "signs again once enabled");
  });

  test("an expired key refuses sign with 403 Forbidden but still verifies", async () => {
    const name = uniqueName("expired");
    const key = await client.createEcKey(name, { curve: "P-256" });
    const digest = digest32();
    const signature = (await cryptoClient(key, cred).sign("ES256", digest)).result;
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const expired = await client.updateKeyProperties(name, key.properties.version, { expiresOn: past });
    assert.equal(expired.properties.expiresOn.getTime(), past.getTime());

    // Raw: the SDK checks exp itself and never sends either request (§3.2).
    await assert.rejects(cryptoClient(expired, cred).verify("ES256", digest, signature), /expired/);
    const sign = await rawKeyOperation(key.id, "sign", { alg: "ES256", value: b64url(digest) }, token);
    assert.equal(sign.status, 403, sign.text);
    assert.equal(sign.json?.error?.code, "Forbidden", sign.text);
    // Verification only needs the public key; a signature made in the window stays checkable.
    const verifyBody = { alg: "ES256", digest: b64url(digest), value: b64url(signature) };
    const verify = await rawKeyOperation(key.id, "verify", verifyBody, token);
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.json?.value, true);
  });

  test("a not-yet-valid key (nbf in the future) refuses sign with 403 Forbidden", async () => {
    const future = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);
    const key = await client.createEcKey(uniqueName("notbefore"), { curve: "P-256", notBefore: future });
    assert.equal(key.properties.notBefore.getTime(), future.getTime());
    const res = await rawKeyOperation(key.id, "sign", { alg: "ES256", value: b64url(digest32()) }, token);
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json?.error?.code, "Forbidden", res.text);
  });

  test("createKey with an unknown kty gives 400 BadParameter", async () => {
    await rejectsWith(client.createKey(uniqueName("badkty"), "banana"), 400, "BadParameter");
  });

  test("an -HSM key in a standard vault is refused", { skip: "run-compat makes one vault, a premium one" }, () => {});
});

describe("a principal without keys permissions", () => {
  const limitedCred = limitedCredential();
  const limited = keyClient(limitedCred);
  let key;
  before(async () => {
    key = await client.createEcKey(uniqueName("guarded"), { curve: "P-256" });
  });

  test("getKey gives 403 Forbidden, whether or not the key exists", async () => {
    await rejectsWith(limited.getKey(key.name), 403, "Forbidden");
    await rejectsWith(limited.getKey(uniqueName("absent")), 403, "Forbidden");
  });

  test("the 403 body is the same for an existing and a missing key", async () => {
    const token = await bearerToken(limitedCred);
    const missing = uniqueName("absent");
    const body = async (name) => {
      const res = await rawRequest("GET", `/keys/${name}/?api-version=${keysApiVersion}`, { token });
      assert.equal(res.status, 403, res.text);
      // Only the request id may differ (and the name, had it been echoed).
      const requestId = res.headers["x-ms-request-id"];
      let text = res.text.replaceAll(name, "NAME");
      if (requestId) text = text.replaceAll(requestId, "REQUEST-ID");
      return text;
    };
    assert.equal(await body(key.name), await body(missing));
  });

  test("a CryptographyClient falls back to remote after the 403 on GET, and sign is refused", async () => {
    // CryptographyClient treats a 403 on its first GET as "no get permission" and sends
    // every operation to Coffer (§3.2); Coffer must still refuse the sign itself.
    const cc = cryptoClient(key.id, limitedCred);
    await rejectsWith(cc.sign("ES256", crypto.randomBytes(32)), 403, "Forbidden");
  });
});
