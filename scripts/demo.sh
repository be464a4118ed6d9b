#!/usr/bin/env bash
# The main job: set up, then one offline research run through the real Docker sandbox.
#   bash scripts/demo.sh ["topic"] [more aisci run options...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
topic="${1:-momentum in small neural networks}"
shift || true
exec .venv/bin/aisci run "$topic" --template tiny_mlp --runs-dir runs "$@"  # its run folder: runs/
