"""A big dataset's quarter slice kept as the Parquet parts the intake wrote, not copied into
the warehouse file.

Inserting a county's three million claims into `warehouse.duckdb` costs seconds (thirty
million: eighteen) — to write rows DuckDB reads from Parquet just as fast. So once a dataset's
accepted rows were spilled to parts (transforms.intake.spill), its slice is those parts,
hard-linked (no copy) into `<data root>/warehouse.files/<staging table>/<quarter>-<token>/`
with the rows settled away as duplicates (`excluded.parquet`), registered in
`meta_staged_files`; `stg_<dataset>` becomes a view: the rows staged from memory
(`stg_<dataset>__rows`, the former table, renamed once) and every registered slice through the
dataset's own staging model. Every query reads it as it read the table.

Paths are relative to the data root (each connection of `warehouse.connect` searches there), so
a data root moved or copied whole keeps working. A slice replaced by a rerun, or left by a run
killed before it committed, is removed after the next staging of that dataset commits.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import duckdb
import polars as pl

from transforms.config import DatasetSpec
from transforms.intake.spill import LINEAGE, SpilledRows, link
from transforms.settings import read_sql

FILES_FOLDER = "warehouse.files"  # beside warehouse.duckdb, inside the data root
ROWS_SUFFIX = "__rows"  # stg_<dataset>__rows: the slices staged from memory, once the dataset has files
_QUARTER = re.compile(r"^\d{4}Q[1-4]$")
_TABLE = re.compile(r"stg_[a-z0-9_]+")


def place(data_root: Path, table: str, quarter: str, rows: SpilledRows) -> str:
    """Link a slice's parts (and its excluded rows) into a new folder; its path relative to the data root."""
    relative = Path(FILES_FOLDER) / table / f"{quarter}-{uuid.uuid4().hex[:8]}"
    folder = data_root / relative
    folder.mkdir(parents=True)
    for i, part in enumerate(rows.parts, start=1):  # part=<its place>: a column of the scan, see `_relation`
        (folder / f"part={i}").mkdir()
        link(part, folder / f"part={i}" / "rows.parquet")
    if rows.excluded is not None:
        link(rows.excluded, folder / "excluded.parquet")
    return relative.as_posix()


def kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'view', 'table' or None: what `name` is in the warehouse (temporary objects aside)."""
    [(found,)] = con.execute(read_sql("bookkeeping/warehouse_object_kind.sql"), {"name": name}).fetchall()
    return found


def rows_table(con: duckdb.DuckDBPyConnection, ds: DatasetSpec, model: str, files: bool, empty: pl.DataFrame) -> str:
    """The table a slice staged from memory goes to: `stg_<dataset>` while the dataset has no
    files, else `stg_<dataset>__rows` (made, or renamed from the table, when the first files come)."""
    table = ds.staging_table
    current = kind(con, table)
    if current == "view":
        return table + ROWS_SUFFIX
    if not files:
        return table
    if current == "table":
        con.execute(rename_to_rows_sql(table))
    else:
        con.register("accepted_rows", empty.to_arrow())
        try:
            con.execute(empty_like_model_sql(table + ROWS_SUFFIX, model), {"quarter": ""})
        finally:
            con.unregister("accepted_rows")
    return table + ROWS_SUFFIX


def rebuild_view(con: duckdb.DuckDBPyConnection, ds: DatasetSpec, model: str) -> None:
    """`stg_<dataset>` as the rows staged from memory and every registered slice, each through the model."""
    table = ds.staging_table
    registered = con.execute(read_sql("bookkeeping/meta_staged_files__of_table.sql"), {"table": table}).fetchall()
    con.execute(staging_view_sql(table, model, (*(f.name for f in ds.fields), *LINEAGE), registered))


def empty_like_model_sql(table: str, model: str) -> str:
    """A table of our own (a staging table's name, never one from data) with the columns the
    staging `model` selects, and no rows (made once; a slice's rows are then inserted)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", table):
        raise ValueError(f"not a warehouse table name: {table!r}")
    return f"create table if not exists {table} as select * from ({model}) limit 0"


def rename_to_rows_sql(table: str) -> str:
    """`stg_<dataset>` renamed `stg_<dataset>__rows` when its first slice of files comes."""
    if not _TABLE.fullmatch(table):
        raise ValueError(f"not a staging table: {table!r}")
    return f"alter table {table} rename to {table}{ROWS_SUFFIX}"


def staging_view_sql(
    table: str, model: str, columns: tuple[str, ...], registered: list[tuple[str, str, int, bool]]
) -> str:
    """The view `stg_<dataset>`: the rows staged from memory and each registered slice (quarter,
    folder, parts, excluded) through the staging model, its quarter written in (a view takes no
    parameters; checked to be a quarter)."""
    if not _TABLE.fullmatch(table):
        raise ValueError(f"not a staging table: {table!r}")
    parts = [f"select * from {table}{ROWS_SUFFIX}"]
    for quarter, folder, count, excluded in registered:
        if not _QUARTER.match(quarter):
            raise ValueError(f"not a quarter: {quarter!r}")
        relation = slice_relation_sql(Path(folder), count, excluded, columns)
        sql = re.sub(r"\baccepted_rows\b", f"({relation})", model).replace("$quarter", f"'{quarter}'")
        parts.append(f"select * from ({sql})")
    return f"create or replace view {table} as " + "\nunion all by name\n".join(parts)


def slice_relation_sql(folder: Path, parts: int, excluded: bool, columns: tuple[str, ...]) -> str:
    """A slice's accepted rows: its parts in one scan (one scan per part would hold buffers for
    each at once: thirty million claims in sixty parts ran out of memory), each row's `_seq` from
    its part's place (the `part=` folder, read as a column) and its place in the part, less the
    excluded rows."""
    files = "[" + ", ".join(_quote(folder / f"part={i}" / "rows.parquet") for i in range(1, parts + 1)) + "]"
    cols = ", ".join(f'p."{c}"' for c in columns)
    sql = (
        f"select {cols} from (select *, (part::bigint << 32) + file_row_number as _seq from read_parquet("
        f"{files}, hive_partitioning = true, file_row_number = true)) as p"
    )
    if excluded:
        sql += f" anti join read_parquet({_quote(folder / 'excluded.parquet')}) as e on p._seq = e._seq"
    return sql


def _quote(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def remove_unregistered(con: duckdb.DuckDBPyConnection, data_root: Path, table: str) -> None:
    """Remove the slice folders of `table` no longer registered (replaced, or left by a killed run)."""
    base = data_root / FILES_FOLDER / table
    if not base.is_dir():
        return
    kept = {
        Path(f).name
        for (_, f, _, _) in con.execute(
            read_sql("bookkeeping/meta_staged_files__of_table.sql"), {"table": table}
        ).fetchall()
    }
    for folder in base.iterdir():
        if folder.name not in kept:
            shutil.rmtree(folder, ignore_errors=True)
