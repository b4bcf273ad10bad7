#!/usr/bin/env bash
# Create .venv from the lock file with nothing but python3 (3.11). Safe to run again:
# it reinstalls only when requirements.lock or pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.povwatch-lock.sha256
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  quiet() { "$@" 2>&1 | { grep -v -e "is ignored: it is neither" -e "BuildBackendWarning" || true; }; }
  quiet .venv/bin/python -m pip install --quiet --upgrade pip
  quiet .venv/bin/python -m pip install --quiet -r requirements.lock
  quiet .venv/bin/python -m pip install --quiet --no-deps -e .
  # PYTHONDONTWRITEBYTECODE is set on these machines: compile once here,
  # or every import compiles again in memory.
  .venv/bin/python -m compileall -q -j 0 .venv/lib >/dev/null 2>&1 || true
  echo "$want" > "$stamp"
fi
.venv/bin/python -c "import flows.cli" # the project imports
