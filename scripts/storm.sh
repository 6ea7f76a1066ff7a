#!/usr/bin/env bash
# The full attach storm (docs/reliability.md "Attach storm"): N UEs (default 100,000) power on in
# the same instant, as after a power cut, against real `kmebind hss` and `kmebind cnn` daemons
# (mutual TLS, SQLite store). The network sheds load with Attach reject #22 + T3346; the UEs back
# off and retry (`kmebind sim --storm`) until every one is attached. Prints the sim's report, the
# peak RSS of hss, cnn and sim (VmHWM from /proc), the daemons' exit codes after SIGTERM and the
# load average. Exit code 0 when every UE attached and both daemons stopped with 0.
#
#   scripts/storm.sh [--ues N] [--t3346 S] [--jitter S] [--max-attaching M] [--connections C]
#                    [--timeout S] [--dir D] [--keep] [--json] [--no-build]
#
#   --ues N            UEs (devices generated for the run; default 100000)
#   --t3346 S          T3346 the CNN sends with #22 (cnn.t3346_s; default 10)
#   --jitter S         the UEs' random extra wait after T3346, 0..S (ue.t3346_jitter; default 20)
#   --max-attaching M  attaches the CNN runs at once before it sheds (cnn.max_attaching; default
#                      the CNN's own, 1024)
#   --connections C    NAS connections of the sim (default 4)
#   --timeout S        the sim gives up after S seconds (default 1800)
#   --dir D            working directory (default a new one under /tmp; removed unless --keep)
#   --json             print the sim's report as JSON
#   --no-build         use build/release/apps/kmebind/kmebind as it is (or $KMEBIND_BIN)
set -euo pipefail
cd "$(dirname "$0")/.."

ues=100000 t3346=10 jitter=20 max_attaching="" connections=4 timeout=1800
dir="" keep=0 json=0 build=1
while (($#)); do
  case "$1" in
    --ues) ues="$2"; shift 2 ;;
    --t3346) t3346="$2"; shift 2 ;;
    --jitter) jitter="$2"; shift 2 ;;
    --max-attaching) max_attaching="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --json) json=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "storm: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

bin="${KMEBIND_BIN:-$PWD/build/release/apps/kmebind/kmebind}"
if ((build)) && [[ -z "${KMEBIND_BIN:-}" ]]; then
  scripts/setup.sh release kmebind
fi
[[ -x "$bin" ]] || { echo "storm: no kmebind binary at $bin" >&2; exit 1; }

if [[ -z "$dir" ]]; then
  dir="$(mktemp -d /tmp/kmebind-storm.XXXXXX)"
else
  mkdir -p "$dir"
fi
work="$dir/net"
hss_pid="" cnn_pid=""
cleanup() {
  for p in $cnn_pid $hss_pid; do kill -KILL "$p" 2>/dev/null || true; done
  if ((keep == 0)); then rm -rf "$dir"; else echo "storm: kept $dir" >&2; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }

# 1. PKI, store with N subscribers (bindings, device keys) and the device file, configurations.
echo "storm: generating $ues devices in $work" >&2
t0=$(now)
"$bin" demo --prepare --dir "$work" --ues "$ues" --log-level warn >"$dir/prepare.out" 2>&1 || {
  cat "$dir/prepare.out" >&2; exit 1; }
generate_s=$(since "$t0")
sed -i "s/t3346_s: [0-9]*/t3346_s: $t3346/" "$work/cnn.yaml"
# One IPv4 address per registered UE: the default pool (10.45.0.0/16) holds 65,534; a UE beyond it
# is rejected #19 (ESM failure). A /10 holds 4 million.
sed -i "s#max_ues: \([0-9]*\),#max_ues: \1, ipv4_pool: 10.64.0.0/10,#" "$work/cnn.yaml"
if [[ -n "$max_attaching" ]]; then
  sed -i "s/max_ues: \([0-9]*\),/max_ues: \1, max_attaching: $max_attaching,/" "$work/cnn.yaml"
fi
sed -i "s/connections: [0-9]*/connections: $connections/" "$work/sim.yaml"
sed -i 's/level: "*[a-z]*"*/level: warn/' "$work/hss.yaml" "$work/cnn.yaml"

# 2. Daemons, each until its ready line.
start() {  # role → its pid in started_pid (a child of this shell, so that `wait` works)
  "$bin" "$1" --config "$work/$1.yaml" >"$dir/$1.out" 2>"$dir/$1.err" &
  started_pid=$!
  local i
  for ((i = 0; i < 300; i++)); do
    grep -q "^kmebind $1 ready:" "$dir/$1.out" 2>/dev/null && return 0
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "storm: $1 did not start:" >&2; cat "$dir/$1.err" >&2; return 1
}
start hss; hss_pid=$started_pid
start cnn; cnn_pid=$started_pid

# 3. The storm: every UE at once, retrying as a UE does.
echo "storm: $ues UEs power on at once (T3346 ${t3346} s + 0..${jitter} s)" >&2
sim_args=(sim --config "$work/sim.yaml" --storm --t3346-jitter-ms "$((jitter * 1000))"
          --timeout "$timeout" --no-save)
((json)) && sim_args+=(--json)
"$bin" "${sim_args[@]}" >"$dir/sim.out" 2>"$dir/sim.err" &
sim_pid=$!
sim_hwm=0 hss_hwm=0 cnn_hwm=0 load_max=0
while kill -0 "$sim_pid" 2>/dev/null; do
  k=$(hwm_kb "$sim_pid"); ((k > sim_hwm)) && sim_hwm=$k
  l=$(awk '{ print $1 }' /proc/loadavg)
  load_max=$(awk -v a="$load_max" -v b="$l" 'BEGIN { print (b > a) ? b : a }')
  sleep 1
done
sim_rc=0
wait "$sim_pid" || sim_rc=$?
hss_hwm=$(hwm_kb "$hss_pid")
cnn_hwm=$(hwm_kb "$cnn_pid")

# 4. Both daemons still answer a signal and stop cleanly.
stop() {  # pid → exit code in stopped_rc (128 + signal if it crashed; 137: killed after 30 s)
  stopped_rc=0
  kill -TERM "$1" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" || stopped_rc=$?
}
stop "$cnn_pid"; cnn_rc=$stopped_rc; cnn_pid=""
stop "$hss_pid"; hss_rc=$stopped_rc; hss_pid=""

cat "$dir/sim.out"
grep -v "^kmebind sim: storm:" "$dir/sim.err" | tail -5 >&2 || true
cat <<EOF
storm: devices generated in $generate_s s ($ues UEs)
storm: peak RSS  hss $(mb "$hss_hwm"), cnn $(mb "$cnn_hwm"), sim $(mb "$sim_hwm")
storm: exit codes  sim $sim_rc, cnn $cnn_rc (SIGTERM), hss $hss_rc (SIGTERM)
storm: load average at the end $(cut -d' ' -f1-3 /proc/loadavg), highest 1-min during the run $load_max ($(nproc) cores)
EOF
[[ "$sim_rc" == 0 && "$cnn_rc" == 0 && "$hss_rc" == 0 ]]
