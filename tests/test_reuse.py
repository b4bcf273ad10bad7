"""A file unchanged since the last check or run is not read again: its outcome comes from the
intake cache, and every output is the same as when everything is read afresh. A changed file
is read again, alone.

Real flows on a copy of the sample county, with reading rules that stream and spill even the
sample's small files, so the big-dataset path (Parquet parts, settlement by DuckDB) is reused
too."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from transforms.intake import department as department_module
from transforms.settings import DataRoot
from transforms.staging import slices
from transforms.staging.warehouse import connect

from .conftest import Q3
from .test_check_inbox_and_kill import _snapshot

pytestmark = pytest.mark.slow

CHANGED = "医保局/结算明细_补报_2026Q3.csv"


@pytest.fixture
def county(tmp_path, sample_root, monkeypatch) -> Path:
    """The sample county's 2026Q3 inbox, read with batches of 500 rows and datasets spilled past 1,000."""
    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    config = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parents[1] / "config", config)
    reading = yaml.safe_load((config / "reading.yaml").read_text(encoding="utf-8"))
    reading.update(stream_from_megabytes=0, batch_rows=500, spill_rows=1000)
    (config / "reading.yaml").write_text(yaml.safe_dump(reading, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("POVWATCH_CONFIG_DIR", str(config))
    return root


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files actually read (opened and validated), by their path in the department's folder."""
    seen: list[str] = []
    original = department_module.read_file

    def counting(path, rel, *args, **kwargs):
        seen.append(f"{path.parent.name}/{rel}")
        return original(path, rel, *args, **kwargs)

    monkeypatch.setattr(department_module, "read_file", counting)
    return seen


def _check(root: Path, reread: bool = False) -> tuple[dict, list[str]]:
    from flows.quarterly_run import check_inbox

    summary = check_inbox(str(root), str(Q3), reread)
    folder = root / "check" / str(Q3)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert summary.counts.rows_read == sum(f["rows_read"] for f in manifest["inputs"])
    return _snapshot(folder), manifest["reused_files"]


def _inputs(root: Path) -> list[str]:
    inbox = DataRoot(root).inbox(Q3)
    return sorted(p.relative_to(root).as_posix() for p in inbox.rglob("*") if p.is_file())


def test_an_unchanged_file_is_reused_and_a_changed_one_read_again_with_identical_results(county, reads, prefect_api):
    inputs = _inputs(county)
    first, reused = _check(county)
    assert reused == [] and len(reads) == len(inputs) == 11
    medical = county / ".cache" / "intake" / str(Q3) / "medical"
    assert [p for p in medical.iterdir() if p.name.startswith("settled-")]  # claims spilled, settled by DuckDB

    reads.clear()
    again, reused = _check(county)
    assert reads == [] and reused == inputs
    assert again == first

    # The medical department resends its supplement without one of its rows.
    changed = DataRoot(county).inbox(Q3) / CHANGED
    lines = changed.read_bytes().splitlines(keepends=True)
    data = [i for i, line in enumerate(lines) if line[:1].isdigit()]  # title, blank, header, then the rows
    del lines[data[-1]]
    changed.write_bytes(b"".join(lines))

    reads.clear()
    partly, reused = _check(county)
    assert reads == [CHANGED] and reused == [p for p in inputs if not p.endswith(CHANGED)]
    assert partly != first
    manifest = json.loads((county / "check" / str(Q3) / "manifest.json").read_text(encoding="utf-8"))
    assert {f["path"]: f["rows_read"] for f in manifest["inputs"]}[Path(CHANGED).name] == len(lines)

    reads.clear()
    fresh, reused = _check(county, reread=True)
    assert len(reads) == 11 and reused == []
    assert fresh == partly


def test_a_run_from_reused_files_publishes_what_a_run_reading_everything_publishes(county, reads, prefect_api):
    from flows.quarterly_run import quarterly_run

    _check(county)  # what a check during collection leaves behind
    reads.clear()
    quarterly_run(str(county), str(Q3))
    out = DataRoot(county).out(Q3)
    first_run = _snapshot(out)
    quarterly_run(str(county), str(Q3))  # the claims' slice is the one staged: not staged again
    assert reads == []
    assert _snapshot(out) == first_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reused_files"] == _inputs(county)
    assert "stg_medical__settlements" in _staged_from_digest(county)

    quarterly_run(str(county), str(Q3), True)
    assert len(reads) == 11 and _staged_from_digest(county) == []
    assert _snapshot(out) == first_run


def _staged_from_digest(root: Path) -> list[str]:
    with connect(DataRoot(root).warehouse) as con:
        return [t for (t,) in con.execute("select staging_table from meta_staged_slices order by 1").fetchall()]


def test_claims_kept_as_parquet_files_beside_the_warehouse_publish_what_claims_in_it_publish(
    county, prefect_api, monkeypatch
):
    """The same quarter run with the claims held in memory and staged into the warehouse, then
    spilled and kept as Parquet files (the table becoming a view over what it held and the files):
    the same publication."""
    from flows.quarterly_run import quarterly_run

    spilling = os.environ["POVWATCH_CONFIG_DIR"]
    monkeypatch.delenv("POVWATCH_CONFIG_DIR")
    quarterly_run(str(county), str(Q3), True)
    out = DataRoot(county).out(Q3)
    in_warehouse = _without_manifest(_snapshot(out))
    with connect(DataRoot(county).warehouse) as con:
        assert slices.kind(con, "stg_medical__settlements") == "table"

    monkeypatch.setenv("POVWATCH_CONFIG_DIR", spilling)
    for _ in range(2):  # the second time from the same folder of files
        quarterly_run(str(county), str(Q3), True)
        assert _without_manifest(_snapshot(out)) == in_warehouse
        with connect(DataRoot(county).warehouse) as con:
            assert slices.kind(con, "stg_medical__settlements") == "view"
            assert con.execute("select count(*) from stg_medical__settlements__rows").fetchall() == [(0,)]
        folders = list((county / slices.FILES_FOLDER / "stg_medical__settlements").iterdir())
        assert len(folders) == 1 and list(folders[0].glob("part=*/rows.parquet"))


def _without_manifest(snapshot: dict) -> dict:
    return {name: content for name, content in snapshot.items() if name != "manifest.json"}
