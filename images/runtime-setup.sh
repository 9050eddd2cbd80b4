#!/bin/sh
# Runs once in each image's runtime stage (bind-mounted, so it does not stay in the image):
# installs the runtime packages named as arguments, leaves no apt lists or caches behind, and
# adds the user the images run as.
set -eu

# The base image carries no apt sources (they would name the build machine's mirror):
# scripts/images mounts the host's over /etc/apt/sources.list.d for the build.
sources=0
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  if [ -s "$f" ]; then sources=1; fi
done
if [ "$sources" -eq 0 ]; then
  echo "runtime-setup: no apt sources; build with scripts/images, which mounts the host's" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log

# uid/gid 65532, the usual "nonroot" of minimal images; the Containerfiles say USER 65532:65532
# by number, since Kubernetes can only verify runAsNonRoot against a numeric user.
groupadd --system --gid 65532 coffer
useradd --system --uid 65532 --gid coffer --home-dir /nonexistent --no-create-home \
  --shell /usr/sbin/nologin coffer
