"""backtest.html: what a trial threshold would have done to the quarters already run — per rule
and per town the warnings raised, dropped and added; among the dropped, the ones towns had found
属实 (real risks the trial would miss) and 不属实 (visits it would save); the households that
would change colour. Counts only, no person (config/templates/backtest.html.j2)."""

from __future__ import annotations

import polars as pl

from transforms.kit.html import STYLE, drawn, html_table, render_page
from transforms.learning.backtest import Backtest

COLOUR_LABELS = {"red": "红", "yellow": "黄", "green": "绿"}
COUNT_HEADERS = [
    "现行预警",
    "试算预警",
    "减少",
    "其中乡镇核实属实（会漏掉的风险）",
    "其中核实不属实（可省的入户）",
    "其中未核实",
    "增加",
]


def counts(warnings: pl.DataFrame, by: str) -> pl.DataFrame:
    """Per `by` (rule_id or town): raised now and under the trial, dropped (and how the dropped
    were answered), added."""
    dropped = pl.col("in_current") & ~pl.col("in_trial")
    return (
        warnings.group_by(by)
        .agg(
            pl.col("in_current").sum().alias("current"),
            pl.col("in_trial").sum().alias("trial"),
            dropped.sum().alias("dropped"),
            (dropped & (pl.col("verification") == "属实")).sum().alias("dropped_true"),
            (dropped & (pl.col("verification") == "不属实")).sum().alias("dropped_not_true"),
            (dropped & pl.col("verification").is_null()).sum().alias("dropped_unanswered"),
            (~pl.col("in_current") & pl.col("in_trial")).sum().alias("added"),
        )
        .sort(by, nulls_last=True)
    )


def colour_changes(households: pl.DataFrame) -> pl.DataFrame:
    """Per town: red and yellow households gained and lost under the trial."""
    now, trial = pl.col("colour_current"), pl.col("colour_trial")
    return (
        households.group_by("town")
        .agg(
            ((trial == "red") & now.ne_missing("red")).sum().alias("red_gained"),
            ((now == "red") & trial.ne_missing("red")).sum().alias("red_lost"),
            ((trial == "yellow") & now.ne_missing("yellow")).sum().alias("yellow_gained"),
            ((now == "yellow") & trial.ne_missing("yellow")).sum().alias("yellow_lost"),
        )
        .sort("town", nulls_last=True)
    )


def _rows(frame: pl.DataFrame, by: str, labels: dict[str, str]) -> list[list]:
    columns = ["current", "trial", "dropped", "dropped_true", "dropped_not_true", "dropped_unanswered", "added"]
    return [[labels.get(r[by], r[by] or "（乡镇不明）"), *(r[c] for c in columns)] for r in frame.iter_rows(named=True)]


def render_backtest_page(
    backtest: Backtest, *, county: str, name: str, changes: list[list], rule_labels: dict[str, str]
) -> str:
    """The whole page (`changes`: each threshold tried, [name, year, the county's value, the trial's])."""
    w = backtest.warnings
    total = counts(w.with_columns(pl.lit("合计").alias("all")), "all")
    colours = colour_changes(backtest.households)
    return render_page(
        "backtest.html.j2",
        county=county,
        name=name,
        quarters="、".join(backtest.quarters),
        style=drawn(STYLE),
        changes=drawn(html_table(["阈值", "年度", "现行取值", "试算取值"], changes)),
        total=drawn(html_table(["", *COUNT_HEADERS], _rows(total, "all", {}))),
        by_rule=drawn(html_table(["预警规则", *COUNT_HEADERS], _rows(counts(w, "rule_id"), "rule_id", rule_labels))),
        by_town=drawn(html_table(["乡镇", *COUNT_HEADERS], _rows(counts(w, "town"), "town", {}))),
        colours=drawn(
            html_table(
                ["乡镇", "新增红色户", "不再红色户", "新增黄色户", "不再黄色户"],
                [
                    [r["town"] or "（乡镇不明）", r["red_gained"], r["red_lost"], r["yellow_gained"], r["yellow_lost"]]
                    for r in colours.iter_rows(named=True)
                ],
            )
        ),
    )
