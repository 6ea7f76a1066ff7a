#!/usr/bin/env bash
# S6a load benchmark of `kmebind hss` (docs/performance-s6a.md).
#
#   bench/s6a/run.sh [--build DIR] [--subscribers N] [--duration S] [--warmup S] [--repeat K]
#                    [--runs LIST] [--transports "tls tcp"] [--workers W] [--dispatch-threads D]
#                    [--json] [--keep] [--no-echo]
#
# Builds kmebind and kmebind_s6a_bench (release preset, unless --build names a build directory
# holding both), provisions a fresh SQLite store with N subscribers (`kmebind admin
# generate-import` + `import`: kme-required, one allowed IMEI each — TEST DATA), makes a throw-away
# CA with certificates for the HSS and the client, then for each transport:
#   1. starts `kmebind hss` and runs the load client (LIST, default air:1,air:64,ulr:1,ulr:64:
#      COMMAND:REQUESTS_IN_FLIGHT) K times;
#   2. starts the echo server (same Diameter stack and codecs, no HSS work) and runs the same list:
#      freeDiameter's own request/answer rate on this machine, the ceiling for the HSS.
# Prints one table of medians over the K repetitions (answers/s, share of the echo rate, latency,
# lost = sent − answered, which must be 0), or with --json one JSON object (every run and the
# medians). Exit 1 when a request was lost or a run failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=""
subscribers=10000
duration=10
warmup=2
repeat=3
runs="air:1,air:64,ulr:1,ulr:64"
transports="tls tcp"
workers=""
dispatch=""
json=0
keep=0
echo_server=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --subscribers) subscribers="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --transports) transports="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --dispatch-threads) dispatch="$2"; shift 2 ;;
    --json) json=1; shift ;;
    --keep) keep=1; shift ;;
    --no-echo) echo_server=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { echo "s6a-bench: $*" >&2; }

if [[ -z "$build" ]]; then
  build=build/release
  if [[ ! -x "$build/apps/kmebind/kmebind" || ! -x "$build/bench/s6a/kmebind_s6a_bench" ]]; then
    log "building kmebind and kmebind_s6a_bench in $build (release preset)"
    cmake --preset release -DKMEBIND_BUILD_BENCH=ON >/dev/null
    cmake --build --preset release -j "$(nproc)" --target kmebind kmebind_s6a_bench >&2
  fi
fi
kmebind="$(realpath "$build/apps/kmebind/kmebind")"
bench="$(realpath "$build/bench/s6a/kmebind_s6a_bench")"
[[ -x "$kmebind" && -x "$bench" ]] || { echo "run.sh: $build lacks kmebind or kmebind_s6a_bench" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/kmebind-s6a-bench.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ $keep -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- provisioning -----------------------------------------------------------------------------
admin=("$kmebind" admin --store "$work/store.db" --key-file "$work/store.key")
"${admin[@]}" init >/dev/null
"$kmebind" admin generate-import --count "$subscribers" --out "$work/subscribers.csv" 2>/dev/null
"${admin[@]}" import --file "$work/subscribers.csv" >/dev/null
rm -f "$work/subscribers.csv"
"$bench" certs --dir "$work" --identity hss.kmebind.test --identity bench.kmebind.test
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/cookie-1.key"
chmod 600 "$work/cookie-1.key"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts "$@" with stdout to $1.out and waits for its "ready" line; sets $server_pid.
start_server() {
  local name="$1"; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 300); do
    grep -q "ready" "$work/$name.out" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "run.sh: $name did not start:" >&2
  cat "$work/$name.err" >&2
  exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  local rest=()
  for p in "${pids[@]}"; do [[ "$p" != "$server_pid" ]] && rest+=("$p"); done
  pids=("${rest[@]+"${rest[@]}"}")
}

hss_config() {  # transport port
  local transport="$1" port="$2"
  cat <<EOF
store: {location: "$work/store.db", key_file: "$work/store.key"}
cookie_keys:
  - {id: 1, key_file: "$work/cookie-1.key", state: active}
diameter:
  identity: hss.kmebind.test
  realm: kmebind.test
  listen: {address: 127.0.0.1, port: $port}
  transport: $transport
EOF
  if [[ "$transport" == tls ]]; then
    echo "  tls: {cert: \"$work/hss.pem\", key: \"$work/hss.key\", ca: \"$work/ca.pem\"}"
  fi
  echo "  allowed_peers: [bench.kmebind.test]"
  [[ -n "$dispatch" ]] && echo "  dispatch_threads: $dispatch"
  if [[ -n "$workers" ]]; then
    echo "hss: {workers: $workers}"
  fi
  echo "log: {level: warn, file: \"$work/hss-$transport.log\"}"
}

node_args() {  # transport
  local args=(--identity bench.kmebind.test --realm kmebind.test --transport "$1"
              --runtime-dir "$work/fd-client")
  if [[ "$1" == tls ]]; then
    args+=(--cert "$work/bench.pem" --key "$work/bench.key" --ca "$work/ca.pem")
  fi
  echo "${args[@]}"
}

results="$work/results.jsonl"
: > "$results"
failed=0
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# server transport port: each run of the list `repeat` times (one client process per run), with
# the server's CPU time over it; appends {"server", "rep", "load", "server_cpu_s", "runs"} lines.
run_client() {
  local server="$1" transport="$2" port="$3" hz
  hz=$(getconf CLK_TCK)
  for rep in $(seq 1 "$repeat"); do
    for spec in ${runs//,/ }; do
      local out before after
      before=$(cpu_ticks "$server_pid")
      # shellcheck disable=SC2046
      if ! out=$("$bench" load $(node_args "$transport") --connect "127.0.0.1:$port" \
          --peer hss.kmebind.test --runs "$spec" --duration "$duration" --warmup "$warmup" \
          --subscribers "$subscribers" --json 2>"$work/client.err"); then
        failed=1
        log "$server/$transport $spec repetition $rep: client failed: $(tail -3 "$work/client.err")"
      fi
      after=$(cpu_ticks "$server_pid")
      out=$(grep '^\[' <<<"$out" | tail -1 || true)
      [[ -n "$out" ]] && echo "{\"server\": \"$server\", \"rep\": $rep, \"load\": $(uptime | sed 's/.*load average: //; s/,.*//'), \"server_cpu_s\": $(awk -v a="$before" -v b="$after" -v hz="$hz" 'BEGIN { print (b - a) / hz }'), \"runs\": $out}" >> "$results"
    done
  done
}

for transport in $transports; do
  port=$(free_port)
  hss_config "$transport" "$port" > "$work/hss-$transport.yaml"
  log "kmebind hss over $transport on port $port"
  start_server "hss-$transport" "$kmebind" hss --config "$work/hss-$transport.yaml"
  run_client hss "$transport" "$port"
  stop_server
  [[ $echo_server -eq 1 ]] || continue

  port=$(free_port)
  log "echo server over $transport on port $port"
  echo_args=(--identity hss.kmebind.test --realm kmebind.test --transport "$transport"
             --listen "127.0.0.1:$port" --allow bench.kmebind.test --runtime-dir "$work/fd-echo")
  [[ -n "$dispatch" ]] && echo_args+=(--dispatch-threads "$dispatch")
  if [[ "$transport" == tls ]]; then
    echo_args+=(--cert "$work/hss.pem" --key "$work/hss.key" --ca "$work/ca.pem")
  fi
  start_server "echo-$transport" "$bench" echo-server "${echo_args[@]}"
  run_client echo "$transport" "$port"
  stop_server
done

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
python3 - "$results" "$json" "$machine" "$subscribers" "$duration" "$repeat" <<'PY'
import json, statistics, sys
path, as_json, machine, subscribers, duration, repeat = sys.argv[1:7]
lines = [json.loads(l) for l in open(path) if l.strip()]
groups = {}
for line in lines:
    for r in line["runs"]:
        key = (r["transport"], r["command"], r["in_flight"])
        r = dict(r, cpu_us=1e6 * line["server_cpu_s"] / max(r["answered"], 1))
        groups.setdefault((line["server"],) + key, []).append((r, line["load"]))
def med(rs, field):
    return statistics.median(r[field] for r, _ in rs)
rows = []
for (server, transport, command, in_flight), rs in sorted(groups.items()):
    if server != "hss":
        continue
    echo = groups.get(("echo", transport, command, in_flight), [])
    rate = med(rs, "per_second")
    echo_rate = med(echo, "per_second") if echo else None
    results = {}
    for r, _ in rs:
        for k, v in r["results"].items():
            results[k] = results.get(k, 0) + v
    rows.append({
        "transport": transport, "command": command, "in_flight": in_flight,
        "per_second": round(rate), "echo_per_second": round(echo_rate) if echo_rate else None,
        "share_of_echo": round(rate / echo_rate, 3) if echo_rate else None,
        "p50_ms": round(med(rs, "p50_ms"), 3), "p99_ms": round(med(rs, "p99_ms"), 3),
        "max_ms": round(max(r["max_ms"] for r, _ in rs), 3),
        "echo_p50_ms": round(med(echo, "p50_ms"), 3) if echo else None,
        "sent": sum(r["sent"] for r, _ in rs), "lost": sum(r["lost"] for r, _ in rs),
        "lost_echo": sum(r["lost"] for r, _ in echo),
        "server_cpu_us_per_answer": round(med(rs, "cpu_us"), 1),
        "echo_cpu_us_per_answer": round(med(echo, "cpu_us"), 1) if echo else None,
        "results": results, "runs": len(rs),
        "load_average": [l for _, l in rs],
    })
summary = {"machine": machine, "subscribers": int(subscribers), "duration_s": float(duration),
           "repeat": int(repeat), "rows": rows, "all_runs": lines}
if as_json == "1":
    print(json.dumps(summary, indent=1))
else:
    print(f"kmebind hss under S6a load — {machine}; {subscribers} subscribers; "
          f"median of {repeat} x {duration} s")
    print(f"{'transport':9} {'cmd':4} {'in-flight':>9} {'hss/s':>8} {'echo/s':>8} {'share':>6} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lost':>5} {'cpu us':>7} {'echo us':>7}  load avg / results")
    for r in rows:
        share = f"{r['share_of_echo']:.0%}" if r["share_of_echo"] is not None else "-"
        print(f"{r['transport']:9} {r['command']:4} {r['in_flight']:>9} {r['per_second']:>8} "
              f"{r['echo_per_second'] or '-':>8} {share:>6} {r['p50_ms']:>7} {r['p99_ms']:>7} "
              f"{r['max_ms']:>7} {r['lost'] + r['lost_echo']:>5} {r['server_cpu_us_per_answer']:>7} "
              f"{r['echo_cpu_us_per_answer'] or '-':>7}  "
              f"{'/'.join(str(l) for l in r['load_average'])} {r['results']}")
PY
if [[ $failed -ne 0 ]]; then exit 1; fi
