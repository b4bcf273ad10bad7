#!/usr/bin/env bash
# Two versions of povwatch timed alternately on the same county: when the machine's speed drifts
# (it did by a third within an hour, session 7), only runs side by side compare. Each round runs
# every version once, cold (no warehouse, no cache), and prints all in, when the flow began,
# the flow's body and its steps.
#
#   bench/interleave.sh <data root> <rounds> <label>=<checkout or -> ...
#   git worktree add /tmp/before <commit>
#   bench/interleave.sh /tmp/pb/county 3 before=/tmp/before after=-     # "-": this checkout
#
# A checkout is put first on PYTHONPATH and run from its own folder (its flows/, transforms/, sql/
# and config/ are used, with this checkout's .venv — a `python -m` it starts finds its modules). With a PREFECT_HOME not used before, the first run also creates
# Prefect's database (seconds): leave out the first round. Not part of the test suite.
set -euo pipefail
root=$1
rounds=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
export PREFECT_HOME=${PREFECT_HOME:-$root/.prefect-bench}
for _ in $(seq 1 "$rounds"); do
  for spec in "$@"; do
    label=${spec%%=*}
    checkout=${spec#*=}
    rm -rf "$root"/{out,check,.work,.cache,warehouse.duckdb,warehouse.duckdb.wal,warehouse.files,logs}
    log=$(mktemp)
    start=$(date +%s.%N)
    if [ "$checkout" = "-" ]; then
      (cd "$here" && .venv/bin/povwatch run --data-root "$root" --quarter 2026Q3 >"$log" 2>&1)
    else
      (cd "$checkout" && PYTHONPATH="$checkout" "$here/.venv/bin/povwatch" run --data-root "$root" --quarter 2026Q3 >"$log" 2>&1)
    fi
    end=$(date +%s.%N)
    "$here/.venv/bin/python" - "$start" "$end" "$root" "$label" "$log" <<'PY'
import datetime
import re
import sys

start, end = float(sys.argv[1]), float(sys.argv[2])
began = None
for line in open(f"{sys.argv[3]}/logs/povwatch.log", encoding="utf-8"):
    if "Beginning flow" in line:
        stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").astimezone()
        began = stamp.timestamp() - start
steps = re.search(r"steps \(seconds/peak RSS\): (.*)", open(sys.argv[5], encoding="utf-8").read()).group(1)
body = sum(float(x) for x in re.findall(r"([\d.]+)s/", steps))
print(f"{sys.argv[4]:8s} all in {end - start:5.1f}  flow began {began or float('nan'):4.1f}  body {body:5.1f} | "
      + re.sub(r"/[0-9.]+GB", "", steps), flush=True)
PY
    rm -f "$log"
  done
done
