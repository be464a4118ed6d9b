#!/usr/bin/env bash
# The tests: set up (venv, TeX, Docker engine, sandbox image), then the whole suite.
#   bash scripts/test.sh [pytest options...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
exec .venv/bin/python -m pytest "$@"
