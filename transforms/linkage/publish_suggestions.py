"""What the suggestions publish: `id_suggestions.parquet` (the contract's columns and a few
more) and `quality/身份证号疑似录错_建议.xlsx` for the county office (full numbers: it holds
the roster), with a 确认结果 dropdown (是本人 / 不是本人); and their counts per department for
the report and the manifest."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from schemas.outputs import SuggestionRows
from transforms.config import CountyConfig
from transforms.config_files import ExcelLayout, Likelihood
from transforms.kit.workbook import SheetJob, row_place
from transforms.settings import quarter_label

WORKBOOK = "身份证号疑似录错_建议.xlsx"


def write_suggestions(folder: Path, suggestions: pl.DataFrame) -> None:
    """id_suggestions.parquet: one row per suggestion, in 建议编号 order."""
    SuggestionRows.validate(suggestions.sort("suggestion_id")).write_parquet(folder / "id_suggestions.parquet")


def suggestion_job(
    folder: Path,
    quarter: str,
    config: CountyConfig,
    layout: ExcelLayout,
    suggestions: pl.DataFrame,
    created: datetime | None,
    deadline: date | None = None,
) -> SheetJob:
    """The county office's workbook: one row per suggestion headed by its 建议编号."""
    spec = layout.id_suggestions
    labels = config.department_labels
    rows = suggestions.sort("suggestion_id").select(
        "suggestion_id",
        pl.col("department").replace_strict(labels, default=pl.col("department")).alias("department_label"),
        row_place().alias("place"),
        pl.concat_str(
            [pl.col("name_as_written").fill_null("—"), pl.col("suggested_name").fill_null("—")], separator="／"
        ).alias("names"),
        pl.struct("id_as_written", "suggested_id_number")
        .map_elements(lambda r: marked_digits(r["id_as_written"], r["suggested_id_number"]), return_dtype=pl.String)
        .alias("id_marked"),
        "suggested_id_number",
        pl.concat_str([_birth(pl.col("id_as_written")), _birth(pl.col("suggested_id_number"))], separator="／").alias(
            "birth_dates"
        ),
        pl.concat_str(
            [_place("town_as_written", "village_as_written"), _place("suggested_town", "suggested_village")],
            separator="／",
        ).alias("places"),
        "agreement",
        _likelihood(spec.likelihood).alias("likelihood"),
        "suggested_household_id",
    )
    return SheetJob(
        folder / "quality" / WORKBOOK,
        title=spec.title.format(county=config.county_name, quarter=quarter_label(quarter)),
        note=spec.note.format(
            deadline=f"{deadline:%Y年%-m月%-d日}" if deadline else "下次运行", return_to=spec.return_to
        ),
        sign_off=spec.sign_off,
        columns=spec.columns,
        rows=rows,
        colours=layout.colours,
        choices={"confirmation": spec.confirmation_choices},
        created=created,
        printing=layout.print,
    )


def marked_digits(written: str | None, roster: str | None) -> str:
    """The number as written, each character that differs from the roster's number in [ ]
    (431125199001011[2]34): where to look, at a glance (half-width brackets: the number stays on
    one line)."""
    if not written or not roster or len(written) != len(roster):
        return written or ""
    return "".join(a if a == b else f"[{a}]" for a, b in zip(written, roster, strict=True))


def _birth(number: pl.Expr) -> pl.Expr:
    """The birth date an 18-character number carries (YYYY-MM-DD), or — ."""
    digits = number.str.slice(6, 8)
    return (
        pl.when(number.str.len_chars() == 18)
        .then(pl.concat_str([digits.str.slice(0, 4), digits.str.slice(4, 2), digits.str.slice(6, 2)], separator="-"))
        .otherwise(pl.lit("—"))
    )


def _place(town: str, village: str) -> pl.Expr:
    return pl.concat_str([pl.col(town), pl.col(village)], ignore_nulls=True).replace("", None).fill_null("未注明")


def _likelihood(words: Likelihood) -> pl.Expr:
    """判断参考: what the model's figures mean for the decision (excel_layout.yaml likelihood)."""
    return (
        pl.when(pl.col("recommended"))
        .then(pl.lit(words.recommended))
        .when(pl.col("row_probability") >= words.possible_from)
        .then(pl.lit(words.possible))
        .otherwise(pl.lit(words.doubtful))
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
