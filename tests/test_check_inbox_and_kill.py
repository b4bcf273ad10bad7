"""check-inbox gives clerks their workbooks without publishing; killing a run at any point
leaves the previous publication complete and untouched."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from transforms.settings import DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow


def test_check_inbox_writes_workbooks_and_publishes_nothing(tmp_path, sample_root, prefect_api):
    from flows.quarterly_run import check_inbox

    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    summary = check_inbox(str(root), str(Q3))
    check = root / "check" / str(Q3)
    assert summary.check_only and summary.rejected > 0
    assert sorted(p.name for p in (check / "quality").iterdir()) == sorted(
        f"{d}_问题数据.xlsx" for d in ("乡村振兴局", "医保局", "民政局", "住建局", "教育局", "残联")
    )
    manifest = json.loads((check / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["check_only"] and len(manifest["inputs"]) == 7
    assert not (root / "out").exists() and not (root / "warehouse.duckdb").exists()


def _snapshot(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _names(snapshot):
    """File names, but Data Docs' validation pages, which are named by the time of the run."""
    return {n for n in snapshot if "/data_docs/validations/" not in n}


@pytest.mark.parametrize("after_seconds", [4.0, 7.0])
def test_killing_a_run_leaves_the_previous_publication_intact(tmp_path, sample_root, sample_run, after_seconds):
    root = tmp_path / "county"
    shutil.copytree(sample_root, root, ignore=shutil.ignore_patterns("out", "warehouse.duckdb*"))
    shutil.copytree(sample_root / "out", root / "out", symlinks=True)
    shutil.copy(sample_root / "warehouse.duckdb", root / "warehouse.duckdb")
    out = DataRoot(root).out(Q3)
    before = _snapshot(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--data-root", str(root), "--quarter", str(Q3)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    time.sleep(after_seconds)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    after = _snapshot(out)
    print("killed" if proc.returncode else "finished", after_seconds)
    if proc.returncode == 0:  # it finished first: then it is the new, complete publication
        assert _names(after) == _names(before)
    else:
        assert after == before
    # and a rerun afterwards publishes normally
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--data-root", str(root), "--quarter", str(Q3)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert _names(_snapshot(out)) == _names(before)
