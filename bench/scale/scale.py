#!/usr/bin/python3
"""Procedure rate against the number of subscribers in the SQLite store.

For each COUNT: a fresh bench network (bench/e2e/kmebench.py), COUNT synthetic subscribers imported
in bulk (`kmebind admin generate-import` + `kmebind admin import`, timed), then the sim's devices
added to the same store with `kmebind admin generate` (their IMSIs, 001-01 9xxxxxxxxx, lie above
the bulk range 001-01 0000000000 .., so both fit in one store), hss and cnn started, and the
maximum procedure rate measured as in bench/e2e/sweep.py (closed loop, window W, first attaches
with KME procedure 2, median of REPS runs).

  bench/scale/scale.py --bin build/release/apps/kmebind/kmebind --counts 10000,1000000 [--quick]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
import kmebench as kb  # noqa: E402


def scale_point(binary: Path, work: Path, count: int, quick: bool, window: int = 64) -> dict:
    reps = 1 if quick else 3
    seconds = 8.0 if quick else 15.0
    net = kb.BenchNetwork(binary, work)
    net.prepare()
    kb.log(f"scale: importing {count} subscribers")
    imp = net.import_bulk(count)
    kb.log(f"scale:   imported in {imp['import_s']:.1f} s ({imp['rows_per_second']:.0f} rows/s), "
           f"store {imp['store_bytes'] / 1e6:.0f} MB, load {imp['load_average']:.1f}")
    try:
        net.start()
        warm = net.make_devices(300)
        net.sim(warm, 300, max_in_flight=window)
        runs = []
        guess = 800.0
        for i in range(reps):
            n = int(max(2000, guess * seconds))
            devices = net.make_devices(n)
            r = net.sim(devices, n, max_in_flight=window)
            if r.report.get("unexpected", 0) or r.report.get("attached") != r.report.get("ues"):
                raise RuntimeError(f"scale {count}: unexpected outcomes {r.report.get('failures')}")
            guess = r.report["procedures_per_second"]
            kb.log(f"scale:   {count} subscribers, run {i + 1}/{reps}: {guess:.0f} procedures/s, "
                   f"p99 {r.report['latency_ms_p99']:.1f} ms, load {r.load_before:.1f}")
            runs.append(r.as_json())
        memory = net.memory()
    finally:
        net.stop()
    rates = [r["procedures_per_second"] for r in runs]
    return {"subscribers": count, "import": imp, "max_rate": kb.median(rates),
            "max_rate_runs": rates, "runs": runs, "memory": memory,
            "store_bytes_after": net.store_bytes()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", required=True, type=Path)
    ap.add_argument("--counts", default="10000,100000")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--dir", type=Path, help="working directory (default: a new one in $TMPDIR)")
    a = ap.parse_args()
    base = a.dir or Path(tempfile.mkdtemp(prefix="kmebind-scale-"))
    out = []
    try:
        for c in (int(x) for x in a.counts.split(",")):
            out.append(scale_point(a.bin.resolve(), base / f"n{c}", c, a.quick))
            shutil.rmtree(base / f"n{c}", ignore_errors=True)
    finally:
        if not a.dir:
            shutil.rmtree(base, ignore_errors=True)
    if a.json:
        a.json.write_text(json.dumps(out, indent=1))
    for p in out:
        print(f"{p['subscribers']:>10} subscribers: {p['max_rate']:8.0f} procedures/s, import "
              f"{p['import']['import_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
