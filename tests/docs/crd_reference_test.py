"""docs/crd-reference.md against the CRDs it is generated from.

The generator runs under its own interpreter (its #! line: Debian's python3 with python3-yaml),
so this file needs nothing beyond the standard library.

  crd_reference_test.py
"""

import json
import pathlib
import shutil
import subprocess
import tempfile
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
GENERATOR = REPO / "scripts" / "gen-crd-reference"
REFERENCE = REPO / "docs" / "crd-reference.md"


def generate(*args):
    return subprocess.run([str(GENERATOR), *args], capture_output=True, text=True)


class CrdReferenceTest(unittest.TestCase):
    def setUp(self):
        self.dir = pathlib.Path(tempfile.mkdtemp())
        self.crds = self.dir / "crds"
        shutil.copytree(REPO / "crds", self.crds)
        self.out = self.dir / "crd-reference.md"
        shutil.copy(REFERENCE, self.out)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def check(self):
        return generate("--crds", str(self.crds), "--out", str(self.out), "--check")

    def test_committed_reference_matches_the_crds(self):
        result = generate("--check")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_changed_description_makes_the_check_fail_and_names_the_fix(self):
        crd = self.crds / "coffer.dev_keyvaults.yaml"
        text = crd.read_text()
        changed = text.replace("The vault's name in Coffer.", "The vault's name, renamed.", 1)
        self.assertNotEqual(text, changed, "the test's description is no longer in the CRD")
        crd.write_text(changed)
        result = self.check()
        self.assertEqual(result.returncode, 1)
        self.assertIn("is stale", result.stderr)
        self.assertIn("Run scripts/gen-crd-reference", result.stderr)
        self.assertIn("renamed", result.stderr)  # the diff shows what changed

    def test_changed_validation_makes_the_check_fail(self):
        crd = self.crds / "coffer.dev_vaultmounts.yaml"
        text = crd.read_text()
        changed = text.replace("maxItems: 64", "maxItems: 65", 1)
        self.assertNotEqual(text, changed)
        crd.write_text(changed)
        self.assertEqual(self.check().returncode, 1)

    def test_new_field_makes_the_check_fail_until_regenerated(self):
        crd = self.crds / "coffer.dev_keyvaults.yaml"
        text = crd.read_text()
        anchor = "                recoverIfSoftDeleted:\n"
        self.assertIn(anchor, text)
        crd.write_text(text.replace(anchor, (
            "                tier:\n"
            "                  type: string\n"
            "                  description: A field added for this test.\n") + anchor, 1))
        self.assertEqual(self.check().returncode, 1)
        written = generate("--crds", str(self.crds), "--out", str(self.out))
        self.assertEqual(written.returncode, 0, written.stderr)
        self.assertIn("| `spec.tier` | string |", self.out.read_text())
        self.assertEqual(self.check().returncode, 0, self.check().stderr)

    def test_missing_reference_fails_the_check(self):
        self.out.unlink()
        self.assertEqual(self.check().returncode, 1)

    def test_every_schema_field_and_rule_message_is_in_the_reference(self):
        # The schemas walked here, independently of the generator: each field under spec and
        # status must have its row, and each CEL message must be quoted.
        reference = REFERENCE.read_text()
        crds = load_crds(REPO / "crds")
        self.assertEqual(len(crds), 4)
        for crd in crds:
            kind = crd["spec"]["names"]["kind"]
            self.assertIn(f"## {kind}\n", reference)
            for version in crd["spec"]["versions"]:
                root = version["schema"]["openAPIV3Schema"]
                for part in ("spec", "status"):
                    for path, schema in walk(root["properties"][part], part):
                        self.assertIn(f"| `{path}` |", reference, f"{kind}: field {path}")
                        for rule in schema.get("x-kubernetes-validations", []):
                            message = " ".join(rule["message"].split())
                            self.assertIn(message, reference, f"{kind}: rule on {path}")
                        description = " ".join(schema.get("description", "").split())
                        self.assertIn(description, reference, f"{kind}: {path}")


def load_crds(directory):
    """The CRDs as JSON, read by the generator's own interpreter (which has PyYAML)."""
    interpreter = GENERATOR.read_text().splitlines()[0][2:].strip()
    program = ("import json, sys, yaml\n"
               "print(json.dumps([yaml.safe_load(open(p)) for p in sys.argv[1:]]))")
    paths = [str(p) for p in sorted(directory.glob("coffer.dev_*.yaml"))]
    result = subprocess.run([interpreter, "-c", program, *paths], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def walk(schema, path):
    """(path, schema) of a field and every field below it; list items as `path[]`."""
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from walk(sub, f"{path}.{name}")
    items = schema.get("items", {})
    if items.get("type") == "object":
        yield from walk(items, f"{path}[]")
    elif items:
        for rule in items.get("x-kubernetes-validations", []):
            yield f"{path}", {"x-kubernetes-validations": [rule]}

if __name__ == "__main__":
    unittest.main(verbosity=2)
