#!/usr/bin/env bash
# Quick start, command 1: set up (apt-get), build, run the main job `kmebind demo`.
# Extra arguments go to the demo, e.g. scripts/demo.sh --ues 100 --json
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release kmebind
exec build/release/apps/kmebind/kmebind demo "$@"
