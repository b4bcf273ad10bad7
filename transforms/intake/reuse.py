"""A file read once is not read again while nothing that decides its outcome has changed.

What a file's intake produces before duplicates are settled across the department's files —
its report (rows read, rejected, ignored, sheets, encoding, error), its rejects, its accepted
rows by dataset, its rows read with a confirmed corrected identity number and its parked rows —
is kept under `<data root>/.cache/intake/<quarter>/<department>/<key>/`. The key is the digest
of everything the outcome depends on: the file's sha256 and its path in the department's
folder, the department, the quarter (its last day rejects later events), the county's
configuration, the department's confirmed identity-number corrections, and the code that reads
and validates (`transforms/intake/`, `schemas/`, the configuration loader). Change any of them
and the file is read again.

Accepted rows of a big dataset are Parquet parts: they are hard-linked into the cache (no
copy) and back into the run's work folder when reused; small datasets are written as Parquet.
An entry is written to a temporary folder and renamed into place, so a killed run leaves either
a whole entry or none. After a department's intake, the entries of its files that this run did
not use (a resent file's former version) are removed.

Personal data stays where it belongs: the cache lives inside the data root, beside the
warehouse, and holds nothing the warehouse does not.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from transforms.intake.spill import AcceptedRows, Settled, SpilledRows, link

# The code whose behaviour decides a file's outcome (relative to the repository root).
_CODE = ("transforms/intake", "schemas", "transforms/config.py", "transforms/settings.py")
_ROOT = Path(__file__).resolve().parents[2]
ENTRY = "entry.json"


@cache
def code_digest() -> str:
    """Digest of the reading and validating code and of the libraries it runs on (so an upgrade
    reads every file again: a part's row hashes, for one, are polars' own)."""
    h = hashlib.sha256()
    for library in ("polars", "pandera", "duckdb", "fastexcel"):
        h.update(f"{library}=={importlib.metadata.version(library)}".encode())
    for item in _CODE:
        path = _ROOT / item
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(f.relative_to(_ROOT).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def corrections_digest(corrections: pl.DataFrame | None) -> str:
    """Digest of a department's confirmed corrections (order does not matter)."""
    if corrections is None or corrections.is_empty():
        return "none"
    rows = sorted(corrections.select(sorted(corrections.columns)).iter_rows())
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class FileKey:
    """What a file's outcome depends on."""

    department: str
    rel: str  # the file's path in the department's folder
    sha256: str
    quarter: str
    config_digest: str
    corrections_digest: str

    def digest(self) -> str:
        parts = [
            code_digest(),
            self.department,
            self.rel,
            self.sha256,
            self.quarter,
            self.config_digest,
            self.corrections_digest,
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


STATS = "stats.json"


@dataclass
class IntakeCache:
    """The cache of one department's files for one quarter."""

    folder: Path  # <data root>/.cache/intake/<quarter>/<department>
    used: set[str] = field(default_factory=set)
    order: list[str] = field(default_factory=list)  # the entries of this run's files, in reading order
    stats: dict[str, list] = field(default_factory=dict)  # rel -> [size, mtime_ns, inode, sha256]

    @classmethod
    def of(cls, data_root: Path, quarter: str, department: str) -> IntakeCache:
        cache = cls(data_root / ".cache" / "intake" / quarter / _safe(department))
        try:
            cache.stats = json.loads((cache.folder / STATS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache.stats = {}
        return cache

    def sha256(self, path: Path, rel: str, digest) -> str:
        """The file's sha256: remembered from the last run while its size, modification time (ns)
        and inode are those it had then (as git trusts its index), else computed by `digest`."""
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        known = self.stats.get(rel)
        sha = known[3] if known and known[:3] == stamp else digest(path)
        self.stats[rel] = [*stamp, sha]
        return sha

    def lookup(self, key: FileKey) -> Path | None:
        entry = self.folder / key.digest()
        self.order.append(entry.name)
        if (entry / ENTRY).is_file():
            self.used.add(entry.name)
            return entry
        return None

    def settled_entry(self, code: str) -> Path:
        """Where a spilled dataset's settlement over exactly this run's files is kept."""
        digest = hashlib.sha256("\x1f".join([code, *self.order]).encode()).hexdigest()[:32]
        self.used.add(f"settled-{digest}")
        return self.folder / f"settled-{digest}"

    def load_settled(self, code: str, parts: list[tuple[Path, str, int]], columns: tuple[str, ...]) -> Settled | None:
        """The cached settlement of `code` over this run's files (their parts in the work folder)."""
        entry = self.settled_entry(code)
        if not (entry / ENTRY).is_file():
            return None
        meta = json.loads((entry / ENTRY).read_text(encoding="utf-8"))
        excluded = None
        if meta["excluded"]:
            excluded = parts[0][0].parent / f"{code}-excluded-{uuid.uuid4().hex[:8]}.parquet"
            link(entry / meta["excluded"], excluded)
        rows = SpilledRows(tuple(p for p, _, _ in parts), excluded, meta["height"], columns)
        return Settled(
            rows,
            pl.read_parquet(entry / "duplicates.parquet"),
            pl.read_parquet(entry / "conflict_rejects.parquet"),
            meta["kept_by_file"],
        )

    def store_settled(self, code: str, settled: Settled) -> None:
        if not isinstance(settled.rows, SpilledRows):
            return
        entry = self.settled_entry(code)
        tmp = self.folder / f".tmp-{entry.name}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        tmp.mkdir(parents=True)
        try:
            if settled.rows.excluded is not None:
                link(settled.rows.excluded, tmp / "excluded.parquet")
            settled.duplicates.write_parquet(tmp / "duplicates.parquet")
            settled.conflict_rejects.write_parquet(tmp / "conflict_rejects.parquet")
            meta = {
                "excluded": "excluded.parquet" if settled.rows.excluded is not None else None,
                "height": settled.rows.height,
                "kept_by_file": settled.kept_by_file,
            }
            (tmp / ENTRY).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            if not (entry / ENTRY).is_file():
                shutil.rmtree(entry, ignore_errors=True)
                tmp.rename(entry)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def store(self, key: FileKey, report: dict, rejects: list[pl.DataFrame], sink: AcceptedRows) -> None:
        """Keep what `sink` committed for this file (its last commit) with its report and rejects."""
        digest = key.digest()
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".tmp-{digest}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        tmp.mkdir()
        try:
            committed = sink.last_commit
            accepted, parked = [], []
            for i, (code, item) in enumerate(committed.items if committed else ()):
                name = f"accepted-{i:04d}.parquet"
                if isinstance(item, pl.DataFrame):
                    item.write_parquet(tmp / name, compression="lz4")
                    accepted.append({"code": code, "kind": "frame", "file": name})
                else:
                    path, source_file, rows = item
                    link(path, tmp / name)
                    accepted.append(
                        {"code": code, "kind": "part", "file": name, "source_file": source_file, "rows": rows}
                    )
            for i, (code, frame) in enumerate(committed.parked if committed else ()):
                name = f"parked-{i:04d}.parquet"
                frame.write_parquet(tmp / name)
                parked.append({"code": code, "file": name})
            corrected = None
            if committed and committed.corrected:
                corrected = "corrected.parquet"
                pl.concat(committed.corrected).write_parquet(tmp / corrected)
            nonempty = [r for r in rejects if r.height]
            if nonempty:
                pl.concat(nonempty).write_parquet(tmp / "rejects.parquet")
            entry = {
                "key": key.__dict__,
                "report": report,
                "accepted": accepted,
                "parked": parked,
                "corrected": corrected,
                "rejects": "rejects.parquet" if nonempty else None,
            }
            (tmp / ENTRY).write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            final = self.folder / digest
            if not (final / ENTRY).is_file():  # else another run kept the same outcome first
                shutil.rmtree(final, ignore_errors=True)
                tmp.rename(final)
            self.used.add(digest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def finish(self, rels: set[str]) -> None:
        """Remember the files' stamps; remove the entries (and leftovers of killed runs) this run
        did not use."""
        if not self.folder.is_dir():
            return
        stats = {rel: v for rel, v in self.stats.items() if rel in rels}
        tmp = self.folder / f".tmp-{STATS}-{os.getpid()}"
        tmp.write_text(json.dumps(stats, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.folder / STATS)
        for entry in self.folder.iterdir():
            if entry.is_dir() and entry.name not in self.used:
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_file() and entry.name != STATS:
                entry.unlink(missing_ok=True)


@dataclass(frozen=True)
class Reused:
    """A cached file outcome, replayed."""

    report: dict
    rejects: list[pl.DataFrame]


def replay(entry: Path, sink: AcceptedRows, reject_schema: dict) -> Reused:
    """Put a cached file's accepted, corrected and parked rows into `sink` (committed) and
    return its report and rejects."""
    meta = json.loads((entry / ENTRY).read_text(encoding="utf-8"))
    for item in meta["accepted"]:
        path = entry / item["file"]
        if item["kind"] == "frame":
            sink.add(item["code"], pl.read_parquet(path))
        else:
            sink.adopt_part(item["code"], path, item["source_file"], item["rows"])
    for item in meta["parked"]:
        sink.park(item["code"], pl.read_parquet(entry / item["file"]))
    if meta["corrected"]:
        sink.pending_corrected.append(pl.read_parquet(entry / meta["corrected"]))
    sink.commit()
    rejects = [pl.read_parquet(entry / meta["rejects"]).cast(reject_schema)] if meta["rejects"] else []
    return Reused(meta["report"], rejects)


def _safe(name: str) -> str:
    return name.replace("/", "_").replace("\\", "_")
