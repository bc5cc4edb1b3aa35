#!/usr/bin/env bash
# Build mockgraph's image on a machine with no registry access: install and start a Docker
# engine if none runs, build a stand-in Python base image from Debian packages, then build
# the Dockerfile on it. Prints the image name on its last line. Cached: a second run only
# rebuilds what changed.
#   tests/container/build-image.sh [image-name]
set -euo pipefail
# The base image is built once and reused while its recipe (ensure_base, below) is unchanged:
# the recipe's content hash is the image's tag.
RECIPE=$(sed -n '/^ensure_base()/,/^}/p' "$0" | sha256sum | cut -c1-12)
cd "$(dirname "$0")/../.."
IMAGE=${1:-mockgraph:test}
BASE=mockgraph-base:debian-bookworm-python3-$RECIPE
STATE=${MOCKGRAPH_DOCKER_STATE:-/tmp/mockgraph-docker}
mkdir -p "$STATE"

log() { echo "build-image: $*" >&2; }

ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { log "not root: cannot install docker.io and debootstrap"; return 1; }
    log "installing docker.io and debootstrap"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >&2
  fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    (dockerd --host=unix:///var/run/docker.sock >"$STATE/dockerd.log" 2>&1 &)
    for _ in $(seq 1 120); do
      docker info >/dev/null 2>&1 && return 0
      sleep 0.5
    done
    log "dockerd did not start; its log:"; tail -20 "$STATE/dockerd.log" >&2
    return 1
  fi
}

debian_mirror() {
  # The Debian mirror the machine's own apt sources name.
  local uri
  uri=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list \
        | grep -v security | head -1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//')
  if [ -z "$uri" ]; then
    log "no Debian mirror in the machine's apt sources"; return 1
  fi
  echo "$uri"
}

pip_ca_bundle() {
  # The CA bundle this machine's pip trusts.
  local cert
  cert=$(python3 -m pip config get global.cert 2>/dev/null || true)
  cert=${cert:-${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}}
  echo "$cert"
}

ensure_base() {
  if docker image inspect "$BASE" >/dev/null 2>&1; then log "base image $BASE: reused"; return 0; fi
  local root="$STATE/rootfs" mirror
  mirror=$(debian_mirror) || return 1
  log "debootstrap of bookworm (minbase, python3, python3-venv, ca-certificates) from $mirror"
  rm -rf "$root"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
    || { tail -20 "$STATE/debootstrap.log" >&2; return 1; }
  # pip inside the build must trust what this machine's pip trusts.
  cp "$(pip_ca_bundle)" "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - "$BASE" >/dev/null
  rm -rf "$root"
}

# Exit 3: no Docker engine, or no base image to build on, can be had here (the tests skip,
# saying why); a failing `docker build` of mockgraph's own Dockerfile fails them.
ensure_docker || exit 3
ensure_base || { log "could not build the stand-in base image (see $STATE/debootstrap.log)"; exit 3; }
log "docker build on $BASE (its steps follow)"
docker build --network host --build-arg PYTHON_IMAGE="$BASE" -t "$IMAGE" . >&2
echo "$BASE"
echo "$IMAGE"
