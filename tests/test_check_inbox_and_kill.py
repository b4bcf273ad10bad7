"""check-inbox gives clerks their workbooks without publishing; killing a run at any point
leaves the previous publication complete and untouched."""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

from transforms.kit.atomic import FAULT_POINTS
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
    after = _snapshot(out)
    for name in sorted(set(before) | set(after)):  # a page that differs is shown where it differs
        if before.get(name) != after.get(name) and name.endswith(".html"):
            a, b = (re.split(r"(?=<)", x.get(name, b"").decode()) for x in (before, after))
            print("\n".join(list(difflib.unified_diff(a, b, n=0, lineterm=""))[:40]))
    assert after == before  # same inputs, same names and content
    names = sorted(p.name for p in DataRoot(root).publications.iterdir())
    assert not [n for n in names if n.endswith(".building") or n.startswith(".data_docs-")], names


def _copy_published(tmp_path, sample_root):
    root = tmp_path / "county"
    shutil.copytree(sample_root, root, ignore=shutil.ignore_patterns("out", "warehouse.duckdb*", ".work", ".cache"))
    shutil.copytree(sample_root / "out", root / "out", symlinks=True)
    shutil.copy(sample_root / "warehouse.duckdb", root / "warehouse.duckdb")
    return root


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_stopped_run_stops_its_server_and_keeps_the_publication(tmp_path, sample_root, sample_run, signum):
    """SIGTERM (a service stop, a scheduler's timeout) and SIGINT (Ctrl-C) stop the run and its
    temporary Prefect server; the previous publication stays whole. Even SIGKILL of the command
    alone (not its process group) leaves no server behind."""
    import psutil

    root = _copy_published(tmp_path, sample_root)
    out = DataRoot(root).out(Q3)
    before = _snapshot(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--data-root", str(root), "--quarter", str(Q3), "--reread"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        for line in proc.stdout:  # the run is under way: its departments are being read
            if "【1/" in line:
                break
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the temporary Prefect server is running"
        os.kill(proc.pid, signum)
        proc.wait(timeout=120)
        _, stderr = proc.communicate()
        _, alive = psutil.wait_procs(children, timeout=20)
        assert not alive, [p.cmdline()[:3] for p in alive]
        if signum != signal.SIGKILL:
            assert proc.returncode == 1 and "已中止，未发布" in stderr, stderr[-2000:]
            assert not [p for p in DataRoot(root).publications.iterdir() if p.name.endswith(".building")]
        assert _snapshot(out) == before
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


HOLD_THE_DATA_ROOT = """
import sys, time
from transforms.data_root_lock import data_root_lock
with data_root_lock(sys.argv[1], "read-returns"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_two_commands_on_one_data_root_never_interleave(tmp_path, sample_root):
    """A second command refuses at once, naming the command that holds the data root, its
    process id and since when; a holder killed by SIGKILL never blocks the next command."""
    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_DATA_ROOT, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        check = [sys.executable, "-m", "flows.cli", "check-inbox", "--data-root", str(root), "--quarter", str(Q3)]
        refused = subprocess.run(check, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1
        assert f"povwatch read-returns，进程号 {holder.pid}，自 " in refused.stderr
        assert not (root / "check").exists()
    finally:
        holder.kill()
        holder.wait()
    done = subprocess.run(check, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (root / "check" / str(Q3) / "manifest.json").is_file()
