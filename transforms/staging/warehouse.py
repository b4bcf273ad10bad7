"""The county's DuckDB warehouse (`warehouse.duckdb`): staging tables per dataset, one slice
per quarter. Loading a quarter replaces that quarter's slice in one transaction."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from transforms.config import DatasetSpec
from transforms.intake.spill import SpilledRows
from transforms.settings import DUCKDB_MEMORY_LIMIT, Quarter, read_sql
from transforms.staging import slices

__all__ = ["read_sql"]  # (defined in transforms.settings; imported from here by the phases above)


# The warehouse's own tables (besides stg_<dataset>, made from each staging model): one file
# each under sql/warehouse/, created when a connection opens.
WAREHOUSE_TABLES = (
    "meta_ingest_files",
    "hist_warnings",
    "hist_households",
    "work_order_numbers",
    "listing_numbers",
    "exit_numbers",
    "returned_answers",
    "id_suggestion_numbers",
    "id_linkage_models",
    "id_corrections",
    "stg_corrected_rows",
    "meta_staged_slices",
    "meta_staged_files",
)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def connect(path: Path | None) -> duckdb.DuckDBPyConnection:
    """The warehouse file (None: one in memory, for tests), with every table of
    `WAREHOUSE_TABLES` there."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path) if path else ":memory:", config={"memory_limit": DUCKDB_MEMORY_LIMIT})
    if path is not None:  # big slices' Parquet files are named relative to the data root
        con.execute("set file_search_path = '{}'".format(str(path.parent).replace("'", "''")))
    for table in WAREHOUSE_TABLES:
        con.execute(read_sql(f"warehouse/{table}.sql"))
    return con


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse file, read-only (a backtest): its tables and staged slices as they are;
    temporary tables of the connection allowed, any write to the file refused by DuckDB."""
    if not path.is_file():
        raise FileNotFoundError(path)
    con = duckdb.connect(str(path), read_only=True, config={"memory_limit": DUCKDB_MEMORY_LIMIT})
    con.execute("set file_search_path = '{}'".format(str(path.parent).replace("'", "''")))
    return con


def params_named_in(sql: str, params: dict[str, object]) -> dict[str, object]:
    """Just the parameters a model names (DuckDB rejects unused ones)."""
    return {name: params[name] for name in set(_PARAM.findall(sql))}


def execute_model(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> duckdb.DuckDBPyConnection:
    """Run a model's SQL with the named parameters it uses, bound (never formatted in)."""
    return con.execute(sql, params_named_in(sql, params))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def _own_table(table: str) -> str:
    if not _IDENTIFIER.fullmatch(table):
        raise ValueError(f"not a warehouse table name: {table!r}")
    return table


def create_table_as_sql(table: str, select: str, *, replace: bool = False, temp: bool = False) -> str:
    """`create [or replace] [temp] table <table> as <select>`: a table of our own (a name from
    our code, never from data) made from a query of sql/ or a frame registered under another name."""
    return f"create {'or replace ' if replace else ''}{'temp ' if temp else ''}table {_own_table(table)} as {select}"


def temp_view_sql(view: str, select: str) -> str:
    """`create or replace temp view <view> as <select>`: a name of our own over a query."""
    return f"create or replace temp view {_own_table(view)} as {select}"


def insert_by_name_sql(table: str, select: str) -> str:
    """`insert into <table> by name <select>`: a query's rows into a table of our own."""
    return f"insert into {_own_table(table)} by name {select}"


def table_from_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """A frame as a table of the connection (copied in: the frame may go)."""
    con.register(f"{table}__frame", frame.to_arrow())
    try:
        con.execute(create_table_as_sql(table, f"select * from {table}__frame"))
    finally:
        con.unregister(f"{table}__frame")


PARKED_PREFIX = "parked_"  # parked_<staging table>: rows parked for a slip in the identity number


def stage_dataset(
    con: duckdb.DuckDBPyConnection,
    ds: DatasetSpec,
    quarter: Quarter,
    rows: pl.DataFrame | SpilledRows,
    parked: pl.DataFrame | None = None,
    data_root: Path | None = None,
) -> int:
    """Replace the quarter's slice of `stg_<dataset>` with `rows` (accepted, validated): a frame,
    or a big dataset's Parquet parts — kept as files beside the warehouse when a `data_root` is
    given (transforms.staging.slices), else read into it by DuckDB — and, for a dataset of
    persons, the slice of `parked_stg_<dataset>` with `parked` (rows rejected for nothing but a
    slip in the identity number; none when not given), in the same transaction. Parts whose
    digest (transforms.intake.reuse: the same files, settled the same way) and staging model are
    those the slice was staged from are not staged again."""
    model = read_sql(f"staging/{ds.staging_table}.sql")
    q = str(quarter)
    params = {"quarter": q}
    for table in ("meta_staged_slices", "meta_staged_files"):  # (a connection not made by `connect`)
        con.execute(read_sql(f"warehouse/{table}.sql"))
    digest = None
    if isinstance(rows, SpilledRows) and rows.digest:  # the same settled files as an earlier run's
        digest = hashlib.sha256((rows.digest + "\x1f" + model).encode()).hexdigest()
        key = {"quarter": q, "table": ds.staging_table}
        staged = con.execute(read_sql("bookkeeping/meta_staged_slices__digest.sql"), key).fetchall()
        if staged == [(digest, rows.height)]:
            return rows.height
    as_files = isinstance(rows, SpilledRows) and data_root is not None
    folder = slices.place(data_root, ds.staging_table, q, rows) if as_files else None
    key = {"quarter": q, "table": ds.staging_table}
    try:
        _replace_slice(con, ds, model, params, key, digest, rows, parked, as_files, folder)
    except Exception:
        if folder is not None:
            shutil.rmtree(data_root / folder, ignore_errors=True)
        raise
    if data_root is not None:
        slices.remove_unregistered(con, data_root, ds.staging_table)
    return rows.height


def _replace_slice(
    con: duckdb.DuckDBPyConnection,
    ds: DatasetSpec,
    model: str,
    params: dict,
    key: dict,
    digest: str | None,
    rows: pl.DataFrame | SpilledRows,
    parked: pl.DataFrame | None,
    as_files: bool,
    folder: str | None,
) -> None:
    """The slice, its files' record and its parked rows replaced in one transaction."""
    with transaction(con):
        con.execute(read_sql("bookkeeping/meta_staged_slices__forget.sql"), key)
        if digest is not None:
            con.execute(
                read_sql("bookkeeping/meta_staged_slices__record.sql"), {**key, "digest": digest, "rows": rows.height}
            )
        target = slices.rows_table(con, ds, model, as_files, empty_rows(ds))
        _insert_slice(con, target, model, params, empty_rows(ds) if as_files else rows)
        con.execute(read_sql("bookkeeping/meta_staged_files__forget.sql"), key)
        if as_files:
            con.execute(
                read_sql("bookkeeping/meta_staged_files__record.sql"),
                {**key, "folder": folder, "parts": len(rows.parts), "excluded": rows.excluded is not None},
            )
        if target != ds.staging_table:
            slices.rebuild_view(con, ds, model)
        if "id_number" in {f.name for f in ds.fields}:
            _insert_slice(
                con, PARKED_PREFIX + ds.staging_table, model, params, parked if parked is not None else empty_rows(ds)
            )


def _insert_slice(
    con: duckdb.DuckDBPyConnection, table: str, model: str, params: dict, frame: pl.DataFrame | SpilledRows
) -> None:
    """Replace the quarter's rows of `table` with `frame` through the staging model (identifiers
    from our own model file names, not user data)."""
    if isinstance(frame, SpilledRows):
        con.execute(temp_view_sql("accepted_rows", frame.relation_sql()))
        # Millions of rows every model sums or joins, never reads in order: inserted in
        # parallel, unordered (the checkpoint then writes a third of the time).
        con.execute("set preserve_insertion_order = false")
    else:
        con.register("accepted_rows", frame.to_arrow())
    try:
        for statement in replace_slice_sql(table, model):
            con.execute(statement, params)
    finally:
        if isinstance(frame, SpilledRows):
            con.execute("reset preserve_insertion_order")
            con.execute("drop view if exists accepted_rows")
        else:
            con.unregister("accepted_rows")


def replace_slice_sql(table: str, model: str) -> list[str]:
    """The statements that replace a quarter's rows of `table` with what the staging `model`
    selects (made once, then the quarter's rows deleted and inserted again). `table` is one of
    our own tables (a dataset's staging table or its parked_ twin), never a name from data."""
    if not _IDENTIFIER.fullmatch(table):
        raise ValueError(f"not a warehouse table name: {table!r}")
    return [
        slices.empty_like_model_sql(table, model),
        f"delete from {table} where quarter = $quarter",
        f"insert into {table} by name {model}",
    ]


def empty_rows(ds: DatasetSpec) -> pl.DataFrame:
    """A zero-row frame of a dataset, for a quarter in which it did not arrive."""
    types = {"date": pl.Date, "amount": pl.Float64, "integer": pl.Int64}
    schema = {f.name: types.get(f.type, pl.String) for f in ds.fields}
    schema |= {"source_file": pl.String, "source_sheet": pl.String, "source_row": pl.Int64}
    return pl.DataFrame(schema=schema)


def record_files(con: duckdb.DuckDBPyConnection, quarter: Quarter, files: list[dict]) -> None:
    """Keep each quarter's per-file accounting, replacing a rerun's."""
    record = read_sql("bookkeeping/meta_ingest_files__record.sql")
    with transaction(con):
        con.execute(read_sql("bookkeeping/meta_ingest_files__forget.sql"), {"quarter": str(quarter)})
        for f in files:
            con.execute(
                record,
                {
                    "q": str(quarter),
                    "d": f["department"],
                    "p": f["path"],
                    "s": f["sha256"],
                    "ds": f["datasets"],
                    "r": f["rows_read"],
                    "a": f["accepted"],
                    "rj": f["rejected"],
                    "du": f["duplicates"],
                    "ig": f["ignored"],
                    "e": f["error"],
                },
            )


def stage_quarter(
    warehouse: Path,
    quarter: Quarter,
    datasets: tuple[DatasetSpec, ...],
    accepted: dict[str, object],
    files: list[dict],
    corrected: pl.DataFrame | None = None,
    parked: dict[str, pl.DataFrame] | None = None,
) -> dict[str, int]:
    """Replace the quarter's slice of every staging table with what was accepted (a dataset that
    did not arrive stages empty), and of every parked_ table with the rows parked for a slip in
    the identity number; record the files read and the rows read with a confirmed corrected
    identity number; returns rows staged per dataset."""
    staged = {}
    with connect(warehouse) as con:
        for ds in datasets:
            rows = accepted.get(ds.code, empty_rows(ds))
            staged[ds.code] = stage_dataset(con, ds, quarter, rows, (parked or {}).get(ds.code), warehouse.parent)
        record_files(con, quarter, files)
        record_corrected(con, quarter, corrected)
    return staged


def record_corrected(con: duckdb.DuckDBPyConnection, quarter: Quarter, corrected: pl.DataFrame | None) -> None:
    """Keep the quarter's rows read with a confirmed corrected number, replacing a rerun's."""
    with transaction(con):
        con.execute(read_sql("bookkeeping/stg_corrected_rows__forget.sql"), {"quarter": str(quarter)})
        if corrected is not None and corrected.height:
            con.register("corrected_rows", corrected.with_columns(pl.lit(str(quarter)).alias("quarter")).to_arrow())
            try:
                con.execute(read_sql("bookkeeping/stg_corrected_rows__record.sql"))
            finally:
                con.unregister("corrected_rows")


def department_people_sql(datasets: tuple[DatasetSpec, ...]) -> str:
    """`stg_all__people`: every person-bearing row the departments sent (dataset, quarter,
    id_number, name), one union over the registry's datasets — all but the roster's — so a new
    department's data is counted without touching a query."""
    parts = [
        f"select '{ds.code}' as dataset, quarter, id_number, name from {ds.staging_table}"
        for ds in datasets
        if ds.department != "roster" and {"id_number", "name"} <= {f.name for f in ds.fields}
    ]  # identifiers from our own registry, never from data
    return "create or replace temp view stg_all__people as\n" + "\nunion all\n".join(parts)


def answers_in_force(con: duckdb.DuckDBPyConnection) -> None:
    """`lnk_answers_in_force` (the county office's answers on identity suggestions in force) as a
    temporary view, for the models that read it: the comparison's and linkage's."""
    con.execute(temp_view_sql("lnk_answers_in_force", read_sql("linkage/lnk_answers_in_force.sql")))
