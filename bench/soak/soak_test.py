#!/usr/bin/python3
"""The soak's verdict on made-up measurements (no daemons): `python3 bench/soak/soak_test.py`.

Each case builds the rounds and samples a soak would have recorded and checks that the verdict
passes a flat run and fails each kind of growth or failure named in soak.py's VERDICT.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import soak  # noqa: E402

MINUTES = 10.0
SLICES = 3
ROUND_S = 30.0


def make_soak(tmp: str) -> soak.Soak:
    args = argparse.Namespace(minutes=MINUTES, rate=300.0, ues=20000, renew=25, round_seconds=30.0)
    return soak.Soak(args, Path("/nonexistent/kmebind"), Path(tmp))


def fill(s: soak.Soak, rounds: int = 20, **growth) -> None:
    """`rounds` round ends ROUND_S apart; each `growth` key (e.g. hss_rss_kib=1000) adds that much
    per round to the flat values, and a periodic sample between round ends."""
    flat = {"rss_kib": 30000, "fds": 25, "other_fds": 10, "store_connections": 7, "threads": 85}
    for k in range(rounds):
        t = (k + 1) * ROUND_S
        r = {"round": k + 1, "interrupted": False, "unexpected": 0, "t_s": t,
             "latency_ms": {"p50": 5.0, "p99": 20.0, "max": 40.0},
             "wal_bytes": 4 << 20, "db_bytes": 20 << 20}
        for role in soak.ROLES:
            for key, v in flat.items():
                r[f"{role}_{key}"] = v + growth.get(f"{role}_{key}", 0) * k
            r[f"{role}_cpu_ms_per_attach"] = 1.5
        r["wal_bytes"] += growth.get("wal_bytes", 0) * k
        s.rounds.append(r)
        for dt in (ROUND_S / 2, 0.0):
            sample = {"t_s": t - dt, "load1": 2.0, "wal_bytes": r["wal_bytes"]}
            for role in soak.ROLES:
                sample[f"{role}_store_connections"] = r[f"{role}_store_connections"]
            s.samples.append(sample)


class Verdict(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.s = make_soak(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_a_flat_run_passes(self):
        fill(self.s)
        v = self.s.verdict(SLICES)
        self.assertTrue(v["growth_judged"])
        self.assertTrue(v["passed"], v["failures"])

    def test_the_warmup_ends_after_a_fifth_of_the_run_and_the_first_reattach_round(self):
        fill(self.s)
        v = self.s.verdict(SLICES)
        # 20 % of 600 s = 120 s = round 4, which is also the first round after 3 slices.
        self.assertEqual(v["growth"]["warmup_end"]["round"], 4)

    def test_rss_growth_beyond_the_threshold_fails(self):
        fill(self.s, hss_rss_kib=1024)  # 16 rounds after the warm-up: 16 MiB > max(8 MiB, 10 %)
        v = self.s.verdict(SLICES)
        self.assertFalse(v["passed"])
        self.assertTrue(any("hss RSS grew" in f for f in v["failures"]), v["failures"])

    def test_rss_growth_within_the_threshold_passes(self):
        fill(self.s, cnn_rss_kib=256)  # 4 MiB
        self.assertTrue(self.s.verdict(SLICES)["passed"])

    def test_one_more_fd_fails(self):
        fill(self.s, rounds=6)
        self.s.rounds[-1]["cnn_other_fds"] += 1
        v = self.s.verdict(SLICES)
        self.assertFalse(v["passed"])
        self.assertTrue(any("cnn other fds grew" in f for f in v["failures"]), v["failures"])

    def test_one_more_thread_fails(self):
        fill(self.s, rounds=6)
        self.s.rounds[-1]["hss_threads"] += 1
        self.assertFalse(self.s.verdict(SLICES)["passed"])

    def test_store_connections_may_grow_up_to_the_pool_but_not_beyond(self):
        fill(self.s, hss_store_connections=3)  # 7 → 64 at round 20
        self.assertTrue(self.s.verdict(SLICES)["passed"])
        self.s.samples[-1]["hss_store_connections"] = soak.STORE_CONNECTIONS_MAX + 1
        v = self.s.verdict(SLICES)
        self.assertFalse(v["passed"])
        self.assertTrue(any("store connections" in f for f in v["failures"]), v["failures"])

    def test_rss_of_store_connections_opened_after_the_warmup_is_allowed_up_to_their_cache(self):
        fill(self.s, hss_store_connections=1, hss_rss_kib=1024)  # +16 connections, +16 MiB
        self.assertTrue(self.s.verdict(SLICES)["passed"])
        self.s.rounds[-1]["hss_rss_kib"] += 16 * soak.STORE_CONNECTION_RSS_KIB  # beyond the caches
        self.assertFalse(self.s.verdict(SLICES)["passed"])

    def test_a_wal_that_keeps_growing_fails(self):
        fill(self.s, wal_bytes=4 << 20)  # +4 MiB per round: checkpoints never complete
        v = self.s.verdict(SLICES)
        self.assertFalse(v["passed"])
        self.assertTrue(any("WAL" in f for f in v["failures"]), v["failures"])

    def test_growth_during_the_warmup_is_not_judged(self):
        fill(self.s)
        for r in self.s.rounds[:3]:  # rounds 1-3; the warm-up ends with round 4
            r["hss_rss_kib"] -= 20000  # the caches fill during the first pass
        self.assertTrue(self.s.verdict(SLICES)["passed"])

    def test_an_unexpected_outcome_fails(self):
        fill(self.s)
        self.s.rounds[7]["unexpected"] = 1
        self.assertFalse(self.s.verdict(SLICES)["passed"])

    def test_an_event_such_as_a_daemon_gone_fails(self):
        fill(self.s)
        self.s.events.append("cnn is not running (exit code -9)")
        self.assertFalse(self.s.verdict(SLICES)["passed"])

    def test_a_run_too_short_for_the_warmup_is_not_judged_but_passes_on_its_outcomes(self):
        fill(self.s, rounds=3, hss_rss_kib=100000)
        v = self.s.verdict(SLICES)
        self.assertFalse(v["growth_judged"])
        self.assertTrue(v["passed"])


if __name__ == "__main__":
    unittest.main()
