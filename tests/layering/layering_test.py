"""The layering checks fail on planted violations (and pass on a clean tree).

Each case writes a small tree with one #include that breaks one rule and expects
scripts/check-layering to name that rule; the CMake case configures a tiny project whose shipped
binary links a *_testing target and expects the configure step to stop.
"""

import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECK = REPO / "scripts" / "check-layering"


def run_check(files):
    with tempfile.TemporaryDirectory() as root:
        for path, text in files.items():
            file = pathlib.Path(root) / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text)
        return subprocess.run([sys.executable, str(CHECK), root], capture_output=True, text=True)


class IncludeRulesTest(unittest.TestCase):
    def assert_violation(self, path, include, rule):
        result = run_check({path: f"{include}\n"})
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"{path}:1: {rule}:", result.stdout)

    def assert_clean(self, path, include):
        result = run_check({path: f"{include}\n"})
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_components_never_include_each_other(self):
        self.assert_violation("operator/controller/a.cc", '#include "vault-core/domain/vault.h"',
                              "components")
        self.assert_violation("csi-driver/csi/a.cc", '#include "operator/api/types.h"',
                              "components")
        self.assert_violation("lib/kube/a.cc", '#include "csi-driver/mount/mount.h"',
                              "components")
        # Angle brackets compile too (the repo root is an include path).
        self.assert_violation("lib/kube/a.cc", "#include <vault-core/domain/vault.h>",
                              "components")
        # Not even a component's tests.
        self.assert_violation("vault-core/api/a_test.cc", '#include "operator/x.h"', "components")

    def test_third_party_headers_stay_at_their_edge(self):
        self.assert_violation("lib/vaultclient/a.cc", "#include <cpprest/http_client.h>",
                              "third-party-edge")
        self.assert_violation("vault-core/service/a.cc", "#include <sqlite3.h>",
                              "third-party-edge")
        self.assert_violation("vault-core/identity/a.cc", "#include <openssl/evp.h>",
                              "third-party-edge")
        self.assert_violation("lib/kube/a.h", "#include <boost/asio.hpp>", "third-party-edge")
        self.assert_violation("vault-core/server/a.cc", "#include <yaml-cpp/yaml.h>",
                              "third-party-edge")
        self.assert_violation("vault-core/api/rest/a.cc", "#include <grpcpp/grpcpp.h>",
                              "third-party-edge")
        self.assert_violation("vault-core/domain/a.cc", '#include "gtest/gtest.h"',
                              "third-party-edge")
        self.assert_clean("vault-core/crypto/a.cc", "#include <openssl/evp.h>")
        self.assert_clean("vault-core/identity/a_test.cc", "#include <openssl/evp.h>")
        # The certificate and key conversions that components share; the CSI driver uses them
        # through lib/pkix and includes no OpenSSL itself.
        self.assert_clean("lib/pkix/a.cc", "#include <openssl/pkcs12.h>")
        self.assert_violation("csi-driver/publish/a.cc", "#include <openssl/pkcs12.h>",
                              "third-party-edge")

    def test_production_code_never_includes_a_test_double(self):
        self.assert_violation("vault-core/server/a.cc",
                              '#include "vault-core/keystore/software/software_keystore.h"',
                              "test-doubles")
        self.assert_violation("lib/kube/informer.cc", '#include "lib/kube/fake_kube_client.h"',
                              "test-doubles")
        self.assert_violation("vault-core/api/rest/a.cc",
                              '#include "vault-core/audit/memory_audit_log.h"', "test-doubles")
        self.assert_violation("lib/base/a.cc", '#include "lib/testing/temp_dir.h"',
                              "test-doubles")
        self.assert_violation("vault-core/api/rest/a.cc",
                              "#include <vault-core/storage/memory/memory_store.h>", "test-doubles")
        self.assert_clean("lib/kube/informer_test.cc", '#include "lib/kube/fake_kube_client.h"')

    def test_only_assemblers_name_a_backend(self):
        self.assert_violation("lib/vaultclient/a.cc", '#include "lib/http/cpprest/client.h"',
                              "backend-choice")
        self.assert_violation("vault-core/service/a.cc",
                              '#include "vault-core/storage/sqlite/sqlite_store.h"',
                              "backend-choice")
        self.assert_violation("lib/vaultclient/a.cc", "#include <lib/http/cpprest/client.h>",
                              "backend-choice")
        self.assert_clean("vault-core/server/a.cc", '#include "lib/http/beast/server.h"')
        self.assert_clean("vault-core/cmd/a.cc", '#include "lib/http/cpprest/client.h"')
        self.assert_clean("lib/http/beast/a.cc", '#include "lib/http/beast/tls_context.h"')

    def test_vault_core_depends_inward(self):
        self.assert_violation("vault-core/domain/a.h", '#include "vault-core/storage/storage.h"',
                              "inward")
        self.assert_violation("vault-core/storage/a.cc", '#include "vault-core/service/x.h"',
                              "inward")
        self.assert_violation("vault-core/service/a.cc", '#include "vault-core/api/rest/x.h"',
                              "inward")
        self.assert_clean("vault-core/api/rest/a.cc", '#include "vault-core/service/x.h"')

    def test_service_sees_no_transport_or_wire_type(self):
        self.assert_violation("vault-core/service/a.cc", '#include "lib/http/http.h"',
                              "service-sees-no-wire")
        self.assert_violation("vault-core/service/a.h", '#include "coffer/admin/v1/admin.pb.h"',
                              "service-sees-no-wire")
        self.assert_violation("vault-core/service/a.cc", '#include "nlohmann/json.hpp"',
                              "service-sees-no-wire")
        self.assert_clean("vault-core/service/a.cc", '#include "coffer/storage/v1/records.pb.h"')

    def test_the_real_tree_is_clean(self):
        result = subprocess.run([sys.executable, str(CHECK), str(REPO)], capture_output=True,
                                text=True)
        self.assertEqual(result.returncode, 0, result.stdout)


class ShippedBinaryLinksTest(unittest.TestCase):
    """cmake/CofferTargets.cmake refuses a shipped binary that links a *_testing target."""

    def configure(self, binary_flags):
        with tempfile.TemporaryDirectory() as root:
            src = pathlib.Path(root) / "src"
            src.mkdir()
            (src / "fake.cc").write_text("int Fake() { return 1; }\n")
            (src / "mid.cc").write_text("int Mid() { return 2; }\n")
            (src / "main.cc").write_text("int main() { return 0; }\n")
            (src / "CMakeLists.txt").write_text(f"""
cmake_minimum_required(VERSION 3.25)
project(planted LANGUAGES CXX)
include({REPO}/cmake/CofferTargets.cmake)
coffer_library(thing_testing SRCS fake.cc)
coffer_library(thing SRCS mid.cc DEPS thing_testing)
coffer_binary(app {binary_flags} SRCS main.cc DEPS thing)
coffer_check_shipped_binaries()
""")
            return subprocess.run(["cmake", "-S", str(src), "-B", os.path.join(root, "b")],
                                  capture_output=True, text=True)

    def test_shipped_binary_linking_a_test_double_fails_to_configure(self):
        result = self.configure("")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("app ships but links the test double thing_testing", result.stderr)

    def test_test_tool_may_link_test_doubles(self):
        result = self.configure("TEST_TOOL")
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
