#!/usr/bin/env bash
# Quick start, command 2: set up (apt-get), build with warnings as errors, run the whole suite
# through ctest. Long soak/scale/fuzz runs are not part of it (README "Tests", docs/reliability.md,
# docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite also needs a PostgreSQL server (started and stopped by ctest fixtures on loopback,
# tests/pg_fixture.cmake) and clang with libFuzzer for the fuzz smoke runs (scripts/fuzz.sh).
export KMEBIND_EXTRA_PACKAGES="postgresql ${KMEBIND_EXTRA_PACKAGES:-}"
scripts/setup.sh ci
ctest --preset ci -j "$(nproc)" --timeout 300
scripts/fuzz.sh --time 15  # libFuzzer smoke run, 15 s per harness (docs/fuzzing.md)
