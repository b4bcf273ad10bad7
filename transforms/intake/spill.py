"""Accepted rows, held in memory while they are few and in Parquet parts on disk once a dataset
passes `spill_rows` (a county's claims: millions of rows a quarter). Duplicates and key
conflicts are settled over the whole dataset either way; a spilled dataset is staged by DuckDB
straight from its parts, so no step holds every row in Python.

Parts live in the run's work folder inside the data root (personal data stays where it
belongs) and are removed with it when the run ends."""

from __future__ import annotations

import functools
import operator
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from transforms.config import DatasetSpec
from transforms.intake.reasons import explain
from transforms.intake.validation import REJECT_SCHEMA, as_rejects
from transforms.kit.files import process_alive
from transforms.settings import DUCKDB_MEMORY_LIMIT

LINEAGE = ["source_file", "source_sheet", "source_row"]
LINEAGE_SCHEMA = {"source_file": pl.String, "source_sheet": pl.String, "source_row": pl.Int64}


@contextmanager
def work_folder(data_root: Path, label: str) -> Iterator[Path]:
    """A run's own folder under `<data root>/.work/`, removed when the run ends however it ends;
    folders left by killed runs (their process gone) are removed first."""
    base = data_root / ".work"
    base.mkdir(exist_ok=True)
    for old in base.iterdir():
        pid = old.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = base / f"{label}-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class SpilledRows:
    """A dataset's accepted rows on disk: Parquet parts less the rows in `excluded` (duplicates
    and key conflicts, by their `_seq`)."""

    parts: tuple[Path, ...]
    excluded: Path | None
    height: int
    columns: tuple[str, ...]
    # What the rows were settled from (transforms.intake.reuse), when the intake cache is used:
    # equal digests, equal rows.
    digest: str | None = None

    def relation_sql(self) -> str:
        """A DuckDB query giving the accepted rows (the dataset's fields and lineage)."""
        cols = ", ".join(f'p."{c}"' for c in self.columns)
        sql = f"select {cols} from {parts_sql(self.parts)} as p"
        if self.excluded is not None:
            sql += f" anti join read_parquet({_quote(self.excluded)}) as e on p._seq = e._seq"
        return sql

    def to_polars(self) -> pl.DataFrame:
        """All of it in memory (tests and small checks only)."""
        with duckdb.connect() as con:
            return con.sql(self.relation_sql()).pl()


def link(source: Path, target: Path) -> None:
    """A hard link (parts are never written in place: the same rows, no copy), else a copy."""
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copyfile(source, target)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def parts_sql(parts: tuple[Path, ...] | list[Path]) -> str:
    """The rows of a dataset's Parquet parts, in order of arrival, each with its `_seq`: the
    part's place in `parts` << 32 | the row's place in its part. Computed when read, not stored,
    so a part reused from an earlier run (transforms.intake.reuse) takes its place in this one.
    (One scan per part with its place as a constant: DuckDB reads them in parallel, and no row
    looks its file name up.)"""
    scans = [
        f"select * exclude (file_row_number), ({i}::bigint << 32) + file_row_number as _seq "
        f"from read_parquet({_quote(p)}, file_row_number = true)"
        for i, p in enumerate(parts, start=1)
    ]
    return "(" + " union all by name ".join(scans) + ")"


@dataclass
class Settled:
    """A dataset after duplicates and key conflicts: the rows to stage, the duplicates' lineage,
    the conflict rejects, and accepted rows per file."""

    rows: pl.DataFrame | SpilledRows
    duplicates: pl.DataFrame
    conflict_rejects: pl.DataFrame
    kept_by_file: dict[str, int]


@dataclass(frozen=True)
class Committed:
    """One file's accepted rows (frames or parts, by dataset), corrected and parked rows."""

    items: list[tuple[str, pl.DataFrame | tuple[Path, str, int]]]
    corrected: list[pl.DataFrame]
    parked: list[tuple[str, pl.DataFrame]]


def row_hash(fields: list[str]) -> pl.Expr:
    """A hash of a row's fields, to find the rows that may be duplicates (rows sharing one are
    then compared in full): each column hashed with a seed of its own, combined by xor. A struct
    hash encodes every row into a buffer first — six times the cost, and most of the cost of
    writing a part."""
    return functools.reduce(operator.xor, [pl.col(c).hash(seed=i) for i, c in enumerate(fields)])


@dataclass
class AcceptedRows:
    """Collects a department's accepted rows by dataset, file by file. A file's rows are pending
    until `commit` (a file that turns out unreadable half way is `discard`ed whole)."""

    spill_rows: int
    work_dir: Path | None
    frames: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    parts: dict[str, list[tuple[Path, str, int]]] = field(default_factory=dict)  # (part, file, rows)
    pending: list[tuple[str, pl.DataFrame | tuple[Path, str, int]]] = field(default_factory=list)
    # Accepted rows read with a confirmed corrected identity number: dataset, id_number, lineage.
    corrected: list[pl.DataFrame] = field(default_factory=list)
    pending_corrected: list[pl.DataFrame] = field(default_factory=list)
    # Rejected rows parked for a slip in the identity number (validation.SheetRows.parked), by dataset.
    parked: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    pending_parked: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    _next: int = 0  # parts written so far (their names keep the order of arrival)
    # What the last `commit` took in (one file's rows), for transforms.intake.reuse; None after a discard.
    last_commit: Committed | None = None

    def add(self, code: str, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        if "id_corrected" in frame.columns:
            fixed = frame.filter(pl.col("id_corrected"))
            if fixed.height:
                self.pending_corrected.append(
                    fixed.select(pl.lit(code).alias("dataset"), pl.col("id_number"), *LINEAGE)
                )
            frame = frame.drop("id_corrected")
        if code not in self.parts and self.work_dir is not None:
            held = sum(f.height for f in self.frames.get(code, [])) + frame.height
            held += sum(f.height for c, f in self.pending if c == code and isinstance(f, pl.DataFrame))
            if held > self.spill_rows:
                self._spill(code)
        if code in self.parts:
            self.pending.append((code, self._write_part(code, frame)))
        else:
            self.pending.append((code, frame))

    def park(self, code: str, frame: pl.DataFrame | None) -> None:
        if frame is not None and frame.height:
            self.pending_parked.append((code, frame))

    def commit(self) -> None:
        self.last_commit = Committed(list(self.pending), list(self.pending_corrected), list(self.pending_parked))
        self.corrected += self.pending_corrected
        self.parked += self.pending_parked
        self.pending_corrected, self.pending_parked = [], []
        for code, item in self.pending:
            if isinstance(item, pl.DataFrame):
                self.frames.setdefault(code, []).append(item)
            else:
                self.parts.setdefault(code, []).append(item)
        self.pending = []

    def discard(self) -> None:
        self.last_commit = None
        self.pending_corrected, self.pending_parked = [], []
        for _, item in self.pending:
            if not isinstance(item, pl.DataFrame):
                item[0].unlink(missing_ok=True)
        self.pending = []

    def adopt_part(self, code: str, part: Path, source_file: str, rows: int) -> None:
        """Take a Parquet part written by an earlier run (transforms.intake.reuse) as pending rows:
        linked into the work folder (read into memory when there is none)."""
        if self.work_dir is None:
            self.add(code, pl.read_parquet(part).drop("_row_hash"))
            return
        if code not in self.parts:
            self._spill(code)
        self._next += 1
        target = self.work_dir / f"{code}-{self._next:06d}-{uuid.uuid4().hex[:8]}.parquet"
        link(part, target)
        self.pending.append((code, (target, source_file, rows)))

    def codes(self) -> list[str]:
        """The datasets that have accepted rows (a discarded file may have left an empty entry)."""
        return sorted({c for c, f in self.frames.items() if f} | {c for c, p in self.parts.items() if p})

    def _spill(self, code: str) -> None:
        """Move what is held of `code` (committed, then pending) to disk, in order."""
        self.parts[code] = [self._write_part(code, f) for f in self.frames.pop(code, [])]
        self.pending = [
            (c, self._write_part(c, f) if c == code and isinstance(f, pl.DataFrame) else f) for c, f in self.pending
        ]

    def _write_part(self, code: str, frame: pl.DataFrame) -> tuple[Path, str, int]:
        assert self.work_dir is not None
        fields = [c for c in frame.columns if c not in LINEAGE]
        self._next += 1
        path = self.work_dir / f"{code}-{self._next:06d}-{uuid.uuid4().hex[:8]}.parquet"
        frame.with_columns(row_hash(fields).alias("_row_hash")).write_parquet(path, compression="lz4")
        return path, frame["source_file"][0], frame.height

    def settle(self, ds: DatasetSpec, department: str) -> Settled:
        if ds.code in self.parts:
            return _settle_spilled(ds, department, self.parts[ds.code])
        frame = pl.concat(self.frames[ds.code], how="vertical")
        fields = [f.name for f in ds.fields]
        first = frame.select(pl.struct(fields).is_first_distinct()).to_series()
        duplicates = frame.filter(~first).select(LINEAGE)
        kept = frame.filter(first)
        conflicts, rejects = key_conflicts(ds, kept, department)
        if conflicts.height:
            rejects = _with_row_values(rejects, conflict_row_values(ds, kept.join(conflicts, on=LINEAGE, how="semi")))
            kept = kept.join(conflicts, on=LINEAGE, how="anti")
        return Settled(kept, duplicates, rejects, dict(kept.group_by("source_file").len().iter_rows()))


def shared_hash_rows_sql(source: str) -> str:
    """The spilled rows (`source`: `parts_sql`) whose row hash another row shares: the only
    candidates for a duplicate (compared in full afterwards)."""
    return (
        f"select * from {source} where _row_hash in "
        f"(select _row_hash from {source} group by _row_hash having count(*) > 1)"
    )


def kept_keys_sql(source: str, keys: tuple[str, ...]) -> str:
    """The key columns (a dataset's `unique_by`, from the registry) and lineage of the spilled
    rows that are not duplicates (`spilled_duplicates`, registered)."""
    columns = ", ".join(f'p."{k}"' for k in keys)
    return (
        f"select {columns}, p.source_file, p.source_sheet, p.source_row, p._seq from {source} as p "
        "anti join spilled_duplicates as d on p._seq = d._seq"
    )


def conflicting_rows_sql(source: str) -> str:
    """The spilled rows in a key conflict (`conflicting_rows`, registered: their `_seq`), whole."""
    return f"select * from {source} where _seq in (select _seq from conflicting_rows)"


def _settle_spilled(ds: DatasetSpec, department: str, parts: list[tuple[Path, str, int]]) -> Settled:
    """Duplicates found by row hash first (only rows sharing a hash are compared in full), key
    conflicts on the key columns alone; both excluded by `_seq` when the rows are staged."""
    fields = [f.name for f in ds.fields]
    source = parts_sql([p for p, _, _ in parts])
    with duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT}) as con:
        candidates = con.sql(shared_hash_rows_sql(source)).pl()
        candidates = candidates.sort("_seq")
        first = candidates.select(pl.struct(fields).is_first_distinct()).to_series()
        duplicates = candidates.filter(~first).select(*LINEAGE, "_seq")
        conflicts = pl.DataFrame(schema=LINEAGE_SCHEMA)
        conflict_seq = pl.DataFrame(schema={"_seq": pl.Int64})
        rejects = pl.DataFrame(schema=REJECT_SCHEMA)
        if ds.unique_by:
            con.register("spilled_duplicates", duplicates.select("_seq").to_arrow())
            kept_keys = con.sql(kept_keys_sql(source, ds.unique_by)).pl().sort("_seq")
            conflicts, rejects = key_conflicts(ds, kept_keys, department)
            if conflicts.height:
                conflict_seq = conflicts.join(kept_keys.select(*LINEAGE, "_seq"), on=LINEAGE).select("_seq")
                con.register("conflicting_rows", conflict_seq.to_arrow())
                full = con.sql(conflicting_rows_sql(source)).pl()
                rejects = _with_row_values(rejects, conflict_row_values(ds, full))
    excluded_rows = pl.concat([duplicates.select("_seq"), conflict_seq])
    work_dir = parts[0][0].parent
    excluded = None
    if excluded_rows.height:
        excluded = work_dir / f"{ds.code}-excluded-{uuid.uuid4().hex[:8]}.parquet"
        excluded_rows.write_parquet(excluded)
    kept_by_file: dict[str, int] = {}
    for _, file, rows in parts:
        kept_by_file[file] = kept_by_file.get(file, 0) + rows
    for frame in (duplicates, conflicts):
        for file, n in frame.group_by("source_file").len().iter_rows():
            kept_by_file[file] -= n
    columns = (*fields, *LINEAGE)
    rows = SpilledRows(tuple(p for p, _, _ in parts), excluded, sum(kept_by_file.values()), columns)
    return Settled(rows, duplicates.select(LINEAGE), rejects, kept_by_file)


def conflict_row_values(ds: DatasetSpec, rows: pl.DataFrame) -> pl.DataFrame:
    """(file, sheet, row_number, row_values) of conflicting rows, their cells as JSON under the
    dataset's headers — so a conflict goes back to the clerk in the data sheet, like any other
    rejected row, to correct or delete. `rows`: the rows with their fields and lineage."""
    present = [f for f in ds.fields if f.name in rows.columns]
    return rows.select(
        pl.col("source_file").alias("file"),
        pl.col("source_sheet").cast(pl.String).alias("sheet"),
        pl.col("source_row").cast(pl.Int64).alias("row_number"),
        pl.struct([pl.col(f.name).cast(pl.String).alias(f.headers[0]) for f in present])
        .struct.json_encode()
        .alias("row_values"),
    )


def _with_row_values(rejects: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    if rejects.is_empty() or values.is_empty():
        return rejects
    joined = rejects.drop("row_values").join(
        values.unique(["file", "sheet", "row_number"]),
        on=["file", "sheet", "row_number"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    return as_rejects(joined)


def key_conflicts(ds: DatasetSpec, kept: pl.DataFrame, department: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Different rows sharing the dataset's key (`unique_by`): the first kept, the others
    rejected saying where the first is. `kept` needs the key columns and lineage, in file
    order. Returns (the conflicting rows' lineage, their rejects)."""
    none = pl.DataFrame(schema=LINEAGE_SCHEMA)
    if not ds.unique_by:
        return none, pl.DataFrame(schema=REJECT_SCHEMA)
    key = list(ds.unique_by)
    key_first = kept.select(pl.struct(key).is_first_distinct()).to_series()
    conflicts = kept.filter(~key_first)
    if conflicts.height == 0:
        return none, pl.DataFrame(schema=REJECT_SCHEMA)
    label = "、".join(ds.field(k).label for k in key)
    where = kept.filter(key_first).select(
        *key, pl.col("source_file").alias("first_file"), pl.col("source_row").alias("first_row")
    )
    text = explain("key_conflict", column=label)
    rejects = (
        conflicts.join(where, on=key, how="left")
        .select(
            pl.lit(department).alias("department"),
            pl.lit(ds.code).alias("dataset"),
            pl.col("source_file").alias("file"),
            pl.col("source_sheet").alias("sheet"),
            pl.col("source_row").alias("row_number"),
            pl.lit(label).alias("column"),
            pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="、").alias("value"),
            (
                pl.lit(text + "（已采用：")
                + pl.col("first_file")
                + pl.lit(" 第")
                + pl.col("first_row").cast(pl.String)
                + pl.lit("行）")
            ).alias("reason"),
            pl.lit("key_conflict").alias("reason_code"),
        )
        .pipe(as_rejects)
    )
    return conflicts.select(LINEAGE), rejects
