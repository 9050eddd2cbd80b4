"""The Kubernetes API stand-in for Python tests: started on a free port, driven with real
kubectl (and helm) through the admin kubeconfig it writes, stopped with SIGTERM.

  with Standin(binary) as cluster:
      cluster.kubectl("get", "namespaces")
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time


def kubectl_binary():
    # /usr/bin/kubectl is gcloud's dispatcher; the stand-in reports 1.32 (tests/kube-apiserver).
    pinned = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"
    return pinned if os.path.exists(pinned) else "kubectl"


class Standin:
    def __init__(self, binary):
        self.dir = tempfile.mkdtemp()
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.env = {**os.environ, "HOME": self.dir, "KUBECONFIG": self.kubeconfig}
        self.log = open(os.path.join(self.dir, "standin.log"), "w")
        self.process = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--kubeconfig", self.kubeconfig],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not os.path.exists(self.kubeconfig) and time.time() < deadline:
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(self.kubeconfig):
            self.stop()
            raise RuntimeError("kube-standin did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, argv, check=True, stdin=None):
        result = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=self.env)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)}: {result.stderr}")
        return result

    def kubectl(self, *args, check=True, stdin=None):
        return self.run([kubectl_binary(), "--kubeconfig", self.kubeconfig, "--cache-dir",
                         os.path.join(self.dir, "cache"), *args], check=check, stdin=stdin)
