"""Certificates through azure-keyvault-certificates' CertificateClient, unmodified: the create
poller with the Self issuer, the Unknown issuer with a CSR signed by an openssl CA and merged,
import of PFX and PEM, the linked secret and key, backup/restore, and the delete, recover and
purge pollers. Certificates, PFX files and keys are parsed again with the cryptography package
and the openssl command line (docs/azure-certificates-wire.md is the contract)."""

import base64
import datetime
import hashlib
import os
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from azure.keyvault.certificates import (CertificateContentType, CertificateOperation,
                                         CertificatePolicy, KeyVaultCertificate,
                                         WellKnownIssuerNames)
from azure.keyvault.keys.crypto import SignatureAlgorithm

import compat
from compat import CompatTestCase

VERSION = re.compile(r"^[0-9a-f]{32}$")
PKCS12 = "application/x-pkcs12"
PEM = "application/x-pem-file"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def x509_of(certificate):
    assert certificate.cer, "the certificate has a cer"
    return x509.load_der_x509_certificate(bytes(certificate.cer))


def full_policy():
    return CertificatePolicy(
        issuer_name=WellKnownIssuerNames.self, subject="CN=full.coffer.test",
        san_dns_names=["full.coffer.test", "www.full.coffer.test"],
        enhanced_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH.dotted_string],
        key_usage=["digitalSignature"], validity_in_months=24, key_type="EC",
        key_curve_name="P-256", exportable=True, content_type=CertificateContentType.pem)


def unknown_policy():
    return CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown, subject="CN=merge-test")


def create_certificate(client, name, policy=None, **kwargs):
    """begin_create_certificate, wait for the poller, then get_certificate. Not the poller's
    result(): CreateSelf.test_the_create_poller_returns_the_certificate checks that alone, so
    that one defect there does not fail every test that needs a certificate."""
    poller = client.begin_create_certificate(name, policy or CertificatePolicy.get_default(),
                                             **kwargs)
    poller.wait(timeout=120)
    if not poller.done():
        raise AssertionError(f"the create poller for {name} is not done after 120 s")
    return client.get_certificate(name)


def pem_certificates(text):
    """The certificates of the PEM blocks in text, in order."""
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----", text)
    return [x509.load_pem_x509_certificate(b.encode()) for b in blocks]


class CertificatesTestCase(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.cred = compat.credential()
        cls.client = compat.certificate_client(cls.cred)
        cls.secrets = compat.secret_client(cls.cred)
        cls.keys = compat.key_client(cls.cred)
        cls.files = compat.TempDir()

    @classmethod
    def tearDownClass(cls):
        cls.files.cleanup()

    # ---- openssl ---------------------------------------------------------------------------

    def openssl_self_signed(self, subject, newkey=("-newkey", "rsa:2048")):
        """A key pair and a leaf certificate made by openssl: (key PEM, certificate PEM)."""
        key_file, cert_file = self.files.file(".key"), self.files.file(".crt")
        compat.openssl("req", "-x509", *newkey, "-nodes", "-sha256", "-days", "30", "-subj",
                       subject, "-addext", "basicConstraints=critical,CA:FALSE",
                       "-addext", "extendedKeyUsage=serverAuth", "-keyout", key_file,
                       "-out", cert_file)
        with open(key_file, "rb") as k, open(cert_file, "rb") as c:
            return k.read(), c.read()

    def openssl_pfx(self, key_pem, cert_pem, password):
        return compat.openssl("pkcs12", "-export", "-inkey", self.files.file(".key", key_pem),
                              "-in", self.files.file(".crt", cert_pem),
                              "-passout", f"pass:{password}")

    def the_test_ca(self):
        cls = type(self)
        if not hasattr(cls, "_ca"):
            key_file, cert_file = self.files.file(".key"), self.files.file(".crt")
            compat.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days",
                           "2", "-subj", "/CN=Coffer python test CA",
                           "-addext", "basicConstraints=critical,CA:TRUE",
                           "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                           "-keyout", key_file, "-out", cert_file)
            with open(cert_file, "rb") as f:
                cls._ca = (key_file, cert_file, x509.load_pem_x509_certificate(f.read()))
        return cls._ca

    def sign_with_test_ca(self, csr_der):
        """Signs a PKCS#10 request (DER) with the test CA, copying its extensions; DER out."""
        key_file, cert_file, _ = self.the_test_ca()
        return compat.openssl("x509", "-req", "-inform", "DER", "-in",
                              self.files.file(".csr", csr_der), "-CA", cert_file, "-CAkey",
                              key_file, "-set_serial", "0x" + os.urandom(16).hex(), "-days", "30",
                              "-sha256", "-copy_extensions", "copy", "-outform", "DER")

    # ---- what a certificate looks like ---------------------------------------------------

    def create(self, name, policy=None, **kwargs):
        return create_certificate(self.client, name, policy, **kwargs)

    def check_issued_version(self, certificate, name):
        """Ids of the certificate, key and secret share one version; the thumbprint is the SHA-1
        of the DER; not_before and expires_on are the X.509 dates."""
        self.assertIsInstance(certificate, KeyVaultCertificate)
        version = certificate.properties.version
        self.assertEqual(certificate.name, name)
        self.assertRegex(version, VERSION)
        self.assertEqual(certificate.id, f"{compat.VAULT_URL}/certificates/{name}/{version}")
        self.assertEqual(certificate.key_id, f"{compat.VAULT_URL}/keys/{name}/{version}")
        self.assertEqual(certificate.secret_id, f"{compat.VAULT_URL}/secrets/{name}/{version}")
        cert = x509_of(certificate)
        self.assertEqual(certificate.properties.x509_thumbprint,
                         hashlib.sha1(bytes(certificate.cer)).digest())
        self.assertEqual(certificate.properties.not_before,
                         cert.not_valid_before.replace(tzinfo=datetime.timezone.utc))
        self.assertEqual(certificate.properties.expires_on,
                         cert.not_valid_after.replace(tzinfo=datetime.timezone.utc))
        return cert

    def open_secret(self, certificate, content_type):
        """The linked secret as SecretClient reads it: managed, in content_type, with the
        certificate and exactly its private key. Returns (private key, certificates)."""
        secret = self.secrets.get_secret(certificate.name)
        self.assertEqual(secret.properties.content_type, content_type)
        self.assertTrue(secret.properties.managed)
        self.assertEqual(secret.id, certificate.secret_id)
        self.assertEqual(secret.properties.key_id, certificate.key_id)
        if content_type == PKCS12:
            pfx = base64.b64decode(secret.value)
            key, leaf, extra = pkcs12.load_key_and_certificates(pfx, b"")
            chain = [leaf] + list(extra)
            # openssl reads it too, with the empty password.
            compat.openssl("pkcs12", "-nokeys", "-passin", "pass:", input=pfx)
        else:
            self.assertRegex(secret.value, r"^-----BEGIN PRIVATE KEY-----\n")
            self.assertTrue(secret.value.endswith("-----END CERTIFICATE-----\n"))
            self.assertEqual(secret.value.count("PRIVATE KEY-----"), 2, "one private key")
            key = serialization.load_pem_private_key(secret.value.encode(), None)
            chain = pem_certificates(secret.value)
        cert = x509_of(certificate)
        self.assertEqual(spki(key.public_key()), spki(cert.public_key()),
                         "the secret's key is the certificate's")
        self.assertEqual(chain[0], cert, "the leaf comes first")
        return key, chain

    def check_linked_key(self, certificate):
        """The linked key is managed, has the certificate's version, and signs for the
        certificate's public key."""
        key = self.keys.get_key(certificate.name)
        self.assertTrue(key.properties.managed)
        self.assertEqual(key.id, certificate.key_id)
        public = x509_of(certificate).public_key()
        digest = hashlib.sha256(os.urandom(64)).digest()
        crypto = compat.crypto_client(key, self.cred)
        if isinstance(public, ec.EllipticCurvePublicKey):
            signature = crypto.sign(SignatureAlgorithm.es256, digest).signature
            der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                             int.from_bytes(signature[32:], "big"))
            public.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        else:
            signature = crypto.sign(SignatureAlgorithm.rs256, digest).signature
            public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

    def start_unknown(self, name):
        """Starts an Unknown-issuer certificate; returns its CSR (DER). The SDK's poller is
        done at once for the Unknown issuer and its result() is None (azure-core runs the
        polling method only when it is not finished at the start; against Azure too), so the
        CSR comes from get_certificate_operation, as in the SDK's own merge sample."""
        poller = self.client.begin_create_certificate(name, unknown_policy())
        self.assertTrue(poller.done())
        self.assertEqual(poller.status(), "inprogress")
        operation = self.client.get_certificate_operation(name)
        self.assertIsInstance(operation, CertificateOperation)
        self.assertEqual(operation.status, "inProgress")
        self.assertEqual(operation.issuer_name, "Unknown")
        self.assertEqual(operation.id, f"{compat.VAULT_URL}/certificates/{name}/pending")
        self.assertTrue(operation.csr)
        return bytes(operation.csr)


class CreateSelf(CertificatesTestCase):
    def test_the_create_poller_returns_the_certificate(self):
        # CreateCertificatePoller (4.7.0b1) runs only when the 202's operation is still
        # inProgress, as Azure's always is: then it polls GET pending until it is not, and
        # its result is GET /certificates/NAME/. A 202 that already says completed leaves the
        # poller finished before it ever ran, and result() is None.
        name = compat.unique_name("ppoll")
        log = compat.RequestLog()
        client = compat.certificate_client(self.cred, **log.as_kwargs())
        log.clear()
        poller = client.begin_create_certificate(name, CertificatePolicy.get_default())
        certificate = poller.result(timeout=120)
        self.assertIsInstance(certificate, KeyVaultCertificate, f"requests: {log.calls()}")
        self.check_issued_version(certificate, name)
        self.assertEqual(log.calls()[-2:], [("GET", f"/certificates/{name}/pending"),
                                            ("GET", f"/certificates/{name}/")])

    def test_the_default_policy_gives_a_self_signed_rsa_2048_certificate(self):
        name = compat.unique_name("pcert")
        started = now()
        certificate = self.create(name, CertificatePolicy.get_default())
        cert = self.check_issued_version(certificate, name)
        self.assertEqual(cert.subject.rfc4514_string(), "CN=DefaultPolicy")
        self.assertEqual(cert.issuer, cert.subject)
        cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                                 cert.signature_hash_algorithm)
        self.assertEqual(cert.public_key().key_size, 2048)
        self.assertLessEqual(cert.not_valid_before.replace(tzinfo=datetime.timezone.utc), now())
        months = (cert.not_valid_after - started.replace(tzinfo=None)).days / 30.4
        self.assertAlmostEqual(months, 12, delta=0.5)
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        self.assertEqual({o.dotted_string for o in eku},
                         {ExtendedKeyUsageOID.SERVER_AUTH.dotted_string,
                          ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string})
        policy = certificate.policy
        self.assertEqual((policy.issuer_name, policy.key_type, policy.key_size),
                         ("Self", "RSA", 2048))
        self.assertEqual(policy.content_type, PKCS12)
        self.assertEqual(policy.validity_in_months, 12)
        self.assertEqual(self.client.get_certificate_policy(name).subject, policy.subject)

    def test_a_full_policy_ec_p256_sans_eku_24_months_pem_tags(self):
        name = compat.unique_name("pfull")
        certificate = self.create(name, full_policy(), tags={"team": "compat"})
        cert = self.check_issued_version(certificate, name)
        self.assertEqual(certificate.properties.tags, {"team": "compat"})
        self.assertEqual(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                         "full.coffer.test")
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertEqual(sans.get_values_for_type(x509.DNSName),
                         ["full.coffer.test", "www.full.coffer.test"])
        self.assertIsInstance(cert.public_key().curve, ec.SECP256R1)
        policy = certificate.policy
        self.assertEqual(policy.san_dns_names, ["full.coffer.test", "www.full.coffer.test"])
        self.assertEqual((policy.key_type, policy.key_curve_name), ("EC", "P-256"))
        self.assertEqual(policy.validity_in_months, 24)
        self.assertEqual(policy.content_type, PEM)


class LinkedSecretAndKey(CertificatesTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rsa = create_certificate(cls.client, compat.unique_name("plinked-rsa"))
        cls.ec = create_certificate(cls.client, compat.unique_name("plinked-ec"), full_policy())

    def test_a_pkcs12_certificates_secret_is_a_pfx_with_an_empty_password(self):
        self.open_secret(self.rsa, PKCS12)

    def test_a_pem_certificates_secret_is_the_pkcs8_key_then_the_certificate(self):
        self.open_secret(self.ec, PEM)

    def test_the_linked_keys_sign_for_the_certificates_public_key(self):
        # The keys package's default api-version is 7.4-preview.1 (see test_keys.ApiVersion).
        self.check_linked_key(self.rsa)
        self.check_linked_key(self.ec)

    def test_set_on_the_managed_secret_is_403_secret_managed_by_key_vault(self):
        err = self.assertHttpError(403, "Forbidden", self.secrets.set_secret, self.rsa.name, "x")
        self.assertInnerCode(err, "SecretManagedByKeyVault")
        self.open_secret(self.rsa, PKCS12)


class MergeUnknownIssuer(CertificatesTestCase):
    def test_a_csr_signed_by_an_openssl_ca_merges_as_der(self):
        name = compat.unique_name("pmerge")
        csr = self.start_unknown(name)
        subject = compat.openssl("req", "-inform", "DER", "-noout", "-verify", "-subject",
                                 "-nameopt", "RFC2253", input=csr)
        self.assertIn(b"subject=CN=merge-test", subject)

        pending = self.client.get_certificate(name)
        self.assertFalse(pending.properties.enabled)
        self.assertFalse(pending.cer)

        leaf = self.sign_with_test_ca(csr)
        merged = self.client.merge_certificate(name, [leaf])
        cert = self.check_issued_version(merged, name)
        self.assertEqual(bytes(merged.cer), leaf)
        self.assertEqual(cert.issuer, self.the_test_ca()[2].subject)
        self.assertTrue(merged.properties.enabled)
        operation = self.client.get_certificate_operation(name)
        self.assertEqual(operation.status, "completed")
        self.assertEqual(operation.target, f"{compat.VAULT_URL}/certificates/{name}")
        self.open_secret(merged, PKCS12)

    def test_a_merge_with_the_ca_as_chain_puts_the_chain_in_the_secret(self):
        name = compat.unique_name("pchain")
        leaf = self.sign_with_test_ca(self.start_unknown(name))
        ca = self.the_test_ca()[2]
        merged = self.client.merge_certificate(
            name, [leaf, ca.public_bytes(serialization.Encoding.DER)])
        self.assertEqual(bytes(merged.cer), leaf)
        _, chain = self.open_secret(merged, PKCS12)
        self.assertIn(ca, chain)

    def test_a_merge_as_pem_bytes_works_too(self):
        # The SDK base64-encodes whatever bytes it is given: PEM text arrives as base64 of PEM.
        name = compat.unique_name("ppem")
        leaf = self.sign_with_test_ca(self.start_unknown(name))
        pem = x509.load_der_x509_certificate(leaf).public_bytes(serialization.Encoding.PEM)
        merged = self.client.merge_certificate(name, [pem])
        self.assertEqual(bytes(merged.cer), leaf)

    def test_a_certificate_for_another_key_is_400_and_the_request_stays_mergeable(self):
        name = compat.unique_name("pwrong")
        csr = self.start_unknown(name)
        stranger_csr = compat.openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                      self.files.file(".key"), "-subj", "/CN=merge-test",
                                      "-outform", "DER")
        self.assertHttpError(400, None, self.client.merge_certificate, name,
                             [self.sign_with_test_ca(stranger_csr)])
        self.assertEqual(self.client.get_certificate_operation(name).status, "inProgress")
        self.check_issued_version(
            self.client.merge_certificate(name, [self.sign_with_test_ca(csr)]), name)

    def test_cancel_then_delete_the_operation(self):
        name = compat.unique_name("pcancel")
        self.start_unknown(name)
        cancelled = self.client.cancel_certificate_operation(name)
        self.assertTrue(cancelled.cancellation_requested)
        self.assertEqual(self.client.get_certificate_operation(name).status, "cancelled")
        self.assertEqual(self.client.delete_certificate_operation(name).status, "cancelled")
        self.assertHttpError(404, "PendingCertificateNotFound",
                             self.client.get_certificate_operation, name)


class Import(CertificatesTestCase):
    def check_import(self, name, certificate, key_pem, cert_pem, content_type):
        cert = self.check_issued_version(certificate, name)
        self.assertEqual(cert, x509.load_pem_x509_certificate(cert_pem))
        self.assertEqual(certificate.policy.issuer_name, "Unknown")
        key, _ = self.open_secret(certificate, content_type)
        original = serialization.load_pem_private_key(key_pem, None)
        self.assertEqual(spki(key.public_key()), spki(original.public_key()))

    def test_a_pfx_with_a_password(self):
        name = compat.unique_name("ppfx")
        key_pem, cert_pem = self.openssl_self_signed("/CN=pfx.coffer.test")
        pfx = self.openssl_pfx(key_pem, cert_pem, "s3cret")
        imported = self.client.import_certificate(name, pfx, password="s3cret")
        self.check_import(name, imported, key_pem, cert_pem, PKCS12)

    def test_pem_with_a_pem_policy(self):
        # The Python SDK base64-encodes the PEM text (the JS SDK sends a string as it is).
        name = compat.unique_name("ppemimp")
        key_pem, cert_pem = self.openssl_self_signed(
            "/CN=pem.coffer.test", ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"))
        policy = CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown,
                                   content_type=CertificateContentType.pem, subject="CN=ignored")
        imported = self.client.import_certificate(name, key_pem + cert_pem, policy=policy)
        self.check_import(name, imported, key_pem, cert_pem, PEM)

    def test_a_wrong_password_is_400_and_creates_nothing(self):
        name = compat.unique_name("pbadpw")
        pfx = self.openssl_pfx(*self.openssl_self_signed("/CN=bad"), "right")
        self.assertHttpError(400, "BadParameter", self.client.import_certificate, name, pfx,
                             password="wrong")
        self.assertHttpError(404, "CertificateNotFound", self.client.get_certificate, name)
        self.assertHttpError(404, "SecretNotFound", self.secrets.get_secret, name)


class LifecycleAndBackup(CertificatesTestCase):
    def test_delete_recover_purge_pollers_take_the_key_and_secret_along(self):
        name = compat.unique_name("plife")
        certificate = self.create(name)
        poller = self.client.begin_delete_certificate(name)
        poller.wait(timeout=60)
        deleted = poller.result()
        self.assertEqual(deleted.recovery_id, f"{compat.VAULT_URL}/deletedcertificates/{name}")
        self.assertIsNotNone(deleted.deleted_on)
        self.assertGreater(deleted.scheduled_purge_date, deleted.deleted_on)
        self.assertHttpError(404, "CertificateNotFound", self.client.get_certificate, name)
        self.assertHttpError(404, "SecretNotFound", self.secrets.get_secret, name)
        self.assertEqual(self.client.get_deleted_certificate(name).properties.version,
                         certificate.properties.version)
        self.assertEqual([d.name for d in self.client.list_deleted_certificates()
                          if d.name == name], [name])

        recover = self.client.begin_recover_deleted_certificate(name)
        recover.wait(timeout=60)
        self.assertEqual(recover.result().properties.version, certificate.properties.version)
        self.assertEqual(bytes(self.client.get_certificate(name).cer), bytes(certificate.cer))
        self.open_secret(certificate, PKCS12)

        self.client.begin_delete_certificate(name).wait(timeout=60)
        self.assertHttpError(409, "Conflict", self.client.begin_create_certificate, name,
                             CertificatePolicy.get_default())
        self.client.purge_deleted_certificate(name)
        self.assertHttpError(404, "CertificateNotFound", self.client.get_deleted_certificate, name)
        self.check_issued_version(self.create(name), name)

    def test_delete_purge_or_recover_of_what_is_not_there_is_404(self):
        name = compat.unique_name("pnone")
        for call in (self.client.begin_delete_certificate, self.client.purge_deleted_certificate,
                     self.client.begin_recover_deleted_certificate, self.client.get_certificate):
            with self.subTest(call.__name__):
                self.assertHttpError(404, "CertificateNotFound", call, name)

    def test_backup_purge_restore_gives_back_the_certificate_and_its_key(self):
        name = compat.unique_name("pbak")
        certificate = self.create(name)
        key_before, _ = self.open_secret(certificate, PKCS12)
        blob = self.client.backup_certificate(name)
        self.assertIsInstance(blob, bytes)
        self.assertHttpError(409, "Conflict", self.client.restore_certificate_backup, blob)
        self.client.begin_delete_certificate(name).wait(timeout=60)
        self.client.purge_deleted_certificate(name)
        restored = self.client.restore_certificate_backup(blob)
        self.assertEqual(bytes(restored.cer), bytes(certificate.cer))
        key_after, _ = self.open_secret(restored, PKCS12)
        private = serialization.PrivateFormat.PKCS8
        self.assertEqual(
            key_after.private_bytes(serialization.Encoding.DER, private,
                                    serialization.NoEncryption()),
            key_before.private_bytes(serialization.Encoding.DER, private,
                                     serialization.NoEncryption()),
            "the same private key")

    def test_versions_of_a_name_with_no_certificate_are_an_empty_list(self):
        self.assertEqual(list(self.client.list_properties_of_certificate_versions(
            compat.unique_name("never"))), [])

    def test_versions_list_and_update_properties(self):
        name = compat.unique_name("pvers")
        first = self.create(name)
        second = self.create(name)
        self.assertEqual(self.client.get_certificate(name).properties.version,
                         second.properties.version)
        self.assertEqual(bytes(self.client.get_certificate_version(
            name, first.properties.version).cer), bytes(first.cer))
        versions = {p.version for p in self.client.list_properties_of_certificate_versions(name)}
        self.assertEqual(versions, {first.properties.version, second.properties.version})
        self.assertIn(name, {p.name for p in self.client.list_properties_of_certificates()})
        updated = self.client.update_certificate_properties(name, enabled=False,
                                                            tags={"state": "off"})
        self.assertFalse(updated.properties.enabled)
        self.assertEqual(updated.properties.tags, {"state": "off"})
        secret_versions = {p.version: p for p in self.secrets.list_properties_of_secret_versions(
            name)}
        self.assertFalse(secret_versions[second.properties.version].enabled,
                         "the secret's version is disabled with the certificate's")
        self.assertTrue(secret_versions[first.properties.version].enabled)
        self.assertTrue(self.client.get_certificate_version(name, first.properties.version)
                        .properties.enabled, "the other version is untouched")
