#!/usr/bin/env bash
# Runs clang-tidy 16 with the repository's .clang-tidy over src/ and apps/ (README.md, Tests).
# Exits 1 when there is any finding (or a file clang cannot parse), 0 when the run is clean.
#   scripts/tidy.sh [-j N] [FILE_REGEX]     (default regex: every .cpp under src/ and apps/)
# Installs clang-tidy-16 with apt-get when missing (as root). Configures the ci preset in
# build/tidy (KMEBIND_TIDY_BUILD overrides) only to get compile_commands.json: nothing is built.
# The full report is kept in <build>/tidy.log. Not part of scripts/test.sh / .ci/run (≈ 20 min
# on the 2-core reference machine).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="$(nproc)"
# Absolute paths as in compile_commands.json; tests/apps/ is not apps/.
filter="^$PWD/(src|apps)/.*\\.cpp\$"  # a regex; fine for paths without ()+?*[]|^$ in them
while (($#)); do
  case "$1" in
    -j) jobs="${2:?-j needs a number}"; shift 2 ;;
    -j*) jobs="${1#-j}"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "tidy: unknown option $1" >&2; exit 2 ;;
    *) filter="$1"; shift ;;
  esac
done

if ! command -v clang-tidy-16 >/dev/null || ! command -v run-clang-tidy-16 >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "tidy: clang-tidy-16 is missing; run as root, or: sudo apt-get install -y clang-tidy-16" >&2
    exit 1
  fi
  echo "tidy: installing clang-tidy-16"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang-tidy-16 >/dev/null
fi

build="${KMEBIND_TIDY_BUILD:-build/tidy}"
if ! configure_output="$(cmake --preset ci -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON 2>&1)"; then
  echo "$configure_output" >&2
  echo "tidy: cmake could not configure (missing libraries? scripts/setup.sh installs them)" >&2
  exit 1
fi

# The database holds g++ 12 command lines. clang 16 needs -std=c++2b (it has no -std=c++23) and
# the __cpp_concepts override that makes it accept libstdc++ 12's <expected> (as the fuzz preset
# does, CMakePresets.json); g++-only warning flags are ignored.
log="$build/tidy.log"
status=0
run-clang-tidy-16 -p "$build" -j "$jobs" -quiet \
  -extra-arg=-std=c++2b -extra-arg=-U__cpp_concepts -extra-arg=-D__cpp_concepts=202002L \
  -extra-arg=-Wno-unknown-warning-option "$filter" >"$log" 2>&1 || status=$?

# One line per finding, each once (a finding in a header shows up for every file including it).
findings="$(grep -E '^/.*:[0-9]+:[0-9]+: (warning|error): ' "$log" | sort -u || true)"
if [[ -n "$findings" ]]; then
  echo "$findings"
  echo "tidy: $(wc -l <<<"$findings") finding(s); the full report is in $log" >&2
  exit 1
fi
if ((status != 0)); then
  tail -n 30 "$log" >&2
  echo "tidy: clang-tidy failed (exit $status); the full report is in $log" >&2
  exit 1
fi
echo "tidy: clean (report in $log)"
