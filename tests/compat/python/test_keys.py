"""Keys through azure-keyvault-keys' KeyClient and CryptographyClient, unmodified: creation of
every key type (the -HSM ones too: run-compat's vault is premium), get, list, update, rotation,
soft delete, backup/restore, import, and every cryptographic algorithm. Signatures and
ciphertexts are checked again with the cryptography package (python3-cryptography, which
python3-azure depends on).

The SDK works partly locally: with the key's public material it encrypts and wraps with the RSA
algorithms and verifies every signature itself; it sends decrypt, unwrap, sign and every oct
operation to the vault."""

import hashlib
import os
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from azure.keyvault.keys import JsonWebKey, KeyRotationLifetimeAction, KeyRotationPolicy
from azure.keyvault.keys.crypto import (EncryptionAlgorithm, KeyWrapAlgorithm,
                                        SignatureAlgorithm)

import compat
from compat import CompatTestCase

VERSION = re.compile(r"^[0-9a-f]{32}$")
PRIVATE_FIELDS = ("d", "p", "q", "dp", "dq", "qi", "k")
RSA_OPS = {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}
CURVES = {"P-256": (ec.SECP256R1(), 32), "P-384": (ec.SECP384R1(), 48),
          "P-521": (ec.SECP521R1(), 66), "P-256K": (ec.SECP256K1(), 32)}
HASHES = {"256": (hashes.SHA256(), hashlib.sha256), "384": (hashes.SHA384(), hashlib.sha384),
          "512": (hashes.SHA512(), hashlib.sha512)}
ES_FOR_CURVE = {"P-256": "ES256", "P-256K": "ES256K", "P-384": "ES384", "P-521": "ES512"}


def to_int(b):
    return int.from_bytes(b, "big")


def public_key(jwk):
    """A cryptography public key from the JWK the SDK returns (binary fields as bytes); it
    checks the numbers (an EC point must be on its curve)."""
    if jwk.kty in ("RSA", "RSA-HSM"):
        return rsa.RSAPublicNumbers(to_int(jwk.e), to_int(jwk.n)).public_key()
    curve, _ = CURVES[jwk.crv]
    return ec.EllipticCurvePublicNumbers(to_int(jwk.x), to_int(jwk.y), curve).public_key()


def digest_for(algorithm, data):
    return HASHES[algorithm[-3:] if not algorithm.endswith("K") else "256"][1](data).digest()


def independently_verifies(jwk, algorithm, digest, signature):
    """Verifies a signature with the cryptography package, not the SDK."""
    key = public_key(jwk)
    bits = "256" if algorithm == "ES256K" else algorithm[-3:]
    prehashed = utils.Prehashed(HASHES[bits][0])
    try:
        if algorithm.startswith("RS"):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        elif algorithm.startswith("PS"):
            key.verify(signature, digest, padding.PSS(padding.MGF1(HASHES[bits][0]),
                                                      HASHES[bits][0].digest_size), prehashed)
        else:
            half = len(signature) // 2
            der = utils.encode_dss_signature(to_int(signature[:half]), to_int(signature[half:]))
            key.verify(der, digest, ec.ECDSA(prehashed))
        return True
    except InvalidSignature:
        return False


def jwk_of_private_key(private_key, **extra):
    """The JsonWebKey for importing a cryptography private key."""
    def b(n, length=None):
        return n.to_bytes(length or (n.bit_length() + 7) // 8, "big")
    if isinstance(private_key, rsa.RSAPrivateKey):
        nums = private_key.private_numbers()
        pub = nums.public_numbers
        return JsonWebKey(kty="RSA", n=b(pub.n), e=b(pub.e), d=b(nums.d), p=b(nums.p),
                          q=b(nums.q), dp=b(nums.dmp1), dq=b(nums.dmq1), qi=b(nums.iqmp), **extra)
    nums = private_key.private_numbers()
    size = (private_key.curve.key_size + 7) // 8
    return JsonWebKey(kty="EC", crv="P-256", x=b(nums.public_numbers.x, size),
                      y=b(nums.public_numbers.y, size), d=b(nums.private_value, size), **extra)


class KeysTestCase(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.cred = compat.credential()
        cls.client = compat.key_client(cls.cred)

    def check_public_only(self, key):
        for field in PRIVATE_FIELDS:
            self.assertIsNone(getattr(key.key, field), f"{field} in a key bundle")

    def check_id(self, key, name):
        self.assertEqual(key.name, name)
        self.assertRegex(key.properties.version, VERSION)
        self.assertEqual(key.id, f"{compat.VAULT_URL}/keys/{name}/{key.properties.version}")
        self.assertEqual(key.key.kid, key.id)


class ApiVersion(CompatTestCase):
    def test_the_default_api_version_of_key_client_is_served(self):
        # azure-keyvault-keys 4.8.0b3 (Debian 12) sends api-version=7.4-preview.1 by default.
        log = compat.RequestLog()
        client = compat.key_client(**log.as_kwargs())
        client.create_ec_key(compat.unique_name("apiversion"))
        self.assertIn(f"api-version={compat.KEYS_API_VERSION}", log.requests[-1][1])


class Create(KeysTestCase):
    def test_rsa_is_2048_bits_by_default_with_e_65537_and_every_rsa_operation(self):
        name = compat.unique_name("rsa")
        key = self.client.create_rsa_key(name)
        self.check_id(key, name)
        self.assertEqual(key.key_type, "RSA")
        self.assertEqual(len(key.key.n), 256)
        self.assertNotEqual(key.key.n[0], 0, "n has no leading zero byte")
        self.assertEqual(key.key.e, b"\x01\x00\x01")
        self.assertEqual(set(key.key_operations), RSA_OPS)
        self.assertTrue(key.properties.enabled)
        self.check_public_only(key)

    def test_rsa_hsm_keys_of_2048_and_3072_bits(self):
        for size in (2048, 3072):
            with self.subTest(size=size):
                key = self.client.create_rsa_key(compat.unique_name("rsahsm"), size=size,
                                                 hardware_protected=True)
                self.assertEqual(key.key_type, "RSA-HSM")
                self.assertEqual(len(key.key.n) * 8, size)
                self.check_public_only(key)

    def test_ec_keys_on_every_curve(self):
        cases = [("EC", "P-256")] + [("EC-HSM", c) for c in ("P-256", "P-384", "P-521", "P-256K")]
        for kty, curve in cases:
            with self.subTest(kty=kty, curve=curve):
                key = self.client.create_ec_key(compat.unique_name("ec"), curve=curve,
                                                hardware_protected=kty == "EC-HSM")
                self.assertEqual((key.key_type, key.key.crv), (kty, curve))
                size = CURVES[curve][1]
                self.assertEqual((len(key.key.x), len(key.key.y)), (size, size))
                public_key(key.key)  # raises unless the point is on the curve
                self.assertEqual(set(key.key_operations), {"sign", "verify"})
                self.check_public_only(key)

    def test_oct_hsm_has_no_key_material_in_the_answer(self):
        key = self.client.create_oct_key(compat.unique_name("oct"), size=256,
                                         hardware_protected=True)
        self.assertEqual(key.key_type, "oct-HSM")
        self.check_public_only(key)

    def test_tags_operations_and_enabled_false_are_kept(self):
        name = compat.unique_name("opts")
        key = self.client.create_rsa_key(name, key_operations=["sign", "verify"], enabled=False,
                                         tags={"team": "compat"})
        self.assertEqual(set(key.key_operations), {"sign", "verify"})
        self.assertFalse(key.properties.enabled)
        self.assertEqual(key.properties.tags, {"team": "compat"})
        got = self.client.get_key(name)
        self.assertEqual((set(got.key_operations), got.properties.enabled),
                         ({"sign", "verify"}, False))

    def test_an_unknown_key_type_is_400_bad_parameter(self):
        err = self.assertHttpError(400, "BadParameter", self.client.create_key,
                                   compat.unique_name("bad"), "banana")
        self.assertIn("banana", err.message, "refused for the key type, not for another reason")


class GetListUpdate(KeysTestCase):
    def test_get_latest_and_by_version(self):
        name = compat.unique_name("get")
        first = self.client.create_ec_key(name)
        second = self.client.create_ec_key(name)
        self.assertEqual(self.client.get_key(name).id, second.id)
        old = self.client.get_key(name, first.properties.version)
        self.assertEqual((old.id, old.key.x), (first.id, first.key.x))

    def test_a_missing_name_or_version_is_404_key_not_found(self):
        self.assertHttpError(404, "KeyNotFound", self.client.get_key, compat.unique_name("none"))
        name = compat.unique_name("nover")
        self.client.create_ec_key(name)
        self.assertHttpError(404, "KeyNotFound", self.client.get_key, name,
                             "0123456789abcdef0123456789abcdef")

    def test_lists_page_by_two_with_each_key_and_version_once(self):
        prefix = compat.unique_name("klist")
        names = [f"{prefix}-{i}" for i in range(5)]
        for n in names:
            self.client.create_ec_key(n)
        pages = [list(p) for p in self.client.list_properties_of_keys(max_page_size=2).by_page()]
        self.assertGreater(len(pages), 1)
        self.assertTrue(all(len(p) <= 2 for p in pages))
        listed = [k for p in pages for k in p]
        self.assertEqual(len({k.name for k in listed}), len(listed))
        for k in listed:
            if k.name in names:
                self.assertEqual(k.id, f"{compat.VAULT_URL}/keys/{k.name}")
        self.assertTrue(set(names) <= {k.name for k in listed})

        versions = [self.client.create_ec_key(names[0]).properties.version for _ in range(4)]
        listed = [k for p in self.client.list_properties_of_key_versions(
            names[0], max_page_size=2).by_page() for k in p]
        self.assertEqual(len(listed), 5)
        self.assertTrue(set(versions) <= {k.version for k in listed})
        # A name with no key has no versions: an empty list, as Azure answers.
        self.assertEqual(list(self.client.list_properties_of_key_versions(
            compat.unique_name("never"))), [])

    def test_update_changes_enabled_tags_and_operations(self):
        name = compat.unique_name("upd")
        key = self.client.create_rsa_key(name)
        updated = self.client.update_key_properties(name, key.properties.version, enabled=False,
                                                    tags={"a": "1"},
                                                    key_operations=["verify"])
        self.assertFalse(updated.properties.enabled)
        self.assertEqual(updated.properties.tags, {"a": "1"})
        self.assertEqual(updated.key_operations, ["verify"])
        got = self.client.get_key(name)
        self.assertFalse(got.properties.enabled, "a disabled key stays readable")
        self.assertEqual(got.key_operations, ["verify"])
        latest = self.client.update_key_properties(name, enabled=True)
        self.assertTrue(latest.properties.enabled)
        self.assertEqual(latest.properties.tags, {"a": "1"})


class Rotation(KeysTestCase):
    def test_rotate_makes_a_new_version_of_the_same_type_and_size(self):
        for kty, create in (("RSA-HSM", lambda n: self.client.create_rsa_key(
                n, size=3072, hardware_protected=True)),
                            ("EC", lambda n: self.client.create_ec_key(n, curve="P-384"))):
            with self.subTest(kty):
                name = compat.unique_name("rot")
                before = create(name)
                after = self.client.rotate_key(name)
                self.assertNotEqual(after.properties.version, before.properties.version)
                self.assertEqual(after.key_type, before.key_type)
                if kty.startswith("RSA"):
                    self.assertEqual(len(after.key.n), len(before.key.n))
                    self.assertNotEqual(after.key.n, before.key.n)
                else:
                    self.assertEqual(after.key.crv, before.key.crv)
                    self.assertNotEqual(after.key.x, before.key.x)
                self.assertEqual(self.client.get_key(name).id, after.id)

    def test_the_default_policy_and_a_set_policy_round_trip(self):
        name = compat.unique_name("policy")
        self.client.create_ec_key(name)
        default = self.client.get_key_rotation_policy(name)
        self.assertEqual([(a.action, a.time_before_expiry) for a in default.lifetime_actions],
                         [("Notify", "P30D")])
        policy = KeyRotationPolicy(expires_in="P90D", lifetime_actions=[
            KeyRotationLifetimeAction("Rotate", time_after_create="P60D"),
            KeyRotationLifetimeAction("Notify", time_before_expiry="P10D")])
        set_policy = self.client.update_key_rotation_policy(name, policy)
        self.assertEqual(set_policy.expires_in, "P90D")
        got = self.client.get_key_rotation_policy(name)
        self.assertEqual(sorted((a.action, a.time_after_create, a.time_before_expiry)
                                for a in got.lifetime_actions),
                         [("Notify", None, "P10D"), ("Rotate", "P60D", None)])
        self.assertEqual(got.expires_in, "P90D")

    def test_rotating_a_missing_key_is_404(self):
        self.assertHttpError(404, "KeyNotFound", self.client.rotate_key, compat.unique_name("no"))

    def test_random_bytes_are_32_and_differ(self):
        a, b = self.client.get_random_bytes(32), self.client.get_random_bytes(32)
        self.assertEqual((len(a), len(b)), (32, 32))
        self.assertNotEqual(a, b)


class Lifecycle(KeysTestCase):
    def test_delete_get_list_recover_delete_purge(self):
        name = compat.unique_name("klife")
        key = self.client.create_rsa_key(name, hardware_protected=True)
        poller = self.client.begin_delete_key(name)
        poller.wait(timeout=60)
        deleted = poller.result()
        self.assertEqual(deleted.recovery_id, f"{compat.VAULT_URL}/deletedkeys/{name}")
        self.assertEqual(deleted.key.n, key.key.n)
        self.assertIsNotNone(deleted.deleted_date)
        self.assertGreater(deleted.scheduled_purge_date, deleted.deleted_date)
        self.assertHttpError(404, "KeyNotFound", self.client.get_key, name)
        self.assertEqual(self.client.get_deleted_key(name).id, key.id)
        listed = [d.name for d in self.client.list_deleted_keys() if d.name == name]
        self.assertEqual(listed, [name])

        recover = self.client.begin_recover_deleted_key(name)
        recover.wait(timeout=60)
        self.assertEqual(recover.result().id, key.id)
        self.assertEqual(self.client.get_key(name).key.n, key.key.n)

        self.client.begin_delete_key(name).wait(timeout=60)
        self.assertHttpError(409, "Conflict", self.client.create_rsa_key, name)
        self.client.purge_deleted_key(name)
        self.assertHttpError(404, "KeyNotFound", self.client.get_deleted_key, name)
        self.client.create_rsa_key(name)

    def test_delete_purge_or_recover_of_what_is_not_there_is_404(self):
        name = compat.unique_name("knone")
        self.assertHttpError(404, "KeyNotFound", self.client.begin_delete_key, name)
        self.assertHttpError(404, "KeyNotFound", self.client.purge_deleted_key, name)
        self.assertHttpError(404, "KeyNotFound", self.client.begin_recover_deleted_key, name)
        self.assertHttpError(404, "KeyNotFound", self.client.backup_key, name)

    def test_backup_purge_restore_gives_back_the_same_key(self):
        for kty, create in (("RSA-HSM", lambda n: self.client.create_rsa_key(
                n, hardware_protected=True)), ("EC", self.client.create_ec_key)):
            with self.subTest(kty):
                name = compat.unique_name("kbak")
                first = create(name)
                second = self.client.rotate_key(name)
                blob = self.client.backup_key(name)
                self.assertHttpError(409, "Conflict", self.client.restore_key_backup, blob)
                self.client.begin_delete_key(name).wait(timeout=60)
                self.client.purge_deleted_key(name)
                restored = self.client.restore_key_backup(blob)
                self.assertEqual(restored.id, second.id)
                self.assertEqual({k.version for k in self.client.list_properties_of_key_versions(
                    name)}, {first.properties.version, second.properties.version})
                algorithm = "RS256" if kty.startswith("RSA") else "ES256"
                digest = hashlib.sha256(b"after the restore").digest()
                signed = compat.crypto_client(restored, self.cred).sign(
                    SignatureAlgorithm(algorithm), digest)
                self.assertTrue(independently_verifies(second.key, algorithm, digest,
                                                       signed.signature))


class Import(KeysTestCase):
    def test_imported_rsa_keys_sign_and_decrypt_for_the_original_key_pair(self):
        for hsm in (False, True):
            with self.subTest(hardware_protected=hsm):
                private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                name = compat.unique_name("kimp")
                key = self.client.import_key(name, jwk_of_private_key(private),
                                             hardware_protected=hsm)
                self.assertEqual(key.key_type, "RSA-HSM" if hsm else "RSA")
                self.check_public_only(key)
                crypto = compat.crypto_client(key, self.cred)
                digest = hashlib.sha256(b"imported").digest()
                signature = crypto.sign(SignatureAlgorithm.rs256, digest).signature
                private.public_key().verify(signature, digest, padding.PKCS1v15(),
                                            utils.Prehashed(hashes.SHA256()))
                oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
                ciphertext = private.public_key().encrypt(b"for the vault", oaep)
                self.assertEqual(crypto.decrypt(EncryptionAlgorithm.rsa_oaep, ciphertext).plaintext,
                                 b"for the vault")

    def test_an_imported_ec_key_signs_for_the_original(self):
        private = ec.generate_private_key(ec.SECP256R1())
        key = self.client.import_key(compat.unique_name("kimpec"), jwk_of_private_key(private))
        self.check_public_only(key)
        digest = hashlib.sha256(b"imported ec").digest()
        signature = compat.crypto_client(key, self.cred).sign(SignatureAlgorithm.es256,
                                                              digest).signature
        self.assertEqual(len(signature), 64)
        der = utils.encode_dss_signature(to_int(signature[:32]), to_int(signature[32:]))
        private.public_key().verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


class CryptographyRsa(KeysTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = {hsm: cls.client.create_rsa_key(compat.unique_name("crsa"),
                                                   hardware_protected=hsm)
                    for hsm in (False, True)}

    def each_key(self, **kwargs):
        for hsm, key in self.keys.items():
            yield ("RSA-HSM" if hsm else "RSA"), key, compat.crypto_client(key, self.cred,
                                                                           **kwargs)

    def test_encrypt_decrypt_for_each_algorithm(self):
        # The SDK encrypts locally (Python's cryptography); Coffer decrypts.
        for kty, _, crypto in self.each_key():
            for algorithm in (EncryptionAlgorithm.rsa1_5, EncryptionAlgorithm.rsa_oaep,
                              EncryptionAlgorithm.rsa_oaep_256):
                with self.subTest(kty=kty, algorithm=algorithm.value):
                    plaintext = os.urandom(32)
                    encrypted = crypto.encrypt(algorithm, plaintext)
                    self.assertEqual(len(encrypted.ciphertext), 256)
                    self.assertEqual(crypto.decrypt(algorithm, encrypted.ciphertext).plaintext,
                                     plaintext)

    def test_wrap_unwrap_for_each_algorithm(self):
        for kty, _, crypto in self.each_key():
            for algorithm in (KeyWrapAlgorithm.rsa1_5, KeyWrapAlgorithm.rsa_oaep,
                              KeyWrapAlgorithm.rsa_oaep_256):
                with self.subTest(kty=kty, algorithm=algorithm.value):
                    cek = os.urandom(32)
                    wrapped = crypto.wrap_key(algorithm, cek)
                    self.assertEqual(crypto.unwrap_key(algorithm, wrapped.encrypted_key).key, cek)

    def test_sign_and_verify_for_each_algorithm(self):
        # Coffer signs; the SDK verifies locally, without a request (PSS with salt = hash
        # length), and so does the cryptography package.
        log = compat.RequestLog()
        for kty, key, crypto in self.each_key(**log.as_kwargs()):
            for name in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"):
                with self.subTest(kty=kty, algorithm=name):
                    algorithm = SignatureAlgorithm(name)
                    digest = digest_for(name, os.urandom(40))
                    signature = crypto.sign(algorithm, digest).signature
                    self.assertEqual(len(signature), 256)
                    log.clear()
                    self.assertTrue(crypto.verify(algorithm, digest, signature).is_valid)
                    tampered = bytes([signature[0] ^ 1]) + signature[1:]
                    self.assertFalse(crypto.verify(algorithm, digest, tampered).is_valid)
                    self.assertEqual(log.requests, [], "the SDK verified locally")
                    self.assertTrue(independently_verifies(key.key, name, digest, signature))

    def test_a_client_from_a_versionless_id_uses_the_latest_version(self):
        key = self.keys[True]
        versionless = f"{compat.VAULT_URL}/keys/{key.name}"
        crypto = compat.crypto_client(versionless, self.cred)
        digest = hashlib.sha256(b"versionless").digest()
        signed = crypto.sign(SignatureAlgorithm.rs256, digest)
        self.assertEqual(signed.key_id, key.id)
        self.assertTrue(independently_verifies(key.key, "RS256", digest, signed.signature))


class CryptographyEc(KeysTestCase):
    def test_es_signatures_are_raw_r_s_that_verify(self):
        log = compat.RequestLog()
        for curve, name in ES_FOR_CURVE.items():
            with self.subTest(curve=curve):
                key = self.client.create_ec_key(compat.unique_name("cec"), curve=curve,
                                                hardware_protected=True)
                crypto = compat.crypto_client(key, self.cred, **log.as_kwargs())
                algorithm = SignatureAlgorithm(name)
                digest = digest_for(name, os.urandom(40))
                signature = crypto.sign(algorithm, digest).signature
                self.assertEqual(len(signature), 2 * CURVES[curve][1])
                log.clear()
                self.assertTrue(crypto.verify(algorithm, digest, signature).is_valid)
                self.assertEqual(log.requests, [], "the SDK verified locally")
                self.assertTrue(independently_verifies(key.key, name, digest, signature))


class CryptographyOct(KeysTestCase):
    """oct-HSM keys. A key bundle never carries k, yet CryptographyClient 4.8.0b3 builds a local
    provider for an oct key from it with random key bytes in place of k, then computes A256CBCPAD
    and every A*KW locally with them, never asking the vault (against Azure too). So GCM goes
    through the SDK (it sends it) and CBCPAD and KW go by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = {bits: cls.client.create_oct_key(compat.unique_name("coct"), size=bits,
                                                    hardware_protected=True)
                    for bits in (128, 192, 256)}
        cls.token = compat.bearer_token(cls.cred)

    def post(self, kid, operation, body):
        res = compat.raw_key_operation(kid, operation, body, self.token)
        self.assertEqual(res.status, 200, res.text)
        return {k: compat.b64decode_any(v) if k != "kid" and isinstance(v, str) else v
                for k, v in res.json.items()}

    def test_aes_gcm_through_the_sdk(self):
        log = compat.RequestLog()
        for bits, key in self.keys.items():
            with self.subTest(bits=bits):
                crypto = compat.crypto_client(key, self.cred, **log.as_kwargs())
                algorithm = EncryptionAlgorithm(f"A{bits}GCM")
                aad = b"associated"
                log.clear()
                encrypted = crypto.encrypt(algorithm, b"gcm plaintext",
                                           additional_authenticated_data=aad)
                self.assertIn(("POST", f"/keys/{key.name}/{key.properties.version}/encrypt"),
                              log.calls(), "the SDK sent GCM to the vault")
                self.assertEqual(len(encrypted.iv), 12, "the vault draws a 12-byte iv")
                self.assertEqual(len(encrypted.tag), 16)
                decrypted = crypto.decrypt(algorithm, encrypted.ciphertext, iv=encrypted.iv,
                                           authentication_tag=encrypted.tag,
                                           additional_authenticated_data=aad)
                self.assertEqual(decrypted.plaintext, b"gcm plaintext")
                tampered = bytes([encrypted.tag[0] ^ 1]) + encrypted.tag[1:]
                self.assertHttpError(400, "BadParameter", crypto.decrypt, algorithm,
                                     encrypted.ciphertext, iv=encrypted.iv,
                                     authentication_tag=tampered,
                                     additional_authenticated_data=aad)

    def test_aes_cbcpad_with_the_callers_iv_by_hand(self):
        # The Python SDK always sends the caller's iv for AES-CBC (it refuses to encrypt
        # without one); the vault must use that iv.
        for bits, key in self.keys.items():
            with self.subTest(bits=bits):
                iv = os.urandom(16)
                plaintext = b"cbc plaintext, padded"
                encrypted = self.post(key.id, "encrypt",
                                      {"alg": f"A{bits}CBCPAD", "value": plaintext, "iv": iv})
                self.assertEqual(encrypted["iv"], iv)
                self.assertEqual(len(encrypted["value"]), 32)
                decrypted = self.post(key.id, "decrypt", {"alg": f"A{bits}CBCPAD",
                                                          "value": encrypted["value"], "iv": iv})
                self.assertEqual(decrypted["value"], plaintext)

    def test_aes_kw_by_hand(self):
        for bits, key in self.keys.items():
            with self.subTest(bits=bits):
                cek = os.urandom(32)
                wrapped = self.post(key.id, "wrapkey", {"alg": f"A{bits}KW", "value": cek})
                self.assertEqual(len(wrapped["value"]), 40, "RFC 3394: 8 bytes more")
                unwrapped = self.post(key.id, "unwrapkey", {"alg": f"A{bits}KW",
                                                            "value": wrapped["value"]})
                self.assertEqual(unwrapped["value"], cek)


class Errors(KeysTestCase):
    def test_sign_outside_key_ops_is_403(self):
        key = self.client.create_rsa_key(compat.unique_name("kops"), key_operations=["verify"])
        crypto = compat.crypto_client(key, self.cred)
        self.assertHttpError(403, "Forbidden", crypto.sign, SignatureAlgorithm.rs256, bytes(32))

    def test_a_disabled_key_refuses_sign_with_key_disabled(self):
        key = self.client.create_ec_key(compat.unique_name("kdis"), enabled=False)
        err = self.assertHttpError(403, "Forbidden", compat.crypto_client(key, self.cred).sign,
                                   SignatureAlgorithm.es256, bytes(32))
        self.assertInnerCode(err, "KeyDisabled")

    def test_a_wrong_algorithm_or_digest_length_is_400(self):
        key = self.client.create_ec_key(compat.unique_name("kalg"), curve="P-256")
        crypto = compat.crypto_client(key, self.cred)
        self.assertHttpError(400, "BadParameter", crypto.sign, SignatureAlgorithm.es384,
                             bytes(48))
        self.assertHttpError(400, "BadParameter", crypto.sign, SignatureAlgorithm.es256,
                             bytes(20))

    def test_a_principal_without_keys_permissions_gets_the_same_403_for_any_key(self):
        limited = compat.limited_credential()
        client = compat.key_client(limited)
        key = self.client.create_ec_key(compat.unique_name("kdeny"))
        a = self.assertHttpError(403, "Forbidden", client.get_key, key.name)
        missing = compat.unique_name("kabsent")
        b = self.assertHttpError(403, "Forbidden", client.get_key, missing)
        self.assertEqual(a.message.replace(key.name, "NAME"), b.message.replace(missing, "NAME"))
        # A CryptographyClient on the id: its GET is refused, it goes on remote-only, and the
        # vault refuses the sign too.
        crypto = compat.crypto_client(key.id, limited)
        self.assertHttpError(403, "Forbidden", crypto.sign, SignatureAlgorithm.es256, bytes(32))
