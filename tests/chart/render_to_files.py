#!/usr/bin/python3
"""Renders the chart (helm template) and lays out what kubelet would mount from it, so that
scripts/check can run the images exactly as the chart configures them:

  render_to_files.py OUT_DIR [helm template flags...]

  OUT_DIR/secret/NAME/KEY, OUT_DIR/configmap/NAME/KEY   each data key as a file (base64 decoded)
  OUT_DIR/args/KIND-NAME-CONTAINER                      the container's args, one per line
  OUT_DIR/manifest.yaml                                 everything, to apply as it is
"""

import base64
import pathlib
import subprocess
import sys

import yaml

CHART = pathlib.Path(__file__).resolve().parents[2] / "charts" / "coffer"


def lay_out(manifest, out):
    """Writes what kubelet would mount from `manifest` (the output of helm template) under
    `out`; Secret files with the chart's defaultMode 0440."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.yaml").write_text(manifest)
    for doc in yaml.safe_load_all(manifest):
        if not doc:
            continue
        name = doc["metadata"]["name"]
        if doc["kind"] in ("Secret", "ConfigMap"):
            folder = out / doc["kind"].lower() / name
            folder.mkdir(parents=True)
            for key, value in doc.get("data", {}).items():
                data = base64.b64decode(value) if doc["kind"] == "Secret" else value.encode()
                (folder / key).write_bytes(data)
                if doc["kind"] == "Secret":
                    (folder / key).chmod(0o440)
        elif doc["kind"] in ("StatefulSet", "Deployment", "DaemonSet"):
            (out / "args").mkdir(exist_ok=True)
            for container in doc["spec"]["template"]["spec"]["containers"]:
                lines = "".join(arg + "\n" for arg in container.get("args", []))
                (out / "args" / f"{doc['kind']}-{name}-{container['name']}").write_text(lines)


def main():
    manifest = subprocess.run(["helm", "template", "coffer", str(CHART), *sys.argv[2:]],
                              check=True, capture_output=True, text=True).stdout
    lay_out(manifest, pathlib.Path(sys.argv[1]))


if __name__ == "__main__":
    main()
