"""The `povwatch` command's exit codes survive its fast exit (flows.cli.entry)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _povwatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # the command starts its Prefect server
def test_a_quarter_without_an_inbox_is_refused_with_exit_code_1(tmp_path):
    done = _povwatch("run", "--data-root", str(tmp_path), "--quarter", "2026Q3")
    assert done.returncode == 1
    assert "收件箱不存在" in done.stderr and "not published" in done.stderr
    assert "Traceback" not in done.stderr and "RunRefused(" not in done.stderr  # the reason alone, no traceback
    assert not (tmp_path / "out").exists()


def test_a_malformed_quarter_is_exit_code_2(tmp_path):
    done = _povwatch("run", "--data-root", str(tmp_path), "--quarter", "2026Q5")
    assert done.returncode == 2
    assert "2026Q5" in done.stderr


@pytest.mark.slow  # a whole quarter through the command
def test_the_terminal_speaks_the_data_officers_language_without_noise(tmp_path, sample_root):
    """A run prints its steps and each department in Chinese, no Prefect or Great Expectations
    log lines and no link to the temporary server (gone when the command ends); the summary names
    what was written, the county office's list and the departments with rows to correct.
    Prefect's lines go to the data root's logs/ instead."""
    import shutil

    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox", root / "inbox")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--data-root", str(root), "--quarter", "2026Q3"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    shown = done.stdout + done.stderr
    for noise in ("View at", "http://", "INFO", "Task run", "Flow run", "great_expectations", "temporary"):
        assert noise not in shown, noise
    assert "【1/7】读取并检查各部门数据" in shown and "【7/7】发布" in shown
    for department in ("医保局", "民政局", "住建局", "教育局", "残联"):
        assert f"✓ {department}：" in shown
    for named in ("towns/", "departments/", "report.html", "县级名单", "_问题数据.xlsx", "需更正后重新报送"):
        assert named in done.stdout, named
    log = (root / "logs" / "povwatch.log").read_text(encoding="utf-8")
    assert "Finished in state Completed" in log
