#!/usr/bin/env bash
# Installs what kmebind needs to build and test on Debian 12 (run as root), then configures and
# builds the given CMake preset (default: release). Safe to run again: it installs only what is
# missing and rebuilds only what changed.
#   scripts/setup.sh [preset [target...]]     (no target: everything, tests included)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
targets=()
for t in "$@"; do targets+=(--target "$t"); done

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libssl-dev libsqlite3-dev sqlite3
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libfreediameter-dev freediameter libasio-dev libpq-dev
  openssl tshark
)
# Extra packages a caller needs on top (scripts/test.sh: the PostgreSQL server, clang for fuzzing).
read -r -a extra <<< "${KMEBIND_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ccache (when installed) reuses objects across clones of the tree: paths are hashed relative to it.
export CCACHE_BASEDIR="$PWD"
cmake --preset "$preset" >/dev/null
# Two cores on the reference machine; more are used if present.
cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}"
