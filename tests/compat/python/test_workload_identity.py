"""Workload identity in Python: azure-identity 1.13 has no WorkloadIdentityCredential, but its
ManagedIdentityCredential exchanges the token file at AZURE_FEDERATED_TOKEN_FILE when
AZURE_CLIENT_ID, AZURE_TENANT_ID and that variable are set, as AKS Workload Identity sets them.
It does no OIDC discovery: it POSTs to AZURE_AUTHORITY_HOST/TENANT/oauth2/v2.0/token itself, so
that path is part of the contract."""

import os
import unittest
from unittest import mock

from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ManagedIdentityCredential

import compat
from compat import CompatTestCase


def pod_environment(client_id, token_file):
    return mock.patch.dict(os.environ, {"AZURE_CLIENT_ID": client_id,
                                        "AZURE_FEDERATED_TOKEN_FILE": token_file})


class WorkloadIdentity(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = compat.unique_name("wi")
        compat.secret_client().set_secret(cls.name, "for billing")

    def test_a_service_accounts_token_reads_a_secret(self):
        log = compat.RequestLog()
        with pod_environment(os.environ["COFFER_WI_CLIENT_ID"], os.environ["COFFER_WI_TOKEN_FILE"]):
            cred = ManagedIdentityCredential(retry_total=0, **log.as_kwargs())
        self.assertEqual(compat.secret_client(cred).get_secret(self.name).value, "for billing")
        self.assertEqual(log.calls(), [("POST", f"/{compat.TENANT_ID}/oauth2/v2.0/token")],
                         "one token request, to the path the credential builds itself")

    def test_an_identity_without_a_policy_gets_403(self):
        with pod_environment(os.environ["COFFER_WI_NOBODY_CLIENT_ID"],
                             os.environ["COFFER_WI_NOBODY_TOKEN_FILE"]):
            cred = ManagedIdentityCredential(retry_total=0)
        self.assertHttpError(403, "Forbidden", compat.secret_client(cred).get_secret, self.name)

    def test_another_service_accounts_token_does_not_log_in_as_this_identity(self):
        with pod_environment(os.environ["COFFER_WI_CLIENT_ID"],
                             os.environ["COFFER_WI_NOBODY_TOKEN_FILE"]):
            cred = ManagedIdentityCredential(retry_total=0)
        with self.assertRaises(ClientAuthenticationError) as caught:
            compat.secret_client(cred).get_secret(self.name)
        self.assertIn("AADSTS70021", str(caught.exception))
