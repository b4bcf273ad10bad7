"""Stable numbers for what people answer by — 工单编号 `2026Q3-HOU-000123`, 预警编号
`2026Q3-YJ-000123`, 建议编号 `2026Q3-ID-000012` — given by one allocator: a thing keeps its
number when the quarter is rerun (the numbers are kept in the warehouse, one table per kind,
`sql/warehouse/*_numbers.sql`); new things continue their prefix's sequence in the order given.
Returned workbooks are matched by these numbers, never by position."""

from __future__ import annotations

import duckdb
import polars as pl

# The warehouse tables that keep numbers: the columns that identify what is numbered, and what
# else each keeps (sql/warehouse/<table>.sql).
NUMBERED = {
    "work_order_numbers": (("rule_id", "subject"), ("department",)),
    "listing_numbers": (("town", "subject"), ()),
    "exit_numbers": (("town", "household_id"), ()),
    "id_suggestion_numbers": (
        ("key",),
        ("department", "id_as_written", "name_as_written", "suggested_id_number", "suggested_household_id"),
    ),
}
DIGITS = 6


def known_numbers_sql(table: str) -> str:
    """The quarter's numbers already given in `table` (one of NUMBERED), by what they number."""
    keys, _ = NUMBERED[table]  # identifiers from this module, never from data
    return f"select {', '.join(keys)}, number from {table} where quarter = $quarter"


def last_number_sql(table: str) -> str:
    """The highest sequence given under a prefix in `table` (0 when none)."""
    NUMBERED[table]  # only the tables this module knows
    return (
        f"select coalesce(max(cast(right(number, {DIGITS}) as integer)), 0) from {table} "
        "where starts_with(number, $prefix)"
    )


def record_numbers_sql(table: str) -> str:
    """The numbers given now (`new_numbers`, registered) added to `table` (append-only)."""
    NUMBERED[table]  # only the tables this module knows
    return f"insert into {table} by name select * from new_numbers"


def allocate(
    con: duckdb.DuckDBPyConnection, table: str, quarter: str, things: pl.DataFrame, prefix: pl.Expr
) -> pl.DataFrame:
    """`things` (in the order new numbers are given; the key columns of `table`, the prefix's
    parts and whatever else the table keeps) with `number`: the one each already had, or the
    next of its prefix (`prefix`, e.g. "2026Q3-HOU-"). New numbers are kept in one insert."""
    keys, kept = (list(c) for c in NUMBERED[table])
    known = pl.from_arrow(con.sql(known_numbers_sql(table), params={"quarter": quarter}).to_arrow_table())
    known = known.cast(dict.fromkeys([*keys, "number"], pl.String)).unique(keys, keep="first")
    numbered = things.drop("number", strict=False).join(
        known, on=keys, how="left", nulls_equal=True, maintain_order="left"
    )
    fresh = (
        numbered.filter(pl.col("number").is_null())
        .unique(keys, keep="first", maintain_order=True)
        .with_columns(prefix.alias("_prefix"))
    )
    if fresh.is_empty():
        return numbered
    given = []
    for (head,), group in fresh.group_by("_prefix", maintain_order=True):
        [(last,)] = con.execute(last_number_sql(table), {"prefix": head}).fetchall()
        given.append(
            group.with_columns(
                (pl.lit(head) + (pl.int_range(1, pl.len() + 1) + last).cast(pl.String).str.zfill(DIGITS)).alias(
                    "number"
                )
            )
        )
    new = pl.concat(given).with_columns(pl.lit(quarter).alias("quarter"))
    con.register("new_numbers", new.select("quarter", *keys, *kept, "number").to_arrow())
    try:
        con.execute(record_numbers_sql(table))
    finally:
        con.unregister("new_numbers")
    fresh_numbers = new.select(*keys, pl.col("number").alias("_new"))
    return (
        numbered.join(fresh_numbers, on=keys, how="left", nulls_equal=True, maintain_order="left")
        .with_columns(pl.coalesce("number", "_new").alias("number"))
        .drop("_new")
    )
