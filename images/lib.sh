# Shared by scripts/images and scripts/check (sourced, with $root set to the checkout): the
# version, the image names and how podman is run on these machines.

# The one place the version lives is the top-level project() call.
coffer_version=$(sed -nE 's/^project\(coffer VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' \
  "$root/CMakeLists.txt")
if [[ -z "$coffer_version" ]]; then
  echo "no 'project(coffer VERSION x.y.z' in $root/CMakeLists.txt" >&2
  exit 1
fi

coffer_images=(coffer-vault coffer-operator coffer-csi)
base_image=localhost/debian:12

# crun fails on these machines (cgroups in hybrid mode), so runc with cgroupfs; the default
# rlimits cannot be set in this sandbox, so explicit ones for every container, RUN steps of a
# build included (FACTS.md). Flags, not an edit of the machine's containers.conf.
pm() { podman --runtime runc --cgroup-manager cgroupfs "$@"; }
ulimits=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
