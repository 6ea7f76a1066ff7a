#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback for tests (docs/store.md "PostgreSQL"):
#   scripts/pg-test-server.sh start DIR PORT   # PORT 0 = a free, reserved port; prints the URL
#   scripts/pg-test-server.sh stop DIR         # stops the server and removes DIR
#   scripts/pg-test-server.sh halt DIR         # stops the server, keeps its data (tests of outages)
#   scripts/pg-test-server.sh resume DIR       # starts a halted server again on its port
# With KMEBIND_PG_TEST_OWNER_PID=PID (or =parent: the process that ran this script, e.g. ctest),
# a watcher stops the server and removes DIR once that process is gone, so an interrupted test
# run leaves nothing running.
# PORT 0 picks a port the way the tests' free_loopback_port() does (tests/test_ports.h): one of
# 20000-21023 (below Linux's ephemeral range 32768-60999, where outgoing connections take local
# ports and a server can find its port taken: "could not bind ... in use") that is free and whose
# lock file /tmp/kmebind-test-ports/PORT this script can flock, so no test process is handed the
# server's port. The lock is held by a watcher process (and inherited by the server) until `stop`
# removes DIR, across `halt` and `resume`; `resume` takes it again if that watcher is gone. A
# PORT given by the caller is only checked to be free: reserve it yourself (as the tests do with
# free_loopback_port()) or take one outside 20000-21023 (the ctest fixture: 32000-32767).
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
LOCK_DIR=/tmp/kmebind-test-ports
# Opens fd 9 on PORT's lock file and takes the lock (test_ports.h: directory 1777, files 0644),
# waiting up to SECONDS (default 0) for it; fails, with fd 9 closed, when another process holds it.
reserve_port() {
  local file="$LOCK_DIR/$1" wait=${2:-0}
  mkdir -p "$LOCK_DIR" 2>/dev/null && chmod 1777 "$LOCK_DIR" 2>/dev/null || true
  [ -e "$file" ] || { : >>"$file" && chmod 0644 "$file"; } 2>/dev/null || true
  [ -r "$file" ] || return 1
  exec 9<"$file"
  flock -w "$wait" 9 || { exec 9<&-; return 1; }
}
# The watcher of DIR (its pid in DIR/watcher): while DIR/owner holds its token (and, when an owner
# process is given, that process lives) it sleeps; then, if the owner is gone and the token still
# there, it stops the server and removes DIR. It inherits fd 9 (the port's lock, when taken)
# and so holds the reservation as long as it runs.
start_watcher() {
  local dir=$1 owner=$2 token="$$-$RANDOM-$RANDOM"
  echo "$token" >"$dir/owner"
  setsid bash -c 'while { [ -z "$1" ] || kill -0 "$1" 2>/dev/null; } &&
                        [ "$(cat "$2/owner" 2>/dev/null)" = "$3" ]; do sleep 2 9<&-; done
                  if [ -n "$1" ] && [ "$(cat "$2/owner" 2>/dev/null)" = "$3" ]; then
                    "$4" stop "$2"
                  fi' \
    watcher "$owner" "$dir" "$token" "$SELF" </dev/null >/dev/null 2>&1 &
  # setsid execs the watcher in this child (no fork: the child leads no process group).
  echo $! >"$dir/watcher"
}
# True while DIR's watcher runs (a pid whose command line names DIR).
watcher_running() {
  local dir=$1 pid
  pid=$(cat "$dir/watcher" 2>/dev/null) || return 1
  [ -n "$pid" ] && tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -qxF "$dir"
}

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
    reserved=
    if [ "$port" = 0 ]; then
      for candidate in $(shuf -i 20000-21023 -n 200); do
        if reserve_port "$candidate"; then
          if port_free "$candidate"; then port=$candidate; reserved=1; break; fi
          exec 9<&-
        fi
      done
      [ "$port" != 0 ] || { echo "$0: no free port found in 20000-21023" >&2; exit 1; }
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
    [ -z "$reserved" ] || : >"$dir/reserved"
    start_server "$dir" "$port"
    url="postgresql://kmebind@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    owner=${KMEBIND_PG_TEST_OWNER_PID:-}
    [ "$owner" != parent ] || owner=$PPID
    if [ -n "$owner" ] || [ -n "$reserved" ]; then start_watcher "$dir" "$owner"; fi
    echo "$url"
    ;;
  halt)
    [ $# -eq 2 ] || usage
    stop_server "$dir"
    ;;
  resume)
    [ $# -eq 2 ] || usage
    cd "$dir"
    port=$(cat "$dir/port")
    if [ -f "$dir/reserved" ] && ! watcher_running "$dir"; then
      reserve_port "$port" 5 || {
        echo "$0: port $port was reserved by another test while the server was halted" >&2
        exit 1
      }
      owner=${KMEBIND_PG_TEST_OWNER_PID:-}
      [ "$owner" != parent ] || owner=$PPID
      start_watcher "$dir" "$owner"
    fi
    start_server "$dir" "$port"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    check_ours "$dir"
    stop_server "$dir"
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
