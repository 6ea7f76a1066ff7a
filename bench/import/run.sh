#!/usr/bin/env bash
# Import benchmark for `kmebind admin import` (docs/performance.md, "Import").
# Generates COUNT subscribers (default 1,000,000), each with one allowed IMEI and one device
# (TEST DATA from `kmebind admin generate-import`: random K/OPc, random device keys), imports
# them into a fresh store with a release build, and prints the wall-clock time of the import.
#   bench/import/run.sh [COUNT] [BUILD_DIR]     (BUILD_DIR default: build/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
count="${1:-1000000}"
build="${2:-build/release}"
bin="$build/apps/kmebind/kmebind"
if [[ ! -x "$bin" ]]; then
  echo "bench: building kmebind in $build (release preset)" >&2
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target kmebind
  bin="build/release/apps/kmebind/kmebind"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/kmebind-import-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
admin=("$bin" admin --store "$work/bench.db" --key-file "$work/bench.key")

"${admin[@]}" init --import-public-out "$work/import-public" >/dev/null
gen_start=$(date +%s.%N)
"$bin" admin generate-import --count "$count" --out "$work/import.csv" 2>/dev/null
gen_end=$(date +%s.%N)
sync
start=$(date +%s.%N)
"${admin[@]}" import --file "$work/import.csv"
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
rate=$(awk -v n="$count" -v s="$secs" 'BEGIN { printf "%d", n / s }')
# Sanity: the store holds what was imported.
audit_rows=$("${admin[@]}" audit --limit 1 | wc -l)
printf 'machine: %s cores, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'generated %s subscribers + %s devices (%s MB) in %.1f s\n' "$count" "$count" \
  "$(( $(stat -c %s "$work/import.csv") / 1000000 ))" "$(awk -v a="$gen_start" -v b="$gen_end" 'BEGIN { print b - a }')"
printf 'store after import: %s MB (audit rows present: %s)\n' \
  "$(( ($(stat -c %s "$work/bench.db") + $(stat -c %s "$work/bench.db-wal" 2>/dev/null || echo 0)) / 1000000 ))" "$audit_rows"
printf 'IMPORT: %s subscribers with bindings and device keys in %.1f s (%s rows/s)\n' "$count" "$secs" "$rate"
