# Sourced by tests/run and examples/run: installs what is missing (Debian 12, root)
# and starts the services the tests need when none is reachable. Everything it
# starts is stopped by PID when the sourcing script exits.

STOWAGE_STARTED_PIDS=()
STOWAGE_STATE_DIR=$(mktemp -d /tmp/stowage-services.XXXXXX)

stowage_cleanup() {
  for pid in "${STOWAGE_STARTED_PIDS[@]}"; do
    { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; } || true
  done
  rm -rf "$STOWAGE_STATE_DIR"
}
trap stowage_cleanup EXIT

stowage_install() {
  # command:package pairs; only what is missing is installed.
  local wanted=(
    nix-build:nix-bin docker:docker.io dockerd:docker.io podman:podman runc:runc
    skopeo:skopeo umoci:umoci busybox:busybox-static gcc:gcc fakeroot:fakeroot
    zstd:zstd curl:curl docker-registry:docker-registry openssl:openssl htpasswd:apache2-utils
    patchelf:patchelf hello:hello gawk:gawk
  )
  local missing=()
  for pair in "${wanted[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
  done
  [ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ "$(uname -m)" != x86_64 ] || missing+=(libc6-dev)
  /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || missing+=(python3)
  if [ "${1:-}" = tests ]; then
    python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >&2
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
