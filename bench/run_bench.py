"""The benchmark: one command that makes a county-scale sample (unless it is there), then on the
same files measures, each in its own process, wall time and peak RSS of
  floor   bench/floor.py — decode, read, sum, join, write flagged rows; nothing else
  run     `povwatch run` all in (process start, imports, Prefect start-up, gates, Excel, report)
  pandas  bench/pandas_baseline.py — the way a data officer would write it
and prints run/floor (the run's data work: its flow body, without process start, imports and
Prefect's API start-up) and pandas/run. Not part of the test suite.

    .venv/bin/python bench/run_bench.py --scale county [--data-root /tmp/povwatch-bench] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUARTER = "2026Q3"


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in GB, stdout) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[1:3]} failed:\n{output[-3000:]}")
    return wall, usage.ru_maxrss / 1024 / 1024, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="county", choices=["sample", "county", "county10"])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--report", default=str(REPO / "docs" / "performance.md"))
    args = parser.parse_args()
    root = Path(args.data_root or f"/tmp/povwatch-bench-{args.scale}")
    python = sys.executable
    povwatch = str(Path(python).with_name("povwatch"))
    inbox = root / "inbox" / QUARTER
    if not inbox.is_dir():
        wall, rss, _ = measure(
            [povwatch, "make-sample", "--data-root", str(root), "--scale", args.scale, "--quarters", QUARTER]
        )
        print(f"generate: {wall:.1f} s, {rss:.2f} GB")
    for leftover in ("out", "check", "warehouse.duckdb", "warehouse.duckdb.wal"):
        target = root / leftover
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    results = {}
    results["floor"] = measure([python, "bench/floor.py", str(inbox), str(root / "bench-floor")])
    results["run"] = measure([povwatch, "run", "--data-root", str(root), "--quarter", QUARTER])
    if not args.skip_pandas:
        results["pandas"] = measure([python, "bench/pandas_baseline.py", str(inbox), str(root / "bench-pandas")])
    flow_body = float(re.search(r"用时 seconds ([\d.]+)", results["run"][2]).group(1))
    lines = [f"{name}: wall {w:.1f} s, peak RSS {r:.2f} GB" for name, (w, r, _) in results.items()]
    lines.append(f"run data work (flow body, no process start/imports/Prefect start-up): {flow_body:.1f} s")
    lines.append(f"run/floor = {flow_body / results['floor'][0]:.2f}")
    if "pandas" in results:
        lines.append(f"pandas/run = {results['pandas'][0] / flow_body:.2f}")
    print("\n".join(lines))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    Path(args.report).write_text(
        "# Performance\n\nMeasured by `"
        + " ".join(["python", "bench/run_bench.py", "--scale", args.scale])
        + "` on "
        + machine
        + f", {time.strftime('%Y-%m-%d')}.\n\n```\n"
        + "\n".join(lines)
        + "\n```\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
