"""Shared pieces of the end-to-end benchmarks (bench/run, bench/e2e/sweep.py, bench/scale/scale.py).

A *bench network* is a working directory with a throw-away PKI, a SQLite store and the hss/cnn
configurations (made by `kmebind demo --prepare`, then adjusted: a fresh store, metrics on,
warnings-only logs, room for every UE), the two daemons started from it, and batches of
procedure-2 devices made by `kmebind admin generate` for `kmebind sim`. Every sim run is measured
from outside: the sim's JSON report (rate, latency percentiles), per-attach latencies (--outcomes),
the CPU seconds of hss, cnn and sim (/proc/PID/stat, getrusage of the child), and the HSS's request
counters (Prometheus endpoint) to count Diameter round trips per procedure.

Python 3.11 standard library only (Debian's python3, no pip).
"""

from __future__ import annotations

import json
import os
import re
import select
import resource
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")

# IMSIs of the sim's devices: MSIN 9xxxxxxxxx under 001-01, far above the bulk rows of
# `admin generate-import` (001-01 + 0000000000 .. 0099999999 for up to 100 M), so both can be
# in one store. IMEIs: generate uses TAC 00101001 with SNR = imei-base + i (< 1,000,000); the
# bulk rows use IMEIs 35xxxxxxxxxxxx.
DEVICE_IMSI_BASE = 1010_9_000000000  # 001019000000000 as an integer (leading zeros dropped)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def proc_cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a running process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds by thread name (threads of one name summed; freeDiameter's are "kmebind")."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            comm = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        name = re.sub(r"-\d+$", "", comm)
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def thread_switches(pid: int) -> int:
    """Context switches of a running process, all its threads (voluntary: the thread waited, e.g.
    on a futex or a socket; involuntary: it was preempted). /proc/PID/status alone counts only the
    main thread. Threads that exit take their counts with them, so a difference across a run
    undercounts if a thread ends meanwhile (the daemons' threads live as long as the daemon)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in text.splitlines():
            if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                total += int(line.split()[1])
    return total


def proc_status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def children_cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank, as the sim's report."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def median(values: list[float]) -> float:
    v = sorted(values)
    if not v:
        return 0.0
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {r.returncode}: "
                           f"{r.stderr.strip()[-2000:]}")
    return r


def scrape(port: int) -> dict[str, float]:
    """Prometheus text format → {'name{labels}': value}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        try:
            out[key] = float(value)
        except ValueError:
            pass
    return out


def hss_requests(metrics: dict[str, float]) -> dict[str, float]:
    """Successful answers by command (air, kme, ulr) from kmebind_hss_requests_total."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        m = re.match(r'kmebind_hss_requests_total\{(.*)\}', key)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        cmd = labels.get("command", "?")
        out[cmd] = out.get(cmd, 0.0) + value
    return out


@dataclass
class Daemon:
    name: str
    proc: subprocess.Popen
    ready: str
    metrics_port: int | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclass
class SimResult:
    report: dict
    latencies_ms: list[float]
    wall_s: float
    cpu_s: dict[str, float]
    round_trips: dict[str, float]
    offered_rate: float
    load_before: float
    load_after: float
    threads_cpu_s: dict = field(default_factory=dict)  # process → thread name → CPU s
    switches: dict = field(default_factory=dict)  # process → context switches during the run

    def as_json(self, with_latencies: bool = False) -> dict:
        j = {
            "offered_rate": self.offered_rate,
            "procedures_per_second": self.report.get("procedures_per_second", 0.0),
            "attaches": self.report.get("ues", 0),
            "attached": self.report.get("attached", 0),
            "kme_provisioned_procedure2": self.report.get("kme_provisioned_procedure2", 0),
            "unexpected": self.report.get("unexpected", 0),
            "failures": self.report.get("failures", {}),
            "seconds": self.report.get("seconds", 0.0),
            "latency_ms": {
                "p50": self.report.get("latency_ms_p50", 0.0),
                "p90": self.report.get("latency_ms_p90", 0.0),
                "p99": self.report.get("latency_ms_p99", 0.0),
                "max": self.report.get("latency_ms_max", 0.0),
            },
            "cpu_s": self.cpu_s,
            "threads_cpu_s": self.threads_cpu_s,
            "diameter_requests_per_procedure": self.round_trips,
            "load_average": [self.load_before, self.load_after],
        }
        n = max(1, self.report.get("ues", 0))
        daemons = self.cpu_s.get("hss", 0.0) + self.cpu_s.get("cnn", 0.0)
        j["procedures_per_daemon_cpu_second"] = n / daemons if daemons > 0 else 0.0
        j["cpu_ms_per_procedure"] = {k: 1000.0 * v / n for k, v in self.cpu_s.items()}
        j["switches_per_procedure"] = {k: v / n for k, v in self.switches.items()}
        j["sim_cpu_share"] = (self.cpu_s.get("sim_attach", 0.0) /
                              max(1e-9, sum(v for k, v in self.cpu_s.items()
                                            if k in ("hss", "cnn", "sim_attach"))))
        if with_latencies:
            j["latencies_ms"] = self.latencies_ms
        return j


def read_ready_line(proc: subprocess.Popen, seconds: float) -> str:
    """The first line a daemon prints on stdout ("kmebind hss ready: ..."), or "" if it exits or
    prints nothing within `seconds` (a daemon hanging before its ready line must not hang the
    caller: readline alone would block)."""
    if proc.stdout is None:
        return ""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return ""
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            return proc.stdout.readline()  # the daemon writes its ready line whole
        if proc.poll() is not None:
            return ""


@dataclass
class BenchNetwork:
    """A working directory, its store and configs, and (once started) hss and cnn."""

    binary: Path
    work: Path
    daemons: dict[str, Daemon] = field(default_factory=dict)
    device_batches: int = 0
    devices_made: int = 0
    # hss.workers: the daemon's default (64), which lets the store's group commit share one WAL
    # sync among many requests; 2 (this bench's value before group commit, and `demo --prepare`'s
    # until 2026-11-28) cost ~30 %.
    hss_workers: int | None = 64
    connections: int = 2
    dispatch_threads: int | None = None  # diameter.dispatch_threads of both daemons (default 4)
    # cnn.kme_prefetch: KME material on the AIA (protocol.md), the daemons' default (on); False
    # turns it off at the CNN, which then sends a KME-Request per attach (3 round trips, not 2).
    kme_prefetch: bool = True
    # The store: None = the SQLite file kmebind.db in the working directory; else a location such
    # as a postgresql:// URL (an empty database), used by `admin` and, unless hss_store_url names
    # another (e.g. with its own application_name), by the hss.
    store_url: str | None = None
    hss_store_url: str | None = None

    # ---- preparation ----------------------------------------------------------------------
    def store_location(self) -> str:
        return self.store_url or str(self.work / "kmebind.db")

    def admin(self, *args: str) -> subprocess.CompletedProcess:
        return run([str(self.binary), "admin", "--store", self.store_location(),
                    "--key-file", str(self.work / "kmebind.key"), *args])

    def prepare(self) -> None:
        """PKI and configs from `demo --prepare`, then an empty store of our own."""
        if self.work.exists():
            shutil.rmtree(self.work)
        run([str(self.binary), "demo", "--prepare", "--dir", str(self.work), "--ues", "1"])
        for f in ("kmebind.db", "kmebind.db-wal", "kmebind.db-shm", "kmebind.key",
                  "devices.json"):
            (self.work / f).unlink(missing_ok=True)
        self.admin("init", "--import-public-out", str(self.work / "import-public"))
        hss = (self.work / "hss.yaml").read_text()
        hss = hss.replace("level: info", "level: warn")
        if self.store_url:
            hss = re.sub(r'location: "[^"]*"',
                         lambda _: f'location: "{self.hss_store_url or self.store_url}"', hss, count=1)
        if self.hss_workers:
            hss = re.sub(r"workers: \d+", f"workers: {self.hss_workers}", hss)
        hss += "metrics: {address: 127.0.0.1, port: 0}\n"
        if self.dispatch_threads:
            hss = hss.replace("  realm: kmebind.test\n",
                              f"  realm: kmebind.test\n  dispatch_threads: {self.dispatch_threads}\n", 1)
        (self.work / "hss.yaml").write_text(hss)
        cnn = (self.work / "cnn.yaml").read_text()
        cnn = cnn.replace("level: info", "level: warn")
        cnn = re.sub(r"max_ues: \d+", "max_ues: 4000000", cnn)
        if not self.kme_prefetch:
            cnn = cnn.replace("max_ues: 4000000", "max_ues: 4000000, kme_prefetch: false", 1)
        cnn += "metrics: {address: 127.0.0.1, port: 0}\n"
        if self.dispatch_threads:
            cnn = cnn.replace("  realm: kmebind.test\n",
                              f"  realm: kmebind.test\n  dispatch_threads: {self.dispatch_threads}\n", 1)
        (self.work / "cnn.yaml").write_text(cnn)

    def import_bulk(self, count: int) -> dict:
        """`admin generate-import` + `admin import` of COUNT subscribers; timings."""
        csv = self.work / "bulk.csv"
        t0 = time.monotonic()
        run([str(self.binary), "admin", "generate-import", "--count", str(count),
             "--out", str(csv)])
        t1 = time.monotonic()
        load = loadavg()
        self.admin("import", "--file", str(csv))
        t2 = time.monotonic()
        size = csv.stat().st_size
        csv.unlink()
        return {"subscribers": count, "generate_s": t1 - t0, "import_s": t2 - t1,
                "rows_per_second": count / max(1e-9, t2 - t1), "csv_bytes": size,
                "store_bytes": self.store_bytes(), "load_average": load}

    def store_bytes(self) -> int:
        return sum((self.work / f).stat().st_size
                   for f in ("kmebind.db", "kmebind.db-wal") if (self.work / f).exists())

    def make_devices(self, n: int) -> Path:
        """N fresh procedure-2 devices (store rows + device file) that no run has used yet."""
        k = self.device_batches
        self.device_batches += 1
        out = self.work / f"devices-{k}.json"
        imsi = f"{DEVICE_IMSI_BASE + self.devices_made:015d}"
        self.admin("generate", "--ues", str(n), "--procedure", "2", "--devices-out", str(out),
                   "--imsi-base", imsi, "--imei-base", str(self.devices_made))
        self.devices_made += n
        return out

    # ---- daemons --------------------------------------------------------------------------
    def _start(self, name: str) -> Daemon:
        out = open(self.work / f"{name}.out", "w")
        err = open(self.work / f"{name}.err", "w")
        proc = subprocess.Popen([str(self.binary), name, "--config", str(self.work / f"{name}.yaml")],
                                stdout=subprocess.PIPE, stderr=err, text=True)
        line = read_ready_line(proc, 30)
        out.write(line)
        out.close()
        if "ready" not in line:
            proc.kill()
            raise RuntimeError(f"{name} did not start: {(self.work / f'{name}.err').read_text()[-1500:]}")
        m = re.search(r"metrics=127\.0\.0\.1:(\d+)", line)
        d = Daemon(name, proc, line.strip(), int(m.group(1)) if m else None)
        self.daemons[name] = d
        return d

    def start(self) -> None:
        self._start("hss")
        cnn = self._start("cnn")
        if "peers_up=1/1" not in cnn.ready:
            raise RuntimeError(f"cnn not connected to the hss: {cnn.ready}")
        nas = re.search(r"nas=([\d.]+):(\d+)", cnn.ready)
        assert nas
        self.nas_port = int(nas.group(2))

    def stop(self) -> None:
        for name in ("cnn", "hss"):
            d = self.daemons.pop(name, None)
            if not d:
                continue
            d.proc.send_signal(signal.SIGTERM)
            try:
                d.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                d.proc.kill()
                d.proc.wait()

    def memory(self) -> dict:
        out = {}
        for name, d in self.daemons.items():
            out[name] = {"rss_kib": proc_status_kib(d.pid, "VmRSS"),
                         "peak_rss_kib": proc_status_kib(d.pid, "VmHWM")}
        return out

    # ---- the simulator ----------------------------------------------------------------------
    def sim(self, devices: Path, ues: int, rate: float = 0.0, max_in_flight: int = 0,
            timeout_s: int = 600) -> SimResult:
        tag = devices.stem
        cfg = self.work / f"sim-{tag}.yaml"
        cfg.write_text(
            "nas:\n"
            f"  connect: {{address: \"127.0.0.1\", port: {self.nas_port}}}\n"
            f"  connections: {self.connections}\n"
            "ue: {plmn: \"001-01\", t3410: 30000ms}\n"
            f"devices: {{file: \"{devices}\", save: false}}\n"
            f"log: {{level: \"error\", file: \"{self.work / 'sim.log'}\"}}\n")
        outcomes = self.work / f"outcomes-{tag}.jsonl"
        cmd = [str(self.binary), "sim", "--config", str(cfg), "--ues", str(ues), "--procedure",
               "2", "--json", "--quiet", "--no-save", "--outcomes", str(outcomes),
               "--timeout", str(timeout_s)]
        if rate > 0:
            cmd += ["--rate", f"{rate:.3f}"]
        if max_in_flight > 0:
            cmd += ["--max-in-flight", str(max_in_flight)]
        hss, cnn = self.daemons["hss"], self.daemons["cnn"]
        m0 = hss_requests(scrape(hss.metrics_port)) if hss.metrics_port else {}
        cpu0 = {"hss": proc_cpu_seconds(hss.pid), "cnn": proc_cpu_seconds(cnn.pid)}
        threads0 = {n: thread_cpu_seconds(d.pid) for n, d in (("hss", hss), ("cnn", cnn))}
        switches0 = {n: thread_switches(d.pid) for n, d in (("hss", hss), ("cnn", cnn))}
        sim0 = children_cpu_seconds()
        load0 = loadavg()
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        samples: list[tuple[float, float]] = []  # (time, sim CPU s): to leave out its start-up
        while proc.poll() is None:
            try:
                samples.append((time.monotonic(), proc_cpu_seconds(proc.pid)))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
            time.sleep(0.05)
        stdout, stderr = proc.communicate()
        r = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
        t_end = time.monotonic()
        wall = t_end - t0
        sim_cpu = children_cpu_seconds() - sim0
        cpu = {"hss": proc_cpu_seconds(hss.pid) - cpu0["hss"],
               "cnn": proc_cpu_seconds(cnn.pid) - cpu0["cnn"], "sim": sim_cpu}
        threads = {}
        for name, d in (("hss", hss), ("cnn", cnn)):
            now = thread_cpu_seconds(d.pid)
            threads[name] = {t: round(v - threads0[name].get(t, 0.0), 2) for t, v in now.items()
                             if v - threads0[name].get(t, 0.0) > 0}
        switches = {n: thread_switches(d.pid) - switches0[n] for n, d in (("hss", hss), ("cnn", cnn))}
        m1 = hss_requests(scrape(hss.metrics_port)) if hss.metrics_port else {}
        load1 = loadavg()
        try:
            report = json.loads(r.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            raise RuntimeError(f"sim exited {r.returncode} without a report: {r.stderr[-2000:]}")
        lat = []
        for line in outcomes.read_text().splitlines():
            o = json.loads(line)
            if o.get("outcome") == "attached":
                lat.append(float(o["latency_ms"]))
        lat.sort()
        outcomes.unlink()
        n = max(1, report.get("ues", 0))
        trips = {k: (m1.get(k, 0.0) - m0.get(k, 0.0)) / n for k in sorted(set(m0) | set(m1))}
        trips["total"] = sum(trips.values())
        # The sim's CPU while attaching: its total minus what it had used when the phase began
        # (reading the device file, building the UEs), from the samples taken every 50 ms.
        phase_start = t_end - float(report.get("seconds", 0.0))
        before = [c for (t, c) in samples if t <= phase_start]
        cpu["sim_attach"] = sim_cpu - (before[-1] if before else 0.0)
        result = SimResult(report, lat, wall, cpu, trips, rate, load0, load1)
        result.threads_cpu_s = threads
        result.switches = switches
        return result
