"""The county office's answers on suggestions, kept: `read-returns` records every returned row
(returned_answers, kind `identity`); this keeps each one with the suggestion it answers in
`id_corrections` — department, number as written, name, the person suggested, 是本人 or
不是本人, who, when, which file and row — from which every later run reads the corrections in
force (sql/linkage/lnk_confirmed.sql) and the suggestions not to make again."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from transforms.staging.warehouse import answers_in_force, connect, execute_model, insert_by_name_sql, read_sql


def record_corrections(con: duckdb.DuckDBPyConnection, quarter: str) -> int:
    """Add the quarter's new identity answers to `id_corrections`; returns how many."""
    sql = read_sql("linkage/lnk_record_corrections.sql")
    [(added,)] = execute_model(con, insert_by_name_sql("id_corrections", sql), {"quarter": quarter}).fetchall()
    return added


def confirmed(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The corrections in force: department, id_as_written, name_as_written, corrected_id."""
    answers_in_force(con)
    return pl.from_arrow(con.sql(read_sql("linkage/lnk_confirmed.sql")).to_arrow_table())


def denied(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The suggestions the county office said 不是本人 to (in force): department, id_as_written,
    name_as_written, person_id."""
    answers_in_force(con)
    return pl.from_arrow(con.sql(read_sql("linkage/lnk_denied.sql")).to_arrow_table())


def confirmed_by_department(warehouse: Path) -> dict[str, pl.DataFrame]:
    """The corrections in force, by department, as the intake applies them (CORRECTION_SCHEMA of
    transforms.intake.validation); none before the warehouse exists."""
    if not warehouse.is_file():
        return {}
    with connect(warehouse) as con:
        frame = confirmed(con)
    return {
        str(d): g.select("id_as_written", "name_as_written", "corrected_id")
        for (d,), g in frame.partition_by("department", as_dict=True, maintain_order=True).items()
    }
