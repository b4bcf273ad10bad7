"""The province summary: per county, the table of seed 004 (roster households and persons by
household type, monitoring category and risk cause) and the listed households by colour.
Counts only — no names, no identity numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from transforms.kit.atomic import write_manifest
from transforms.kit.workbook import write_cell
from transforms.settings import Quarter

STATUS_LABELS = {"published": "已发布", "refused": "未发布（质量关卡拒绝）", "failed": "运行失败"}
COLOURS = ("red", "yellow", "green")
BY_CAUSE_SCHEMA = {
    "county": pl.String,
    "household_type": pl.String,
    "monitoring_type": pl.String,
    "risk_cause": pl.String,
    "households": pl.Int64,
    "persons": pl.Int64,
}


@dataclass(frozen=True)
class CountyOutcome:
    """How one county's run ended: `published` with its RunSummary (as a dict), or
    `refused`/`failed` with a one-line reason (no cell values)."""

    county: str
    status: str
    reason: str = ""
    summary: dict = field(default_factory=dict)
    worker: str = ""  # the Dask worker that ran it


def county_roots(province_root: Path) -> list[Path]:
    """The counties of a province: each sub-folder with an `inbox/`, by name."""
    roots = sorted(p for p in province_root.iterdir() if p.is_dir() and (p / "inbox").is_dir())
    if not roots:
        raise FileNotFoundError(f"省级目录下没有县（含 inbox/ 的子目录）/ no county data roots under {province_root}")
    return roots


def counties_frame(outcomes: list[CountyOutcome]) -> pl.DataFrame:
    """One row per county: status, intake counts, warnings and listed households by colour."""
    rows = []
    for o in outcomes:
        s = o.summary
        colours = s.get("listed_by_colour", {})
        rows.append(
            {
                "county": o.county,
                "status": o.status,
                "reason": o.reason,
                "rows_read": s.get("rows_read"),
                "accepted": s.get("accepted"),
                "rejected": s.get("rejected"),
                "warnings": s.get("warnings"),
                **{c: colours.get(c, 0) if s else None for c in COLOURS},
                "seconds": s.get("timings", {}).get("total"),
                "worker": o.worker,
            }
        )
    schema = {
        "county": pl.String,
        "status": pl.String,
        "reason": pl.String,
        "rows_read": pl.Int64,
        "accepted": pl.Int64,
        "rejected": pl.Int64,
        "warnings": pl.Int64,
        "red": pl.Int64,
        "yellow": pl.Int64,
        "green": pl.Int64,
        "seconds": pl.Float64,
        "worker": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def by_cause_frame(outcomes: list[CountyOutcome]) -> pl.DataFrame:
    """The table of seed 004, county by county (published counties only)."""
    rows = [{"county": o.county, **r} for o in outcomes for r in o.summary.get("roster_by_cause", [])]
    return pl.DataFrame(rows, schema=BY_CAUSE_SCHEMA, orient="row").sort(
        "county", "household_type", "monitoring_type", "risk_cause"
    )


def write_province_summary(folder: Path, quarter: Quarter, outcomes: list[CountyOutcome]) -> None:
    """province_counties.parquet, province_by_cause.parquet, 省级汇总.xlsx and the manifest."""
    counties = counties_frame(outcomes)
    by_cause = by_cause_frame(outcomes)
    counties.write_parquet(folder / "province_counties.parquet")
    by_cause.write_parquet(folder / "province_by_cause.parquet")
    _write_workbook(folder / f"{quarter}_省级汇总.xlsx", quarter, counties, by_cause)
    write_manifest(
        folder,
        {
            "quarter": str(quarter),
            "counties": {o.county: o.status for o in outcomes},
            "published": sum(o.status == "published" for o in outcomes),
        },
    )


def _write_workbook(path: Path, quarter: Quarter, counties: pl.DataFrame, by_cause: pl.DataFrame) -> None:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime.combine(quarter.last_day, datetime.min.time())})  # same summary, same bytes
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center"})
    cell = wb.add_format({"border": 1})
    title = wb.add_format({"bold": True, "font_size": 14})
    sheets = (
        (
            "各县预警",
            f"{quarter} 各县运行情况与列入名单的户（红/黄/绿）",
            counties.with_columns(pl.col("status").replace(STATUS_LABELS)),
            [
                "县",
                "运行结果",
                "原因",
                "读取行",
                "采用",
                "退回",
                "预警条数",
                "红色户",
                "黄色户",
                "绿色户",
                "用时（秒）",
            ],
        ),
        (
            "监测对象分类",
            f"{quarter} 各县监测对象（户、人）按类型、监测类别和风险类型（004 表式）",
            by_cause,
            ["县", "户类型", "监测对象类别", "风险类型", "户数", "人数"],
        ),
    )
    for name, heading, frame, headers in sheets:
        ws = wb.add_worksheet(name)
        ws.write_string(0, 0, heading, title)
        for c, h in enumerate(headers):
            ws.write_string(2, c, h, head)
            ws.set_column(c, c, 14)
        for r, row in enumerate(frame.iter_rows(), start=3):
            for c, value in enumerate(row):
                write_cell(ws, r, c, value, cell)
        ws.freeze_panes(3, 0)
    wb.close()
