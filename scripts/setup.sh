# Sourced by tests/run and examples/run: installs what is missing (Debian 12 or 13,
# root) and starts the services the tests need when none is reachable. Everything it
# starts is stopped by PID when the sourcing script exits. It reads no /etc/nix/nix.conf
# (Debian's nix-bin ships none) and needs no nixbld group: NIX_CONFIG below says all.

STOWAGE_STARTED_PIDS=()
STOWAGE_STATE_DIR=$(mktemp -d /tmp/stowage-services.XXXXXX)

stowage_cleanup() {
  for pid in "${STOWAGE_STARTED_PIDS[@]}"; do
    { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; } || true
  done
  # dockerd (26 and later) leaves its data root mounted: unmount what is left below it.
  awk -v dir="$STOWAGE_STATE_DIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
    sort -r | while read -r mnt; do umount -l "$mnt" || true; done
  rm -rf --one-file-system "$STOWAGE_STATE_DIR" || echo "setup: could not remove $STOWAGE_STATE_DIR" >&2
}
trap stowage_cleanup EXIT

stowage_install() {
  # command:package pairs; only what is missing is installed.
  # docker:docker-cli is docker.io's client (its own package from Debian 13 on; see below).
  local wanted=(
    nix-build:nix-bin docker:docker-cli dockerd:docker.io podman:podman runc:runc
    skopeo:skopeo umoci:umoci busybox:busybox-static gcc:gcc fakeroot:fakeroot
    zstd:zstd curl:curl docker-registry:docker-registry openssl:openssl htpasswd:apache2-utils
    patchelf:patchelf hello:hello gawk:gawk
  )
  local missing=()
  for pair in "${wanted[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
  done
  # A docker elsewhere on PATH (e.g. /usr/local/bin) may not match Debian's daemon.
  [ -x /usr/bin/docker ] || missing+=(docker-cli)
  [ -e /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
  [ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ "$(uname -m)" != x86_64 ] || missing+=(libc6-dev)
  /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || missing+=(python3)
  if [ "${1:-}" = tests ]; then
    python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
    python3 -c 'import hypothesis' 2>/dev/null || missing+=(python3-hypothesis)
    # scripts/check-python: Debian's mypy, and pip to install the pinned ruff.
    command -v mypy >/dev/null 2>&1 || missing+=(mypy)
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || return 1
    # Debian 12's docker.io holds the docker command; Debian 13 moved it to docker-cli,
    # which docker.io only recommends (not installed with --no-install-recommends).
    if ! apt-cache show docker-cli >/dev/null 2>&1; then
      missing=("${missing[@]/#docker-cli/docker.io}")
    fi
    apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >&2
  fi
}

# Nix: no binary cache can be reached here; builds use the host's tools.
export NIX_CONFIG="substituters =
build-users-group =
sandbox = false
experimental-features = nix-command flakes"

stowage_start_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  echo "setup: starting dockerd" >&2
  dockerd --iptables=false --bridge=none --data-root "$STOWAGE_STATE_DIR/docker" \
    --exec-root "$STOWAGE_STATE_DIR/docker-exec" --pidfile "$STOWAGE_STATE_DIR/docker.pid" \
    >"$STOWAGE_STATE_DIR/dockerd.log" 2>&1 &
  STOWAGE_STARTED_PIDS+=($!)
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "setup: dockerd did not start; its log:" >&2
  tail -20 "$STOWAGE_STATE_DIR/dockerd.log" >&2
  return 1
}
