#!/usr/bin/env bash
# Orderly-stop stress of `kmebind hss` (docs/daemons.md "Orderly stop"): starts the HSS with many
# freeDiameter dispatch threads and store workers, loads it with kmebind_s6a_bench (AIR, 64 in
# flight) while CPU hogs run, sends SIGTERM in the middle of the load and counts exits != 0.
#
#   scripts/stop_stress.sh KMEBIND S6A_BENCH [CYCLES=30] [DISPATCH=16] [HOGS=4]
# Prints one line per cycle and "failures F of N"; exit 1 when F > 0.
set -euo pipefail
kmebind="$(realpath "$1")"; bench="$(realpath "$2")"
cycles="${3:-30}"; dispatch="${4:-16}"; hogs="${5:-4}"
work="$(mktemp -d "${TMPDIR:-/tmp}/kmebind-stop.XXXXXX")"
hog_pids=()
cleanup() {
  for p in "${hog_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
admin=("$kmebind" admin --store "$work/store.db" --key-file "$work/store.key")
"${admin[@]}" init >/dev/null
"$kmebind" admin generate-import --count 2000 --out "$work/subs.csv" 2>/dev/null
"${admin[@]}" import --file "$work/subs.csv" >/dev/null
"$bench" certs --dir "$work" --identity hss.kmebind.test --identity bench.kmebind.test >/dev/null
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/cookie-1.key"; chmod 600 "$work/cookie-1.key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/hss.yaml" <<YAML
store: {location: "$work/store.db", key_file: "$work/store.key"}
cookie_keys:
  - {id: 1, key_file: "$work/cookie-1.key", state: active}
diameter:
  identity: hss.kmebind.test
  realm: kmebind.test
  listen: {address: 127.0.0.1, port: $port}
  transport: tcp
  allowed_peers: [bench.kmebind.test]
  dispatch_threads: $dispatch
hss: {workers: 8}
log: {level: info, file: "$work/hss.log"}
YAML
for _ in $(seq 1 "$hogs"); do (while :; do :; done) & hog_pids+=($!); done
failures=0
for i in $(seq 1 "$cycles"); do
  : > "$work/hss.out"
  "$kmebind" hss --config "$work/hss.yaml" >"$work/hss.out" 2>"$work/hss.err" &
  pid=$!
  for _ in $(seq 1 300); do grep -q ready "$work/hss.out" && break; sleep 0.1; done
  "$bench" load --identity bench.kmebind.test --realm kmebind.test --transport tcp \
      --runtime-dir "$work/fd-client" --connect "127.0.0.1:$port" --peer hss.kmebind.test \
      --runs air:64 --duration 3 --warmup 0 --subscribers 2000 >/dev/null 2>&1 &
  client=$!
  sleep 1.5
  t0=$(date +%s%N)
  kill -TERM "$pid"
  rc=0; wait "$pid" || rc=$?
  stop_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  wait "$client" 2>/dev/null || true
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "cycle $i exit $rc load $load stop ${stop_ms}ms $(grep -o 'Assertion.*' "$work/hss.err" | head -1)$(grep -ho 'diameter: [0-9]* of [0-9]* routing.*' "$work/hss.log" 2>/dev/null | tail -1)"
  : > "$work/hss.log"
  [[ $rc -ne 0 ]] && failures=$((failures + 1))
done
echo "failures $failures of $cycles"
[[ $failures -eq 0 ]]
