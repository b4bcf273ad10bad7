"""One command at a time on a data root: a run, a check, reading the returns — whether started
by hand or by a schedule — each holds `<data root>/.povwatch.lock` while it works, so two of them
never interleave (they would prune each other's cache, or stage over each other). The second one
refuses at once, saying which command holds the data root since when (a process id and a time:
nothing personal).

The lock is the operating system's (`flock`), held by an open file: it goes with the process
that holds it, however that process ends — a process killed by SIGKILL or the OOM killer never
leaves a lock that blocks the next run. The file's text only says who holds it, for the message.
A process that already holds the lock (the command, then its flow) takes it again freely.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from transforms.settings import CHINA, RunRefused

LOCK_FILE = ".povwatch.lock"
_held: dict[Path, int] = {}  # data roots this process holds -> how many times taken


class DataRootBusy(RunRefused):
    """Another command holds the data root."""


def _message(holder: dict) -> str:
    command = holder.get("command", "?")
    pid = holder.get("pid", "?")
    since = holder.get("since", "?")
    return (
        f"数据目录正被另一个命令使用（povwatch {command}，进程号 {pid}，自 {since} 起），请待其结束后再运行"
        f" / the data root is in use by `povwatch {command}` (process {pid}, since {since}); run again when it ends"
    )


@contextmanager
def data_root_lock(data_root: Path | str, command: str) -> Iterator[None]:
    """Hold the data root for `command` (run, check-inbox, read-returns …) while the block runs;
    raise `DataRootBusy` at once if another process holds it."""
    root = Path(data_root).resolve()
    if root in _held:  # this process holds it already (the command, then its flow)
        _held[root] += 1
        try:
            yield
        finally:
            _held[root] -= 1
        return
    if not root.is_dir():  # nothing there to protect (the command will say what is missing)
        yield
        return
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
            try:
                holder = json.loads(text)
            except ValueError:
                holder = {}
            raise DataRootBusy(_message(holder)) from None
        since = datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"command": command, "pid": os.getpid(), "since": since}).encode(), 0)
        _held[root] = 1
        try:
            yield
        finally:
            del _held[root]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the file releases the lock
