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


def test_the_history_answers_and_numbers_statements_run_on_the_warehouse_tables() -> None:
    """hist_* replaced by quarter; answers appended once per file; a model kept and found; the
    numbers a quarter issued read back; what a name is in the warehouse."""
    con = _warehouse()
    hist = {t: [c for c, *_ in con.execute(f"describe {t}").fetchall()] for t in ("hist_warnings", "hist_households")}
    for quarter in ("2026Q2", "2026Q3", "2026Q3"):
        con.register("new_warnings", pl.DataFrame([{c: None for c in hist["hist_warnings"]} | {"quarter": quarter}],
                                                  schema={c: pl.String for c in hist["hist_warnings"]}).to_arrow())  # fmt: skip
        con.execute(
            "create or replace temp table cur_households as select * from hist_households limit 0"
        )  # the comparison's own temp table
        con.execute(f"insert into cur_households (quarter) values ('{quarter}')")
        for table in ("hist_warnings", "hist_households"):
            con.execute(read_sql(f"bookkeeping/{table}__forget.sql"), {"quarter": quarter})
            con.execute(read_sql(f"bookkeeping/{table}__record.sql"))
        con.unregister("new_warnings")
    for table in ("hist_warnings", "hist_households"):
        counts = con.execute(f"select quarter, count(*) from {table} group by all order by all").fetchall()
        assert counts == [("2026Q2", 1), ("2026Q3", 1)], table
    seen = read_sql("bookkeeping/returned_answers__seen.sql")
    assert con.execute(seen, {"quarter": "2026Q3", "file_sha256": "a"}).fetchall() == [(0,)]
    assert con.execute(read_sql("bookkeeping/returned_answers__next_arrival.sql")).fetchall() == [(1,)]
    key = {"roster_digest": "r", "settings_digest": "s"}
    assert con.execute(read_sql("bookkeeping/id_linkage_models__find.sql"), key).fetchall() == []
    con.execute(read_sql("bookkeeping/id_linkage_models__record.sql"), {**key, "model_json": "{}", "trained_at": None})
    assert con.execute(read_sql("bookkeeping/id_linkage_models__find.sql"), key).fetchall() == [("{}",)]
    for table in ("listing_numbers", "work_order_numbers", "id_suggestion_numbers"):
        assert con.execute(read_sql(f"bookkeeping/{table}__of_quarter.sql"), {"quarter": "2026Q3"}).fetchall() == []
    kind = read_sql("bookkeeping/warehouse_object_kind.sql")
    con.execute("create view v_test as select 1")
    assert [con.execute(kind, {"name": n}).fetchall()[0][0] for n in ("v_test", "hist_warnings", "nothing")] == [
        "view", "table", None]  # fmt: skip


def test_generated_statements_take_only_our_own_names() -> None:
    from transforms.kit.numbering import record_numbers_sql
    from transforms.staging.slices import empty_like_model_sql, rename_to_rows_sql, staging_view_sql
    from transforms.staging.warehouse import create_table_as_sql, insert_by_name_sql, temp_view_sql

    hostile = "stg_x; drop table meta_ingest_files"
    for make in (
        lambda: create_table_as_sql(hostile, "select 1"), lambda: temp_view_sql(hostile, "select 1"),
        lambda: insert_by_name_sql(hostile, "select 1"), lambda: empty_like_model_sql(hostile, "select 1"),
        lambda: rename_to_rows_sql(hostile), lambda: staging_view_sql(hostile, "select 1", (), []),
        lambda: staging_view_sql("stg_x", "select 1", (), [("2026Q3'; drop", "f", 1, False)]),
    ):  # fmt: skip
        with pytest.raises(ValueError):
            make()
    with pytest.raises(KeyError):
        record_numbers_sql("meta_ingest_files")
    con = duckdb.connect()
    con.execute(create_table_as_sql("t_made", "select 1 as x"))
    con.execute(insert_by_name_sql("t_made", "select 2 as x"))
    con.execute(temp_view_sql("v_made", "select sum(x) as s from t_made"))
    assert con.execute("select s from v_made").fetchall() == [(3,)]


def test_spilled_rows_statements_find_duplicates_and_conflicts(tmp_path) -> None:
    from transforms.intake.spill import conflicting_rows_sql, kept_keys_sql, parts_sql, shared_hash_rows_sql

    rows = pl.DataFrame({
        "id_number": ["1", "1", "2", "3"], "amount": ["5", "5", "6", "7"], "_row_hash": [10, 10, 20, 30],
        "source_file": "a.csv", "source_sheet": None, "source_row": [2, 3, 4, 5],
    }, schema_overrides={"source_sheet": pl.String})  # fmt: skip
    rows.write_parquet(tmp_path / "part.parquet")
    source = parts_sql([tmp_path / "part.parquet"])
    con = duckdb.connect()
    shared = con.sql(shared_hash_rows_sql(source)).pl()
    assert sorted(shared["source_row"]) == [2, 3]
    con.register("spilled_duplicates", shared.filter(pl.col("source_row") == 3).select("_seq").to_arrow())
    kept = con.sql(kept_keys_sql(source, ("id_number",))).pl()
    assert sorted(kept["source_row"]) == [2, 4, 5] and "amount" not in kept.columns
    con.register("conflicting_rows", kept.filter(pl.col("source_row") == 4).select("_seq").to_arrow())
    assert con.sql(conflicting_rows_sql(source)).pl()["amount"].to_list() == ["6"]
