"""The county office's answers on suggestions, kept: `read-returns` records every returned row
(returned_answers, kind `identity`); this keeps each one with the suggestion it answers in
`id_corrections` — department, number as written, name, the person suggested, 是本人 or
不是本人, who, when, which file and row — from which every later run reads the corrections in
force (sql/linkage/lnk_confirmed.sql) and the suggestions not to make again
(sql/linkage/lnk_answers_in_force.sql)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from transforms.staging.warehouse import execute_model, read_sql


def record_corrections(con: duckdb.DuckDBPyConnection, quarter: str, out_dir: Path) -> int:
    """Add the quarter's new identity answers to `id_corrections`; returns how many."""
    issued = out_dir / "id_suggestions.parquet"
    if not issued.is_file():
        return 0
    con.register("issued_suggestions", pl.read_parquet(issued).to_arrow())
    try:
        sql = read_sql("linkage/lnk_record_corrections.sql")
        before = con.execute("select count(*) from id_corrections").fetchall()[0][0]
        execute_model(con, f"insert into id_corrections by name {sql}", {"quarter": quarter})
        return con.execute("select count(*) from id_corrections").fetchall()[0][0] - before
    finally:
        con.unregister("issued_suggestions")
