"""What `povwatch backtest` writes, all at once, under `<data root>/backtest/<name>/`:
backtest.parquet (one row per warning under either configuration), backtest_households.parquet
(the households whose colour would change), backtest.html and manifest.json."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.config import CountyConfig, load_config
from transforms.kit.atomic import publish, write_manifest
from transforms.learning.backtest import parse_quarters, run_backtest, trial_config
from transforms.learning.backtest_page import counts, render_backtest_page
from transforms.settings import DataRoot, Quarter, RunRefused

AREA = "backtest"
_NAME = re.compile(r"^[\w\u4e00-\u9fff][\w\u4e00-\u9fff.-]{0,60}$")


@dataclass(frozen=True)
class BacktestRequest:
    """A backtest asked for: where, which quarters, which trial file, under which name."""

    root: DataRoot
    quarters: list[Quarter]
    thresholds: Path
    name: str

    @classmethod
    def make(cls, root: DataRoot, quarters: str, thresholds: Path, name: str | None) -> BacktestRequest:
        try:
            chosen = parse_quarters(quarters)
        except ValueError:
            raise RunRefused(
                f"季度范围应写成 2026Q2..2026Q3 / quarters must look like 2026Q2..2026Q3: {quarters!r}"
            ) from None
        if not thresholds.is_file():
            raise RunRefused(f"找不到试算阈值文件 {thresholds} / no such thresholds file")
        name = name or thresholds.stem
        if not _NAME.match(name):
            raise RunRefused(f"回测名称只能含文字、数字、点和横线 / a backtest's name is a plain folder name: {name!r}")
        return cls(root, chosen, thresholds, name)


def threshold_changes(config: CountyConfig, trial: CountyConfig, quarters: list[Quarter]) -> list[list]:
    """Each threshold the trial changes, per year of the quarters: [name, year, county's, trial's]."""
    rows = []
    for year in sorted({q.year for q in quarters}):
        now, tried = config.thresholds(year).values, trial.thresholds(year).values
        rows += [[name, year, f"{now[name]:g}", f"{tried[name]:g}"] for name in now if now[name] != tried[name]]
    return rows


def publish_backtest(request: BacktestRequest, shown=None) -> dict[str, object]:
    """Run the backtest and publish it; returns its counts and folder."""
    config = load_config()
    trial = trial_config(config, request.thresholds.name, request.thresholds.read_bytes())
    changes = threshold_changes(config, trial, request.quarters)
    started = time.monotonic()
    if shown:
        shown.step("compare")
    result = run_backtest(request.root.warehouse, request.quarters, config, trial)
    if shown:
        shown.step("compare", time.monotonic() - started)
        shown.step("publish")
    started = time.monotonic()
    total = counts(result.warnings.with_columns(pl.lit("all").alias("all")), "all")
    figures = (
        total.drop("all").row(0, named=True)
        if total.height
        else dict.fromkeys(
            ("current", "trial", "dropped", "dropped_true", "dropped_not_true", "dropped_unanswered", "added"), 0
        )
    )

    def build(folder: Path) -> None:
        result.warnings.write_parquet(folder / "backtest.parquet")
        result.households.write_parquet(folder / "backtest_households.parquet")
        page = render_backtest_page(
            result,
            county=config.county_name,
            name=request.name,
            changes=changes,
            rule_labels={r.rule_id: r.label for r in config.rules},
        )
        (folder / "backtest.html").write_text(page, encoding="utf-8")
        write_manifest(
            folder,
            {
                "name": request.name,
                "quarters": list(result.quarters),
                "thresholds": [dict(zip(("name", "year", "current", "trial"), c, strict=True)) for c in changes],
                **figures,
            },
        )

    folder = publish(request.root, request.name, build, area=AREA)
    if shown:
        shown.step("publish", time.monotonic() - started)
    return {"name": request.name, "folder": str(folder), "quarters": list(result.quarters), **figures}
