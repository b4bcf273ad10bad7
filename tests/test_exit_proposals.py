"""Leaving monitoring on the sample county (contract: 风险消除建议): the proposals are exactly the
households the contract's conditions select — computed here independently, in polars, from the
staged rosters and the published warnings, not by the run's SQL — and each town's workbook holds
its own proposals, masked, numbered, with the reasons in figures."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import openpyxl
import polars as pl
import pytest

from transforms.settings import DataRoot, Quarter

pytestmark = pytest.mark.slow
Q2, Q3 = Quarter.parse("2026Q2"), Quarter.parse("2026Q3")
LINE = 5000.0
UNABLE = ("丧失劳动力", "无劳动力")


def _rosters(root) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        con.execute(f"set file_search_path = '{root}'")
        persons = pl.from_arrow(con.sql("select * from stg_roster__persons").to_arrow_table())
    return {q: persons.filter(pl.col("quarter") == q) for q in ("2026Q2", "2026Q3")}


def _heads(persons: pl.DataFrame) -> pl.DataFrame:
    return persons.sort(pl.col("relation") != "户主").unique("household_id", keep="first")


def _expected(root) -> set[str]:
    rosters = _rosters(root)
    now, before = _heads(rosters["2026Q3"]), _heads(rosters["2026Q2"])
    fired = set()
    for q in (Q2, Q3):
        warnings = pl.read_parquet(DataRoot(root).out(q) / "warnings.parquet")
        fired |= set(warnings["household_id"].drop_nulls())
    since = rosters["2026Q3"].group_by("household_id").agg(pl.col("monitored_since").min())
    first_seen = {  # the first quarter the warehouse saw it as a 监测户: 2026Q2 here, else 2026Q3
        h: date(2026, 4, 1) if h in set(before.filter(pl.col("household_type") == "监测户")["household_id"]) else date(2026, 7, 1)
        for h in now["household_id"]
    }  # fmt: skip
    unable = {
        h
        for (h,), g in rosters["2026Q3"].partition_by("household_id", as_dict=True).items()
        if g["labour_status"].is_in(UNABLE).all()
    }
    income_before = dict(before.select("household_id", "per_capita_income").iter_rows())
    chosen = set()
    for row in now.join(since, on="household_id", suffix="_min").iter_rows(named=True):
        h = row["household_id"]
        if row["household_type"] != "监测户" or row["monitoring_type"] is None or row["risk_eliminated"] == "是":
            continue
        start = row["monitored_since_min"] or first_seen[h]
        if start > date(2026, 4, 1):  # six months by 2026-09-30: monitored since 2026-04-01 at the latest
            continue
        if float(row["per_capita_income"]) < LINE or float(income_before.get(h, -1)) < LINE:
            continue
        if h in fired or h in unable:
            continue
        chosen.add(h)
    return chosen


def test_the_proposals_are_exactly_what_the_conditions_select(sample_root, sample_run):
    proposals = pl.read_parquet(DataRoot(sample_root).out(Q3) / "exit_candidates.parquet")
    expected = _expected(sample_root)
    assert set(proposals["household_id"]) == expected and expected
    assert pl.read_parquet(DataRoot(sample_root).out(Q2) / "exit_candidates.parquet").height == 0  # no Q1 roster
    # none of them has a warning in either quarter, none is without labour
    for q in (Q2, Q3):
        warned = set(pl.read_parquet(DataRoot(sample_root).out(q) / "warnings.parquet")["household_id"].drop_nulls())
        assert not warned & expected


def test_each_town_receives_its_own_proposals_masked_and_numbered(sample_root, sample_run):
    out = DataRoot(sample_root).out(Q3)
    proposals = pl.read_parquet(out / "exit_candidates.parquet")
    seen = {}
    for path in sorted((out / "towns").rglob("*_风险消除建议名单.xlsx")):
        town = path.parent.name
        assert path.name == f"2026Q3_{town}_风险消除建议名单.xlsx"
        ws = openpyxl.load_workbook(path)["名单"]
        header = [c.value for c in ws[3]]
        assert {"核实结果", "已落实帮扶措施", "核实人", "核实日期", "备注"} <= set(header)
        choices = [v.formula1 for v in ws.data_validations.dataValidation]
        assert any("同意消除" in c and "暂不消除" in c for c in choices)
        for r in ws.iter_rows(min_row=4, values_only=True):
            row = dict(zip(header, r, strict=False))
            seen[row["消除建议编号"]] = (town, row["户编号"])
            assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", row["身份证号（脱敏）"])
            assert "纳入监测" in row["建议依据"] and "均不低于监测线5,000元" in row["建议依据"]
            for v in r:
                assert not (isinstance(v, str) and re.search(r"\d{17}[\dX]", v)), v
        assert "填表说明" in openpyxl.load_workbook(path).sheetnames
    expected = {n: (t, h) for n, t, h in proposals.select("proposal_no", "town", "household_id").iter_rows()}
    assert seen == expected
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"{proposals.height:,} 户" in report and "风险消除建议" in report


def test_returned_proposals_are_read_back_with_every_row_accounted_for(tmp_path, sample_root, sample_run, prefect_api):
    """A town fills its 风险消除建议名单 as people do — agreed, not yet, a choice not offered, no
    date — and returns it with read-returns: the answers are recorded (kind exit, append-only),
    the wrong rows refused with reasons, every row counted."""
    import shutil

    from flows.read_returns import read_returns

    root = tmp_path / "county"
    shutil.copytree(sample_root, root, symlinks=True)
    out = DataRoot(root).out(Q3)
    lists = sorted((out / "towns").rglob("*_风险消除建议名单.xlsx"))
    path = max(lists, key=lambda p: openpyxl.load_workbook(p)["名单"].max_row)  # the town with most proposals
    target = root / "returns" / "2026Q3" / "乡镇" / path.name
    target.parent.mkdir(parents=True)
    shutil.copy(path, target)
    wb = openpyxl.load_workbook(target)
    ws = wb["名单"]
    header = {c.value: i + 1 for i, c in enumerate(ws[3])}
    rows = list(range(4, ws.max_row + 1))
    import json
    from datetime import timedelta

    published = date.fromisoformat(
        json.loads((out / "manifest.json").read_text(encoding="utf-8"))["deadlines"]["published_on"]
    )
    answers = [("同意消除", "张三", (published + timedelta(days=1)).isoformat()),
               ("暂不消除", "李四", f"{published + timedelta(days=2):%Y/%-m/%-d}")][: len(rows)]  # fmt: skip
    for r, (value, who, on) in zip(rows, answers, strict=False):
        ws.cell(r, header["核实结果"]).value = value
        ws.cell(r, header["核实人"]).value = who
        ws.cell(r, header["核实日期"]).value = on
        ws.cell(r, header["已落实帮扶措施"]).value = "公益性岗位"
    wb.save(target)
    (root / "returns" / "2026Q3" / "乡镇" / "错的.xlsx").write_bytes(target.read_bytes())
    wrong = openpyxl.load_workbook(root / "returns" / "2026Q3" / "乡镇" / "错的.xlsx")
    ws2 = wrong["名单"]
    ws2.cell(4, header["核实结果"]).value = "已消除"  # not a choice
    ws2.cell(4, header["消除建议编号"]).value = "2026Q3-XC-999999"  # never issued
    wrong.save(root / "returns" / "2026Q3" / "乡镇" / "错的.xlsx")

    read_returns(str(root), "2026Q3", (published + timedelta(days=30)).isoformat())
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        recorded = con.execute(
            "select key, value, answered_by from returned_answers where kind = 'exit' order by key, arrival"
        ).fetchall()
    numbers = [openpyxl.load_workbook(target)["名单"].cell(r, header["消除建议编号"]).value for r in rows]
    assert [(k, v) for k, v, _ in recorded][: len(answers)] == [(numbers[i], a[0]) for i, a in enumerate(answers)]
    refused = pl.read_parquet(root / "followup" / "2026Q3" / "returns_rejects.parquet").filter(pl.col("kind") == "exit")
    assert set(refused["reason_code"]) >= {"key_unknown"}
    assert refused.filter(pl.col("reason_code") == "key_unknown")["reason"].str.contains("消除建议编号").all()


def test_risk_returned_after_elimination_is_flagged_in_the_town_lists_and_counted(sample_root, sample_run):
    """返贫风险: exactly the households the roster says 风险已消除 that a red-making warning (sent)
    colours red — computed here from the staged roster, warnings.parquet and the catalogue — each
    flagged first in its town-list row, counted on report.html's first screen."""
    from transforms.config import load_config

    out = DataRoot(sample_root).out(Q3)
    roster = _heads(_rosters(sample_root)["2026Q3"])
    eliminated = set(roster.filter(pl.col("risk_eliminated") == "是")["household_id"])
    red_making = [r.rule_id for r in load_config().rules if r.red_making]
    warnings = pl.read_parquet(out / "warnings.parquet")
    expected = set(
        warnings.filter(
            pl.col("listed") & pl.col("rule_id").is_in(red_making) & pl.col("household_id").is_in(eliminated)
        )["household_id"]
    )
    assert expected
    flagged = set()
    for path in (out / "towns").rglob("*_预警名单.xlsx"):
        ws = openpyxl.load_workbook(path)["名单"]
        header = [c.value for c in ws[3]]
        for r in ws.iter_rows(min_row=4, values_only=True):
            if str(r[header.index("预警依据")] or "").startswith("【返贫风险】"):
                flagged.add(r[header.index("户编号")])
    assert flagged == expected
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sum(manifest["risk_returned"].values()) == len(expected)
    report = (out / "report.html").read_text(encoding="utf-8")
    first_screen = report[report.index('<div class="headline">') :][:2000]
    assert "返贫风险" in first_screen and f"<b>{len(expected):,} 户</b>" in first_screen


@pytest.mark.parametrize("q", [Q2, Q3])
def test_risk_returned_is_raised_for_exactly_the_households_the_planted_data_makes(sample_root, sample_run, q):
    """Against the independent oracle (tests/oracle.py, from what the generator planted): the
    households its roster marks 风险是否消除 是 on which a red-making rule fires are exactly the
    返贫风险 the run counted, town by town."""
    import json

    from .oracle import WORK_ORDER_ONLY, _clean, expected_warnings

    roster = _clean(sample_root, q, "roster__persons")
    eliminated = dict(
        roster.filter(pl.col("risk_eliminated") == "是").select("household_id", "town").unique().iter_rows()
    )
    red = expected_warnings(sample_root, q).filter(~pl.col("rule_id").is_in(list(WORK_ORDER_ONLY)))
    planted = {h for h in red["household_id"].drop_nulls() if h in eliminated}
    by_town: dict[str, int] = {}
    for h in planted:
        by_town[eliminated[h]] = by_town.get(eliminated[h], 0) + 1
    manifest = json.loads((DataRoot(sample_root).out(q) / "manifest.json").read_text(encoding="utf-8"))
    assert planted and manifest["risk_returned"] == dict(sorted(by_town.items()))
