#!/usr/bin/env bash
# Create .venv from the lock file with nothing but python3. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.povwatch-lock.sha256
want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
  # PYTHONDONTWRITEBYTECODE is set on these machines: compile once here,
  # or every import recompiles in memory.
  .venv/bin/python -m compileall -q -j 0 .venv/lib >/dev/null || true
  echo "$want" > "$stamp"
fi
