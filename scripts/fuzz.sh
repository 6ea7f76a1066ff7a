#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz preset: clang-16, ASan + UBSan; docs/fuzzing.md) and runs
# each over its corpus for a while. Fails on any crash, leak, UB report, timeout or broken
# property; the input that did it is saved under build/fuzz/artifacts/.
#   scripts/fuzz.sh [--time SECONDS] [HARNESS...]     (default: 20 s each, every harness)
# Corpora: build/fuzz/work/<harness> (grows across runs; new inputs go there), fuzz/corpus/<harness>
# (committed seeds and regression inputs), build/fuzz/seeds/<harness> (written afresh by
# kmebind_seed_gen from the current encoders) and, for config_fuzz, config/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
harnesses=()
while (($#)); do
  case "$1" in
    --time) seconds="${2:?--time needs a number of seconds}"; shift 2 ;;
    --time=*) seconds="${1#--time=}"; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz: --time takes whole seconds" >&2; exit 2; }
if ((${#harnesses[@]} == 0)); then
  harnesses=(nas_decode_fuzz nas_security_fuzz kme_fuzz crypto_open_fuzz diameter_s6a_fuzz config_fuzz attach_fuzz
    hss_core_fuzz)
fi

# Toolchain (installed by setup.sh when missing and root), configure and build the fuzz preset.
export KMEBIND_EXTRA_PACKAGES="${KMEBIND_EXTRA_PACKAGES:-} clang-16 libclang-rt-16-dev"
scripts/setup.sh fuzz >/dev/null

build=build/fuzz
rm -rf "$build/seeds"
"$build/fuzz/kmebind_seed_gen" "$build/seeds"
mkdir -p "$build/artifacts" "$build/logs"

failed=()
for h in "${harnesses[@]}"; do
  bin="$build/fuzz/$h"
  [[ -x "$bin" ]] || { echo "fuzz: no harness $h" >&2; exit 2; }
  corpora=("$build/work/$h")
  mkdir -p "$build/work/$h"
  for d in "fuzz/corpus/$h" "$build/seeds/$h"; do [[ -d "$d" ]] && corpora+=("$d"); done
  [[ "$h" == config_fuzz ]] && corpora+=(config)
  log="$build/logs/$h.log"
  # -timeout: one input slower than that is a finding; -rss_limit_mb: so is a memory blow-up.
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$h-" "${corpora[@]}" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz: $h clean (${runs:-?} runs in ${seconds} s, ${cov:-cov: ?})"
  else
    echo "fuzz: $h FAILED — log $log, input in $build/artifacts/" >&2
    grep -E 'ERROR|SUMMARY|runtime error|fuzz property|Test unit written' "$log" | head -20 >&2 || true
    failed+=("$h")
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (docs/fuzzing.md: turn each into a regression test)" >&2
  exit 1
fi
echo "fuzz: all ${#harnesses[@]} harnesses ran ${seconds} s each without a finding"
