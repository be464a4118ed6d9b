#!/usr/bin/env bash
# Set up everything aisci needs on this machine, from nothing. Idempotent: done steps are skipped.
#   1. a Python virtual environment (.venv) with aisci and its pinned dependencies
#   2. TeX (pdflatex, bibtex, latexmk) and poppler (pdftotext), from Debian's packages
#   3. a running Docker engine and the sandbox image, built offline (scripts/setup_docker.sh)
#   4. with --for-tests: what only the tests need: headless Chromium (the report test), a
#      PostgreSQL server (shared runs), the mlflow extra (the tracker test) and the real
#      local model with its server
#      (scripts/setup_real_model.sh, started first: llama.cpp compiles for about 15 minutes)
# Skips: AISCI_SKIP_DOCKER=1 (no engine/image), AISCI_SKIP_TEX=1, AISCI_SKIP_REAL_MODEL=1.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }

model_pid=""
if [[ "${1:-}" == "--for-tests" && -z "${AISCI_SKIP_REAL_MODEL:-}" ]]; then
  mkdir -p .cache
  echo "model: setting up the real local model in the background (log: .cache/setup_real_model.log)"
  bash scripts/setup_real_model.sh > .cache/setup_real_model.log 2>&1 &
  model_pid=$!
fi

# 1. Python. The constraints file is the lock: exact versions of everything installed.
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import agents, sandbox, litellm, langgraph, pytest" >/dev/null 2>&1 \
   || [[ constraints.txt -nt .venv/.aisci-installed || pyproject.toml -nt .venv/.aisci-installed ]]; then
  echo "python: installing aisci and its pinned dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
  touch .venv/.aisci-installed
  echo "python: ready ($(elapsed))"
else
  echo "python: .venv up to date"
fi

# 2. TeX for the papers, pdftotext for the reviewers.
if [[ -z "${AISCI_SKIP_TEX:-}" ]]; then
  missing=()
  command -v latexmk >/dev/null 2>&1 || missing+=(latexmk texlive-latex-base texlive-latex-recommended \
    texlive-latex-extra texlive-fonts-recommended chktex)
  # algorithm, algorithmic, algorithmicx: every AI-Scientist LaTeX skeleton loads them.
  command -v kpsewhich >/dev/null 2>&1 && [[ -n "$(kpsewhich algorithm.sty)" ]] \
    || missing+=(texlive-science)
  # cm-super: the T1 fonts as Type 1 (no METAFONT run per compile, no bitmap fonts in the PDF).
  command -v kpsewhich >/dev/null 2>&1 && [[ -n "$(kpsewhich sfrm1000.pfb)" ]] \
    || missing+=(cm-super)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  if ((${#missing[@]})); then
    echo "tex: installing ${missing[*]} with apt-get (about 1.5 min)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
    echo "tex: ready ($(elapsed))"
  else
    echo "tex: installed"
  fi
fi

# 3. Docker engine and the sandbox image.
if [[ -z "${AISCI_SKIP_DOCKER:-}" ]]; then
  PYTHON=.venv/bin/python bash scripts/setup_docker.sh
fi
# 4. What only the tests need: a browser for the report test, PostgreSQL for shared runs,
#    the mlflow extra (the tracker test starts a real MLflow server).
if [[ "${1:-}" == "--for-tests" ]]; then
  if ! .venv/bin/python -c "import mlflow" >/dev/null 2>&1; then
    echo "tests: installing the mlflow extra into .venv"
    .venv/bin/python -m pip install -q -c constraints.txt -e ".[dev,mlflow]"
  fi
  wanted=()
  command -v chromium >/dev/null 2>&1 || wanted+=(chromium fonts-liberation)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || wanted+=(postgresql)
  if ((${#wanted[@]})); then
    echo "tests: installing ${wanted[*]} with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "${wanted[@]}" >/dev/null
    echo "tests: ready ($(elapsed))"
  fi
fi
if [[ -n "$model_pid" ]]; then
  if ! wait "$model_pid"; then
    echo "model: setup failed:" >&2
    tail -n 20 .cache/setup_real_model.log >&2
    exit 1
  fi
  tail -n 2 .cache/setup_real_model.log
fi

echo "setup: done ($(elapsed))"
