"""check-inbox gives clerks their workbooks without publishing; killing a run at any point
leaves the previous publication complete and untouched."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from transforms.deliver.publish import FAULT_POINTS
from transforms.settings import DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow


def test_check_inbox_writes_workbooks_and_publishes_nothing(tmp_path, sample_root, prefect_api):
    from flows.quarterly_run import check_inbox

    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    summary = check_inbox(str(root), str(Q3))
    check = root / "check" / str(Q3)
    assert summary.check_only and summary.counts.rejected > 0
    assert sorted(p.name for p in (check / "quality").iterdir()) == sorted(
        f"{d}_问题数据.xlsx" for d in ("乡村振兴局", "医保局", "民政局", "住建局", "教育局", "残联")
    )
    manifest = json.loads((check / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["check_only"] and len(manifest["inputs"]) == 11  # 7 extracts, 4 supplements
    assert not (root / "out").exists() and not (root / "warehouse.duckdb").exists()


def _snapshot(out):
    """Every published file by name, with its content (the manifest without its timings)."""
    files = {}
    for p in sorted(out.rglob("*")):
        if p.is_file():
            content = p.read_bytes()
            if p.name == "manifest.json":
                manifest = json.loads(content)
                for varying in ("timings_seconds", "peak_rss_gb", "outputs", "reused_files"):
                    manifest.pop(varying, None)
                content = json.dumps(manifest, sort_keys=True).encode()
            files[p.relative_to(out).as_posix()] = content
    return files


def _run_command(root, **env) -> subprocess.CompletedProcess:
    """`povwatch run` in its own process group; what it started (Prefect's temporary API server)
    is ended with it, as when a machine loses power."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--data-root", str(root), "--quarter", str(Q3)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}, start_new_session=True,
    )  # fmt: skip
    try:
        proc.wait(timeout=600)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    stdout, stderr = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("step", FAULT_POINTS)
def test_a_run_killed_at_any_step_leaves_a_whole_publication_and_a_rerun_reproduces_it(
    tmp_path, sample_root, sample_run, step
):
    root = tmp_path / "county"
    shutil.copytree(sample_root, root, ignore=shutil.ignore_patterns("out", "warehouse.duckdb*", ".work"))
    shutil.copytree(sample_root / "out", root / "out", symlinks=True)
    shutil.copy(sample_root / "warehouse.duckdb", root / "warehouse.duckdb")
    out = DataRoot(root).out(Q3)
    before = _snapshot(out)

    killed = _run_command(root, POVWATCH_KILL_AT=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # Killed before the swap: the previous publication, untouched. After it: the new one, whole
    # (the same inputs: the same files and content as before).
    assert _snapshot(out) == before
    if step != "after-swap":
        assert os.readlink(out) == os.readlink(sample_root / "out" / str(Q3))
    leftovers = [p.name for p in DataRoot(root).publications.iterdir() if p.name.endswith(".building")]
    leftovers += [p.name for p in DataRoot(root).publications.iterdir() if p.name.startswith(".data_docs-")]
    assert bool(leftovers) == (step in ("gates-checked", "built")), leftovers

    done = _run_command(root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _snapshot(out) == before  # same inputs, same names and content
    names = sorted(p.name for p in DataRoot(root).publications.iterdir())
    assert not [n for n in names if n.endswith(".building") or n.startswith(".data_docs-")], names
