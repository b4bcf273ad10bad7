"""The follow-up's shared views: the work orders of the follow-up frame, its counts, who owns each
returned row, the refused rows as people read them — used by the page, the chase list and the
manifest alike (one count, one place)."""

from __future__ import annotations

import polars as pl

VERIFICATIONS = ("属实", "不属实", "风险已消除")
SETTLEMENTS = ("已办结", "办理中", "无法办结")


def orders_view(followup: pl.DataFrame) -> pl.DataFrame:
    return followup.filter(pl.col("work_order").is_not_null()).unique("work_order").sort("work_order")


def loop_counts(followup: pl.DataFrame, rows: pl.DataFrame) -> dict[str, int]:
    """Where the loop stands, in counts: list rows answered and overdue, work orders settled
    (已办结 with a date) and overdue. For the manifest, the command and the Prefect UI."""
    orders = orders_view(followup)
    return {
        "warnings": followup.height,
        "listed": rows.height,
        "verified": int(rows["verification"].is_not_null().sum()),
        "verification_overdue": int(rows["verification_overdue"].sum()),
        "work_orders": orders.height,
        "settled": int((orders["settlement"] == "已办结").sum()),
        "settlement_overdue": int(orders["settlement_overdue"].sum()),
        # answers refused and sent back to be filled in again (退回重填), apart from the overdue
        "verification_returned": int(rows["verification_returned"].sum()),
        "settlement_returned": int(orders["settlement_returned"].sum()),
    }


def owners_of(followup: pl.DataFrame, department_labels: dict[str, str]) -> dict[str, str]:
    """预警编号 -> its town, 工单编号 -> its department (as people name it)."""
    towns = followup.filter(pl.col("listing_no").is_not_null()).select("listing_no", "town").unique("listing_no")
    orders = orders_view(followup).select("work_order", "department")
    return dict(towns.iter_rows()) | {n: department_labels.get(d, d) for n, d in orders.iter_rows()}


def refused_rows(rejects: pl.DataFrame | None, owners: dict[str, str] | None = None) -> pl.DataFrame:
    """The returned rows refused for what was written in them, by file and row, each with the town
    or department it belongs to (the file's, as its title or number says) — what 退回重填 lists."""
    schema = {
        "owner": pl.String,
        "file": pl.String,
        "sheet": pl.String,
        "row_number": pl.Int64,
        "key": pl.String,
        "column": pl.String,
        "value": pl.String,
        "reason": pl.String,
    }
    if rejects is None or rejects.is_empty():
        return pl.DataFrame(schema=schema)
    rows = rejects.filter(pl.col("row_number").is_not_null())
    owner = pl.col("key").replace_strict(owners or {}, default=None, return_dtype=pl.String)
    return (
        rows.with_columns(pl.coalesce(owner, pl.col("file")).alias("owner"))
        .sort("owner", "file", "sheet", "row_number", nulls_last=True)
        .select(list(schema))
        .cast(schema)
    )


def town_rows(rows: pl.DataFrame) -> list[list]:
    """Per town: list rows, answered, each answer, sent back, overdue."""
    towns = []
    for (town,), g in sorted(rows.partition_by("town", as_dict=True).items()):
        counts = dict(g.group_by("verification").len().iter_rows())
        answered = sum(counts.get(v, 0) for v in VERIFICATIONS)
        towns.append(
            [
                town,
                g.height,
                answered,
                *[counts.get(v, 0) for v in VERIFICATIONS],
                int(g["verification_returned"].sum()),
                int(g["verification_overdue"].sum()),
            ]
        )
    return towns


def department_rows(followup: pl.DataFrame, department_labels: dict[str, str]) -> list[list]:
    """Per department: work orders, each answer, sent back, overdue (the page adds the median days)."""
    departments = []
    for (dept,), g in sorted(orders_view(followup).partition_by("department", as_dict=True).items()):
        counts = dict(g.group_by("settlement").len().iter_rows())
        departments.append(
            [
                department_labels.get(dept, dept),
                g.height,
                *[counts.get(v, 0) for v in SETTLEMENTS],
                int(g["settlement_returned"].sum()),
                int(g["settlement_overdue"].sum()),
            ]
        )
    return departments
