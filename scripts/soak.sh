#!/usr/bin/env bash
# The soak run (docs/reliability.md "Soak"): M minutes of open-loop attach traffic (first attaches,
# device authentications, re-provisioning after `admin kme renew`) against real `kmebind hss` and
# `kmebind cnn` daemons (mutual TLS; a SQLite store, or with --store postgres a private PostgreSQL
# server started for the run), their RSS, fds, threads, CPU and the store's WAL (PostgreSQL: the
# hss's sessions, open transactions, table sizes and dead rows) sampled every 10 s and judged.
# Not part of the default test suite.
#
#   scripts/soak.sh --minutes M [--rate R] [--ues N] [--renew K] [--round-seconds S]
#                   [--store sqlite|postgres] [--build DIR] [--no-build] [--out DIR] [--keep]
#   scripts/soak.sh --judge DIR            (judge an earlier run's soak.csv + summary.json again)
#
# Defaults: 60 minutes, 300 attaches/s, 20,000 devices, 25 renewals per round, rounds of ~30 s,
# build/release (the kmebind target built first, incrementally; --no-build or $KMEBIND_BIN: as
# it is), results in build/soak-results/UTC-TIMESTAMP (soak.csv, summary.json).
# Exit code 0 pass, 1 fail, 2 usage. Ctrl-C stops it cleanly.
# The logic and the thresholds are in bench/soak/soak.py (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/soak/soak.py "$@"
