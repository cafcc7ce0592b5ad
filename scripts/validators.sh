# Sourced by tests/run: installs the test-only validators of tests/validators.txt
# (SPDX and CycloneDX readers from PyPI) into a directory of their own, keyed on the
# pinned list and the Python version, and exports it as STOWAGE_VALIDATORS. The
# system's Python stays untouched (Debian's is externally managed): the tests run
# the validators as `python3 -S` with that directory on PYTHONPATH.

stowage_install_validators() {
  local list key dir
  list="$(dirname "${BASH_SOURCE[0]}")/../tests/validators.txt"
  key=$( { cat "$list"; /usr/bin/python3 -c 'import sys; print(sys.version_info[:2])'; } | sha256sum | cut -c1-16)
  dir=/var/cache/stowage-test-deps/validators-$key
  if [ ! -e "$dir/.complete" ]; then
    if ! /usr/bin/python3 -m pip --version >/dev/null 2>&1; then
      echo "setup: installing python3-pip" >&2
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip >&2 || return 1
    fi
    echo "setup: installing the SBOM validators into $dir" >&2
    rm -rf "$dir" "$dir.part"
    /usr/bin/python3 -m pip install --quiet --disable-pip-version-check --no-input --no-warn-script-location --root-user-action=ignore \
      --target "$dir.part" -r "$list" >&2 || return 1
    touch "$dir.part/.complete"
    mv "$dir.part" "$dir"
  fi
  export STOWAGE_VALIDATORS="$dir"
}
