// An imported key's private parts are nowhere but inside the HSM (for -HSM keys) or sealed (for
// software keys): not in any response, not in the database or its write-ahead log, not in the
// audit log or the server's log. Importing a key whose parts the test knows is the only way to
// look for them; a generated HSM key's parts are unknown even to Coffer.

import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";

import { credential, keyClient, cryptoClient, uniqueName } from "./helpers.mjs";

const client = keyClient(credential());
const PRIVATE_PARTS = ["d", "p", "q", "dp", "dq", "qi"];

// Every spelling a part could be written in: raw bytes, base64url, base64 and hex (a prefix of
// each, long enough never to match by chance).
function spellings(part) {
  const raw = Buffer.from(part, "base64url").subarray(0, 24);
  return [raw, Buffer.from(raw.toString("base64url").slice(0, 24)),
          Buffer.from(raw.toString("base64").slice(0, 24)), Buffer.from(raw.toString("hex"))];
}

function filesAtRest() {
  const list = process.env.COFFER_AT_REST_FILES;
  assert.ok(list, "COFFER_AT_REST_FILES is not set: run this suite through tests/compat/run-compat");
  return list.split(":").filter((file) => fs.existsSync(file));
}

for (const hardwareProtected of [true, false]) {
  test(`an imported ${hardwareProtected ? "RSA-HSM" : "RSA"} key's private parts are in no response and no file`, async () => {
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = privateKey.export({ format: "jwk" });
    const sdkJwk = { keyOps: ["sign", "verify", "decrypt", "encrypt"] };
    for (const [field, value] of Object.entries(jwk)) {
      sdkJwk[field] = field === "kty" ? value : Buffer.from(value, "base64url");
    }
    const name = uniqueName("atrest");
    const responses = [];
    const imported = await client.importKey(name, sdkJwk, { hardwareProtected });
    responses.push(JSON.stringify(imported));
    // Use it the ways that touch the private key, and read it back in every form.
    const crypt = cryptoClient(imported);
    const digest = crypto.createHash("sha256").update("at rest").digest();
    responses.push(JSON.stringify(await crypt.sign("RS256", digest)));
    const sealed = await crypt.encrypt({ algorithm: "RSA-OAEP-256", plaintext: Buffer.from("x") });
    responses.push(JSON.stringify(await crypt.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: sealed.result })));
    responses.push(JSON.stringify(await client.getKey(name)));
    responses.push(Buffer.from(await client.backupKey(name)).toString("base64"));
    await client.rotateKey(name);

    const files = filesAtRest();
    assert.ok(files.some((file) => file.endsWith("coffer.db")), `no database among ${files}`);
    const haystacks = [
      ...files.map((file) => ({ where: file, bytes: fs.readFileSync(file) })),
      ...responses.map((text, i) => ({ where: `response ${i}`, bytes: Buffer.from(text) })),
    ];
    for (const part of PRIVATE_PARTS) {
      for (const needle of spellings(jwk[part])) {
        for (const { where, bytes } of haystacks) {
          assert.equal(bytes.indexOf(needle), -1, `private part ${part} found in ${where}`);
        }
      }
    }
  });
}
