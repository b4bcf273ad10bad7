"""`povwatch status`: where the loop of a quarter stands, per town and per department, in the
terminal — read from the last follow-up published (`followup/<quarter>/`), counts only."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import polars as pl

from transforms.config import load_config
from transforms.followup.views import SETTLEMENTS, VERIFICATIONS, department_rows, town_rows


def progress_lines(data_root: Path, quarter: str) -> list[str]:
    """The lines `povwatch status` prints. Raises FileNotFoundError (a one-line, Chinese then
    English reason) when read-returns has not published this quarter yet."""
    folder = data_root / "followup" / quarter
    if not (folder / "followup.parquet").is_file():
        raise FileNotFoundError(
            f"尚无{quarter}的跟踪情况，请先运行 povwatch read-returns / no follow-up for {quarter} yet: run read-returns"
        )
    followup = pl.read_parquet(folder / "followup.parquet")
    as_of = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    labels = load_config().department_labels
    rows = pl.read_parquet(folder / "followup_listing.parquet")
    towns = town_rows(rows)
    departments = department_rows(followup, labels)
    return [
        f"[{quarter}] 截至 as of {as_of}",
        "",
        *aligned(["乡镇", "名单行数", "已反馈", *VERIFICATIONS, "退回重填", "逾期未反馈"], towns),
        "",
        *aligned(["部门", "工单数", *SETTLEMENTS, "退回重填", "逾期未办结"], departments),
    ]


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: two for a wide (CJK, full-width) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def aligned(headers: list[str], rows: list[list]) -> list[str]:
    """A table for the terminal, columns lined up by display width: the first column left, the
    numbers right."""
    cells = [headers, *[[str(v) for v in row] for row in rows]]
    widths = [max(display_width(r[c]) for r in cells) for c in range(len(headers))]

    def line(row: list[str]) -> str:
        first = row[0] + " " * (widths[0] - display_width(row[0]))
        rest = [" " * (w - display_width(v)) + v for v, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    return [line(r) for r in cells]
