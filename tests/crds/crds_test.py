"""The CRDs in crds/ as a cluster user meets them: real kubectl against the Kubernetes API
stand-in applies the CRDs and samples, and refuses every bad object in tests/crds/bad/ (each names
the message it must get in its first line, "# expect: ...") and every forbidden change.

  crds_test.py KUBE_STANDIN_BINARY
"""

import json
import pathlib
import sys
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "kube-apiserver"))
from standin import Standin  # noqa: E402

STANDIN = None  # set from argv


class CrdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Standin(STANDIN)
        cls.kubectl = cls.cluster.kubectl
        cls.kubectl("apply", "-f", str(REPO / "crds"))
        for namespace in ("team-a", "team-b"):
            cls.kubectl("create", "namespace", namespace)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_crds_are_served_with_short_names_and_category(self):
        self.kubectl("apply", "-f", str(REPO / "crds" / "samples"))
        table = self.kubectl("get", "kv", "-n", "team-a").stdout.splitlines()
        # The printer columns, server-side, as kubectl shows them.
        self.assertEqual(table[0].split(), ["NAME", "VAULT", "URI", "SKU", "READY", "AGE"])
        self.assertEqual(table[1].split()[:2], ["prod", "premium"])
        wide = self.kubectl("get", "kv", "-n", "team-a", "-o", "wide").stdout
        self.assertIn("REASON", wide.splitlines()[0])
        self.assertIn("billing-reads-prod", self.kubectl("get", "kvap", "-n", "team-a").stdout)
        everything = self.kubectl("get", "coffer", "-A").stdout
        self.assertIn("keyvault.coffer.dev/prod", everything)
        self.assertIn("accesspolicy.coffer.dev/ci-manages-prod", everything)
        self.assertIn("vaultmount.coffer.dev/billing-files", everything)
        mode = self.kubectl("get", "kvm", "billing-files", "-n", "team-a", "-o",
                            "jsonpath={.spec.rotation.interval} {.spec.objects[1].optional}").stdout
        self.assertEqual(mode, "2m false")  # defaults

    def test_csidriver_asks_kubelet_for_pod_info_a_token_and_republish(self):
        spec = json.loads(self.kubectl("get", "csidriver", "secrets.coffer.dev", "-o",
                                       "json").stdout)["spec"]
        self.assertFalse(spec["attachRequired"])
        self.assertTrue(spec["podInfoOnMount"])
        self.assertTrue(spec["requiresRepublish"])
        self.assertEqual(spec["volumeLifecycleModes"], ["Ephemeral"])
        self.assertEqual([t["audience"] for t in spec["tokenRequests"]], ["api://coffer"])

    def test_defaults_are_filled_in(self):
        self.kubectl("apply", "-f", "-", stdin="apiVersion: coffer.dev/v1alpha1\nkind: KeyVault\n"
                     "metadata: {name: plain, namespace: team-b}\nspec: {}\n")
        spec = self.kubectl("get", "kv", "plain", "-n", "team-b", "-o",
                            "jsonpath={.spec.sku} {.spec.softDeleteRetentionInDays} "
                            "{.spec.enablePurgeProtection} {.spec.recoverIfSoftDeleted}").stdout
        self.assertEqual(spec, "standard 90 false false")

    def test_every_bad_sample_is_refused_with_its_message(self):
        samples = sorted((REPO / "tests" / "crds" / "bad").glob("*.yaml"))
        self.assertGreaterEqual(len(samples), 12)
        for sample in samples:
            with self.subTest(sample=sample.name):
                first = sample.read_text().splitlines()[0]
                self.assertTrue(first.startswith("# expect: "), "first line names the error")
                result = self.kubectl("apply", "-n", "team-b", "-f", str(sample), check=False)
                self.assertNotEqual(result.returncode, 0, result.stdout)
                self.assertIn(first[len("# expect: "):], result.stderr)
                name = self.kubectl("get", "coffer", "-n", "team-b", "-o", "name").stdout
                self.assertNotIn(sample.stem, name)  # nothing was stored

    def patch_is_refused(self, name, patch, expect):
        self.kubectl("apply", "-f", "-", stdin=(
            "apiVersion: coffer.dev/v1alpha1\nkind: KeyVault\nmetadata: {name: " + name +
            ", namespace: team-b}\nspec: {vaultName: " + name + ", enablePurgeProtection: true,"
            " softDeleteRetentionInDays: 30}\n"))
        result = self.kubectl("patch", "kv", name, "-n", "team-b", "--type", "merge", "-p", patch,
                              check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(expect, result.stderr)

    def test_purge_protection_cannot_be_turned_off(self):
        self.patch_is_refused("locked", '{"spec":{"enablePurgeProtection":false}}',
                              "enablePurgeProtection cannot be turned off once it is on")
        spec = self.kubectl("get", "kv", "locked", "-n", "team-b", "-o",
                            "jsonpath={.spec.enablePurgeProtection}").stdout
        self.assertEqual(spec, "true")

    def test_vault_name_and_retention_cannot_change(self):
        self.patch_is_refused("named", '{"spec":{"vaultName":"renamed"}}',
                              "vaultName cannot be changed")
        self.patch_is_refused("kept", '{"spec":{"softDeleteRetentionInDays":60}}',
                              "softDeleteRetentionInDays cannot be changed after creation")

    def test_allowed_changes_go_through(self):
        self.kubectl("apply", "-f", "-", stdin="apiVersion: coffer.dev/v1alpha1\nkind: KeyVault\n"
                     "metadata: {name: growing, namespace: team-b}\nspec: {sku: standard}\n")
        self.kubectl("patch", "kv", "growing", "-n", "team-b", "--type", "merge", "-p",
                     '{"spec":{"sku":"premium","enablePurgeProtection":true,'
                     '"hostnames":["growing.example.com"]}}')
        spec = self.kubectl("get", "kv", "growing", "-n", "team-b", "-o",
                            "jsonpath={.spec.sku} {.spec.enablePurgeProtection}").stdout
        self.assertEqual(spec, "premium true")


if __name__ == "__main__":
    STANDIN = sys.argv.pop(1)
    unittest.main()
