"""What the terminal shows of Prefect's logging: a refused run is an answer, not a crash."""

from __future__ import annotations

import logging
from pathlib import Path

from transforms.settings import RunRefused


class RefusalAtDebug(logging.Filter):
    """Prefect's report of a RunRefused, with its traceback, stays in the flow run's log at
    debug level (marked `refusal`); the terminal shows only the one-line reason the command
    prints (see `without_refusals`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RunRefused):
            record.levelno, record.levelname, record.refusal = logging.DEBUG, "DEBUG", True
        return True


def install_refusal_filter() -> None:
    """Demote refusals in the flow runs' log (once)."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        runs = logging.getLogger(name)
        if not any(isinstance(f, RefusalAtDebug) for f in runs.filters):
            runs.addFilter(RefusalAtDebug())


def without_refusals(record: logging.LogRecord) -> bool:
    """A console filter: leaves out the engine's report of a refusal (kept in the flow's log)."""
    return not getattr(record, "refusal", False)


def nothing(record: logging.LogRecord) -> bool:
    """A console filter that keeps no line (the command prints its own progress)."""
    return False


def quiet_console(keep=without_refusals) -> None:
    """Filter the terminal's log lines (Prefect's console handlers, which also print other
    libraries' records, such as Great Expectations') with `keep` — None: show none of them; the
    flow run's own log in the Prefect API is untouched."""
    from prefect.logging.handlers import PrefectConsoleHandler

    keep = keep or nothing
    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, PrefectConsoleHandler) and keep not in handler.filters:
                handler.addFilter(keep)


LOG_FILE = "povwatch.log"


def log_to_file(folder: Path) -> Path:
    """Prefect's log lines (counts and step names, never a cell) also appended to
    `<folder>/povwatch.log` (the data root's `logs/`), for the data officer to look back at."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    root = logging.getLogger("prefect")
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path for h in root.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s - %(message)s"))
        handler.setLevel(logging.INFO)
        handler.addFilter(without_refusals)
        root.addHandler(handler)
    return path
