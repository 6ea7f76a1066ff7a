#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback for tests (docs/store.md "PostgreSQL"):
#   scripts/pg-test-server.sh start DIR PORT   # PORT 0 = any free port; prints the URL
#   scripts/pg-test-server.sh stop DIR         # stops the server and removes DIR
#   scripts/pg-test-server.sh halt DIR         # stops the server, keeps its data (tests of outages)
#   scripts/pg-test-server.sh resume DIR       # starts a halted server again on its port
# With KMEBIND_PG_TEST_OWNER_PID=PID (or =parent: the process that ran this script, e.g. ctest),
# a watcher stops the server and removes DIR once that process is gone, so an interrupted test
# run leaves nothing running.
# Trust authentication on 127.0.0.1 only: for tests, never for production. As root the cluster
# belongs to the `postgres` user (PostgreSQL refuses to run as root). A server left running in DIR
# by an earlier run is stopped first. The URL is also written to DIR/url.
set -euo pipefail
BIN=${KMEBIND_PG_BIN:-/usr/lib/postgresql/15/bin}
# Resolved now: `start` changes directory before it hands this path to the owner watcher.
SELF=$(readlink -f "$0")
# fsync off: a test server's data need not survive a power cut, and every test creates and drops
# a database (each a checkpoint). Commits are still acknowledged only after the server processed
# them (synchronous_commit stays on); KMEBIND_PG_TEST_OPTIONS="-c fsync=on" restores the default.
PG_TEST_OPTIONS=${KMEBIND_PG_TEST_OPTIONS:--c fsync=off -c full_page_writes=off}

usage() { echo "usage: $0 start DIR PORT | stop DIR | halt DIR | resume DIR" >&2; exit 2; }
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_server() {
  local dir=$1
  if [ -f "$dir/data/postmaster.pid" ]; then
    (cd "$dir" && as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null) ||
      (cd "$dir" && as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null) || true
  fi
}
start_server() {
  local dir=$1 port=$2
  if ! as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=200 $PG_TEST_OPTIONS" \
      start >/dev/null; then
    echo "$0: the server did not start:" >&2; cat "$dir/log" >&2; exit 1
  fi
}
# Refuses to remove a directory that is not a test server's (a wrong DIR argument).
check_ours() {
  local dir=$1
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ] && [ ! -f "$dir/port" ] && [ ! -d "$dir/data" ]; then
    echo "$0: $dir exists and is not a test server directory; not touching it" >&2
    exit 1
  fi
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
case "$cmd" in
  start)
    [ $# -eq 3 ] || usage
    port=$3
    [ -x "$BIN/initdb" ] || { echo "$0: $BIN/initdb not found (apt-get install postgresql)" >&2; exit 1; }
    check_ours "$dir"
    stop_server "$dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    if [ "$port" = 0 ]; then
      # Below Linux's ephemeral range (32768-60999), where outgoing connections take local
      # ports (a server bound there can find its port taken: "could not bind ... in use").
      for candidate in $(shuf -i 20000-31999 -n 100); do
        if port_free "$candidate"; then port=$candidate; break; fi
      done
      [ "$port" != 0 ] || { echo "$0: no free port found" >&2; exit 1; }
    elif ! port_free "$port"; then
      echo "$0: port $port on 127.0.0.1 is in use" >&2
      exit 1
    fi
    cd "$dir"
    if ! as_pg "$BIN/initdb" -D "$dir/data" -A trust -U kmebind -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1; then
      echo "$0: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1
    fi
    echo "$port" >"$dir/port"
    start_server "$dir" "$port"
    url="postgresql://kmebind@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    owner=${KMEBIND_PG_TEST_OWNER_PID:-}
    [ "$owner" != parent ] || owner=$PPID
    if [ -n "$owner" ]; then
      token="$$-$RANDOM-$RANDOM"
      echo "$token" >"$dir/owner"
      script=$SELF
      setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ "$(cat "$2/owner" 2>/dev/null)" = "$3" ]; do
                        sleep 2; done
                      if [ "$(cat "$2/owner" 2>/dev/null)" = "$3" ]; then "$4" stop "$2"; fi' \
        watcher "$owner" "$dir" "$token" "$script" </dev/null >/dev/null 2>&1 &
    fi
    echo "$url"
    ;;
  halt)
    [ $# -eq 2 ] || usage
    stop_server "$dir"
    ;;
  resume)
    [ $# -eq 2 ] || usage
    cd "$dir"
    start_server "$dir" "$(cat "$dir/port")"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    check_ours "$dir"
    stop_server "$dir"
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
