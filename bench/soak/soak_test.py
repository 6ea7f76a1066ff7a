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


def make_soak(tmp: str, store: str = "sqlite") -> soak.Soak:
    args = argparse.Namespace(minutes=MINUTES, rate=300.0, ues=20000, renew=25, round_seconds=30.0,
                              store=store)
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
        if s.store == "postgres":  # 100,000 live rows of 300 bytes, a few dead ones
            pg_flat = {"pg_hss_connections": 7, "pg_hss_busy": 0, "pg_hss_oldest_xact_s": 0.0,
                       "pg_client_connections": 8, "pg_live_rows": 100000, "pg_dead_rows": 500,
                       "pg_table_bytes": 30 << 20, "pg_autovacuums": k}
            for key, v in pg_flat.items():
                r[key] = v + growth.get(key, 0) * k
        s.rounds.append(r)
        for dt in (ROUND_S / 2, 0.0):
            sample = {"t_s": t - dt, "load1": 2.0, "wal_bytes": r["wal_bytes"]}
            for role in soak.ROLES:
                sample[f"{role}_store_connections"] = r[f"{role}_store_connections"]
            for key in soak.PG_COLUMNS:
                if key in r:
                    sample[key] = r[key]
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


class PostgresVerdict(unittest.TestCase):
    """--store postgres: the server's view of the hss's sessions and of the tables."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.s = make_soak(self.tmp.name, "postgres")

    def tearDown(self):
        self.tmp.cleanup()

    def test_a_flat_run_passes(self):
        fill(self.s)
        v = self.s.verdict(SLICES)
        self.assertTrue(v["growth_judged"])
        self.assertTrue(v["passed"], v["failures"])
        self.assertEqual(v["pg"]["pg_hss_connections"], 7)

    def test_the_servers_pg_wal_is_reported_not_judged(self):
        fill(self.s, wal_bytes=64 << 20)  # checkpoints are the server's business
        v = self.s.verdict(SLICES)
        self.assertTrue(v["passed"], v["failures"])
        self.assertIsNone(v["growth"]["wal"]["limit_bytes"])

    def test_more_hss_sessions_than_the_pool_fail_even_before_the_warmup_ends(self):
        fill(self.s, rounds=2)
        self.s.samples[0]["pg_hss_connections"] = soak.STORE_CONNECTIONS_MAX + 1
        v = self.s.verdict(SLICES)
        self.assertFalse(v["growth_judged"])
        self.assertFalse(v["passed"])
        self.assertTrue(any("sessions of the hss" in f for f in v["failures"]), v["failures"])

    def test_an_hss_transaction_open_longer_than_the_limit_fails(self):
        fill(self.s)
        self.s.samples[-5]["pg_hss_oldest_xact_s"] = soak.PG_TRANSACTION_MAX_S + 0.1
        v = self.s.verdict(SLICES)
        self.assertFalse(v["passed"])
        self.assertTrue(any("one transaction for" in f for f in v["failures"]), v["failures"])

    def test_tables_growing_with_their_live_rows_pass(self):
        fill(self.s, pg_live_rows=10000, pg_table_bytes=3 << 20)  # 300 bytes per row throughout
        self.assertTrue(self.s.verdict(SLICES)["passed"])

    def test_tables_growing_with_dead_rows_that_are_never_vacuumed_fail(self):
        # +9,000 row versions of 300 bytes per round (300 attaches/s × 30 s), no live row more.
        fill(self.s, pg_dead_rows=9000, pg_table_bytes=9000 * 300)
        v = self.s.verdict(SLICES)
        self.assertFalse(v["passed"])
        self.assertTrue(any("PostgreSQL tables grew" in f for f in v["failures"]), v["failures"])

    def test_a_libpq_connection_gets_a_smaller_rss_allowance_than_a_sqlite_page_cache(self):
        # +16 connections after the warm-up: 8 MiB + 16 × 512 KiB allowed on PostgreSQL.
        fill(self.s, hss_store_connections=1, hss_rss_kib=1100)  # +17.2 MiB
        v = self.s.verdict(SLICES)
        self.assertFalse(v["passed"])
        self.assertTrue(any("hss RSS grew" in f for f in v["failures"]), v["failures"])
        sqlite = make_soak(self.tmp.name)
        fill(sqlite, hss_store_connections=1, hss_rss_kib=1100)
        self.assertTrue(sqlite.verdict(SLICES)["passed"])

    def test_a_sample_the_server_did_not_answer_is_counted(self):
        fill(self.s)
        for k in soak.PG_COLUMNS:
            self.s.samples[3][k] = ""
        v = self.s.verdict(SLICES)
        self.assertTrue(v["passed"], v["failures"])
        self.assertEqual(v["pg"]["unanswered_samples"], 1)


if __name__ == "__main__":
    unittest.main()
