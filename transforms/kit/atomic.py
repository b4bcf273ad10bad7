"""Publication of a run's outputs, all at once.

Everything is written into a fresh folder under `out/.publications/`, checked against the
manifest, and only then made current by atomically replacing the link `out/<quarter>`.
A run that fails or is killed before that leaves the previous publication untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import polars as pl

from transforms.kit.files import process_alive, sha256_of
from transforms.settings import DataRoot, Quarter

KEEP_PUBLICATIONS = 3
PACKAGES = ("povwatch", "polars", "pyarrow", "duckdb", "pandera", "fastexcel", "xlsxwriter", "prefect")


FAULT_POINTS = ("gates-checked", "built", "before-swap", "after-swap")  # in the order a run meets them


def fault_point(name: str) -> None:
    """Where a publication can be cut short on purpose: with `POVWATCH_KILL_AT=<name>` in the
    environment the process kills itself (SIGKILL, like a power cut or the OOM killer) at that
    named step, so the tests check what a killed run leaves on a fast or a slow machine alike."""
    if os.environ.get("POVWATCH_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def describe_outputs(folder: Path) -> list[dict]:
    """Every file of a publication (but the manifest) with its sha256 and, for Parquet, rows."""
    outputs = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"):
        entry = {"path": path.relative_to(folder).as_posix(), "sha256": sha256_of(path)}
        if path.suffix == ".parquet":
            entry["rows"] = pl.scan_parquet(path).select(pl.len()).collect().item()
        outputs.append(entry)
    return outputs


def write_manifest(folder: Path, manifest: dict) -> Path:
    manifest = {**manifest, "outputs": describe_outputs(folder), "package_versions": package_versions()}
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def verify_publication(folder: Path) -> None:
    """Every output listed in the manifest is there with the digest it was written with."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["outputs"]:
        path = folder / entry["path"]
        if not path.is_file() or sha256_of(path) != entry["sha256"]:
            raise RuntimeError(f"publication check failed for {entry['path']}")


def publish(root: DataRoot, quarter: Quarter | str, build: Callable[[Path], None], area: str = "out") -> Path:
    """Build a publication in a fresh folder with `build(folder)`, verify it, then make it
    current. Returns `<area>/<quarter>`: `out/` for the quarterly run, `check/` for
    check-inbox (which never touches `out/`), `backtest/<name>` for a backtest."""
    store = root.path / area / ".publications"
    store.mkdir(parents=True, exist_ok=True)
    remove_leftovers(store)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    folder = store / f"{quarter}-{stamp}-{os.getpid()}"
    n = 1
    while folder.exists() or folder.with_name(folder.name + ".building").exists():  # again within the second
        n += 1
        folder = store / f"{quarter}-{stamp}.{n}-{os.getpid()}"
    building = folder.with_name(folder.name + ".building")
    building.mkdir()
    try:
        build(building)
        fault_point("built")
        verify_publication(building)
        building.rename(folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    fault_point("before-swap")
    current = root.path / area / str(quarter)
    if current.exists() and not current.is_symlink():
        # An older layout kept a real folder here: move it among the publications first.
        current.rename(store / f"{quarter}-legacy-{stamp}")
    link = current.with_name(f".{quarter}.link-{os.getpid()}")
    if link.is_symlink():
        link.unlink()
    link.symlink_to(Path(".publications") / folder.name)
    os.replace(link, current)  # atomic: readers see the old or the new publication, never half
    fault_point("after-swap")
    _prune(store, quarter, keep=folder.name)
    return current


def _owner_pid(name: str) -> int | None:
    """The process that made a working folder: `<quarter>-<time>-<pid>.building` or
    `.data_docs-<quarter>-<pid>`."""
    stem = name.removesuffix(".building")
    pid = stem.rsplit("-", 1)[-1]
    return int(pid) if pid.isdigit() else None


def remove_leftovers(store: Path) -> list[str]:
    """Remove what killed runs left among the publications: folders still being built
    (`*.building`) and Data Docs not yet moved in (`.data_docs-*`) whose process is gone.
    A run still building (its process alive) is never touched. Returns the names removed."""
    removed = []
    for p in sorted(store.iterdir()) if store.is_dir() else []:
        if not (p.name.endswith(".building") or p.name.startswith(".data_docs-")) or p.is_symlink():
            continue
        pid = _owner_pid(p.name)
        if pid is None or not process_alive(pid):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def _prune(store: Path, quarter: Quarter | str, keep: str) -> None:
    remove_leftovers(store)
    for mine in store.glob(f"*-{os.getpid()}.building"):  # ours are done: one left here is a killed run's
        shutil.rmtree(mine, ignore_errors=True)
    mine = sorted(
        (p for p in store.iterdir() if p.name.startswith(f"{quarter}-") and p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    finished = [p for p in mine if not p.name.endswith(".building")]
    for old in finished[:-KEEP_PUBLICATIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
