"""The `povwatch` command's exit codes survive its fast exit (flows.cli.entry)."""

from __future__ import annotations

import subprocess
import sys


def _povwatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, timeout=300)


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
