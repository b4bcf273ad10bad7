"""The benchmark: one command that makes the samples it needs (unless they are there), then on
the same files measures, each in its own process, wall time and peak RSS of
  floor    bench/floor.py — the validating floor: the work a correct run cannot skip, nothing else
  run      `povwatch run` all in on a data root that has never seen the files (process start,
           imports, Prefect's temporary API, gates, Excel, report), with each step's seconds and
           peak RSS as the run reports them
  recheck  `povwatch check-inbox` all in after one department resent one file (the civil
           affairs extract, one row corrected), every other file's outcome reused
  warm run `povwatch run` again after that check (files reused, not read again)
  pandas   bench/pandas_baseline.py — the way a data officer would write it (under a memory cap,
           so a baseline that cannot hold the data fails instead of taking the machine down)
and prints body/floor (the run's data work: its flow body, without process start, imports and
Prefect's API start-up) and pandas/run, for each scale; then, with --province N, the speed-up of
`povwatch run-province` on N counties with two Dask workers over one. The five figures of issue 14
are written between the bench markers of docs/performance.md. Not part of the test suite.

    .venv/bin/python bench/run_bench.py --scales county county10
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUARTER = "2026Q3"
PANDAS_MEMORY_CAP = 20 << 30  # bytes of address space; the machine has 24 GB


def measure(cmd: list[str], cap: int | None = None) -> tuple[float, float, str, int]:
    """(wall seconds, peak RSS in GB of the process and its children, output, exit code)."""

    def limit() -> None:
        if cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, preexec_fn=limit
    )
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_maxrss / 1024 / 1024, output, os.waitstatus_to_exitcode(status)


def must(result: tuple[float, float, str, int], what: str) -> tuple[float, float, str, int]:
    if result[3] != 0:
        raise SystemExit(f"{what} failed:\n{result[2][-3000:]}")
    return result


def make_sample(povwatch: str, root: Path, scale: str) -> str | None:
    if (root / "inbox" / QUARTER).is_dir():
        return None
    wall, rss, _, _ = must(
        measure([povwatch, "make-sample", "--data-root", str(root), "--scale", scale, "--quarters", QUARTER]),
        "make-sample",
    )
    return f"generate {scale}: {wall:.1f} s, {rss:.2f} GB"


def clean(root: Path) -> None:
    for leftover in ("out", "check", ".work", ".cache", "warehouse.duckdb", "warehouse.duckdb.wal"):
        target = root / leftover
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)


def body_and_steps(output: str) -> tuple[float, str]:
    body = float(re.search(r"用时 seconds ([\d.]+)", output).group(1))
    steps = re.search(r"steps \(seconds/peak RSS\): (.*)", output)
    return body, steps.group(1).strip() if steps else ""


def resend_one_file(root: Path) -> tuple[Path, bytes]:
    """The civil affairs clerk resends the extract with one row corrected (here: its last data
    row's amount); returns the file and its former bytes."""
    path = next(p for p in sorted((root / "inbox" / QUARTER / "民政局").iterdir()) if p.suffix == ".txt")
    before = path.read_bytes()
    lines = before.splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line[:1].isdigit())
    cells = lines[last].rstrip(b"\r\n").split(b"\t")
    cells[-1] = b"700"
    lines[last] = b"\t".join(cells) + lines[last][len(lines[last].rstrip(b"\r\n")) :]
    path.write_bytes(b"".join(lines))
    return path, before


def bench_scale(
    python: str, povwatch: str, root: Path, scale: str, pandas: bool, repeat: int = 1
) -> tuple[list[str], dict]:
    """Floor, cold run (and for the county: re-check of one resent file, warm run) `repeat` times,
    each floor next to its run; the figures are the medians (body/floor: the median of each
    repetition's own ratio, so a machine that slows down over the bench slows both sides)."""
    lines = [line for line in [make_sample(povwatch, root, scale)] if line]
    inbox = root / "inbox" / QUARTER
    seen: dict[str, list[float]] = {k: [] for k in ("floor", "all_in", "body", "body_floor", "peak", "recheck")}
    for i in range(repeat):
        tag = f"[{scale}]" if repeat == 1 else f"[{scale} #{i + 1}]"
        clean(root)
        floor = must(measure([python, "bench/floor.py", str(inbox), str(root / "bench-floor")]), "floor")
        run = must(measure([povwatch, "run", "--data-root", str(root), "--quarter", QUARTER]), "run")
        body, steps = body_and_steps(run[2])
        seen["floor"].append(floor[0])
        seen["all_in"].append(run[0])
        seen["body"].append(body)
        seen["body_floor"].append(body / floor[0])
        seen["peak"].append(run[1])
        lines += [
            f"{tag} floor (validating): wall {floor[0]:.1f} s, peak RSS {floor[1]:.2f} GB",
            f"{tag} run all in (files never seen): wall {run[0]:.1f} s, peak RSS {run[1]:.2f} GB "
            "(the largest process of the run)",
            f"{tag} run steps: {steps}",
            f"{tag} run data work (flow body): {body:.1f} s; process start, imports and Prefect start-up: "
            f"{run[0] - body:.1f} s",
            f"{tag} body/floor = {body / floor[0]:.2f}",
        ]
        if scale == "county":
            path, before = resend_one_file(root)
            try:
                check = must(
                    measure([povwatch, "check-inbox", "--data-root", str(root), "--quarter", QUARTER]), "check"
                )
                warm = must(measure([povwatch, "run", "--data-root", str(root), "--quarter", QUARTER]), "warm run")
            finally:
                path.write_bytes(before)
            check_body, _ = body_and_steps(check[2])
            warm_body, warm_steps = body_and_steps(warm[2])
            seen["recheck"].append(check[0])
            lines += [
                f"{tag} recheck after one file was resent (check-inbox all in): wall {check[0]:.1f} s "
                f"(flow body {check_body:.1f} s), peak RSS {check[1]:.2f} GB",
                f"{tag} warm run after that check (files reused): wall {warm[0]:.1f} s (flow body {warm_body:.1f} s)",
                f"{tag} warm run steps: {warm_steps}",
            ]
    figures = {k: statistics.median(v) for k, v in seen.items() if v}
    figures["ranges"] = {k: (min(v), max(v)) for k, v in seen.items() if v}
    figures["repeat"] = repeat
    if repeat > 1:
        r = figures["ranges"]
        lines.append(
            f"[{scale}] median of {repeat}: floor {figures['floor']:.1f} s, all in {figures['all_in']:.1f} s "
            f"({r['all_in'][0]:.1f}–{r['all_in'][1]:.1f}), body {figures['body']:.1f} s, "
            f"body/floor {figures['body_floor']:.2f} ({r['body_floor'][0]:.2f}–{r['body_floor'][1]:.2f})"
            + (f", recheck {figures['recheck']:.1f} s" if "recheck" in figures else "")
        )
    body = figures["body"]
    if pandas:
        base = measure(
            [python, "bench/pandas_baseline.py", str(inbox), str(root / "bench-pandas")], cap=PANDAS_MEMORY_CAP
        )
        if base[3] == 0:
            lines.append(f"[{scale}] pandas: wall {base[0]:.1f} s, peak RSS {base[1]:.2f} GB")
            lines.append(f"[{scale}] pandas/run = {base[0] / body:.2f}")
        else:
            why = "MemoryError" if "MemoryError" in base[2] else f"exit {base[3]}"
            lines.append(
                f"[{scale}] pandas: failed after {base[0]:.1f} s at {base[1]:.2f} GB ({why}; capped at "
                f"{PANDAS_MEMORY_CAP >> 30} GB of address space)"
            )
            lines.append(f"[{scale}] pandas/run = n/a (the baseline cannot hold this scale)")
    return lines, figures


def bench_province(povwatch: str, root: Path, counties: int, scale: str) -> list[str]:
    lines = []
    for i in range(counties):
        made = make_sample(povwatch, root / f"county{i + 1:02d}", scale)
        if made:
            lines.append(made)
    walls = {}
    for workers in (1, 2):
        for county in root.iterdir():
            if county.is_dir() and county.name != "out":
                clean(county)
        wall, rss, out, code = measure(
            [povwatch, "run-province", "--province-root", str(root), "--quarter", QUARTER, "--workers", str(workers)]
        )
        must((wall, rss, out, code), f"run-province --workers {workers}")
        walls[workers] = wall
        lines.append(f"[province {counties}×{scale}] {workers} worker(s): wall {wall:.1f} s, peak RSS {rss:.2f} GB")
    lines.append(f"[province {counties}×{scale}] speed-up 2 workers / 1 worker = {walls[1] / walls[2]:.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["county"], choices=["sample", "district", "county", "county10"])
    parser.add_argument("--data-root", default="/tmp/povwatch-bench", help="samples are made (once) under here")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--province", type=int, default=0, help="also time run-province on this many counties")
    parser.add_argument("--province-scale", default="district")
    parser.add_argument("--report", default=str(REPO / "docs" / "performance-measured.md"))
    parser.add_argument(
        "--repeat", type=int, default=1, help="cold runs (each beside its own floor) per scale; medians are reported"
    )
    args = parser.parse_args()
    base = Path(args.data_root)
    python = sys.executable
    povwatch = str(Path(python).with_name("povwatch"))
    lines: list[str] = []
    figures: dict[str, dict] = {}
    started = time.strftime("%Y-%m-%d %H:%M")
    for scale in args.scales:
        repeat = args.repeat if scale != "county10" else 1  # 10 x county: one run (≈ 2 minutes each)
        scale_lines, figures[scale] = bench_scale(python, povwatch, base / scale, scale, not args.skip_pandas, repeat)
        lines += scale_lines
        print("\n".join(scale_lines), flush=True)
    if args.province:
        lines += bench_province(povwatch, base / f"province-{args.province_scale}", args.province, args.province_scale)
    print("\n".join(lines))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = " ".join([".venv/bin/python", "bench/run_bench.py", *sys.argv[1:]])
    if {"county", "county10"} <= figures.keys():
        write_figures(figures, machine, command, started)
    Path(args.report).write_text(
        f"# Bench output\n\n`{command}` on {machine}, {time.strftime('%Y-%m-%d %H:%M')}.\n\n```\n"
        + "\n".join(lines)
        + "\n```\n",
        encoding="utf-8",
    )


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _spread(county: dict) -> str:
    """The county's ranges, when the figures are medians of several cold runs."""
    if county["repeat"] == 1:
        return ""
    r = county["ranges"]
    return (
        f"\nCounty figures are medians of {county['repeat']} cold runs; ranges: all in "
        f"{r['all_in'][0]:.1f}–{r['all_in'][1]:.1f} s, body/floor {r['body_floor'][0]:.2f}–{r['body_floor'][1]:.2f}, "
        f"floor {r['floor'][0]:.1f}–{r['floor'][1]:.1f} s, recheck {r['recheck'][0]:.1f}–{r['recheck'][1]:.1f} s.\n"
    )


def write_figures(figures: dict[str, dict], machine: str, command: str, started: str) -> None:
    """The five figures of issue 14, between the bench markers of docs/performance.md."""
    county, county10 = figures["county"], figures["county10"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    block = (
        f"{BEGIN}\nMeasured on {machine}, {started}, commit {commit.stdout.strip() or '?'}, by\n\n"
        f"    {command}\n\n```\n"
        f"county all in = {county['all_in']:.1f} s\n"
        f"county body/floor = {county['body_floor']:.2f}\n"
        f"county10 all in = {county10['all_in']:.1f} s\n"
        f"county10 peak = {county10['peak']:.2f} GB\n"
        f"recheck one file = {county['recheck']:.1f} s\n```\n{_spread(county)}{END}"
    )
    doc = REPO / "docs" / "performance.md"
    text = doc.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text += "\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
