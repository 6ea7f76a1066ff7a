#!/usr/bin/env bash
# S6a load benchmark of `kmebind hss` (docs/performance-s6a.md).
#
#   bench/s6a/run.sh [--build DIR] [--subscribers N] [--duration S] [--warmup S] [--repeat K]
#                    [--runs LIST] [--transports "tls tcp"] [--stores "sqlite postgresql"]
#                    [--workers W] [--dispatch-threads D] [--log-level L] [--json] [--keep]
#                    [--no-echo]
#
# Builds kmebind and kmebind_s6a_bench (release preset, unless --build names a build directory
# holding both), provisions a fresh store per engine in --stores (default sqlite) with the same N
# subscribers (`kmebind admin generate-import` + `import`, turned into imei-check subscribers —
# the plain ULRs of the load client carry no KME proof, which a kme-required pair needs — one
# allowed IMEI each; TEST DATA), makes a throw-away CA with certificates for the HSS and the client, then for each
# transport:
#   1. K times, for each store in turn (A B A B …): starts `kmebind hss` on that store, runs the
#      load client once per entry of LIST (default air:1,air:64,ulr:1,ulr:64:
#      COMMAND:REQUESTS_IN_FLIGHT) and stops the HSS;
#   2. starts the echo server (same Diameter stack and codecs, no HSS work) and runs the same list:
#      freeDiameter's own request/answer rate on this machine, the ceiling for the HSS.
# "postgresql" starts a throw-away PostgreSQL 15 server in a directory beside the work directory
# (scripts/pg-test-server.sh) with production durability: fsync on, full_page_writes on,
# synchronous_commit on (the engine forces it per session); the postgres processes' CPU time is
# reported next to the HSS's.
# Prints one table of medians over the K repetitions (answers/s, share of the echo rate, latency,
# lost = sent − answered, which must be 0), or with --json one JSON object (every run and the
# medians). Exit 1 when a request was lost, an answer was not DIAMETER_SUCCESS, or a run failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=""
subscribers=10000
duration=10
warmup=2
repeat=3
runs="air:1,air:64,ulr:1,ulr:64"
transports="tls tcp"
stores="sqlite"
log_level=warn  # of the HSS, to hss-STORE-TRANSPORT.log in the work directory (see --keep)
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
    --stores) stores="$2"; shift 2 ;;
    --log-level) log_level="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --dispatch-threads) dispatch="$2"; shift 2 ;;
    --json) json=1; shift ;;
    --keep) keep=1; shift ;;
    --no-echo) echo_server=0; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { echo "s6a-bench: $*" >&2; }
for store in $stores; do
  case "$store" in
    sqlite|postgresql) ;;
    *) echo "run.sh: unknown store $store (sqlite, postgresql)" >&2; exit 2 ;;
  esac
done

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
# An absolute path: the script cds into its directory before it resolves $0 for its watcher.
pg_script="$(realpath scripts/pg-test-server.sh)"
pg_dir="$work.pg"  # beside $work (mode 0700, root's): the server runs as postgres when we are root
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -f "$pg_dir/port" ]] && "$pg_script" stop "$pg_dir" >/dev/null 2>&1 || true
  if [[ $keep -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- provisioning -----------------------------------------------------------------------------
# Production durability for the PostgreSQL server (the test script's default turns fsync off):
# every COMMIT waits for its WAL flush, as SQLite's synchronous=FULL waits for its WAL sync.
pg_options="-c fsync=on -c full_page_writes=on -c synchronous_commit=on"
declare -A location key_file
pg_config_line=""
for store in $stores; do
  if [[ "$store" == postgresql ]]; then
    url=$(KMEBIND_PG_TEST_OPTIONS="$pg_options" KMEBIND_PG_TEST_OWNER_PID=$$ \
          "$pg_script" start "$pg_dir" 0)
    psql -q -X -v ON_ERROR_STOP=1 "$url" -c "CREATE DATABASE kmebind" >/dev/null
    location[$store]="${url%/postgres}/kmebind"
    key_file[$store]="$work/store-pg.key"
    pg_config_line=$(psql -At -X "$url" -c "SELECT string_agg(name || '=' || \
current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('server_version', 'fsync', \
'full_page_writes', 'synchronous_commit', 'wal_sync_method', 'shared_buffers', 'max_connections', \
'commit_delay', 'wal_level', 'wal_buffers')")
    log "PostgreSQL at ${location[$store]}: $pg_config_line"
  else
    location[$store]="$work/store.db"
    key_file[$store]="$work/store.key"
  fi
done
"$kmebind" admin generate-import --count "$subscribers" --out "$work/subscribers.csv" 2>/dev/null
# The load client's ULRs are plain (binding check only): a kme-required pair would refuse them
# with KME_ERROR_PROOF_MISSING (docs/security.md §3.21), so the subscribers are imei-check.
sed -i 's/,kme-required,/,imei-check,/' "$work/subscribers.csv"
for store in $stores; do
  admin=("$kmebind" admin --store "${location[$store]}" --key-file "${key_file[$store]}")
  "${admin[@]}" init >/dev/null
  "${admin[@]}" import --file "$work/subscribers.csv" >/dev/null
done
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

hss_config() {  # store transport port
  local store="$1" transport="$2" port="$3"
  cat <<EOF
store: {location: "${location[$store]}", key_file: "${key_file[$store]}"}
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
  echo "log: {level: $log_level, file: \"$work/hss-$store-$transport.log\"}"
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
# CPU ticks of the whole PostgreSQL server: the postmaster with its reaped children (fields 14-17)
# plus every live child (its backends, WAL writer, checkpointer …); 0 without a server.
pg_ticks() {
  [[ -f "$pg_dir/data/postmaster.pid" ]] || { echo 0; return; }
  local master children
  master=$(head -1 "$pg_dir/data/postmaster.pid")
  children=$(ps -o pid= --ppid "$master" | tr '\n' ' ')
  # shellcheck disable=SC2086
  (cat "/proc/$master/stat"; for c in $children; do cat "/proc/$c/stat" 2>/dev/null || true; done) |
    sed 's/^.*) //' | awk '{ t += $12 + $13 + $14 + $15 } END { print t + 0 }'
}
# WAL syncs (fdatasync calls) the PostgreSQL server made so far (pg_stat_wal, PostgreSQL 14+); 0
# without a server. How many commits share one sync is PostgreSQL's own group commit.
pg_wal_syncs() {
  [[ "$1" == postgresql ]] || { echo 0; return; }
  psql -At -X "${location[postgresql]}" -c "SELECT wal_sync FROM pg_stat_wal" 2>/dev/null || echo 0
}
# server store transport port reps: runs the list `reps` times (one client process per run), with
# the server's and the PostgreSQL server's CPU time over each; appends {"server", "store", "rep",
# "load", "server_cpu_s", "pg_cpu_s", "pg_wal_syncs", "runs"} lines.
run_client() {
  local server="$1" store="$2" transport="$3" port="$4" reps="$5" hz
  hz=$(getconf CLK_TCK)
  for rep in $reps; do
    for spec in ${runs//,/ }; do
      local out before after pg_before pg_after syncs_before syncs_after
      syncs_before=$(pg_wal_syncs "$store")
      before=$(cpu_ticks "$server_pid")
      pg_before=$(pg_ticks)
      # shellcheck disable=SC2046
      if ! out=$("$bench" load $(node_args "$transport") --connect "127.0.0.1:$port" \
          --peer hss.kmebind.test --runs "$spec" --duration "$duration" --warmup "$warmup" \
          --subscribers "$subscribers" --json 2>"$work/client.err"); then
        failed=1
        log "$server/$transport $spec repetition $rep: client failed: $(tail -3 "$work/client.err")"
      fi
      after=$(cpu_ticks "$server_pid")
      pg_after=$(pg_ticks)
      syncs_after=$(pg_wal_syncs "$store")
      out=$(grep '^\[' <<<"$out" | tail -1 || true)
      # A figure of refused requests is not a figure of the HSS's work: every answer must succeed.
      if [[ -n "$out" ]] && ! python3 -c 'import json, sys
sys.exit(any(set(r.get("results", {})) - {"DIAMETER_SUCCESS"} for r in json.loads(sys.argv[1])))' "$out"; then
        failed=1
        log "$server/$transport $spec repetition $rep: answers other than DIAMETER_SUCCESS: $out"
      fi
      [[ -n "$out" ]] && echo "{\"server\": \"$server\", \"store\": \"$store\", \"rep\": $rep, \"load\": $(uptime | sed 's/.*load average: //; s/,.*//'), \"server_cpu_s\": $(awk -v a="$before" -v b="$after" -v hz="$hz" 'BEGIN { print (b - a) / hz }'), \"pg_cpu_s\": $(awk -v a="$pg_before" -v b="$pg_after" -v hz="$hz" 'BEGIN { print (b - a) / hz }'), \"pg_wal_syncs\": $((syncs_after - syncs_before)), \"runs\": $out}" >> "$results"
    done
  done
}

for transport in $transports; do
  for rep in $(seq 1 "$repeat"); do
    for store in $stores; do  # interleaved: A B A B …, so that the machine's drift hits both
      port=$(free_port)
      hss_config "$store" "$transport" "$port" > "$work/hss-$store-$transport.yaml"
      log "kmebind hss on $store over $transport on port $port (repetition $rep)"
      start_server "hss-$store-$transport" "$kmebind" hss --config "$work/hss-$store-$transport.yaml"
      run_client hss "$store" "$transport" "$port" "$rep"
      stop_server
    done
  done
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
  run_client echo - "$transport" "$port" "$(seq 1 "$repeat")"
  stop_server
done

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
python3 - "$results" "$json" "$machine" "$subscribers" "$duration" "$repeat" "$pg_config_line" <<'PY'
import json, statistics, sys
path, as_json, machine, subscribers, duration, repeat, pg_config = sys.argv[1:8]
lines = [json.loads(l) for l in open(path) if l.strip()]
groups = {}
for line in lines:
    for r in line["runs"]:
        key = (r["transport"], r["command"], r["in_flight"])
        answered = max(r["answered"], 1)
        r = dict(r, cpu_us=1e6 * line["server_cpu_s"] / answered,
                 pg_cpu_us=1e6 * line.get("pg_cpu_s", 0) / answered,
                 pg_syncs=line.get("pg_wal_syncs", 0) / answered)
        store = line.get("store", "sqlite") if line["server"] == "hss" else "-"
        groups.setdefault((line["server"], store) + key, []).append((r, line["load"]))
def med(rs, field):
    return statistics.median(r[field] for r, _ in rs)
rows = []
for (server, store, transport, command, in_flight), rs in sorted(
        groups.items(), key=lambda kv: (kv[0][2], kv[0][3], kv[0][4], kv[0][1])):
    if server != "hss":
        continue
    echo = groups.get(("echo", "-", transport, command, in_flight), [])
    rate = med(rs, "per_second")
    echo_rate = med(echo, "per_second") if echo else None
    results = {}
    for r, _ in rs:
        for k, v in r["results"].items():
            results[k] = results.get(k, 0) + v
    rows.append({
        "store": store, "transport": transport, "command": command, "in_flight": in_flight,
        "per_second": round(rate), "echo_per_second": round(echo_rate) if echo_rate else None,
        "share_of_echo": round(rate / echo_rate, 3) if echo_rate else None,
        "p50_ms": round(med(rs, "p50_ms"), 3), "p99_ms": round(med(rs, "p99_ms"), 3),
        "max_ms": round(max(r["max_ms"] for r, _ in rs), 3),
        "echo_p50_ms": round(med(echo, "p50_ms"), 3) if echo else None,
        "sent": sum(r["sent"] for r, _ in rs), "lost": sum(r["lost"] for r, _ in rs),
        "lost_echo": sum(r["lost"] for r, _ in echo),
        "server_cpu_us_per_answer": round(med(rs, "cpu_us"), 1),
        "postgres_cpu_us_per_answer": round(med(rs, "pg_cpu_us"), 1)
                                      if store == "postgresql" else None,
        "postgres_wal_syncs_per_answer": round(med(rs, "pg_syncs"), 3)
                                         if store == "postgresql" else None,
        "echo_cpu_us_per_answer": round(med(echo, "cpu_us"), 1) if echo else None,
        "results": results, "runs": len(rs),
        "load_average": [l for _, l in rs],
    })
summary = {"machine": machine, "subscribers": int(subscribers), "duration_s": float(duration),
           "repeat": int(repeat), "postgresql_config": pg_config or None, "rows": rows,
           "all_runs": lines}
if as_json == "1":
    print(json.dumps(summary, indent=1))
else:
    print(f"kmebind hss under S6a load — {machine}; {subscribers} subscribers; "
          f"median of {repeat} x {duration} s")
    if pg_config:
        print(f"PostgreSQL server: {pg_config}")
    print(f"{'store':10} {'transport':9} {'cmd':4} {'in-flight':>9} {'hss/s':>8} {'echo/s':>8} "
          f"{'share':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lost':>5} {'cpu us':>7} "
          f"{'pg us':>7} {'syncs':>6} {'echo us':>7}  load avg / results")
    for r in rows:
        share = f"{r['share_of_echo']:.0%}" if r["share_of_echo"] is not None else "-"
        pg = r["postgres_cpu_us_per_answer"]
        syncs = r["postgres_wal_syncs_per_answer"]
        print(f"{r['store']:10} {r['transport']:9} {r['command']:4} {r['in_flight']:>9} "
              f"{r['per_second']:>8} {r['echo_per_second'] or '-':>8} {share:>6} {r['p50_ms']:>7} "
              f"{r['p99_ms']:>7} {r['max_ms']:>7} {r['lost'] + r['lost_echo']:>5} "
              f"{r['server_cpu_us_per_answer']:>7} {pg if pg is not None else '-':>7} "
              f"{syncs if syncs is not None else '-':>6} "
              f"{r['echo_cpu_us_per_answer'] or '-':>7}  "
              f"{'/'.join(str(l) for l in r['load_average'])} {r['results']}")
PY
if [[ $failed -ne 0 ]]; then exit 1; fi
