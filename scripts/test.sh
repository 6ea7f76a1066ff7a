#!/usr/bin/env bash
# Quick start, command 2: set up (apt-get), build with warnings as errors, run the whole suite
# through ctest. Long soak/scale/fuzz runs are not part of it (see docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh ci
ctest --preset ci -j "$(nproc)" --timeout 300
