"""The Python identity flow end to end: OIDC discovery as MSAL Python reads it, the token request,
the vault's 401 challenge as the Key Vault SDK's ChallengeAuthPolicy handles it, token reuse
across clients, TLS trust, wrong credentials and access policies."""

import json
import os
import time
import urllib.parse

import requests
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.identity import CertificateCredential
from azure.keyvault.certificates._shared import http_challenge_cache as certificates_challenges
from azure.keyvault.secrets._shared import http_challenge_cache

import compat
from compat import CompatTestCase


def discovery_url():
    # MSAL Python 1.21 (authority.py) always writes the port, 443 included, and appends /v2.0.
    port = compat.AUTHORITY_URL.port or 443
    return (f"https://{compat.AUTHORITY_URL.hostname}:{port}/{compat.TENANT_ID}"
            "/v2.0/.well-known/openid-configuration")


def form_fields(body):
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if isinstance(body, dict):
        return {k: str(v) for k, v in body.items()}
    return dict(urllib.parse.parse_qsl(body or ""))


class OpenIdDiscovery(CompatTestCase):
    def test_discovery_document_has_what_msal_python_reads(self):
        res = requests.get(discovery_url(), verify=compat.CA_FILE, timeout=30)
        self.assertEqual(res.status_code, 200, res.text)
        doc = res.json()
        # MSAL Python needs these two (tenant_discovery) and takes the tenant from the first
        # path segment of token_endpoint (Authority.__init__: canonicalize(token_endpoint)).
        for field in ("authorization_endpoint", "token_endpoint"):
            url = urllib.parse.urlsplit(doc[field])
            self.assertEqual(url.scheme, "https", field)
            self.assertEqual(url.netloc, compat.AUTHORITY_URL.netloc, field)
            self.assertEqual(url.path.split("/")[1], compat.TENANT_ID, field)
        self.assertTrue(doc["token_endpoint"].endswith("/oauth2/v2.0/token"), doc["token_endpoint"])

    def test_first_token_is_one_discovery_get_and_one_token_post(self):
        log = compat.RequestLog()
        cred = compat.credential(**log.as_kwargs())
        scope = compat.challenge_scope()
        started = time.time()
        token = cred.get_token(scope)

        self.assertEqual([(m, u) for m, u, _, _ in log.requests][0], ("GET", discovery_url()))
        token_endpoint = requests.get(discovery_url(), verify=compat.CA_FILE,
                                      timeout=30).json()["token_endpoint"]
        self.assertEqual([m for m, _, _, _ in log.requests], ["GET", "POST"],
                         "no instance discovery, no other request")
        _, url, _, body = log.requests[1]
        self.assertEqual(urllib.parse.urlsplit(url)._replace(query="").geturl(), token_endpoint)
        self.assertEqual(log.statuses, [200, 200])
        fields = form_fields(body)
        self.assertEqual(fields.get("grant_type"), "client_credentials")
        self.assertEqual(fields.get("client_id"), compat.CLIENT_ID)
        self.assertIn("client_secret", fields)
        self.assertIn(scope, fields.get("scope", "").split(" "))
        # azure-identity asks for CAE (client capability CP1) in a claims field: Coffer ignores it.
        self.assertIn("CP1", fields.get("claims", ""))

        self.assertTrue(token.token)
        self.assertGreaterEqual(token.expires_on - started, 600,
                                "MSAL refreshes 5 minutes early: a token must live longer")

    def test_a_wrong_client_secret_is_invalid_client(self):
        log = compat.RequestLog()
        wrong = compat.credential(compat.CLIENT_ID, compat.CLIENT_SECRET + "x", **log.as_kwargs())
        with self.assertRaises(ClientAuthenticationError) as caught:
            wrong.get_token(compat.challenge_scope())
        # azure-identity shows only error_description (Azure's AADSTS text); the OAuth error
        # code is in the token endpoint's answer.
        self.assertIn("AADSTS7000215", str(caught.exception))
        self.assertEqual(log.statuses[-1], 401)
        self.assertEqual(json.loads(log.bodies[-1])["error"], "invalid_client")
        with self.assertRaises(ClientAuthenticationError):
            compat.secret_client(wrong).get_secret(compat.unique_name("denied"))


class Challenge(CompatTestCase):
    def check_challenge(self, res):
        self.assertEqual(res.status, 401, res.text)
        header = res.headers.get("www-authenticate")
        self.assertRegex(header, r'^Bearer authorization="[^" ,=]+", resource="[^" ,=]+"$')
        challenge = compat.parse_challenge(header)
        self.assertEqual(challenge.tenant_id, compat.TENANT_ID)
        authorization = urllib.parse.urlsplit(challenge.get_authorization_server())
        self.assertEqual(authorization.netloc, compat.AUTHORITY_URL.netloc)
        # ChallengeAuthPolicy.on_challenge: the request's netloc (host AND port) must end in
        # "." + the resource's netloc.
        resource = urllib.parse.urlsplit(challenge.get_resource())
        self.assertEqual(resource.scheme, "https")
        self.assertTrue(compat.VAULT_NETLOC.lower().endswith("." + resource.netloc.lower()),
                        f"{compat.VAULT_NETLOC} is not under {resource.netloc}")
        self.assertEqual(res.json["error"]["code"], "Unauthorized", res.text)

    def test_no_token_gets_the_challenge(self):
        self.check_challenge(compat.raw_request(
            "GET", f"/secrets/anything/?api-version={compat.SECRETS_API_VERSION}"))

    def test_a_garbage_token_gets_the_challenge(self):
        self.check_challenge(compat.raw_request(
            "GET", f"/secrets/anything/?api-version={compat.SECRETS_API_VERSION}",
            token="garbage.not-a.jwt"))

    def test_the_sdks_bodyless_first_put_gets_the_challenge_not_a_400(self):
        # ChallengeAuthPolicy.on_request: set_json_body(None) and Content-Length: 0.
        path = f"/secrets/{compat.unique_name('probe')}?api-version={compat.SECRETS_API_VERSION}"
        self.check_challenge(compat.raw_request(
            "PUT", path, headers={"Content-Type": "application/json", "Content-Length": "0"}))

    def test_the_policy_probes_once_then_sends_the_token_with_the_body(self):
        http_challenge_cache.clear()  # the policy's cache is per process, keyed by host:port
        log = compat.RequestLog()
        client = compat.secret_client(**log.as_kwargs())
        name = compat.unique_name("probe")
        value = compat.random_value()
        client.set_secret(name, value)
        self.assertEqual(client.get_secret(name).value, value)

        self.assertEqual(log.statuses, [401, 200, 200])
        (m1, _, h1, b1), (m2, _, h2, b2), (m3, _, h3, _) = log.requests
        self.assertEqual((m1, m2, m3), ("PUT", "PUT", "GET"))
        self.assertNotIn("Authorization", h1)
        self.assertFalse(b1, "the probe goes without the body")
        self.assertTrue(h2["Authorization"].startswith("Bearer "))
        self.assertIn(value, b2 if isinstance(b2, str) else b2.decode())
        self.assertEqual(h3["Authorization"], h2["Authorization"])

    def test_tokens_for_the_resource_with_and_without_its_port_both_work(self):
        cred = compat.credential()
        scope = compat.challenge_scope()
        resource = urllib.parse.urlsplit(scope)
        self.assertEqual(resource.port, compat.VAULT_PORT, "the challenge names the vault's port")
        portless = f"https://{resource.hostname}/.default"
        name = compat.unique_name("aud")
        compat.secret_client(cred).set_secret(name, "x")
        path = f"/secrets/{name}/?api-version={compat.SECRETS_API_VERSION}"
        for s in (scope, portless):
            res = compat.raw_request("GET", path, token=cred.get_token(s).token)
            self.assertEqual(res.status, 200, f"{s}: {res.text}")
            self.assertEqual(res.json["value"], "x")

    def test_an_unknown_api_version_is_400_bad_parameter(self):
        res = compat.raw_request("GET", "/secrets?api-version=banana", token=compat.bearer_token())
        self.assertEqual(res.status, 400, res.text)
        self.assertEqual(res.json["error"]["code"], "BadParameter")


class TokenReuse(CompatTestCase):
    def test_two_secret_clients_and_a_certificate_client_share_one_token(self):
        http_challenge_cache.clear()
        certificates_challenges.clear()
        cred_log = compat.RequestLog()
        cred = compat.credential(**cred_log.as_kwargs())
        issued_before = len(compat.audit_lines("TokenIssue"))

        first_log, second_log, cert_log = (compat.RequestLog() for _ in range(3))
        name = compat.unique_name("reuse")
        compat.secret_client(cred, **first_log.as_kwargs()).set_secret(name, "v")
        second = compat.secret_client(cred, **second_log.as_kwargs())
        self.assertEqual(second.get_secret(name).value, "v")
        certs = compat.certificate_client(cred, **cert_log.as_kwargs())
        list(certs.list_properties_of_certificates())

        self.assertEqual([m for m, _, _, _ in cred_log.requests], ["GET", "POST"],
                         "one discovery and one token request for three clients")
        self.assertEqual(len(compat.audit_lines("TokenIssue")) - issued_before, 1,
                         "the vault issued one token")
        # The secrets package caches the challenge per host:port for the whole process: the
        # second SecretClient sends the token at once. The certificates package has a cache of
        # its own, so its first request is a probe; the token comes from the credential's cache.
        self.assertEqual(first_log.statuses, [401, 200])
        self.assertEqual(second_log.statuses, [200])
        self.assertEqual(cert_log.statuses[:2], [401, 200])
        tokens = {h["Authorization"] for log in (first_log, second_log, cert_log)
                  for _, _, h, _ in log.requests if "Authorization" in h}
        self.assertEqual(len(tokens), 1, "every client sent the same token")


class Trust(CompatTestCase):
    def test_connection_verify_names_the_ca(self):
        name = compat.unique_name("verify")
        cred = compat.credential(connection_verify=compat.CA_FILE)
        client = compat.secret_client(cred, connection_verify=compat.CA_FILE)
        client.set_secret(name, "trusted")
        self.assertEqual(client.get_secret(name).value, "trusted")

    def test_a_ca_bundle_without_the_test_ca_is_refused(self):
        files = compat.TempDir()
        self.addCleanup(files.cleanup)
        other_ca = files.file(".pem")
        compat.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                       "-nodes", "-keyout", files.file(".key"), "-subj", "/CN=another CA",
                       "-days", "1", "-out", other_ca)
        client = compat.secret_client(compat.credential(), connection_verify=other_ca)
        with self.assertRaises(ServiceRequestError) as caught:
            client.get_secret(compat.unique_name("untrusted"))
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(caught.exception))


class ClientCertificate(CompatTestCase):
    """CertificateCredential: MSAL Python signs the client assertion RS256 with x5t."""

    def setUp(self):
        # run-compat registers the certificate principal: without it this fails, never skips.
        self.client_id = compat.required("COFFER_CERT_CLIENT_ID")
        self.cert_file = compat.required("COFFER_CERT_FILE")
        self.name = compat.unique_name("by-cert")
        compat.secret_client().set_secret(self.name, "for the certificate")

    def credential(self, cert_file, **kwargs):
        return CertificateCredential(compat.TENANT_ID, self.client_id, certificate_path=cert_file,
                                     authority=compat.AUTHORITY, instance_discovery=False,
                                     retry_total=0, **kwargs)

    def test_a_registered_certificate_reads_a_secret(self):
        client = compat.secret_client(self.credential(self.cert_file))
        self.assertEqual(client.get_secret(self.name).value, "for the certificate")

    def test_a_registered_certificate_with_its_chain_reads_a_secret(self):
        cred = self.credential(self.cert_file, send_certificate_chain=True)
        self.assertEqual(compat.secret_client(cred).get_secret(self.name).value,
                         "for the certificate")

    def test_an_unregistered_certificate_is_refused(self):
        other = compat.required("COFFER_CERT_UNREGISTERED_FILE")
        with self.assertRaises(ClientAuthenticationError) as caught:
            self.credential(other).get_token(compat.challenge_scope())
        self.assertIn("AADSTS700027", str(caught.exception))


class AccessPolicy(CompatTestCase):
    """Principal B may only get secrets."""

    @classmethod
    def setUpClass(cls):
        cls.admin = compat.secret_client()
        cls.limited = compat.secret_client(compat.limited_credential())
        cls.name = compat.unique_name("shared")
        cls.value = compat.random_value()
        cls.admin.set_secret(cls.name, cls.value)

    def test_get_works(self):
        self.assertEqual(self.limited.get_secret(self.name).value, self.value)

    def test_get_of_a_missing_name_is_404(self):
        self.assertHttpError(404, "SecretNotFound", self.limited.get_secret,
                             compat.unique_name("absent"))

    def test_set_list_delete_backup_are_403_and_reveal_nothing(self):
        missing = compat.unique_name("absent")
        calls = {
            "set_secret": lambda n: self.limited.set_secret(n, "x"),
            "begin_delete_secret": lambda n: self.limited.begin_delete_secret(n),
            "backup_secret": lambda n: self.limited.backup_secret(n),
            "update_secret_properties": lambda n: self.limited.update_secret_properties(
                n, enabled=False),
            "list_properties_of_secret_versions": lambda n: list(
                self.limited.list_properties_of_secret_versions(n)),
        }
        for what, call in calls.items():
            with self.subTest(what):
                a = self.assertHttpError(403, "Forbidden", call, self.name)
                b = self.assertHttpError(403, "Forbidden", call, missing)
                self.assertEqual(a.message.replace(self.name, "NAME"),
                                 b.message.replace(missing, "NAME"))
        self.assertHttpError(403, "Forbidden",
                             lambda: list(self.limited.list_properties_of_secrets()))
        self.assertEqual(self.admin.get_secret(self.name).value, self.value, "unchanged")
