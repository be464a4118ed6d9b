#!/usr/bin/env bash
# Make the Docker sandbox usable: a running engine, the experiment image and the paper (TeX)
# image.
# Idempotent: every step is skipped when already done. Works as root on a fresh Debian/Ubuntu
# machine without systemd (CI); with systemd it uses the service instead.
#
#   bash scripts/setup_docker.sh             # engine + both images
#   AISCI_SKIP_IMAGE=1 bash scripts/setup_docker.sh   # engine only
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
DOCKERD_LOG="${AISCI_DOCKERD_LOG:-/var/log/aisci-dockerd.log}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }

if docker info >/dev/null 2>&1; then
  echo "docker: engine already running"
else
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker: installing docker.io with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      docker.io ca-certificates >/dev/null
    echo "docker: installed ($(elapsed))"
  fi
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    $SUDO systemctl start docker
  else
    echo "docker: starting dockerd in the background (log: $DOCKERD_LOG)"
    # setsid: a Ctrl-C in this terminal must not stop the engine.
    $SUDO sh -c "setsid nohup dockerd >>'$DOCKERD_LOG' 2>&1 </dev/null &"
  fi
  for _ in $(seq 60); do
    if $SUDO docker info >/dev/null 2>&1; then break; fi
    sleep 1
  done
  if ! $SUDO docker info >/dev/null 2>&1; then
    echo "docker: the engine did not answer within 60 s; see $DOCKERD_LOG" >&2
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    exit 1
  fi
  echo "docker: engine running ($(elapsed))"
fi

# The offline image build runs debootstrap, which checks Debian's signatures (Ubuntu
# machines, e.g. CI runners, lack the keyring). Needed even when the engine was already there.
tools=()
command -v debootstrap >/dev/null 2>&1 || tools+=(debootstrap)
[[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || tools+=(debian-archive-keyring)
if ((${#tools[@]})); then
  echo "image: installing ${tools[*]} with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${tools[@]}" >/dev/null
fi

if [[ -n "${AISCI_SKIP_IMAGE:-}" ]]; then
  echo "images: skipped (AISCI_SKIP_IMAGE set)"
  exit 0
fi
t1=$(date +%s)
# Builds the experiment image and the paper image (TeX + poppler; apt inside the build reaches
# the Debian mirror over the default bridge), each only when its tag is missing.
$SUDO env "PATH=$PATH" "$PYTHON" -m agents.cli sandbox build
echo "images: ready ($(( $(date +%s) - t1 )) s); total $(elapsed)"
