"""Paths and the quarter: the one place that says where a county's files live."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"
CONFIG_DIR = REPO_ROOT / "config"
CHINA = ZoneInfo("Asia/Shanghai")  # China Standard Time: "today", deadlines, scheduled quarters


def config_dir() -> Path:
    """The county's configuration: `config/`, or `POVWATCH_CONFIG_DIR` (a county's own copy)."""
    return Path(os.environ.get("POVWATCH_CONFIG_DIR") or CONFIG_DIR)


def sql_dir() -> Path:
    """The SQL models: `sql/`, or `POVWATCH_SQL_DIR` (a county's own copy with a rule of its own)."""
    return Path(os.environ.get("POVWATCH_SQL_DIR") or SQL_DIR)


def read_sql(relative: str) -> str:
    """The text of a model file under `sql/`, e.g. `staging/stg_roster__persons.sql`."""
    return (sql_dir() / relative).read_text(encoding="utf-8")


DEFAULT_DATA_ROOT = Path("data/county")
SAMPLE_DATA_ROOT = REPO_ROOT / "data" / "sample"
# DuckDB takes up to 80% of the machine's memory by default, and the run holds frames of its
# own beside it; above this DuckDB spills to disk (10 × county: 30 million claims aggregated —
# the whole run then stays within 4 GB).
DUCKDB_MEMORY_LIMIT = "2GB"


class RunRefused(Exception):
    """The run cannot publish (no inbox, a blocking quality gate …); the message is one line,
    Chinese then English, and nothing is published."""


class ProgramDefect(Exception):
    """A defect of the program (never of a department's data, which becomes named rows and
    reasons), raised at a named step: the message names the step and, where one was being
    worked on, the department and the file — never a cell's value. One line, Chinese."""

    @classmethod
    def at(
        cls, step: str, error: BaseException, department: str | None = None, file: str | None = None
    ) -> ProgramDefect:
        if isinstance(error, ProgramDefect):
            return error
        where = "；".join(
            p for p in (f"部门：{department}" if department else "", f"文件：{file}" if file else "") if p
        )
        return cls(f"{step}时程序出错（{type(error).__name__}）" + (f"，{where}" if where else ""))


QUARTER_NAMES = ("一", "二", "三", "四")


def quarter_label(quarter: object) -> str:
    """A quarter as people read it in titles and headings: 2026Q3 -> 2026年第三季度 (file names
    and keys keep 2026Q3)."""
    year, q = str(quarter).split("Q")
    return f"{year}年第{QUARTER_NAMES[int(q) - 1]}季度"


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, written `2026Q3`; its reference date is its last day."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _QUARTER.match(text.strip().upper())
        if not m:
            raise ValueError(f"季度格式应为 2026Q3 / quarter must look like 2026Q3, got {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def just_ended(cls, today: date) -> Quarter:
        """The quarter a scheduled run on `today` is for: the one before today's."""
        return cls.containing(today).previous()

    @classmethod
    def collecting(cls, today: date, grace_days: int = 4) -> Quarter:
        """The quarter whose extracts are being collected on `today`: the current one, or in
        the first `grace_days` of a quarter (before the quarterly run) the one just ended."""
        current = cls.containing(today)
        return current.previous() if (today - current.first_day).days < grace_days else current

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        nxt = self.next()
        return nxt.first_day - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def resolve_data_root(data_root: str | Path | None) -> Path:
    """`--data-root`, else `POVWATCH_DATA_ROOT`, else `./data/county`."""
    chosen = data_root or os.environ.get("POVWATCH_DATA_ROOT") or DEFAULT_DATA_ROOT
    return Path(chosen).resolve()


@dataclass(frozen=True)
class DataRoot:
    """The folder that holds everything a county's runs touch (contract: 'The data root')."""

    path: Path

    def inbox(self, quarter: Quarter) -> Path:
        return self.path / "inbox" / str(quarter)

    def out(self, quarter: Quarter) -> Path:
        return self.path / "out" / str(quarter)

    @property
    def publications(self) -> Path:
        """Where each publication's folder lives; `out/<quarter>` links to the current one."""
        return self.path / "out" / ".publications"

    @property
    def warehouse(self) -> Path:
        return self.path / "warehouse.duckdb"

    def workbook_cache(self, quarter: Quarter) -> Path:
        """Rejected-row workbooks written before, by their inputs' digest (never published from here)."""
        return self.path / ".cache" / "workbooks" / str(quarter)

    def planted(self, quarter: Quarter) -> Path:
        """Sample counties only: what the generator planted, for the tests."""
        return self.path / "planted" / str(quarter)


UNKNOWN_TOWN = "（乡镇不明）"  # people not on the roster whose town no department gave: the county office's list
