"""One truth for every count (contract): the sample county's figures walked across what people
read — the town workbooks, report.html, followup.html, 催办清单's 汇总, the terminal summary and
`povwatch status`, the manifest — the same thing has the same number everywhere."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import openpyxl
import polars as pl
import pytest

from transforms.settings import DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _table(page: str, first_header: str, second_header: str) -> dict[str, list[str]]:
    """The table whose header begins with these two cells, by its first column."""
    parser = _Tables()
    parser.feed(page)
    for table in parser.tables:
        if table and table[0][:2] == [first_header, second_header]:
            return {row[0]: row for row in table[1:]}
    raise AssertionError(f"no table headed {first_header}, {second_header}")


def test_every_figure_about_the_same_thing_is_the_same_number(tmp_path, sample_root, sample_run, capsys):
    from flows.cli import main
    from flows.read_returns import read_returns

    root = tmp_path / "county"
    shutil.copytree(sample_root, root, symlinks=True, ignore=shutil.ignore_patterns(".work"))
    out = DataRoot(root).out(Q3)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    lists = manifest["town_lists"]

    # 1. What each town received, counted in its own workbook.
    for town, counts in lists.items():
        ws = openpyxl.load_workbook(out / "towns" / town / f"2026Q3_{town}_预警名单.xlsx")["名单"]
        header = [c.value for c in ws[3]]
        rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
        households = [r for r in rows if r[header.index("户编号")]]
        colours = [r[header.index("预警颜色")] for r in households]
        assert (counts["rows"], counts["households"], counts["not_on_roster"]) == (
            len(rows), len(households), len(rows) - len(households)
        ), town  # fmt: skip
        assert (counts["red"], counts["yellow"], counts["green"]) == tuple(
            colours.count(c) for c in ("红色", "黄色", "绿色")
        ), town  # fmt: skip

    # 2. report.html: the towns' table and the headline cards say the same.
    report = (out / "report.html").read_text(encoding="utf-8")
    towns = _table(report, "乡镇", "红色")
    for town, c in lists.items():
        assert towns[town][1:] == [str(c[k]) for k in ("red", "yellow", "green", "households", "not_on_roster", "rows")]
    households = pl.read_parquet(out / "households.parquet")
    by_colour = dict(households.group_by("colour").len().iter_rows())
    for colour, label in (("red", "红色预警"), ("yellow", "黄色预警"), ("green", "绿色（有工单）")):
        assert by_colour.get(colour, 0) == sum(c[colour] for c in lists.values())
        assert re.search(rf"{label}</small><b>{by_colour.get(colour, 0):,} 户</b>", report), label
    assert households.height == sum(c["households"] for c in lists.values())

    # 3. The terminal summary of the run that published it.
    summary = "\n".join(sample_run[Q3].lines())
    rows = sum(c["rows"] for c in lists.values())
    in_households = sum(c["households"] for c in lists.values())
    assert f"共 {rows} 行（户 {in_households}，非名册人员 {rows - in_households} 人）" in summary
    assert f"红 red {by_colour.get('red', 0)} 黄 yellow {by_colour.get('yellow', 0)}" in summary

    # 4. After the returns are read: followup.html, 催办清单's 汇总 and `povwatch status`.
    as_of = "2027-01-20"
    read_returns(str(root), str(Q3), as_of)
    folder = root / "followup" / str(Q3)
    page = (folder / "followup.html").read_text(encoding="utf-8")
    progress = _table(page, "乡镇", "名单行数（户及非名册人员）")
    listing = pl.read_parquet(folder / "followup_listing.parquet")
    overdue = dict(listing.group_by("town").agg(pl.col("verification_overdue").sum()).iter_rows())
    chase = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(folder / "催办清单.xlsx")["汇总"].iter_rows(min_row=3, values_only=True)
    }
    assert main(["status", "--data-root", str(root), "--quarter", str(Q3)]) == 0
    status = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines() if line.strip()}
    for town, c in lists.items():
        assert progress[town][1] == str(c["rows"]) == status[town][1], town
        assert progress[town][-1] == str(overdue[town]) == str(chase[town]) == status[town][-1], town
