"""Suggestions for mistyped identity numbers, measured the way issue 22 asks, on counties the
project has never seen (any seed, any scale):

1. two copies of one county — its clerks mistyping numbers as the generator plants them, and
   typing them right — each run for its quarters with `povwatch run`;
2. per quarter: the planted mistyped numbers recommended as the intended person (recall), the
   recommendations that are wrong (a typo given to another person, a near-number outsider or any
   other stranger recommended as someone), and the suggestions step's seconds as the run's
   manifest reports them;
3. the county office answers every recommended suggestion as it is (是本人 when it is the person
   the clerk meant, 不是本人 otherwise) in the real workbook, `povwatch read-returns` reads it, the
   last quarter is rerun, and the warnings the mistyped county lacked against the right-typed one
   are counted back.

    .venv/bin/python bench/measure_id_suggestions.py --scale county --seed 7 --root /tmp/measure

Not part of the test suite (a county takes minutes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from transforms.sample_county import generate_sample_county  # noqa: E402
from transforms.settings import Quarter  # noqa: E402

KEY = ["file", "sheet", "row_number"]
POVWATCH = str(REPO / ".venv" / "bin" / "povwatch")


def _povwatch(*args: str) -> None:
    done = subprocess.run([POVWATCH, *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"povwatch {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _planted(root: Path, q: str, name: str) -> pl.DataFrame:
    frame = pl.read_csv(root / "planted" / q / name, infer_schema_length=0)
    return frame.with_columns(pl.col("sheet").fill_null(""), pl.col("row_number").cast(pl.Int64))


def _suggestions(root: Path, q: str) -> pl.DataFrame:
    frame = pl.read_parquet(root / "out" / q / "id_suggestions.parquet")
    return frame.with_columns(pl.col("sheet").fill_null(""))


def judged(root: Path, q: str) -> pl.DataFrame:
    """Each recommended suggestion with `right`: the person the clerk meant (a planted typo's
    intended person, or — for a row planted bad for its check character alone — the person with
    the same first 17 digits)."""
    typos = _planted(root, q, "typos.csv")
    check_only = _planted(root, q, "bad_rows.csv").filter(pl.col("reason_code") == "id_check_digit")
    rec = (
        _suggestions(root, q).filter("recommended").join(typos.select(*KEY, "kind", "intended_id"), on=KEY, how="left")
    )
    rec = rec.join(check_only.select(*KEY, pl.lit(True).alias("check_only")), on=KEY, how="left")
    same17 = pl.col("id_as_written").str.slice(0, 17) == pl.col("suggested_id_number").str.slice(0, 17)
    right = pl.when(pl.col("intended_id").is_not_null()).then(pl.col("intended_id") == pl.col("suggested_id_number"))
    right = right.when(pl.col("check_only").fill_null(False)).then(same17).otherwise(False)
    return rec.with_columns(right.alias("right"))


def quarter_figures(root: Path, q: str) -> dict:
    typos = _planted(root, q, "typos.csv")
    mistyped = typos.filter(pl.col("kind") != "near_outsider")
    rec = judged(root, q)
    hit = mistyped.join(rec.filter("right"), on=KEY, how="semi")
    missed = mistyped.join(rec.filter("right"), on=KEY, how="anti")
    manifest = json.loads((root / "out" / q / "manifest.json").read_text(encoding="utf-8"))
    all_suggestions = _suggestions(root, q)
    return {
        "quarter": q,
        "mistyped": mistyped.height,
        "recommended_right": hit.height,
        "recall": round(hit.height / max(mistyped.height, 1), 4),
        "wrong": rec.filter(~pl.col("right")).height,
        "wrong_rows": rec.filter(~pl.col("right"))
        .select("department", "row_number", "origin", "kind", "match_probability", "row_probability", "agreement")
        .rows(),
        "missed_by_kind": missed.group_by("kind", "department").len().sort("kind", "department").rows(),
        "missed_listed": missed.join(all_suggestions, on=KEY, how="semi").height,
        "suggestions": all_suggestions.height,
        "rows_searched_by_origin": all_suggestions.group_by("origin").agg(pl.col("row_number").len()).rows(),
        "suggestions_seconds": manifest["timings_seconds"].get("suggestions"),
    }


def answer(root: Path, q: str) -> int:
    """The county office answers each recommended suggestion as it is; returns the answers given."""
    verdict = dict(judged(root, q).select("suggestion_id", "right").iter_rows())
    path = root / "out" / q / "quality" / "身份证号疑似录错_建议.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header_row = next(r for r in range(1, 8) if any(c.value == "建议编号" for c in ws[r]))
    header = {c.value: c.column for c in ws[header_row] if c.value}
    given = 0
    for r in range(header_row + 1, ws.max_row + 1):
        number = ws.cell(r, header["建议编号"]).value
        if number in verdict:
            ws.cell(r, header["确认结果"]).value = "是本人" if verdict[number] else "不是本人"
            ws.cell(r, header["确认人"]).value = "县乡村振兴局"
            given += 1
    target = root / "returns" / q / "县级" / "身份证号核对（已确认）.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return given


def _keys(root: Path, q: str) -> set[tuple]:
    frame = pl.read_parquet(root / "out" / q / "warnings.parquet")
    return set(frame.select("rule_id", "household_id", "id_number").iter_rows())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="sample")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--root", type=Path, required=True)
    p.add_argument("--quarters", nargs="+", default=["2026Q2", "2026Q3"])
    p.add_argument("--keep", action="store_true", help="reuse the generated and run counties under --root")
    p.add_argument("--rerun", action="store_true", help="reuse the generated counties, run them again")
    args = p.parse_args()
    quarters = [Quarter.parse(q) for q in args.quarters]
    mistyped, right = args.root / "mistyped", args.root / "typed_right"
    if not args.keep and not args.rerun:
        shutil.rmtree(args.root, ignore_errors=True)
        t = time.perf_counter()
        generate_sample_county(mistyped, quarters, scale=args.scale, seed=args.seed)
        generate_sample_county(right, quarters, scale=args.scale, seed=args.seed, mistyped=False)
        print(f"generated in {time.perf_counter() - t:.0f} s", flush=True)
    if args.rerun:
        for root in (mistyped, right):
            for stale in ("out", "returns", "followup", "warehouse.duckdb", "warehouse.files"):
                target = root / stale
                shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    if not args.keep:
        for root in (mistyped, right):
            for q in args.quarters:
                t = time.perf_counter()
                _povwatch("run", "--data-root", str(root), "--quarter", q)
                print(f"ran {root.name} {q} in {time.perf_counter() - t:.0f} s", flush=True)
    figures = [quarter_figures(mistyped, q) for q in args.quarters]
    for f in figures:
        print(json.dumps(f, ensure_ascii=False))
    last = args.quarters[-1]
    before = _keys(mistyped, last)
    for q in args.quarters:
        given = answer(mistyped, q)
        _povwatch("read-returns", "--data-root", str(mistyped), "--quarter", q, "--as-of", "2026-12-31")
        print(f"answered {given} recommended suggestions of {q}", flush=True)
    _povwatch("run", "--data-root", str(mistyped), "--quarter", last)
    after, truth = _keys(mistyped, last), _keys(right, last)
    lost = truth - before
    recovered = lost & after
    print(
        json.dumps(
            {
                "quarter": last,
                "lost_warnings": len(lost),
                "recovered": len(recovered),
                "recovered_share": round(len(recovered) / max(len(lost), 1), 4),
                "not_recovered_by_rule": sorted(
                    pl.DataFrame(list(lost - recovered), schema=["rule", "h", "i"], orient="row")
                    .group_by("rule")
                    .len()
                    .rows()
                ),
                "extra_after": len(after - before - truth),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
