"""The warehouse's bookkeeping statements live in sql/bookkeeping/ and the one generated
statement set is `replace_slice_sql`: each runs on the warehouse's own tables, and a rerun of a
quarter replaces that quarter's rows, nothing else."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from transforms.settings import sql_dir
from transforms.staging.warehouse import read_sql, replace_slice_sql


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for path in sorted((sql_dir() / "warehouse").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    return con


def test_a_quarters_slice_is_replaced_and_no_other() -> None:
    con = _warehouse()
    model = "select $quarter as quarter, x from (values (1), (2)) as t(x)"
    for quarter in ("2026Q2", "2026Q3", "2026Q3"):
        for statement in replace_slice_sql("stg_test__rows", model):
            con.execute(statement, {"quarter": quarter})
    counts = con.execute("select quarter, count(*) from stg_test__rows group by all order by all").fetchall()
    assert counts == [("2026Q2", 2), ("2026Q3", 2)]
    with pytest.raises(ValueError):
        replace_slice_sql("stg_x; drop table meta_ingest_files", model)


def test_every_bookkeeping_statement_runs_on_the_warehouse_tables() -> None:
    con = _warehouse()
    key = {"quarter": "2026Q3", "table": "stg_civil__assistance"}
    con.execute(read_sql("bookkeeping/meta_staged_slices__record.sql"), {**key, "digest": "d", "rows": 3})
    con.execute(
        read_sql("bookkeeping/meta_staged_files__record.sql"), {**key, "folder": "f", "parts": 2, "excluded": False}
    )
    values = dict(
        q="2026Q3", d="civil", p="a.csv", s="0" * 64, ds=["civil__assistance"], r=3, a=2, rj=1, du=0, ig=0, e=None
    )
    con.execute(read_sql("bookkeeping/meta_ingest_files__record.sql"), values)
    assert [con.execute(f"select count(*) from {t}").fetchall()[0][0]
            for t in ("meta_staged_slices", "meta_staged_files", "meta_ingest_files")] == [1, 1, 1]  # fmt: skip
    con.execute(read_sql("bookkeeping/meta_staged_slices__forget.sql"), key)
    con.execute(read_sql("bookkeeping/meta_staged_files__forget.sql"), key)
    con.execute(read_sql("bookkeeping/meta_ingest_files__forget.sql"), {"quarter": "2026Q3"})
    assert [con.execute(f"select count(*) from {t}").fetchall()[0][0]
            for t in ("meta_staged_slices", "meta_staged_files", "meta_ingest_files")] == [0, 0, 0]  # fmt: skip
    columns = [c for c, *_ in con.execute("describe stg_corrected_rows").fetchall()]
    row = {c: None for c in columns} | {"quarter": "2026Q3"}
    con.register("corrected_rows", pl.DataFrame([row], schema={c: pl.String for c in columns}).to_arrow())
    con.execute(read_sql("bookkeeping/stg_corrected_rows__record.sql"))
    con.execute(read_sql("bookkeeping/stg_corrected_rows__forget.sql"), {"quarter": "2026Q3"})
    assert con.execute("select count(*) from stg_corrected_rows").fetchall() == [(0,)]
