"""One person, one row, one visit (contract: mistyped identity numbers). While a recommended
suggestion waits for the county office's answer, a "stranger" whose number a department probably
mistyped and the roster person it probably is are treated as one person:

- the stranger's warning (NEW_CANDIDATE) is not sent as a separate person (`listed` false; it
  carries the 建议编号 it waits on, `pending_suggestion`);
- the suggested roster person's household is in its town's list instead — with a row of its own
  if it had none, so no risk waits unvisited — and that row says so, naming the department, the
  建议编号 and what the department's row reported;
- a rejected row with a recommended suggestion says the same 建议编号 in its 退回原因.

A 不是本人 answer is never suggested again, so the stranger's warnings go out as usual from the
next run on; a 是本人 answer corrects the rows at intake (the stranger is gone).
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from transforms.compare.comparison import Comparison
from transforms.staging.warehouse import read_sql

# (polars' pl.format placeholders: the department, the 建议编号, what the department's row reported)
NOTE = "另有{}数据疑似为此人（身份证号疑似录错，待县级确认，建议编号 {}）：{}"
REJECT_NOTE = "；疑似身份证号录错，已提交县级核对（建议编号 {}）"
# household_id, the note its row adds, and the stranger's warning's cause and status (for a row of its own)
NOTES_SCHEMA = {"household_id": pl.String, "note": pl.String, "cause": pl.String, "status": pl.String}


def pending_links(suggestions: pl.DataFrame) -> pl.DataFrame:
    """Each stranger's number (as a department wrote it) with its recommended suggestion: the
    first by 建议编号 when several of the stranger's rows were recommended (one person)."""
    return (
        suggestions.filter(pl.col("recommended") & (pl.col("origin") == "new_candidate"))
        .sort("suggestion_id")
        .unique("id_as_written", keep="first", maintain_order=True)
        .select("id_as_written", "suggestion_id", "suggested_household_id", "department")
    )


def one_visit(comparison: Comparison, department_labels: dict[str, str]) -> Comparison:
    """The comparison with pending suggestions applied to what towns receive (see the module)."""
    links = pending_links(comparison.suggestions)
    warnings = (
        comparison.warnings.drop("pending_suggestion", strict=False)
        .join(
            links.select(
                pl.col("id_as_written").alias("id_number"), pl.col("suggestion_id").alias("pending_suggestion")
            ),
            on="id_number",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.when(pl.col("rule_id") == "NEW_CANDIDATE").then(pl.col("pending_suggestion")).alias("pending_suggestion")
        )
    )
    waiting = warnings.filter(pl.col("pending_suggestion").is_not_null() & pl.col("listed"))
    warnings = warnings.with_columns((pl.col("listed") & pl.col("pending_suggestion").is_null()).alias("listed"))
    moved = waiting.join(
        links.select("suggestion_id", "suggested_household_id", pl.col("department").alias("row_department")),
        left_on="pending_suggestion",
        right_on="suggestion_id",
    )
    notes = (
        moved.select(
            pl.col("suggested_household_id").alias("household_id"),
            pl.format(
                NOTE,
                pl.col("row_department").replace_strict(department_labels, default=pl.col("row_department")),
                pl.col("pending_suggestion"),
                pl.col("evidence"),
            ).alias("note"),
            "cause",
            "status",
        )
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("note").str.join("；"), pl.col("cause").first(), pl.col("status").first())
    )
    missing = notes.join(comparison.households, on="household_id", how="anti")
    added = comparison.all_households.join(missing.select("household_id"), on="household_id", how="semi")
    households = pl.concat([comparison.households, added.select(comparison.households.columns)], how="vertical").sort(
        "household_id"
    )
    return replace(comparison, warnings=warnings, households=households, pending_notes=notes.cast(NOTES_SCHEMA))


def record_unlisted(con, quarter: str, comparison: Comparison) -> None:
    """The quarter's history says which strangers' warnings were not sent (they wait on a suggestion)."""
    waiting = comparison.warnings.filter(pl.col("pending_suggestion").is_not_null()).select("id_number")
    if waiting.is_empty():
        return
    con.register("pending_strangers", waiting.to_arrow())
    try:
        con.execute(read_sql("linkage/lnk_unlist_pending.sql"), {"quarter": quarter})
    finally:
        con.unregister("pending_strangers")


def rejects_with_suggestions(rejects: pl.DataFrame, suggestions: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows with a recommended suggestion name its 建议编号 in their reason."""
    recommended = (
        suggestions.filter(pl.col("recommended") & (pl.col("origin") == "rejected"))
        .select("department", "file", "sheet", "row_number", "suggestion_id")
        .unique(["department", "file", "sheet", "row_number"], keep="first")
    )
    if recommended.is_empty() or rejects.is_empty():
        return rejects
    keyed = rejects.with_row_index("_order").join(
        recommended, on=["department", "file", "sheet", "row_number"], how="left", nulls_equal=True
    )
    note = pl.format(REJECT_NOTE, pl.col("suggestion_id"))
    return (
        keyed.with_columns(
            pl.when(pl.col("suggestion_id").is_not_null())
            .then(pl.concat_str([pl.col("reason"), note]))
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
        .sort("_order")
        .drop("_order", "suggestion_id")
    )
