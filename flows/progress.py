"""What the terminal shows while `povwatch` runs: each step in the data officer's words, one
line as it starts and one as it ends, each department as its files are read (in Chinese, by the
name its clerks use), and a bar while the departments are read. Prefect's own log lines stay in
Prefect (and in `<data root>/logs/`), never on this screen (flows/console.py).

A flow run by a deployment has no progress (nothing is printed); the command turns it on.
"""

from __future__ import annotations

import sys
from typing import TextIO

from transforms.deliver.summary import STEP_LABELS
from transforms.intake.accounting import RowCounts

STEPS = STEP_LABELS
CHECK_STEPS = {"intake": "读取并检查各部门数据", "publish": "生成问题数据表"}
BAR_WIDTH = 20


class Progress:
    """Prints progress to `stream`; a bar is redrawn in place only on a terminal."""

    def __init__(self, stream: TextIO | None = None, steps: dict[str, str] = STEPS) -> None:
        self.stream = stream or sys.stdout
        self.steps = steps
        self.tty = self.stream.isatty()
        self._bar = False

    def _print(self, text: str) -> None:
        if self._bar:  # a line after the bar: clear it first
            self.stream.write("\r\033[K")
            self._bar = False
        print(text, file=self.stream, flush=True)

    def step(self, name: str, seconds: float | None = None) -> None:
        """A step starts (`seconds` None) or ends."""
        if name not in self.steps:
            return
        if seconds is None:
            number = list(self.steps).index(name) + 1
            self._print(f"【{number}/{len(self.steps)}】{self.steps[name]}……")
        else:
            self._print(f"      完成，用时 {seconds:.1f} 秒")

    def department(self, label: str, counts: RowCounts | None, done: int, total: int, reused: int = 0) -> None:
        """A department's files are read (`counts` None: its intake failed)."""
        if counts is None:
            line = f"    ✗ {label}：读取失败，其他部门照常处理"
        else:
            line = (
                f"    ✓ {label}：{counts.files} 个文件，读取 {counts.rows_read:,} 行，采用 {counts.accepted:,}，"
                f"退回 {counts.rejected:,}，重复 {counts.duplicates:,}，非数据行 {counts.ignored:,}"
            )
            if reused:
                line += f"（{reused} 个文件未改动，沿用上次检查结果）"
        self._print(line)
        if self.tty and done < total:
            filled = BAR_WIDTH * done // total
            self.stream.write(f"      [{'█' * filled}{'░' * (BAR_WIDTH - filled)}] {done}/{total} 个部门")
            self.stream.flush()
            self._bar = True


_current: Progress | None = None


def show(progress: Progress | None) -> None:
    """Turn progress on (a `Progress`) or off (None) for the flows run in this process."""
    global _current
    _current = progress


def current() -> Progress | None:
    return _current
