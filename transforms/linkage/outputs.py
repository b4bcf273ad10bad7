"""What the suggestions publish: `id_suggestions.parquet` (the contract's columns and a few
more) and `quality/身份证号疑似录错_建议.xlsx` for the county office (full numbers: it holds
the roster), with a 确认结果 dropdown (是本人 / 不是本人); and their counts per department for
the report and the manifest."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from transforms.config import CountyConfig
from transforms.deliver.excel import ExcelLayout, SheetJob, row_place
from transforms.settings import quarter_label

WORKBOOK = "身份证号疑似录错_建议.xlsx"


def write_suggestions(folder: Path, suggestions: pl.DataFrame) -> None:
    """id_suggestions.parquet: one row per suggestion, in 建议编号 order."""
    suggestions.sort("suggestion_id").write_parquet(folder / "id_suggestions.parquet")


def suggestion_job(
    folder: Path, quarter: str, config: CountyConfig, layout: ExcelLayout, suggestions: pl.DataFrame,
    created: datetime | None, deadline: date | None = None,
) -> SheetJob:  # fmt: skip
    """The county office's workbook: one row per suggestion headed by its 建议编号."""
    spec = layout.raw["id_suggestions"]
    labels = config.department_labels
    rows = suggestions.sort("suggestion_id").select(
        "suggestion_id",
        pl.col("department").replace_strict(labels, default=pl.col("department")).alias("department_label"),
        row_place().alias("place"),
        "name_as_written", "id_as_written", "suggested_name", "suggested_id_number",
        pl.concat_str(["suggested_town", "suggested_village"], ignore_nulls=True).alias("suggested_place"),
        pl.format("{}%", (pl.col("match_probability") * 100).round(2)).alias("probability"),
        pl.when(pl.col("recommended")).then(pl.lit("推荐")).otherwise(pl.lit("")).alias("recommended_label"),
        "agreement", "suggested_household_id",
    )  # fmt: skip
    return SheetJob(
        folder / "quality" / WORKBOOK,
        title=spec["title"].format(county=config.county_name, quarter=quarter_label(quarter)),
        note=spec["note"].format(
            deadline=f"{deadline:%Y年%-m月%-d日}" if deadline else "下次运行", return_to=spec.get("return_to", "")
        ),
        sign_off=spec.get("sign_off"),
        columns=spec["columns"],
        rows=rows,
        colours=layout.raw["colours"],
        choices={"confirmation": spec["confirmation_choices"]},
        created=created,
        printing=layout.raw.get("print"),
    )


def suggestion_counts(suggestions: pl.DataFrame, department_labels: dict[str, str]) -> list[list]:
    """Per department: rows with a suggestion, rows with a recommended one (a data-quality signal
    the departments should see)."""
    if suggestions.is_empty():
        return []
    per_row = suggestions.group_by("department", "file", "sheet", "row_number").agg(pl.col("recommended").any())
    counts = (
        per_row.group_by("department")
        .agg(pl.len().alias("rows"), pl.col("recommended").sum().alias("recommended"))
        .sort("department")
    )
    return [[department_labels.get(d, d), int(n), int(r)] for d, n, r in counts.iter_rows()]
