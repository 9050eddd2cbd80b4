"""Shared set-up for the Python compatibility suite: environment, name resolution, clients.

The suite runs the official Azure SDK for Python from Debian 12's python3-azure package, unmodified,
under /usr/bin/python3; tests/compat/run-compat starts the vault and sets the environment.

The vault hostname (compat.vault.coffer.test) does not exist in DNS. Importing this module
replaces socket.getaddrinfo in this process so that names under .coffer.test resolve to
127.0.0.1 and every other name goes to the system resolver. requests, urllib3 and http.client all
resolve through it, so the SDK, MSAL and the hand-made requests here reach the vault, while TLS
still checks the certificate against the vault's name (SNI and hostname verification use the
name, not the address). /etc/hosts is not touched. Trust comes from REQUESTS_CA_BUNDLE, which
run-compat points at the test CA; the hand-made requests load the same file (COFFER_CA_FILE).
"""

import base64
import http.client
import json
import os
import secrets as _random
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest
import urllib.parse

from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.certificates import CertificateClient
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient
from azure.keyvault.secrets import SecretClient


def required(name):
    """An environment variable run-compat sets; a missing one fails the test, never skips it."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run this suite through tests/compat/run-compat")
    return value


TENANT_ID = required("AZURE_TENANT_ID")
CLIENT_ID = required("AZURE_CLIENT_ID")
CLIENT_SECRET = required("AZURE_CLIENT_SECRET")
AUTHORITY = required("AZURE_AUTHORITY_HOST")
VAULT_URL = required("COFFER_VAULT_URL")
LIMITED_CLIENT_ID = required("COFFER_LIMITED_CLIENT_ID")
LIMITED_CLIENT_SECRET = required("COFFER_LIMITED_CLIENT_SECRET")
CA_FILE = required("COFFER_CA_FILE")
AUDIT_LOG = required("COFFER_AUDIT_LOG")

_vault = urllib.parse.urlsplit(VAULT_URL)
VAULT_HOST = _vault.hostname
VAULT_PORT = _vault.port or 443
VAULT_NETLOC = _vault.netloc
AUTHORITY_URL = urllib.parse.urlsplit(AUTHORITY)

# What the Debian packages send (their DEFAULT_VERSION); the hand-made requests use the same.
SECRETS_API_VERSION = "7.3"  # azure-keyvault-secrets 4.7.0b1
KEYS_API_VERSION = "7.4-preview.1"  # azure-keyvault-keys 4.8.0b3
CERTIFICATES_API_VERSION = "7.3"  # azure-keyvault-certificates 4.7.0b1


# ---- name resolution ---------------------------------------------------------------------------

_system_getaddrinfo = socket.getaddrinfo


def _is_test_name(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.rstrip(".").lower()
    return host == "coffer.test" or host.endswith(".coffer.test")


def _getaddrinfo(host, port, *args, **kwargs):
    if _is_test_name(host):
        host = "127.0.0.1"
    return _system_getaddrinfo(host, port, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo


# ---- credentials and clients -------------------------------------------------------------------

def credential(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **kwargs):
    """A ClientSecretCredential on Coffer's token service, as a user configures it: the authority
    and no instance discovery (Coffer is no Microsoft cloud). kwargs go to azure-core's pipeline
    (e.g. raw_request_hook, connection_verify)."""
    kwargs.setdefault("retry_total", 0)
    return ClientSecretCredential(TENANT_ID, client_id, client_secret, authority=AUTHORITY,
                                  instance_discovery=False, **kwargs)


def limited_credential(**kwargs):
    return credential(LIMITED_CLIENT_ID, LIMITED_CLIENT_SECRET, **kwargs)


# Retries off: a deviation should show up as the first answer, not after back-offs.
def secret_client(cred=None, **kwargs):
    kwargs.setdefault("retry_total", 0)
    return SecretClient(VAULT_URL, cred or credential(), **kwargs)


def key_client(cred=None, **kwargs):
    kwargs.setdefault("retry_total", 0)
    return KeyClient(VAULT_URL, cred or credential(), **kwargs)


def crypto_client(key_or_id, cred=None, **kwargs):
    kwargs.setdefault("retry_total", 0)
    return CryptographyClient(key_or_id, cred or credential(), **kwargs)


def certificate_client(cred=None, **kwargs):
    kwargs.setdefault("retry_total", 0)
    return CertificateClient(VAULT_URL, cred or credential(), **kwargs)


class RequestLog:
    """Records every request (method, url, headers, body) and response status that passes an
    azure-core pipeline: pass as_kwargs() to a client or credential. Thread-safe: the SDK's
    pollers run on threads of their own."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests = []
        self.statuses = []
        self.bodies = []

    def _on_request(self, request):
        r = request.http_request
        with self._lock:
            self.requests.append((r.method, r.url, dict(r.headers), r.body))

    def _on_response(self, response):
        try:
            body = response.http_response.text()
        except Exception:  # pylint: disable=broad-except  # a streamed body: not read here
            body = None
        with self._lock:
            self.statuses.append(response.http_response.status_code)
            self.bodies.append(body)

    def as_kwargs(self):
        return {"raw_request_hook": self._on_request, "raw_response_hook": self._on_response}

    def calls(self):
        """(method, path) of each request, the query left off."""
        with self._lock:
            return [(m, urllib.parse.urlsplit(u).path) for m, u, _, _ in self.requests]

    def clear(self):
        with self._lock:
            self.requests.clear()
            self.statuses.clear()
            self.bodies.clear()


# ---- names, values, errors ---------------------------------------------------------------------

def unique_name(prefix):
    """A name unique to this run and test: prefix-<8 hex>."""
    return f"{prefix}-{_random.token_hex(4)}"


def random_value():
    """A random value: none of the values used here is ever printed."""
    return _random.token_urlsafe(18)


def error_body(err):
    """The JSON body of an HttpResponseError's response ({} when it has none)."""
    try:
        return json.loads(err.response.text())
    except (AttributeError, ValueError, TypeError):
        return {}


class CompatTestCase(unittest.TestCase):
    maxDiff = None

    def assertHttpError(self, status, code, fn, *args, **kwargs):
        """Calls fn and asserts it raises an HttpResponseError of `status` whose body's error
        code is `code` (any code when None). Returns the error."""
        with self.assertRaises(HttpResponseError) as caught:
            fn(*args, **kwargs)
        err = caught.exception
        self.assertEqual(err.status_code, status, f"status of: {err.message}")
        if code is not None:
            self.assertEqual(error_body(err).get("error", {}).get("code"), code,
                             f"code of: {err.message}")
        return err

    def assertInnerCode(self, err, code):
        inner = error_body(err).get("error", {}).get("innererror") or {}
        self.assertEqual(inner.get("code"), code, json.dumps(error_body(err)))


# ---- requests by hand ----------------------------------------------------------------------------

class RawResponse:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None


def tls_context():
    return ssl.create_default_context(cafile=CA_FILE)


def raw_request(method, url_or_path, token=None, headers=None, body=None):
    """A request made with http.client, trusted and resolved as the SDK's are. A path is taken
    relative to the vault URL."""
    url = urllib.parse.urlsplit(urllib.parse.urljoin(VAULT_URL, url_or_path))
    h = {"Accept": "application/json"}
    h.update(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        h.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPSConnection(url.hostname, url.port or 443, context=tls_context(),
                                       timeout=30)
    try:
        target = url.path + (f"?{url.query}" if url.query else "")
        conn.request(method, target, body=data, headers=h)
        res = conn.getresponse()
        text = res.read().decode("utf-8")
        return RawResponse(res.status, {k.lower(): v for k, v in res.getheaders()}, text)
    finally:
        conn.close()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw_key_operation(kid, operation, body, token):
    """POST {kid}/{operation} by hand (encrypt, decrypt, wrapkey, unwrapkey, sign, verify), for
    what the CryptographyClient computes itself without asking the vault. Bytes in `body` go as
    base64url."""
    path = urllib.parse.urlsplit(kid).path
    fields = {k: b64url(v) if isinstance(v, bytes) else v for k, v in body.items()}
    return raw_request("POST", f"{path}/{operation}?api-version={KEYS_API_VERSION}", token=token,
                       body=json.dumps(fields))


def parse_challenge(header):
    """The challenge's parameters as the Python SDK reads them (its own parser)."""
    from azure.keyvault.secrets._shared.http_challenge import HttpChallenge
    return HttpChallenge(VAULT_URL, header)


def challenge_scope():
    """The scope the SDK asks for: the resource of a real challenge plus /.default."""
    res = raw_request("GET", f"/secrets?api-version={SECRETS_API_VERSION}")
    if res.status != 401:
        raise AssertionError(f"expected a 401 challenge, got {res.status}: {res.text}")
    return parse_challenge(res.headers["www-authenticate"]).get_resource() + "/.default"


def bearer_token(cred=None):
    return (cred or credential()).get_token(challenge_scope()).token


def audit_lines(operation=None):
    """The audit log's records (dicts), optionally only those of one operation."""
    with open(AUDIT_LOG, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if operation is None or r.get("operation") == operation]


# ---- files and openssl -----------------------------------------------------------------------

class TempDir:
    """A temp dir for a test class's files, removed with it."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="coffer-compat-py-")
        self.path = self._dir.name

    def file(self, suffix, data=None):
        path = os.path.join(self.path, _random.token_hex(6) + suffix)
        if data is not None:
            with open(path, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def cleanup(self):
        self._dir.cleanup()


def openssl(*args, input=None):
    """Runs the openssl command line and returns its stdout as bytes; a failure raises with
    openssl's stderr in the message."""
    if isinstance(input, str):
        input = input.encode("utf-8")
    done = subprocess.run(["openssl", *args], input=input, capture_output=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout


def b64decode_any(text):
    """Decodes base64 or base64url, padded or not."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))
