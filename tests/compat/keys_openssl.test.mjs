// Byte compatibility with the openssl command line: signatures Coffer makes through the SDK
// verify with `openssl dgst -verify`, and ciphertexts `openssl pkeyutl -encrypt` makes decrypt
// in Coffer. The public keys come from the JWKs Coffer returns, so this also checks n, e, x
// and y. oct keys never leave Coffer, so there is nothing for openssl to check against.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { credential, keyClient, cryptoClient, uniqueName, publicKeyFromJwk } from "./helpers.mjs";

const cred = credential();
const client = keyClient(cred);

let dir;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "coffer-keys-openssl-"));
});
after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function file(name, bytes) {
  const p = path.join(dir, name);
  if (bytes !== undefined) fs.writeFileSync(p, bytes);
  return p;
}

function openssl(...args) {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function writePublicPem(name, jwk) {
  return file(name, publicKeyFromJwk(jwk).export({ type: "spki", format: "pem" }));
}

// A DER INTEGER from unsigned big-endian bytes: leading zeros dropped, one 00 put back when
// the top bit is set (else it would read as negative).
function derInteger(bytes) {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let v = bytes.subarray(i);
  if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
}

function derLength(n) {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

// Coffer (like Azure) returns ECDSA signatures as raw r||s; openssl wants the DER
// ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER }. P-521 signatures (132 bytes) need the
// long length form.
function rawToDer(signature) {
  const sig = Buffer.from(signature);
  const half = sig.length / 2;
  const body = Buffer.concat([derInteger(sig.subarray(0, half)), derInteger(sig.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

test("rawToDer matches node's own DER encoding", () => {
  // The helper is checked against node, so an openssl failure below is Coffer's.
  for (const namedCurve of ["P-256", "P-384", "P-521", "secp256k1"]) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve });
    for (let i = 0; i < 8; i++) {
      const data = crypto.randomBytes(32);
      const raw = crypto.sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" });
      assert.ok(crypto.verify("sha256", data, { key: publicKey, dsaEncoding: "der" }, rawToDer(raw)), namedCurve);
    }
  }
});

const pssOptions = (hash, saltLength) => [
  "-sigopt", "rsa_padding_mode:pss",
  "-sigopt", `rsa_pss_saltlen:${saltLength}`,
  "-sigopt", `rsa_mgf1_md:${hash}`,
];

for (const hsm of [false, true]) {
  const kty = hsm ? "RSA-HSM" : "RSA";
  describe(`openssl and ${kty} 2048`, () => {
    let key;
    let cc;
    let pub;
    before(async () => {
      key = await client.createRsaKey(uniqueName("ossl-rsa"), { hsm, keySize: 2048 });
      cc = cryptoClient(key, cred);
      pub = writePublicPem(`${kty}.pub.pem`, key.key);
    });

    for (const [alg, hash, saltLength] of [
      ["RS256", "sha256"],
      ["RS384", "sha384"],
      ["RS512", "sha512"],
      ["PS256", "sha256", 32],
      ["PS384", "sha384", 48],
      ["PS512", "sha512", 64],
    ]) {
      test(`${alg} by Coffer: openssl dgst -${hash} -verify says Verified OK`, async () => {
        const data = file(`${kty}-${alg}.data`, crypto.randomBytes(1000));
        const digest = crypto.createHash(hash).update(fs.readFileSync(data)).digest();
        const signed = await cc.sign(alg, digest);
        const sig = file(`${kty}-${alg}.sig`, signed.result);
        const pss = saltLength ? pssOptions(hash, saltLength) : [];
        const out = openssl("dgst", `-${hash}`, ...pss, "-verify", pub, "-signature", sig, data);
        assert.match(out, /Verified OK/);
      });
    }

    for (const [alg, pkeyopts] of [
      ["RSA1_5", ["rsa_padding_mode:pkcs1"]],
      ["RSA-OAEP", ["rsa_padding_mode:oaep"]],
      ["RSA-OAEP-256", ["rsa_padding_mode:oaep", "rsa_oaep_md:sha256", "rsa_mgf1_md:sha256"]],
    ]) {
      test(`openssl pkeyutl -encrypt (${pkeyopts.join(" ")}) decrypts in Coffer as ${alg}`, async () => {
        const plaintext = crypto.randomBytes(32);
        const input = file(`${kty}-${alg}.pt`, plaintext);
        const output = file(`${kty}-${alg}.ct`);
        const options = pkeyopts.flatMap((o) => ["-pkeyopt", o]);
        openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, ...options, "-in", input, "-out", output);
        const dec = await cc.decrypt({ algorithm: alg, ciphertext: fs.readFileSync(output) });
        assert.deepEqual(Buffer.from(dec.result), plaintext);
      });
    }
  });
}

describe("openssl and EC-HSM", () => {
  for (const [alg, curve, hash] of [
    ["ES256", "P-256", "sha256"],
    ["ES384", "P-384", "sha384"],
    ["ES512", "P-521", "sha512"],
    ["ES256K", "P-256K", "sha256"],
  ]) {
    test(`${alg} on ${curve} by Coffer, as DER: openssl dgst -${hash} -verify says Verified OK`, async () => {
      const key = await client.createEcKey(uniqueName("ossl-ec"), { curve, hsm: true });
      const pub = writePublicPem(`${alg}.pub.pem`, key.key);
      const data = file(`${alg}.data`, crypto.randomBytes(1000));
      const digest = crypto.createHash(hash).update(fs.readFileSync(data)).digest();
      const signed = await cryptoClient(key, cred).sign(alg, digest);
      const sig = file(`${alg}.sig`, rawToDer(signed.result));
      const out = openssl("dgst", `-${hash}`, "-verify", pub, "-signature", sig, data);
      assert.match(out, /Verified OK/);
    });
  }
});
