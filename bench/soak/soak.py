#!/usr/bin/python3
"""The soak run (docs/reliability.md "Soak"): hours of mixed attach traffic against real `kmebind hss`
and `kmebind cnn` daemons, with their resources sampled from /proc and judged.

  scripts/soak.sh --minutes M [--rate R] [--ues N] [--renew K] [--round-seconds S]
                  [--store sqlite|postgres] [--build DIR] [--no-build] [--out DIR] [--keep]

  --minutes M        how long rounds are started (default 60); the round running at the end
                     is finished
  --rate R           attaches started per second, open loop (default 300; the max rate is
                     about 1,700/s, docs/performance.md, so this measures leaks, not overload)
  --ues N            devices of the fixed population (default 20,000), half KME procedure 1,
                     half procedure 2 (`admin generate --procedure mixed`)
  --renew K          `kmebind admin kme renew` of K devices during each round, for the next
                     round's devices that already hold a KME (default 25)
  --round-seconds S  a round lasts about S seconds: the population is split into
                     ceil(N / (R * S)) slices, one slice per round (default 30)
  --store S          sqlite (default): the store is a SQLite file in the network directory;
                     postgres: a private PostgreSQL server started for the run with
                     `scripts/pg-test-server.sh start OUT/pg 0` (this process its owner) and
                     stopped at the end (kept, halted, with --keep or after a failure)
  --build DIR        build directory of apps/kmebind/kmebind (default build/release); the
                     `kmebind` target is built first (incremental; build/release is configured
                     with `scripts/setup.sh release kmebind` when it is not yet)
  --no-build         use DIR's kmebind as it is; $KMEBIND_BIN also uses a given binary as it is
  --out DIR          where soak.csv, summary.json and the network's files go (default
                     build/soak-results/UTC-TIMESTAMP)
  --judge DIR        judge an earlier run's results again (summary.json, soak.csv) with the
                     thresholds below; writes DIR/judged.json
  --keep             keep the network directory (store, device files, logs); default: removed
                     when the verdict is a pass

A round attaches one slice at R/s with `kmebind sim --rate R` (no retries: every first outcome
counts) and checks every outcome from `--outcomes`: a device's first attach provisions KME
version 1 by its procedure; a later attach authenticates the device with its current version;
an attach after `admin kme renew` provisions version + 1 by its procedure. The sim saves the
device file after each round (devices.save), so the devices carry their KMEs and SQNs along.

Every SAMPLE_INTERVAL_S seconds, and at the end of each round once the sim has exited, it
samples hss and cnn (VmRSS, open fds, threads, CPU), the store files (db, WAL) and a few metrics
counters, into soak.csv. On PostgreSQL the store connections are the hss's sockets to the
server, and the store figures come from the server (one psql call: the hss's sessions in
pg_stat_activity, its oldest open transaction, live and dead rows and size of the kmebind tables,
pg_database_size) and the size of its pg_wal. Verdict (exit code 0 pass, 1 fail, 2 usage): the VERDICT constants of
bench/soak/soak.py, described in docs/reliability.md "Soak".
SIGINT or SIGTERM stops it cleanly: the running sim is interrupted, the daemons get SIGTERM, the
summary is written and judged on what was measured.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "bench" / "e2e"))
import kmebench as kb  # noqa: E402

# ---- VERDICT: the thresholds, as documented in docs/reliability.md "Soak" ----------------------
SAMPLE_INTERVAL_S = 10.0
# Warm-up: growth is measured from the end of the round that ends the warm-up, the later of
# WARMUP_FRACTION of the run, WARMUP_MIN_ROUNDS rounds, and the first re-attach round after
# every device attached once (until then the CNN's UE contexts and the store grow by design).
WARMUP_FRACTION = 0.20
WARMUP_MIN_ROUNDS = 2
# RSS of a daemon, from the warm-up's last round end to the last round end, may grow by at most
# max(RSS_GROWTH_MIN_KIB, RSS_GROWTH_FRACTION × the baseline), plus STORE_CONNECTION_RSS_KIB for
# each store connection opened meanwhile (below).
RSS_GROWTH_MIN_KIB = 8 * 1024
RSS_GROWTH_FRACTION = 0.10
# Open fds other than the store's files, and threads, compared at the same two quiescent points
# (no sim connected), must not grow at all.
FD_GROWTH_MAX = 0
THREAD_GROWTH_MAX = 0
# The HSS opens SQLite connections on demand (each one fd on the db and one on the WAL, plus one
# shared -shm fd) and keeps them, up to its pool size min(hss.workers + 2, 64)
# (apps/kmebind/store_budget.h); the bench network's hss.workers is 64. How many it opens depends
# on how many store calls ever ran at once (a stall of the machine queues requests), so their
# number may grow after the warm-up, but never beyond the pool: more is a connection leak.
STORE_CONNECTIONS_MAX = 64
# A store connection opened after the warm-up brings its own SQLite page cache, which fills up to
# the default cache_size of -2000 (2,000 KiB; the store sets none) plus a little for the
# connection and its statements: the RSS allowance grows by this much per connection opened.
STORE_CONNECTION_RSS_KIB = 2048 + 256
# The WAL file after the warm-up may not exceed max(WAL_FLOOR_BYTES, WAL_GROWTH_FACTOR × its
# largest size during the warm-up): SQLite rewinds the WAL after a checkpoint without shrinking
# the file, so a bounded WAL reaches a plateau; one whose checkpoints never complete grows with
# every write.
WAL_FLOOR_BYTES = 32 * 1024 * 1024
WAL_GROWTH_FACTOR = 2.0
# PostgreSQL (--store postgres). The HSS's connections are sockets to the server, not files: its
# store connections are its TCP connections to the server's port (the client side) and its
# sessions in pg_stat_activity (application_name kmebind-hss, the server side); both are judged
# against the pool as above (STORE_CONNECTIONS_MAX: the PostgreSQL pool's size is the same
# min(hss.workers + 2, 64)). The WAL check does not apply: the server's pg_wal is recycled by its
# checkpoints (max_wal_size), which the HSS cannot hold up; what a client can hold up is VACUUM,
# with a transaction left open: no HSS session may be in a transaction for longer than this.
PG_TRANSACTION_MAX_S = 30.0
# A libpq connection costs the HSS its buffers and the results of its prepared statements, far
# less than a SQLite page cache: the RSS allowance per connection opened after the warm-up.
PG_CONNECTION_RSS_KIB = 512
# The kmebind tables' size (heap, indexes, TOAST) may grow with the live rows (the audit trail,
# renewed KMEs) but not with the updates: bytes per live row at the end ≤ PG_BLOAT_FACTOR × at the
# baseline, plus PG_BLOAT_FLOOR_BYTES. Each attach updates rows (SQN, KME counter): dead versions
# that VACUUM cannot remove (a transaction held open, autovacuum never reaching the table) grow the
# tables with every attach.
PG_BLOAT_FACTOR = 1.5
PG_BLOAT_FLOOR_BYTES = 8 * 1024 * 1024
# Also a failure: a daemon that exited or was replaced (another start time), a round with an
# unexpected outcome or a sim exit code other than 0, an `admin kme renew` that failed, a
# Diameter link failure counted by the HSS, a sim round of an uninterrupted run that
# ended without a report.

ROLES = ("hss", "cnn")
CURVE_POINTS = 8  # round ends shown in the summary's curve
DRIFT_ROUNDS = 5  # rounds whose medians are compared for the CPU and latency drift
STORE_FILES = ("/kmebind.db", "/kmebind.db-wal", "/kmebind.db-shm")
PG_SERVER_SCRIPT = ROOT / "scripts" / "pg-test-server.sh"
PG_HSS_APPLICATION = "kmebind-hss"  # the hss's application_name in its store URL
PG_ADMIN_APPLICATION = "kmebind-admin"  # `admin` (generate, kme renew)
PG_COLUMNS = ("pg_hss_connections", "pg_hss_busy", "pg_hss_oldest_xact_s", "pg_client_connections",
              "pg_live_rows", "pg_dead_rows", "pg_table_bytes", "pg_autovacuums")
# One statement, one row: the PG_COLUMNS, then pg_database_size.
PG_SAMPLE_SQL = f"""
SELECT count(*) FILTER (WHERE application_name = '{PG_HSS_APPLICATION}'),
       count(*) FILTER (WHERE application_name = '{PG_HSS_APPLICATION}' AND state <> 'idle'),
       coalesce(round(max(extract(epoch FROM clock_timestamp() - xact_start))
                      FILTER (WHERE application_name = '{PG_HSS_APPLICATION}'), 1), 0),
       count(*) FILTER (WHERE backend_type = 'client backend'),
       (SELECT coalesce(sum(n_live_tup), 0) FROM pg_stat_user_tables),
       (SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables),
       (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_stat_user_tables),
       (SELECT coalesce(sum(autovacuum_count), 0) FROM pg_stat_user_tables),
       pg_database_size(current_database())
FROM pg_stat_activity"""
METRICS = {  # CSV column → metric name (summed over its labels)
    "cnn_ues": "kmebind_cnn_ues",
    "cnn_nas_connections": "kmebind_cnn_nas_connections",
    "cnn_attach_total": "kmebind_cnn_attach_total",
    "cnn_device_authenticated_total": "kmebind_cnn_device_authenticated_total",
    "cnn_kme_provisioned_total": "kmebind_cnn_kme_provisioned_total",
    "hss_requests_total": "kmebind_hss_requests_total",
    "hss_kme_stored_total": "kmebind_hss_kme_stored_total",
    "hss_queue_depth": "kmebind_hss_queue_depth",
    "cnn_peers_up": "kmebind_diameter_peers_up",
}


def utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def metric_sums(port: int | None) -> dict[str, float]:
    """{metric name: sum over its label sets}; {} when the endpoint does not answer."""
    if not port:
        return {}
    try:
        raw = kb.scrape(port)
    except (OSError, urllib.error.URLError):
        return {}
    out: dict[str, float] = {}
    for key, value in raw.items():
        name = key.split("{", 1)[0]
        out[name] = out.get(name, 0.0) + value
    return out


def pg_sockets(pid: int, port: int) -> set[str]:
    """The fd links ("socket:[inode]") of PID's TCP connections to 127.0.0.1:PORT, any state."""
    remote = f"0100007F:{port:04X}"
    found = set()
    try:
        for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
            cols = line.split()
            if len(cols) > 9 and cols[2] == remote:
                found.add(f"socket:[{cols[9]}]")
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def proc_snapshot(pid: int, pg_port: int | None = None) -> dict:
    """RSS, fds, threads, CPU seconds and start time of a live process; {} once it is gone.
    Its store connections: fds on the SQLite files, or (PG_PORT) its sockets to the server."""
    try:
        sockets = pg_sockets(pid, pg_port) if pg_port else set()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
        links = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except FileNotFoundError:  # closed meanwhile
                pass
    except (FileNotFoundError, ProcessLookupError):
        return {}
    if pg_port:
        store_fds = [x for x in links if x in sockets]
        connections = len(store_fds)
    else:
        store_fds = [x for x in links if x.endswith(STORE_FILES)]
        connections = sum(1 for x in store_fds if x.endswith("/kmebind.db"))
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "rss_kib": int(fields["VmRSS"].split()[0]),
        "hwm_kib": int(fields["VmHWM"].split()[0]),
        "threads": int(fields["Threads"].strip()),
        "fds": len(links),
        "other_fds": len(links) - len(store_fds),  # sockets, pipes, logs, epoll, ...
        "store_connections": connections,
        "cpu_s": (int(stat[11]) + int(stat[12])) / kb.CLK_TCK,
        "start_ticks": int(stat[19]),  # field 22, starttime
    }


class SoakNetwork(kb.BenchNetwork):
    """The bench network, with its daemons in their own sessions: a terminal's Ctrl-C reaches only
    the soak, which then stops them with SIGTERM."""

    def _start(self, name: str) -> kb.Daemon:
        err = open(self.work / f"{name}.err", "w")
        proc = subprocess.Popen([str(self.binary), name, "--config", str(self.work / f"{name}.yaml")],
                                stdout=subprocess.PIPE, stderr=err, text=True,
                                start_new_session=True)
        err.close()
        line = kb.read_ready_line(proc, 30)
        (self.work / f"{name}.out").write_text(line)
        if "ready" not in line:
            proc.kill()
            raise RuntimeError(f"{name} did not start: "
                               f"{(self.work / f'{name}.err').read_text()[-1500:]}")
        # Nothing more is read from stdout: send it nowhere, so a full pipe never blocks it.
        if proc.stdout:
            proc.stdout.close()
        m = re.search(r"metrics=127\.0\.0\.1:(\d+)", line)
        d = kb.Daemon(name, proc, line.strip(), int(m.group(1)) if m else None)
        self.daemons[name] = d
        return d


class PgServer:
    """A private PostgreSQL server for --store postgres: scripts/pg-test-server.sh in DIR, with
    this process as its owner (the script's watcher stops it and removes DIR once the soak is gone,
    whatever the way it ended)."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.url = ""
        self.port = 0
        self.psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"

    def start(self) -> None:
        env = dict(os.environ, KMEBIND_PG_TEST_OWNER_PID=str(os.getpid()))
        # Its own session: a terminal's Ctrl-C reaches only the soak, which stops the server.
        r = kb.run([str(PG_SERVER_SCRIPT), "start", str(self.dir), "0"], env=env,
                   start_new_session=True)
        self.url = r.stdout.strip().splitlines()[-1]
        m = re.match(r"postgresql://[^@]+@127\.0\.0\.1:(\d+)/", self.url)
        if not m:
            raise RuntimeError(f"pg-test-server.sh printed no URL: {r.stdout.strip()[-300:]}")
        self.port = int(m.group(1))

    def location(self, application: str) -> str:
        return f"{self.url}?application_name={application}"

    def sample(self) -> dict:
        """PG_COLUMNS and db_bytes from one psql call; {} when the server does not answer."""
        try:
            r = subprocess.run([self.psql, "-X", "-A", "-t", "-q", "-F", ",",
                                "-d", self.location("kmebind-soak"), "-c", PG_SAMPLE_SQL],
                               capture_output=True, text=True, timeout=15, start_new_session=True)
        except (OSError, subprocess.TimeoutExpired):
            return {}
        values = r.stdout.strip().split(",")
        if r.returncode != 0 or len(values) != len(PG_COLUMNS) + 1:
            return {}
        out = {k: csv_value(v) for k, v in zip(PG_COLUMNS + ("db_bytes",), values)}
        return out

    def wal_bytes(self) -> int:
        """Size of the server's pg_wal (reported, not judged)."""
        total = 0
        for f in (self.dir / "data" / "pg_wal").glob("*"):
            try:
                total += f.stat().st_size if f.is_file() else 0
            except FileNotFoundError:  # recycled meanwhile
                pass
        return total

    def stop(self, keep: bool) -> None:
        """Stops the server; KEEP leaves DIR (data, log) for a look and tells the watcher so."""
        if not (self.dir / "port").exists():
            return
        if keep:
            (self.dir / "owner").write_text("kept by soak.py\n")  # the watcher then leaves it
            cmd = "halt"
        else:
            cmd = "stop"
        r = subprocess.run([str(PG_SERVER_SCRIPT), cmd, str(self.dir)], capture_output=True,
                           text=True, start_new_session=True)
        if r.returncode != 0:
            kb.log(f"soak: pg-test-server.sh {cmd} exited {r.returncode}: {r.stderr.strip()[-300:]}")


class Slice:
    """One device file of the population, attached by one round at a time."""

    def __init__(self, index: int, path: Path):
        self.index = index
        self.path = path
        doc = json.loads(path.read_text())
        # imsi → KME procedure its subscription allows; the version the device holds (0: none).
        self.procedure = {d["imsi"]: int(d["procedure"]) for d in doc["devices"]
                          if d.get("role", "normal") == "normal"}
        self.version: dict[str, int | None] = {imsi: 0 for imsi in self.procedure}
        self.renewed: set[str] = set()

    def __len__(self) -> int:
        return len(self.procedure)


class Soak:
    def __init__(self, args: argparse.Namespace, binary: Path, out: Path):
        self.a = args
        self.binary = binary
        self.out = out
        self.net = SoakNetwork(binary, out / "net")
        self.store = getattr(args, "store", "sqlite")  # older summaries: SQLite
        # The private server, beside net/ (which prepare() empties).
        self.pg = PgServer(out / "pg") if self.store == "postgres" else None
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.samples: list[dict] = []
        self.rounds: list[dict] = []
        self.events: list[str] = []  # failures seen while running (daemon gone, link failures...)
        self.renews: list[float] = []  # seconds per `admin kme renew`
        self.renew_failures: list[str] = []
        self.start_ticks: dict[str, int] = {}
        self.round_no = 0
        self.interrupted = False
        self.csv_file = None  # soak.csv, opened at the first sample
        self.csv: csv.DictWriter | None = None

    # ---- sampling ---------------------------------------------------------------------------
    def sample(self, kind: str) -> dict:
        row: dict = {"t_s": round(time.monotonic() - self.t0, 1), "utc": utc(),
                     "round": self.round_no, "kind": kind, "load1": kb.loadavg()}
        for role in ROLES:
            d = self.net.daemons.get(role)
            pg_port = self.pg.port if self.pg and role == "hss" else None
            snap = proc_snapshot(d.pid, pg_port) if d and d.proc.poll() is None else {}
            if not snap:
                self.event(f"{role} is not running (exit code {d.proc.poll() if d else '?'})")
            elif self.start_ticks.setdefault(role, snap["start_ticks"]) != snap["start_ticks"]:
                self.event(f"{role} was restarted (another start time under pid {d.pid})")
            for k in ("rss_kib", "fds", "other_fds", "store_connections", "threads", "cpu_s"):
                row[f"{role}_{k}"] = snap.get(k, "")
            m = metric_sums(d.metrics_port if d else None)
            row[f"{role}_link_failures"] = m.get("kmebind_diameter_link_failures_total", "")
            for col, name in METRICS.items():
                if col.startswith(role + "_"):
                    row[col] = m.get(name, "")
        prev = self.samples[-1] if self.samples else None
        for role in ROLES:  # CPU % of one core since the previous sample
            if prev and row[f"{role}_cpu_s"] != "" and prev[f"{role}_cpu_s"] != "":
                dt = max(1e-3, row["t_s"] - prev["t_s"])
                row[f"{role}_cpu_pct"] = round(100 * (row[f"{role}_cpu_s"] - prev[f"{role}_cpu_s"]) / dt, 1)
            else:
                row[f"{role}_cpu_pct"] = ""
        if self.pg:
            pg = self.pg.sample()
            for col in PG_COLUMNS + ("db_bytes",):
                row[col] = pg.get(col, "")
            row["wal_bytes"] = self.pg.wal_bytes()  # the server's pg_wal: reported only
        else:
            for f, col in (("kmebind.db", "db_bytes"), ("kmebind.db-wal", "wal_bytes")):
                p = self.net.work / f
                row[col] = p.stat().st_size if p.exists() else 0
        for role in ROLES:
            lf = row.get(f"{role}_link_failures")
            first = next((s[f"{role}_link_failures"] for s in self.samples
                          if s.get(f"{role}_link_failures") != ""), lf)
            if lf not in ("", None) and first not in ("", None) and lf > first:
                self.event(f"{role} counted {int(lf - first)} Diameter link failure(s)")
        with self.lock:
            if self.csv is None:
                self.csv_file = open(self.out / "soak.csv", "w", newline="")
                self.csv = csv.DictWriter(self.csv_file, fieldnames=list(row))
                self.csv.writeheader()
            self.csv.writerow(row)
            self.csv_file.flush()
            self.samples.append(row)
        return row

    def event(self, text: str) -> None:
        with self.lock:
            if text not in self.events:
                self.events.append(text)
                kb.log(f"soak: FAILURE: {text}")
                self.stop.set()

    def sampler(self) -> None:
        while not self.stop.wait(SAMPLE_INTERVAL_S):
            self.sample("periodic")

    # ---- the population ---------------------------------------------------------------------
    def make_slices(self) -> list[Slice]:
        n, rate = self.a.ues, self.a.rate
        count = max(1, math.ceil(n / (rate * self.a.round_seconds)))
        sizes = [n // count + (1 if i < n % count else 0) for i in range(count)]
        slices, made = [], 0
        for i, size in enumerate(sizes):
            path = self.net.work / f"slice-{i}.json"
            imsi = f"{kb.DEVICE_IMSI_BASE + made:015d}"
            self.net.admin("generate", "--ues", str(size), "--procedure", "mixed",
                           "--devices-out", str(path), "--imsi-base", imsi,
                           "--imei-base", str(made))
            made += size
            slices.append(Slice(i, path))
        return slices

    def renew(self, imsis: list[str]) -> None:
        """`admin kme renew` of each IMSI, one process each, while a round runs."""
        for imsi in imsis:
            if self.stop.is_set():
                return
            t = time.monotonic()
            r = subprocess.run([str(self.binary), "admin", "--store", self.net.store_location(),
                                "--key-file", str(self.net.work / "kmebind.key"), "kme", "renew",
                                "--imsi", imsi], capture_output=True, text=True,
                               start_new_session=True)
            self.renews.append(time.monotonic() - t)
            if r.returncode != 0:
                self.renew_failures.append(f"{imsi}: exit {r.returncode}: {r.stderr.strip()[-300:]}")

    # ---- one round --------------------------------------------------------------------------
    def run_round(self, s: Slice, next_slice: Slice) -> dict:
        first = all(v == 0 for v in s.version.values())
        cfg = self.net.work / f"sim-{s.index}.yaml"
        cfg.write_text(
            "nas:\n"
            f"  connect: {{address: \"127.0.0.1\", port: {self.net.nas_port}}}\n"
            f"  connections: {self.net.connections}\n"
            "ue: {plmn: \"001-01\", t3410: 30000ms, retry: false}\n"
            f"devices: {{file: \"{s.path}\", save: true}}\n"
            f"log: {{level: \"error\", file: \"{self.net.work / 'sim.log'}\"}}\n")
        outcomes = self.net.work / f"outcomes-{s.index}.jsonl"
        outcomes.unlink(missing_ok=True)
        timeout = int(len(s) / self.a.rate + 120)
        cmd = [str(self.binary), "sim", "--config", str(cfg), "--procedure", "mixed",
               "--rate", f"{self.a.rate:.3f}", "--json", "--quiet", "--outcomes", str(outcomes),
               "--timeout", str(timeout)]
        # Renew devices of the next slice while this one attaches (only those with a KME, and
        # never the slice attaching now, so every expectation is known in advance).
        # With one slice only, the renewals run before the round, for this round.
        target = next_slice if self.a.renew > 0 else None
        renew_list: list[str] = []
        if target is not None:
            held = [i for i, v in target.version.items() if v]
            step = max(1, len(held) // self.a.renew)
            renew_list = held[self.round_no % step::step][: self.a.renew]
        if target is s:
            self.renew(renew_list)
            failed = {f.split(":")[0] for f in self.renew_failures}
            s.renewed.update(i for i in renew_list if i not in failed)
            renew_list = []
        load0 = kb.loadavg()
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        renewer = threading.Thread(target=self.renew, args=(renew_list,), daemon=True)
        renewer.start()
        while proc.poll() is None:
            if self.stop.is_set():
                proc.send_signal(signal.SIGINT)  # the sim cancels its phase and reports
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                break
            time.sleep(0.2)
        stdout, stderr = proc.communicate()
        renewer.join()
        wall = time.monotonic() - t0
        interrupted = self.stop.is_set() and not self.events
        r = {"round": self.round_no, "slice": s.index, "kind": "first" if first else "re-attach",
             "ues": len(s), "renewed_before": len(s.renewed), "renewed_for_next": 0,
             "sim_exit": proc.returncode, "wall_s": round(wall, 2), "load_average": [load0, kb.loadavg()],
             "interrupted": interrupted}
        try:
            report = json.loads(stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            report = {}
            if not interrupted:
                self.event(f"round {self.round_no}: sim exited {proc.returncode} without a report: "
                           f"{stderr.strip()[-500:]}")
        r.update({"rate": round(report.get("procedures_per_second", 0.0), 1),
                  "attached": report.get("attached", 0),
                  "sim_unexpected": report.get("unexpected", 0),
                  "failures": report.get("failures", {}),
                  "latency_ms": {k: report.get(f"latency_ms_{k}", 0.0) for k in ("p50", "p99", "max")}})
        r.update(self.check_outcomes(s, outcomes, interrupted))
        if not interrupted and proc.returncode != 0:
            r["unexpected"] = max(1, r["unexpected"])
        s.renewed = set()
        failed = {f.split(":")[0] for f in self.renew_failures}
        renewed = [i for i in renew_list if i not in failed]
        r["renewed_for_next"] = len(renewed)
        next_slice.renewed.update(renewed)
        return r

    def check_outcomes(self, s: Slice, outcomes: Path, interrupted: bool) -> dict:
        """Every device of the slice: the expected outcome (see the module comment)."""
        seen: dict[str, dict] = {}
        if outcomes.exists():
            for line in outcomes.read_text().splitlines():
                o = json.loads(line)
                seen[o["imsi"]] = o
            outcomes.unlink()
        counts = {"first_attach": 0, "device_authenticated": 0, "reprovisioned": 0, "unexpected": 0}
        details: list[str] = []
        for imsi, proc_allowed in s.procedure.items():
            o = seen.get(imsi)
            held = s.version[imsi]
            if o is None or o.get("outcome") != "attached":
                if interrupted:
                    continue  # cancelled by the stop: not judged
                ok = False
                kind = "unexpected"
            elif held is None:  # an earlier unexpected outcome: any attach will do
                ok, kind = True, "device_authenticated" if o["device_authenticated"] else "reprovisioned"
            elif held == 0:
                ok = o["kme_procedure"] == proc_allowed and o["kme_version"] == 1
                kind = "first_attach"
            elif imsi in s.renewed:
                ok = o["kme_procedure"] == proc_allowed and o["kme_version"] == held + 1
                kind = "reprovisioned"
            else:
                ok = (o["device_authenticated"] and o["kme_procedure"] == 0
                      and o["kme_version"] == held)
                kind = "device_authenticated"
            if ok:
                counts[kind] += 1
                s.version[imsi] = int(o["kme_version"])
            else:
                counts["unexpected"] += 1
                s.version[imsi] = None
                if len(details) < 5:
                    details.append(f"IMSI {imsi} (procedure {proc_allowed}, held version {held}, "
                                   f"renewed {imsi in s.renewed}): "
                                   + (json.dumps({k: o.get(k) for k in (
                                       "outcome", "emm_cause", "kme_procedure", "kme_version",
                                       "device_authenticated", "detail")}) if o else "no outcome"))
        counts["unexpected_details"] = details
        return counts

    # ---- the run ----------------------------------------------------------------------------
    def run(self) -> dict:
        if self.pg:
            kb.log(f"soak: starting a private PostgreSQL server in {self.pg.dir}")
            self.pg.start()
            self.net.store_url = self.pg.location(PG_ADMIN_APPLICATION)
            self.net.hss_store_url = self.pg.location(PG_HSS_APPLICATION)
            if self.stop.is_set():
                raise RuntimeError("stopped while the PostgreSQL server started")
        kb.log(f"soak: preparing the network in {self.net.work} ({self.store} store)")
        self.net.prepare()
        slices = self.make_slices()
        kb.log(f"soak: {self.a.ues} devices in {len(slices)} slices of ~{len(slices[0])}; "
               f"starting hss and cnn")
        self.net.start()
        self.t0 = time.monotonic()
        start = self.sample("start")
        sampler = threading.Thread(target=self.sampler, daemon=True)
        sampler.start()
        end = self.t0 + self.a.minutes * 60
        i = 0
        while not self.stop.is_set() and time.monotonic() < end:
            s, nxt = slices[i % len(slices)], slices[(i + 1) % len(slices)]
            self.round_no += 1
            r = self.run_round(s, nxt)
            time.sleep(0.5)  # let the CNN see the sim's links close before the quiescent sample
            row = self.sample("round-end")
            r.update({f"{role}_{k}": row[f"{role}_{k}"] for role in ROLES
                      for k in ("rss_kib", "fds", "other_fds", "store_connections", "threads")})
            r["wal_bytes"], r["db_bytes"], r["t_s"] = row["wal_bytes"], row["db_bytes"], row["t_s"]
            if self.pg:
                r.update({k: row[k] for k in PG_COLUMNS})
            # CPU per attach since the previous round end (a drift hints at state that grows).
            prev = self.rounds[-1] if self.rounds else start
            for role in ROLES:
                if row[f"{role}_cpu_s"] != "" and prev.get(f"{role}_cpu_s", "") != "":
                    r[f"{role}_cpu_ms_per_attach"] = round(
                        1000 * (row[f"{role}_cpu_s"] - prev[f"{role}_cpu_s"]) / max(1, r["attached"]), 3)
                r[f"{role}_cpu_s"] = row[f"{role}_cpu_s"]
            self.rounds.append(r)
            kb.log(f"soak: round {r['round']} ({r['kind']}, slice {r['slice']}): {r['attached']}/"
                   f"{r['ues']} attached at {r['rate']}/s, p99 {r['latency_ms']['p99']:.0f} ms, "
                   f"unexpected {r['unexpected']}, renewed {r['reprovisioned']}; "
                   f"RSS hss {row['hss_rss_kib'] or 0:.0f} KiB cnn {row['cnn_rss_kib'] or 0:.0f} "
                   f"KiB, fds {row['hss_fds']}/{row['cnn_fds']} (store connections "
                   f"{row['hss_store_connections']}), threads "
                   f"{row['hss_threads']}/{row['cnn_threads']}, {self.store_figures(row)}, "
                   f"load {row['load1']}")
            for d in r["unexpected_details"]:
                kb.log(f"soak:   unexpected: {d}")
            i += 1
        self.stop.set()
        sampler.join()
        return self.verdict(len(slices))

    def store_figures(self, row: dict) -> str:
        if not self.pg:
            return f"WAL {row['wal_bytes'] / 2**20:.1f} MiB"
        mib = (lambda k: f"{row[k] / 2**20:.1f}" if row.get(k) != "" else "?")
        return (f"PostgreSQL: hss sessions {row['pg_hss_connections']}, tables "
                f"{mib('pg_table_bytes')} MiB ({row['pg_live_rows']} live, {row['pg_dead_rows']} "
                f"dead rows), db {mib('db_bytes')} MiB, pg_wal {row['wal_bytes'] / 2**20:.0f} MiB")

    def shutdown(self) -> dict:
        codes = {}
        for name in ("cnn", "hss"):
            d = self.net.daemons.pop(name, None)
            if not d:
                continue
            if d.proc.poll() is None:
                d.proc.send_signal(signal.SIGTERM)
                try:
                    codes[name] = d.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    d.proc.kill()
                    codes[name] = f"killed after 30 s: {d.proc.wait()}"
            else:
                codes[name] = f"had exited: {d.proc.returncode}"
        return codes

    # ---- the verdict ------------------------------------------------------------------------
    def verdict(self, slices: int) -> dict:
        fails = list(self.events)
        for r in self.rounds:
            if r["unexpected"]:
                fails.append(f"round {r['round']}: {r['unexpected']} unexpected outcome(s)")
        fails += [f"admin kme renew failed: {f}" for f in self.renew_failures[:5]]
        postgres = self.store == "postgres"
        if postgres:
            fails += self.pg_session_failures()
        done = [r for r in self.rounds if not r["interrupted"]]
        duration = self.a.minutes * 60
        warm = None
        for k, r in enumerate(done):
            if (k + 1 >= WARMUP_MIN_ROUNDS and k + 1 >= slices + 1
                    and r["t_s"] >= WARMUP_FRACTION * duration):
                warm = k
                break
        growth: dict = {}
        if warm is not None and warm + 1 < len(done):
            base, last = done[warm], done[-1]
            for role in ROLES:
                g = {}
                for k in ("rss_kib", "fds", "other_fds", "store_connections", "threads"):
                    b, e = base[f"{role}_{k}"], last[f"{role}_{k}"]
                    g[k] = {"baseline": b, "end": e,
                            "max_after_warmup": max(x[f"{role}_{k}"] for x in done[warm:])}
                rss = g["rss_kib"]
                opened = max(0, g["store_connections"]["end"] - g["store_connections"]["baseline"])
                per_connection = PG_CONNECTION_RSS_KIB if postgres else STORE_CONNECTION_RSS_KIB
                rss["allowed_growth_kib"] = (max(RSS_GROWTH_MIN_KIB, RSS_GROWTH_FRACTION * rss["baseline"])
                                             + per_connection * opened)
                if rss["end"] - rss["baseline"] > rss["allowed_growth_kib"]:
                    fails.append(f"{role} RSS grew {rss['end'] - rss['baseline']} KiB after the warm-up "
                                 f"({rss['baseline']} → {rss['end']} KiB; allowed "
                                 f"{rss['allowed_growth_kib']:.0f} KiB)")
                for k, limit in (("other_fds", FD_GROWTH_MAX), ("threads", THREAD_GROWTH_MAX)):
                    if g[k]["end"] - g[k]["baseline"] > limit:
                        fails.append(f"{role} {k.replace('_', ' ')} grew after the warm-up: "
                                     f"{g[k]['baseline']} → {g[k]['end']}")
                most = max(x[f"{role}_store_connections"] for x in self.samples
                           if x.get(f"{role}_store_connections") not in ("", None))
                g["store_connections"]["max_seen"] = most
                if most > STORE_CONNECTIONS_MAX:
                    fails.append(f"{role} held {most} store connections, more than its pool "
                                 f"({STORE_CONNECTIONS_MAX})")
                growth[role] = g
            wal_warm = max(s["wal_bytes"] for s in self.samples if s["t_s"] <= base["t_s"])
            wal_after = max(s["wal_bytes"] for s in self.samples if s["t_s"] > base["t_s"])
            if postgres:  # the server's pg_wal: reported, not judged (see PG_TRANSACTION_MAX_S)
                growth["wal"] = {"max_warmup_bytes": wal_warm, "max_after_bytes": wal_after,
                                 "limit_bytes": None}
                growth["pg"] = pg = self.pg_growth(base, last)
                if not pg:
                    fails.append("the PostgreSQL server did not answer at the baseline or the end")
                elif pg["end_bytes"] > pg["allowed_bytes"]:
                    fails.append(f"the PostgreSQL tables grew to {pg['end_bytes']} bytes for "
                                 f"{pg['end_live_rows']} live rows after the warm-up (allowed "
                                 f"{pg['allowed_bytes']:.0f}: {PG_BLOAT_FACTOR} × "
                                 f"{pg['baseline_bytes_per_row']:.0f} bytes per row + "
                                 f"{PG_BLOAT_FLOOR_BYTES}): dead rows not vacuumed")
            else:
                wal_limit = max(WAL_FLOOR_BYTES, WAL_GROWTH_FACTOR * wal_warm)
                growth["wal"] = {"max_warmup_bytes": wal_warm, "max_after_bytes": wal_after,
                                 "limit_bytes": wal_limit}
                if wal_after > wal_limit:
                    fails.append(f"the WAL grew to {wal_after} bytes after the warm-up (limit {wal_limit:.0f})")
            growth["warmup_end"] = {"round": base["round"], "t_s": base["t_s"]}
            # Not judged, reported: medians of the first DRIFT_ROUNDS rounds after the warm-up
            # against those of the last DRIFT_ROUNDS (one round is noisy on a shared machine).
            early = done[warm + 1: warm + 1 + DRIFT_ROUNDS]
            late = done[max(warm + 1, len(done) - DRIFT_ROUNDS):]

            def med(rounds: list[dict], get) -> float:
                return round(kb.median([get(x) for x in rounds if get(x) is not None]), 3)

            growth["drift"] = {
                k: {"first_after_warmup": med(early, lambda x, k=k: x.get(k)),
                    "last": med(late, lambda x, k=k: x.get(k))}
                for k in ("hss_cpu_ms_per_attach", "cnn_cpu_ms_per_attach")}
            for k in ("hss_cpu_ms_per_attach", "cnn_cpu_ms_per_attach"):
                growth["drift"][k]["trend_pct_per_hour"] = trend_pct_per_hour(
                    [(x["t_s"], x[k]) for x in done[warm + 1:] if x.get(k) is not None])
            growth["drift"]["latency_ms_p99"] = {
                "first_after_warmup": med(early, lambda x: x["latency_ms"]["p99"]),
                "last": med(late, lambda x: x["latency_ms"]["p99"])}
            growth["db_bytes"] = {"baseline": base["db_bytes"], "end": last["db_bytes"]}
            judged = True
        else:
            judged = False
        loads = [s["load1"] for s in self.samples]
        # The RSS curve: about CURVE_POINTS round ends, evenly spread, the first and the last.
        pick = sorted({round(k * (len(done) - 1) / (CURVE_POINTS - 1))
                       for k in range(CURVE_POINTS)}) if done else []
        curve = [{k: done[i].get(k) for k in (
            "round", "t_s", "hss_rss_kib", "cnn_rss_kib", "hss_other_fds", "cnn_other_fds",
            "hss_store_connections", "hss_threads", "cnn_threads", "wal_bytes", "db_bytes")
            + (PG_COLUMNS if postgres else ())} for i in pick]
        totals = {k: sum(r.get(k, 0) for r in self.rounds) for k in
                  ("first_attach", "device_authenticated", "reprovisioned", "unexpected")}
        return {"passed": not fails, "failures": fails, "growth_judged": judged, "growth": growth,
                "rounds": len(self.rounds), "slices": slices, "attaches": totals,
                "renew_runs": len(self.renews),
                "renew_seconds_median": round(kb.median(self.renews), 3) if self.renews else None,
                "load_average": {"min": min(loads, default=0), "max": max(loads, default=0),
                                 "mean": round(sum(loads) / max(1, len(loads)), 2)},
                "wal_bytes_max": max((s["wal_bytes"] for s in self.samples), default=0),
                "store": self.store, "pg": self.pg_maxima() if postgres else None,
                "curve": curve,
                "interrupted": self.interrupted}

    def pg_samples(self, column: str) -> list:
        return [s[column] for s in self.samples if s.get(column) not in ("", None)]

    def pg_session_failures(self) -> list[str]:
        """The HSS's sessions as the server saw them, in every sample: within the pool, and none
        in a transaction for longer than PG_TRANSACTION_MAX_S."""
        fails = []
        sessions = self.pg_samples("pg_hss_connections")
        if sessions and max(sessions) > STORE_CONNECTIONS_MAX:
            fails.append(f"the server saw {max(sessions)} sessions of the hss, more than its pool "
                         f"({STORE_CONNECTIONS_MAX})")
        oldest = self.pg_samples("pg_hss_oldest_xact_s")
        if oldest and max(oldest) > PG_TRANSACTION_MAX_S:
            fails.append(f"an hss session was in one transaction for {max(oldest)} s (limit "
                         f"{PG_TRANSACTION_MAX_S:.0f} s): a transaction left open holds up VACUUM")
        return fails

    def pg_growth(self, base: dict, last: dict) -> dict:
        """The kmebind tables' bytes against their live rows, baseline → end (PG_BLOAT_*); {} when
        the server did not answer one of the two samples."""
        keys = ("pg_table_bytes", "pg_live_rows", "pg_dead_rows", "pg_autovacuums")
        if any(not isinstance(x.get(k), (int, float)) for x in (base, last) for k in keys):
            return {}
        per_row = base["pg_table_bytes"] / max(1, base["pg_live_rows"])
        allowed = PG_BLOAT_FACTOR * per_row * max(last["pg_live_rows"], base["pg_live_rows"]) \
            + PG_BLOAT_FLOOR_BYTES
        return {"baseline_bytes": base["pg_table_bytes"], "end_bytes": last["pg_table_bytes"],
                "baseline_live_rows": base["pg_live_rows"], "end_live_rows": last["pg_live_rows"],
                "baseline_bytes_per_row": round(per_row, 1),
                "end_bytes_per_row": round(last["pg_table_bytes"] / max(1, last["pg_live_rows"]), 1),
                "allowed_bytes": allowed, "dead_rows_end": last["pg_dead_rows"],
                "autovacuums": [base["pg_autovacuums"], last["pg_autovacuums"]]}

    def pg_maxima(self) -> dict:
        """Largest figures of the run's samples (and how many samples the server did not answer)."""
        out = {k: max(self.pg_samples(k), default=None) for k in PG_COLUMNS}
        out["unanswered_samples"] = sum(1 for s in self.samples if s.get("pg_hss_connections") in ("", None))
        return out


def trend_pct_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) points, as % of their mean per hour."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0 or my == 0:
        return None
    slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return round(100 * slope * 3600 / my, 1)


def thresholds() -> dict:
    return {"sample_interval_s": SAMPLE_INTERVAL_S, "warmup_fraction": WARMUP_FRACTION,
            "warmup_min_rounds": WARMUP_MIN_ROUNDS, "rss_growth_min_kib": RSS_GROWTH_MIN_KIB,
            "rss_growth_fraction": RSS_GROWTH_FRACTION, "fd_growth_max": FD_GROWTH_MAX,
            "thread_growth_max": THREAD_GROWTH_MAX,
            "store_connections_max": STORE_CONNECTIONS_MAX,
            "store_connection_rss_kib": STORE_CONNECTION_RSS_KIB, "wal_floor_bytes": WAL_FLOOR_BYTES,
            "wal_growth_factor": WAL_GROWTH_FACTOR, "pg_transaction_max_s": PG_TRANSACTION_MAX_S,
            "pg_connection_rss_kib": PG_CONNECTION_RSS_KIB, "pg_bloat_factor": PG_BLOAT_FACTOR,
            "pg_bloat_floor_bytes": PG_BLOAT_FLOOR_BYTES}


def ensure_binary(build: Path, no_build: bool) -> Path:
    """$KMEBIND_BIN as it is; else BUILD's kmebind, brought up to date (as bench/run does)."""
    if os.environ.get("KMEBIND_BIN"):
        given = Path(os.environ["KMEBIND_BIN"])
        if not os.access(given, os.X_OK):
            raise RuntimeError(f"KMEBIND_BIN={given}: not an executable")
        return given
    binary = build / "apps" / "kmebind" / "kmebind"
    if no_build:
        if not binary.exists():
            raise RuntimeError(f"no kmebind binary at {binary}")
        return binary
    env = dict(os.environ, CCACHE_BASEDIR=str(ROOT))
    if not (build / "CMakeCache.txt").exists():
        if build.resolve() != (ROOT / "build" / "release").resolve():
            raise RuntimeError(f"{build} is not a configured build directory")
        kb.log("soak: building kmebind (scripts/setup.sh release kmebind)")
        subprocess.run([str(ROOT / "scripts" / "setup.sh"), "release", "kmebind"], check=True, env=env)
    else:
        kb.log(f"soak: bringing kmebind up to date in {build}")
        subprocess.run(["cmake", "--build", str(build), "-j", str(os.cpu_count() or 2),
                        "--target", "kmebind"], check=True, env=env, stdout=subprocess.DEVNULL)
    return binary


def print_table(summary: dict) -> None:
    v = summary["verdict"]
    g = v["growth"]
    print(f"soak: {v['rounds']} rounds over {v['slices']} slices; attaches: "
          f"{v['attaches']['first_attach']} first, {v['attaches']['device_authenticated']} device "
          f"authentications, {v['attaches']['reprovisioned']} re-provisioned after "
          f"{v['renew_runs']} `admin kme renew`; {v['attaches']['unexpected']} unexpected")
    if v["growth_judged"]:
        print(f"soak: after the warm-up (round {g['warmup_end']['round']}, t={g['warmup_end']['t_s']} s)"
              " → end of the last round:")
        print(f"  {'':4} {'RSS KiB':>22} {'max':>8} {'fds*':>10} {'store conns':>12} {'threads':>10}")
        for role in ROLES:
            x = g[role]
            print(f"  {role:4} {x['rss_kib']['baseline']:>10} → {x['rss_kib']['end']:<9} "
                  f"{x['rss_kib']['max_after_warmup']:>8} {x['other_fds']['baseline']:>4} → "
                  f"{x['other_fds']['end']:<3} {x['store_connections']['baseline']:>6} → "
                  f"{x['store_connections']['end']:<3} {x['threads']['baseline']:>4} → "
                  f"{x['threads']['end']:<3}")
        print("  (fds*: open fds other than the store's files)")
        w = g["wal"]
        if v.get("store") == "postgres":
            pg, top = g.get("pg") or {}, v["pg"]
            print(f"  PostgreSQL: hss sessions at most {top['pg_hss_connections']} (pool "
                  f"{STORE_CONNECTIONS_MAX}); longest hss transaction {top['pg_hss_oldest_xact_s']} s "
                  f"(limit {PG_TRANSACTION_MAX_S:.0f} s); {top['unanswered_samples']} samples unanswered")
            if pg:
                print(f"  tables {pg['baseline_bytes'] / 2**20:.1f} → {pg['end_bytes'] / 2**20:.1f} MiB "
                      f"for {pg['baseline_live_rows']} → {pg['end_live_rows']} live rows "
                      f"({pg['baseline_bytes_per_row']:.0f} → {pg['end_bytes_per_row']:.0f} bytes/row; "
                      f"allowed {pg['allowed_bytes'] / 2**20:.1f} MiB); dead rows at the end "
                      f"{pg['dead_rows_end']}, autovacuums {pg['autovacuums'][0]} → {pg['autovacuums'][1]}")
            print(f"  pg_wal max {w['max_warmup_bytes'] / 2**20:.0f} MiB in the warm-up, "
                  f"{w['max_after_bytes'] / 2**20:.0f} MiB after (not judged); database "
                  f"{g['db_bytes']['baseline'] / 2**20:.1f} → {g['db_bytes']['end'] / 2**20:.1f} MiB")
        else:
            print(f"  WAL max {w['max_warmup_bytes'] / 2**20:.1f} MiB in the warm-up, "
                  f"{w['max_after_bytes'] / 2**20:.1f} MiB after (limit {w['limit_bytes'] / 2**20:.0f} MiB); "
                  f"db {g['db_bytes']['baseline'] / 2**20:.1f} → {g['db_bytes']['end'] / 2**20:.1f} MiB")
        d = g["drift"]
        print(f"  median of the first {DRIFT_ROUNDS} rounds after the warm-up → of the last {DRIFT_ROUNDS} "
              "(reported, not judged): CPU ms/attach "
              f"hss {d['hss_cpu_ms_per_attach']['first_after_warmup']} → "
              f"{d['hss_cpu_ms_per_attach']['last']} (trend {d['hss_cpu_ms_per_attach']['trend_pct_per_hour']} "
              f"%/h), cnn {d['cnn_cpu_ms_per_attach']['first_after_warmup']} → "
              f"{d['cnn_cpu_ms_per_attach']['last']} (trend {d['cnn_cpu_ms_per_attach']['trend_pct_per_hour']} %/h); "
              f"p99 {d['latency_ms_p99']['first_after_warmup']:.0f} → {d['latency_ms_p99']['last']:.0f} ms")
    else:
        print("soak: growth not judged: the run ended before a round after the warm-up")
    if v["curve"]:
        pg = v.get("store") == "postgres"
        print("soak: round ends  t(s)  RSS hss / cnn (MiB)  fds* hss / cnn  store conns  "
              + ("sessions  tables / db (MiB)  dead rows" if pg else "WAL / db (MiB)"))
        for c in v["curve"]:
            line = (f"  round {c['round']:>4} {c['t_s']:>7.0f}  {(c['hss_rss_kib'] or 0) / 1024:>7.1f} / "
                    f"{(c['cnn_rss_kib'] or 0) / 1024:<7.1f} {c['hss_other_fds']:>6} / "
                    f"{c['cnn_other_fds']:<6} {c['hss_store_connections']:>6}   ")
            if pg:
                mib = (lambda x: f"{x / 2**20:.1f}" if isinstance(x, (int, float)) else "?")
                line += (f"{c.get('pg_hss_connections')!s:>8}  {mib(c.get('pg_table_bytes')):>6} / "
                         f"{mib(c.get('db_bytes')):<6}  {c.get('pg_dead_rows')}")
            else:
                line += f"{c['wal_bytes'] / 2**20:>6.1f} / {c['db_bytes'] / 2**20:.1f}"
            print(line)
    la = v["load_average"]
    print(f"soak: load average (1 min) {la['min']}–{la['max']}, mean {la['mean']} "
          f"({os.cpu_count()} cores); daemons' exit codes after SIGTERM: {summary['exit_codes']}")
    for f in v["failures"]:
        print(f"soak: FAIL: {f}")
    if v["interrupted"]:
        print("soak: interrupted by a signal; judged on what was measured until then")
    print(f"soak: {'PASS' if v['passed'] else 'FAIL'}; {summary['out']}/summary.json, soak.csv")


def csv_value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def judge(out: Path) -> int:
    """The verdict again, on the measurements of an earlier run (soak.csv and summary.json)."""
    summary = json.loads((out / "summary.json").read_text())
    o = summary["options"]
    soak = Soak(argparse.Namespace(**o), Path(summary["binary"]), out)
    soak.rounds = summary["rounds"]
    soak.events = summary.get("events", [])
    soak.renews = [0.0] * summary["verdict"]["renew_runs"]
    with open(out / "soak.csv", newline="") as f:
        soak.samples = [{k: csv_value(v) for k, v in row.items()} for row in csv.DictReader(f)]
    soak.interrupted = summary["verdict"]["interrupted"]
    verdict = soak.verdict(summary["verdict"]["slices"])
    verdict["renew_seconds_median"] = summary["verdict"]["renew_seconds_median"]
    for name, code in summary["exit_codes"].items():
        if code != 0:
            verdict["passed"] = False
            verdict["failures"].append(f"{name} exit code after SIGTERM: {code}")
    summary.update({"verdict": verdict, "thresholds": thresholds(), "judged_utc": utc()})
    (out / "judged.json").write_text(json.dumps(summary, indent=1) + "\n")
    print_table(summary)
    return 0 if verdict["passed"] else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=300.0)
    ap.add_argument("--ues", type=int, default=20000)
    ap.add_argument("--renew", type=int, default=25)
    ap.add_argument("--round-seconds", type=float, default=30.0)
    ap.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--build", type=Path, default=ROOT / "build" / "release")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--judge", type=Path, metavar="DIR",
                    help="judge the results in DIR (summary.json, soak.csv) again with this "
                         "script's thresholds; writes DIR/judged.json")
    a = ap.parse_args()
    if a.judge:
        return judge(a.judge.resolve())
    if a.minutes <= 0 or a.rate <= 0 or a.ues < 2 or a.renew < 0 or a.round_seconds <= 0:
        ap.error("--minutes, --rate, --round-seconds must be positive, --ues at least 2")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = (a.out or ROOT / "build" / "soak-results" / stamp).resolve()
    out.mkdir(parents=True, exist_ok=True)
    try:
        binary = ensure_binary(a.build.resolve(), a.no_build)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print(f"soak: {e}", file=sys.stderr)
        return 1

    soak = Soak(a, binary, out)

    def on_signal(signum, _frame):
        if not soak.stop.is_set():
            kb.log(f"soak: {signal.Signals(signum).name}: stopping")
        soak.interrupted = True
        soak.stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = utc()
    error = None
    try:
        verdict = soak.run()
    except Exception as e:  # noqa: BLE001 — a setup failure still writes the summary
        error = f"{type(e).__name__}: {e}"
        soak.stop.set()
        verdict = soak.verdict(0)
        verdict["passed"] = False
        verdict["failures"].insert(0, error)
    exit_codes = soak.shutdown()
    for name, code in exit_codes.items():
        if code != 0:
            verdict["passed"] = False
            verdict["failures"].append(f"{name} exit code after SIGTERM: {code}")
    if soak.csv_file:
        soak.csv_file.close()
    if soak.pg:  # after the hss; kept (halted, with its log) when the network is kept
        soak.pg.stop(keep=a.keep or not verdict["passed"])
    summary = {"started_utc": started, "ended_utc": utc(), "out": str(out),
               "binary": str(binary), "options": {"minutes": a.minutes, "rate": a.rate,
                                                    "ues": a.ues, "renew": a.renew,
                                                    "round_seconds": a.round_seconds,
                                                    "store": a.store},
               "thresholds": thresholds(), "verdict": verdict, "exit_codes": exit_codes,
               "events": soak.events, "rounds": soak.rounds, "cpus": os.cpu_count()}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print_table(summary)
    if verdict["passed"] and not a.keep:
        shutil.rmtree(soak.net.work, ignore_errors=True)
    elif soak.net.work.exists():
        print(f"soak: the network's files are in {soak.net.work}")
        if soak.pg and soak.pg.dir.exists():
            print(f"soak: the PostgreSQL server's data and log are in {soak.pg.dir} (stopped; "
                  f"`scripts/pg-test-server.sh resume {soak.pg.dir}` starts it again, `stop` removes it)")
    return 0 if verdict["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
