"""The Helm chart (charts/coffer) as a cluster admin meets it, with real helm and kubectl: it
lints strictly, renders with the default values and three other value sets (values/), refuses
bad values with a message that names the field, keeps its CRDs identical to crds/, and every
rendered manifest is applied to the Kubernetes API stand-in, then installed with `helm install`.

  chart_test.py BUILD_DIR   (kube-standin, coffer-vault, coffer, coffer-operator, coffer-csi)
"""

import os
import pathlib
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "coffer"
VALUES = pathlib.Path(__file__).resolve().parent / "values"
sys.path.insert(0, str(REPO / "tests" / "kube-apiserver"))
from standin import Standin  # noqa: E402
from render_to_files import lay_out  # noqa: E402  (beside this file)

STANDIN = VAULT = CLI = BINARIES = None  # set from argv
VALUE_SETS = {"default": [], "etcd": ["-f", str(VALUES / "etcd.yaml")],
              "pkcs11": ["-f", str(VALUES / "pkcs11.yaml")],
              "no-csi": ["-f", str(VALUES / "no-csi.yaml")]}


def helm(*args, check=True):
    result = subprocess.run(["helm", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)}: {result.stderr}")
    return result


def render(value_set, release="coffer", namespace="coffer-system"):
    out = helm("template", release, str(CHART), "-n", namespace, *VALUE_SETS[value_set]).stdout
    return out, [d for d in yaml.safe_load_all(out) if d]


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def one(docs, kind, name_suffix=""):
    found = [d for d in by_kind(docs, kind) if d["metadata"]["name"].endswith(name_suffix)]
    assert len(found) == 1, f"{kind} *{name_suffix}: {len(found)} found"
    return found[0]


def pod_spec(workload):
    return workload["spec"]["template"]["spec"]


def project_version():
    cmake = (REPO / "CMakeLists.txt").read_text()
    return re.search(r"project\(coffer VERSION (\S+)", cmake).group(1)


class ChartTest(unittest.TestCase):
    def test_lint_strict(self):
        for name, args in VALUE_SETS.items():
            with self.subTest(values=name):
                helm("lint", "--strict", str(CHART), *args)

    def test_crds_are_the_top_level_crds(self):
        top = sorted(p.name for p in (REPO / "crds").glob("coffer.dev_*.yaml"))
        chart = sorted(p.name for p in (CHART / "crds").iterdir())
        self.assertEqual(chart, top, "charts/coffer/crds must hold exactly crds/coffer.dev_*.yaml")
        for name in top:
            self.assertEqual((CHART / "crds" / name).read_bytes(),
                             (REPO / "crds" / name).read_bytes(),
                             f"charts/coffer/crds/{name} differs from crds/{name}: copy it over")

    def test_default_images_are_the_ones_scripts_images_builds(self):
        chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
        self.assertEqual(chart["appVersion"], project_version())
        _, docs = render("default")
        images = {c["image"] for kind in ("StatefulSet", "Deployment", "DaemonSet")
                  for w in by_kind(docs, kind) for c in pod_spec(w)["containers"]}
        for binary in ("coffer-vault", "coffer-operator", "coffer-csi"):
            self.assertIn(f"localhost/{binary}:{project_version()}", images)

    def test_only_the_csi_node_plugin_is_privileged(self):
        for name in VALUE_SETS:
            _, docs = render(name)
            for kind in ("StatefulSet", "Deployment", "DaemonSet"):
                for workload in by_kind(docs, kind):
                    spec = pod_spec(workload)
                    for c in spec.get("initContainers", []) + spec["containers"]:
                        context = c["securityContext"]
                        with self.subTest(values=name, container=c["name"]):
                            self.assertFalse(context.get("allowPrivilegeEscalation", True)
                                             and c["name"] != "coffer-csi")
                            self.assertTrue(context["readOnlyRootFilesystem"])
                            if c["name"] == "coffer-csi":
                                self.assertTrue(context["privileged"])
                                continue
                            self.assertNotIn("privileged", context)
                            self.assertEqual(context["capabilities"]["drop"], ["ALL"])
                            if kind != "DaemonSet":  # the registrar writes into kubelet's dirs
                                self.assertTrue(context["runAsNonRoot"])
                                self.assertTrue(spec["securityContext"]["runAsNonRoot"])

    def test_every_rendered_argument_is_a_flag_the_binary_takes(self):
        # Each flag is parsed and its value checked before --help stops the binary.
        for name in VALUE_SETS:
            _, docs = render(name)
            for kind in ("StatefulSet", "Deployment", "DaemonSet"):
                for workload in by_kind(docs, kind):
                    for c in pod_spec(workload)["containers"]:
                        binary = c["image"].rsplit("/", 1)[1].split(":")[0]
                        if binary not in BINARIES:
                            continue  # the upstream sidecars
                        with self.subTest(values=name, container=c["name"]):
                            result = subprocess.run([BINARIES[binary], *c["args"], "--help"],
                                                    capture_output=True, text=True)
                            self.assertEqual(result.returncode, 0, result.stderr)

    def test_rbac_is_written_out_without_wildcards(self):
        _, docs = render("default")
        roles = by_kind(docs, "ClusterRole") + by_kind(docs, "Role")
        self.assertEqual(len(roles), 4)  # vault, operator, operator's lease, csi
        for role in roles:
            for rule in role["rules"]:
                for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                    self.assertNotIn("*", rule.get(field, []), role["metadata"]["name"])
        csi = one(docs, "ClusterRole", "-csi")
        # The driver reads metadata with its own account; values only with the pod's identity.
        self.assertNotIn("secrets", [r for rule in csi["rules"] for r in rule["resources"]])

    def test_csidriver_is_the_one_in_crds(self):
        _, docs = render("default")
        rendered = one(docs, "CSIDriver")
        reference = yaml.safe_load((REPO / "crds" / "csidriver.yaml").read_text())
        self.assertEqual(rendered["metadata"]["name"], reference["metadata"]["name"])
        self.assertEqual(rendered["spec"], reference["spec"])

    def test_csi_daemonset_shares_pod_mounts_with_kubelet(self):
        _, docs = render("default")
        daemonset = one(docs, "DaemonSet")
        names = [c["name"] for c in pod_spec(daemonset)["containers"]]
        self.assertEqual(names, ["coffer-csi", "node-driver-registrar", "liveness-probe"])
        mounts = {m["name"]: m for m in pod_spec(daemonset)["containers"][0]["volumeMounts"]}
        self.assertEqual(mounts["pods-dir"]["mountPath"], "/var/lib/kubelet/pods")
        shared = [(c["name"], m["name"]) for c in pod_spec(daemonset)["containers"]
                  for m in c["volumeMounts"] if m.get("mountPropagation") == "Bidirectional"]
        self.assertEqual(shared, [("coffer-csi", "pods-dir")])
        # No node needs a Secret with a key for the driver: the CA comes from a ConfigMap.
        volumes = {v["name"]: v for v in pod_spec(daemonset)["volumes"]}
        self.assertEqual(volumes["ca"], {"name": "ca", "configMap": {"name": "coffer-root-ca"}})
        self.assertEqual([v["name"] for v in volumes.values() if "secret" in v], [])

    def test_vault_configuration_follows_the_values(self):
        def config(docs):
            return yaml.safe_load(one(docs, "ConfigMap", "-vault")["data"]["coffer.yaml"])

        _, docs = render("default")
        default = config(docs)
        self.assertEqual(default["storage"], {"backend": "sqlite",
                                              "sqlite": {"path": "/var/lib/coffer/coffer.db"}})
        self.assertEqual(default["hsm"]["pkcs11"]["module"], "/usr/lib/softhsm/libsofthsm2.so")
        self.assertEqual(default["identity"]["authority_url"],
                         "https://coffer-vault.coffer-system.svc")
        self.assertEqual(one(docs, "StatefulSet")["spec"]["replicas"], 1)
        self.assertEqual(len(one(docs, "Deployment")["spec"]["template"]["spec"]["containers"]), 1)
        # The PIN is a generated Secret, mounted as a file, never in the configuration.
        self.assertIn("coffer-hsm-pin", [s["metadata"]["name"] for s in by_kind(docs, "Secret")])
        self.assertNotIn("pin:", one(docs, "ConfigMap", "-vault")["data"]["coffer.yaml"])

        _, docs = render("etcd")
        etcd = config(docs)
        self.assertEqual(etcd["storage"]["backend"], "etcd")
        self.assertEqual(len(etcd["storage"]["etcd"]["endpoints"]), 3)
        self.assertEqual(etcd["hsm"]["pkcs11"]["module"], "/opt/hsm/lib/libhsm-pkcs11.so")
        self.assertEqual(one(docs, "StatefulSet")["spec"]["replicas"], 3)
        spec = pod_spec(one(docs, "StatefulSet"))
        self.assertNotIn("initContainers", spec)  # no SoftHSM2 token to make
        self.assertNotIn("coffer-hsm-pin", [s["metadata"]["name"] for s in by_kind(docs, "Secret")])

        _, docs = render("pkcs11")
        self.assertEqual(config(docs)["identity"]["clusters"]["kubernetes"]["verify"], "jwks")
        verbs = {v for rule in one(docs, "ClusterRole", "-vault")["rules"] for v in rule["verbs"]}
        self.assertEqual(verbs, {"get"})

        _, docs = render("no-csi")
        self.assertEqual(by_kind(docs, "DaemonSet") + by_kind(docs, "CSIDriver"), [])

    def test_bad_values_are_refused_with_a_clear_message(self):
        cases = [
            (["--set", "vault.replicas=3"], "vault.replicas > 1 needs vault.storage.backend: etcd"),
            (["--set", "vault.storage.backend=postgres"], "vault.storage.backend"),
            (["--set", "vault.storage.backend=etcd", "--set", "vault.hsm.mode=pkcs11",
              "--set", "vault.hsm.pkcs11.module=/m.so", "--set", "vault.hsm.pin.secretName=p"],
             "needs vault.storage.etcd.endpoints"),
            (["--set", "vault.hsm.mode=pkcs11"], "needs vault.hsm.pkcs11.module"),
            (["--set", "vault.hsm.mode=tpm"], "vault.hsm.mode"),
            (["--set", "vault.tokenLifetime=forever"], "vault.tokenLifetime"),
            (["--set", "csi.tokenExpirationSeconds=60"], "csi.tokenExpirationSeconds"),
            (["--set", "vault.storag.backend=sqlite"], "storag"),
            (["--set", "tls.caSecret=my-ca"], "tls.caSecret and tls.vaultSecret go together"),
            (["--set", "tls.caSecret=my-ca", "--set", "tls.vaultSecret=my-tls"],
             "tls.caSecret needs tls.caCertificate"),
            (["--set", "image.pullPolicy=Sometimes"], "image.pullPolicy"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                result = helm("template", "coffer", str(CHART), *args, check=False)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RenderedVaultConfigurationTest(unittest.TestCase):
    """coffer-vault started with exactly what the chart renders (its configuration, the TLS
    Secrets made by Helm's genCA/genSignedCert, the generated HSM PIN), the container paths
    moved under a temporary directory: it must come up, and the vault hostnames' certificates
    must chain to the chart's CA that clients are told to trust."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.vault = None
        self.cluster = Standin(STANDIN)

    def tearDown(self):
        if self.vault and self.vault.poll() is None:
            self.vault.send_signal(signal.SIGTERM)
            self.vault.wait(timeout=30)
        self.cluster.stop()
        shutil.rmtree(self.dir)

    def test_the_vault_starts_and_serves_vault_hostnames_under_the_charts_ca(self):
        manifest, _ = render("default")
        rendered = pathlib.Path(self.dir) / "rendered"
        lay_out(manifest, rendered)
        config = (rendered / "configmap/coffer-vault/coffer.yaml").read_text()
        for path in ("/etc/coffer/", "/var/lib/coffer/", "/run/coffer/"):
            config = config.replace(path, self.dir + path)
            os.makedirs(self.dir + path, exist_ok=True)
        with open(self.dir + "/coffer.yaml", "w") as f:
            f.write(config)
        # Mounted where the StatefulSet mounts them.
        for secret, path in (("coffer-vault-tls", "tls"), ("coffer-ca", "ca"),
                             ("coffer-admin-server", "admin"), ("coffer-hsm-pin", "hsm")):
            os.symlink(rendered / "secret" / secret, f"{self.dir}/etc/coffer/{path}")
        shutil.copy(rendered / "configmap/coffer-root-ca/ca.crt", self.dir + "/root-ca.crt")

        # What the init container's coffer-softhsm-init does: a token with the label and PIN.
        env = {**os.environ, "SOFTHSM2_CONF": self.dir + "/softhsm2.conf"}
        os.makedirs(self.dir + "/var/lib/coffer/tokens")
        with open(env["SOFTHSM2_CONF"], "w") as f:
            f.write(f"directories.tokendir = {self.dir}/var/lib/coffer/tokens\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
        label = yaml.safe_load(config)["hsm"]["pkcs11"]["token_label"]
        pin = pathlib.Path(self.dir + "/etc/coffer/hsm/pin").read_text()
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin",
                        "so-pin-1234", "--pin", pin], env=env, check=True, capture_output=True)

        port, admin_port = free_port(), free_port()
        with open(self.dir + "/vault.log", "w") as log:
            self.vault = subprocess.Popen(
                [VAULT, "--config", self.dir + "/coffer.yaml", "--set", "http.host=127.0.0.1",
                 "--set", f"http.port={port}", "--set", f"admin.tcp.address=127.0.0.1:{admin_port}",
                 # The pod's in-cluster credentials live at fixed paths: the stand-in's instead.
                 "--set", "identity.clusters.kubernetes.in_cluster=false",
                 "--set", f"identity.clusters.kubernetes.kubeconfig={self.cluster.kubeconfig}"],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        trust = ssl.create_default_context(cafile=self.dir + "/root-ca.crt")

        def handshake(hostname):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with trust.wrap_socket(raw, server_hostname=hostname) as tls:
                    return tls.getpeercert()

        deadline = time.time() + 30
        while True:
            self.assertIsNone(self.vault.poll(), pathlib.Path(self.dir + "/vault.log").read_text())
            try:
                # The vault's own name (the token service) under the chart's CA.
                handshake("coffer-vault.coffer-system.svc")
                break
            except OSError:
                self.assertLess(time.time(), deadline, "coffer-vault did not start")
                time.sleep(0.1)
        socket_path = yaml.safe_load(config)["admin"]["socket"]
        subprocess.run([CLI, "--admin-socket", socket_path, "vault", "create", "shop",
                        "--hostname", "shop.team-a.svc"], check=True, capture_output=True)
        subject = dict(x[0] for x in handshake("shop.team-a.svc")["subject"])
        self.assertEqual(subject["commonName"], "shop.team-a.svc")


class ChartOnTheStandinTest(unittest.TestCase):
    """What kubectl and helm make of the rendered chart on a Kubernetes API (the stand-in
    stores workloads, RBAC and policies as a real one would; nothing runs them)."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Standin(STANDIN)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_every_value_set_applies_with_kubectl(self):
        self.cluster.kubectl("apply", "-f", str(CHART / "crds"))
        for name in VALUE_SETS:
            with self.subTest(values=name):
                namespace = f"applied-{name}"
                self.cluster.kubectl("create", "namespace", namespace)
                manifest, docs = render(name, release=f"r-{name}", namespace=namespace)
                self.cluster.kubectl("apply", "-f", "-", stdin=manifest)
                stored = self.cluster.kubectl("get", "-f", "-", "-o", "name",
                                              stdin=manifest).stdout.split()
                self.assertEqual(len(stored), len(docs))
                for doc in docs:
                    self.assertIn(f"{doc['kind'].lower()}/{doc['metadata']['name']}",
                                  [n.split("/")[0].split(".")[0] + "/" + n.split("/")[1] for n in stored])
        # Cluster-scoped objects stay: the next test installs the chart with helm.
        self.cluster.kubectl("delete", "csidriver", "secrets.coffer.dev")

    def test_helm_install_upgrade_and_reinstall_keep_the_ca_and_pin(self):
        # helm reads the cluster (lookup) at install: the CA, certificates and the HSM PIN
        # made at install must come back unchanged from an upgrade.
        self.cluster.kubectl("create", "namespace", "coffer-system")

        def secrets():
            out = self.cluster.kubectl("get", "secrets", "-n", "coffer-system", "-o", "yaml").stdout
            return {s["metadata"]["name"]: s["data"] for s in yaml.safe_load(out)["items"]
                    if not s["metadata"]["name"].startswith("sh.helm.release")}

        install = self.cluster.run(["helm", "install", "coffer", str(CHART), "-n", "coffer-system",
                                    "--kubeconfig", self.cluster.kubeconfig])
        self.assertIn("kubectl -n coffer-system rollout status statefulset/coffer-vault",
                      install.stdout)  # NOTES.txt
        first = secrets()
        self.assertEqual(set(first), {"coffer-ca", "coffer-vault-tls", "coffer-admin-server",
                                      "coffer-admin-client", "coffer-hsm-pin"})
        self.cluster.run(["helm", "upgrade", "coffer", str(CHART), "-n", "coffer-system",
                          "--kubeconfig", self.cluster.kubeconfig,
                          "--set", "operator.resyncPeriod=5m"])
        self.assertEqual(secrets(), first)
        args = self.cluster.kubectl("get", "deployment", "coffer-operator", "-n", "coffer-system",
                                    "-o", "jsonpath={.spec.template.spec.containers[0].args}").stdout
        self.assertIn("--resync-period=5m", args)

        # Uninstalled, the CA and the HSM PIN stay (the data volume outlives the release and
        # clients trust the CA); a new install takes them back and issues the rest anew.
        self.cluster.run(["helm", "uninstall", "coffer", "-n", "coffer-system",
                          "--kubeconfig", self.cluster.kubeconfig])
        self.assertEqual(set(secrets()), {"coffer-ca", "coffer-hsm-pin"})
        self.cluster.run(["helm", "install", "coffer", str(CHART), "-n", "coffer-system",
                          "--kubeconfig", self.cluster.kubeconfig])
        again = secrets()
        self.assertEqual(set(again), set(first))
        self.assertEqual(again["coffer-ca"], first["coffer-ca"])
        self.assertEqual(again["coffer-hsm-pin"], first["coffer-hsm-pin"])
        self.assertNotEqual(again["coffer-vault-tls"], first["coffer-vault-tls"])


if __name__ == "__main__":
    BUILD = pathlib.Path(sys.argv.pop(1))
    STANDIN = str(BUILD / "tests/kube-apiserver/kube-standin")
    VAULT, CLI = str(BUILD / "vault-core/coffer-vault"), str(BUILD / "vault-core/coffer")
    BINARIES = {"coffer-vault": VAULT, "coffer-operator": str(BUILD / "operator/coffer-operator"),
                "coffer-csi": str(BUILD / "csi-driver/coffer-csi")}
    unittest.main()
