// `coffer key ...` against the same vault the SDK tests use: what the CLI makes, the SDK and
// OpenSSL agree with, and the other way round.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";

import { coffer, cofferOk as ok, credential, keyClient, uniqueName, publicKeyFromJwk } from "./helpers.mjs";

const client = keyClient(credential());



test("coffer key create makes an HSM key the SDK reads, and its signatures verify in node", async () => {
  const name = uniqueName("cli");
  const made = ok(["key", "create", name, "--kty", "EC-HSM", "--curve", "P-384", "--tag", "by=cli"]);
  assert.equal(made.kty, "EC-HSM");
  assert.equal(made.curve, "P-384");
  const key = await client.getKey(name);
  assert.equal(key.properties.version, made.version);
  assert.deepEqual(key.properties.tags, { by: "cli" });

  const signed = ok(["key", "sign", name, "--alg", "ES384", "--value", "signed by the cli"]);
  const publicKey = publicKeyFromJwk(key.key);
  const valid = crypto.verify("sha384", Buffer.from("signed by the cli"),
                              { key: publicKey, dsaEncoding: "ieee-p1363" },
                              Buffer.from(signed.signature, "base64url"));
  assert.equal(valid, true);
  assert.equal(ok(["key", "verify", name, "--alg", "ES384", "--value", "signed by the cli",
                   "--signature", signed.signature]).valid, true);
  const forged = coffer(["key", "verify", name, "--alg", "ES384", "--value", "not this",
                         "--signature", signed.signature]);
  assert.notEqual(forged.status, 0);
  assert.match(forged.err, /does not verify/);
});

test("coffer key encrypt and decrypt round-trip through an oct-HSM key; a wrong tag is refused", () => {
  const name = uniqueName("clienc");
  ok(["key", "create", name, "--kty", "oct-HSM", "--size", "128"]);
  const sealed = ok(["key", "encrypt", name, "--alg", "A128GCM", "--value", "plaintext"]);
  assert.equal(Buffer.from(sealed.iv, "base64url").length, 12);
  const opened = coffer(["key", "decrypt", name, "--alg", "A128GCM", "--value-b64", sealed.ciphertext,
                         "--iv", sealed.iv, "--tag", sealed.tag]);
  assert.equal(opened.status, 0, opened.err);
  assert.equal(opened.out, "plaintext");
  const tag = Buffer.from(sealed.tag, "base64url");
  tag[0] ^= 1;
  const refused = coffer(["key", "decrypt", name, "--alg", "A128GCM", "--value-b64", sealed.ciphertext,
                          "--iv", sealed.iv, "--tag", tag.toString("base64url")]);
  assert.notEqual(refused.status, 0);
  assert.match(refused.err, /BadParameter/);
});

test("coffer key rotation-policy, rotate, backup, delete, purge and restore", () => {
  const name = uniqueName("clilife");
  const first = ok(["key", "create", name, "--kty", "RSA", "--ops", "sign,verify"]);
  const policy = ok(["key", "rotation-policy", name, "--rotate-after", "P30D", "--expires-after", "P90D"]);
  assert.equal(policy.rotateAfter, "P30D");
  assert.equal(policy.expiryTime, "P90D");
  const second = ok(["key", "rotate", name]);
  assert.notEqual(second.version, first.version);
  assert.deepEqual(second.keyOps, ["sign", "verify"]);
  assert.ok(second.expires, "a rotated version expires after the policy's expiryTime");
  assert.equal(ok(["key", "versions", name]).length, 2);

  const file = `${process.env.TMPDIR ?? "/tmp"}/${name}.backup`;
  ok(["key", "backup", name, "--file", file]);
  ok(["key", "delete", name]);
  assert.ok(ok(["key", "deleted"]).some((k) => k.name === name));
  ok(["key", "purge", name]);
  const restored = ok(["key", "restore", "--file", file]);
  assert.equal(restored.version, second.version);
  assert.equal(ok(["key", "rotation-policy", name]).rotateAfter, "P30D");
  execFileSync("rm", ["-f", file]);
});

test("coffer key import takes a JWK file and the key signs as the original", () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const name = uniqueName("cliimp");
  const file = `${process.env.TMPDIR ?? "/tmp"}/${name}.jwk`;
  execFileSync("sh", ["-c", `umask 077; cat > ${file}`],
               { input: JSON.stringify(privateKey.export({ format: "jwk" })) });
  const imported = ok(["key", "import", name, "--jwk-file", file, "--hsm"]);
  execFileSync("rm", ["-f", file]);
  assert.equal(imported.kty, "EC-HSM");
  assert.equal(imported.publicKey.d, undefined);
  const signed = ok(["key", "sign", name, "--alg", "ES256", "--value", "imported"]);
  assert.equal(crypto.verify("sha256", Buffer.from("imported"), { key: publicKey, dsaEncoding: "ieee-p1363" },
                             Buffer.from(signed.signature, "base64url")), true);
});
