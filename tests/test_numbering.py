"""The one allocator of stable numbers (工单编号, 预警编号, 建议编号), on the warehouse's own tables:
a thing keeps its number on a rerun, new things continue their prefix's sequence in the order
given, each prefix counts apart, and what the table keeps besides is kept."""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.kit.numbering import NUMBERED, allocate, known_numbers_sql, last_number_sql
from transforms.settings import sql_dir


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in NUMBERED:
        con.execute((sql_dir() / "warehouse" / f"{table}.sql").read_text(encoding="utf-8"))
    return con


def test_numbers_are_kept_and_continue_per_prefix() -> None:
    con = _warehouse()
    prefix = pl.lit("2026Q3-") + pl.col("department").replace_strict({"housing": "HOU", "civil": "CIV"}) + pl.lit("-")
    first = pl.DataFrame(
        {"rule_id": ["R1", "R2", "R1"], "subject": ["a", "b", "c"], "department": ["housing", "civil", "housing"]}
    )
    got = allocate(con, "work_order_numbers", "2026Q3", first, prefix)
    assert got["number"].to_list() == ["2026Q3-HOU-000001", "2026Q3-CIV-000001", "2026Q3-HOU-000002"]
    # a rerun with one new order, given first: the known keep theirs, the new one continues
    again = pl.concat([pl.DataFrame({"rule_id": ["R3"], "subject": ["d"], "department": ["housing"]}), first])
    got = allocate(con, "work_order_numbers", "2026Q3", again, prefix)
    assert got["number"].to_list() == ["2026Q3-HOU-000003", "2026Q3-HOU-000001", "2026Q3-CIV-000001",
                                       "2026Q3-HOU-000002"]  # fmt: skip
    assert con.execute("select count(*) from work_order_numbers").fetchall()[0][0] == 4
    # another quarter starts again
    got = allocate(con, "work_order_numbers", "2026Q4", first.head(1), pl.lit("2026Q4-HOU-"))
    assert got["number"].to_list() == ["2026Q4-HOU-000001"]


def test_a_thing_twice_gets_one_number_and_the_table_keeps_what_it_keeps() -> None:
    con = _warehouse()
    rows = pl.DataFrame(
        {
            "key": ["k1", "k2", "k1"],
            "department": ["civil", "medical", "civil"],
            "id_as_written": ["1", "2", "1"],
            "name_as_written": ["甲", "乙", "甲"],
            "suggested_id_number": ["x", "y", "x"],
            "suggested_household_id": ["H1", "H2", "H1"],
            "other": [1, 2, 3],
        }
    )
    got = allocate(con, "id_suggestion_numbers", "2026Q3", rows, pl.lit("2026Q3-ID-"))
    assert got["number"].to_list() == ["2026Q3-ID-000001", "2026Q3-ID-000002", "2026Q3-ID-000001"]
    assert got["other"].to_list() == [1, 2, 3]
    kept = con.execute("select key, name_as_written, suggested_household_id from id_suggestion_numbers order by key")
    assert kept.fetchall() == [("k1", "甲", "H1"), ("k2", "乙", "H2")]


def test_the_generated_statements_name_only_known_tables() -> None:
    assert known_numbers_sql("listing_numbers") == (
        "select town, subject, number from listing_numbers where quarter = $quarter"
    )
    assert "from listing_numbers" in last_number_sql("listing_numbers")
    for bad in ("listing_numbers; drop table x", "stg_roster__persons"):
        try:
            known_numbers_sql(bad)
        except KeyError:
            continue
        raise AssertionError(bad)
