"""The closed loop, as people do it: the sample county's 2026Q3 lists filled in with openpyxl the
way cadres and clerks do (renamed files, nested folders, a corrected second return, stray
spaces, every kind of mistake), read back by the real read-returns flow, and every warning's
state and every rejected row checked."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta

import duckdb
import openpyxl
import polars as pl
import pytest

from transforms.followup.returns import Issued
from transforms.followup.status import Publication, followup_frame
from transforms.kit.deadlines import WorkingCalendar
from transforms.settings import DataRoot

from .conftest import Q3


def _header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[3] if c.value}


def _rows(ws) -> list[int]:
    return [r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value is not None]


def _published_on(root) -> date:
    manifest = json.loads((DataRoot(root).out(Q3) / "manifest.json").read_text(encoding="utf-8"))
    return date.fromisoformat(manifest["deadlines"]["published_on"])


@pytest.fixture()
def county(tmp_path, sample_root, sample_run):
    root = tmp_path / "county"
    shutil.copytree(sample_root, root, ignore=shutil.ignore_patterns("out", "warehouse.duckdb*", ".work", "returns"))
    shutil.copytree(sample_root / "out", root / "out", symlinks=True)
    shutil.copy(sample_root / "warehouse.duckdb", root / "warehouse.duckdb")
    return root


def _fill_returns(root) -> dict:
    """Fill two towns' lists and one department's work orders the way people do; return what
    each row should end up as."""
    out, returns = DataRoot(root).out(Q3), root / "returns" / str(Q3)
    published = _published_on(root)
    as_of = published + timedelta(days=30)
    expect = {"verification": {}, "settlement": {}, "rejects": [], "as_of": as_of.isoformat()}
    towns = sorted(p.parent.name for p in (out / "towns").rglob("*_预警名单.xlsx") if "不明" not in p.parent.name)
    first, second = towns[0], towns[1]

    # Town 1 returns its list renamed, in a nested folder, every answer form and mistake on it.
    src = out / "towns" / first / f"2026Q3_{first}_预警名单.xlsx"
    target = returns / "乡镇" / first / f"{first}预警名单（已核实）.xlsx"
    target.parent.mkdir(parents=True)
    shutil.copy(src, target)
    wb = openpyxl.load_workbook(target)
    ws = wb.active
    col, rows = _header(ws), _rows(ws)
    key = lambda r: ws.cell(r, col["预警编号"]).value  # noqa: E731
    answers = [  # (result, who, date as typed)
        ("属实", "张三", f"{published:%Y/%-m/%-d}"),
        (" 不属实 ", "李四 ", f"{published:%Y年%-m月%-d日}"),
        ("风险已消除", "王五", datetime.combine(published + timedelta(days=2), datetime.min.time())),
        ("属实", "张三", None),  # no date: fine for a verification
    ]
    for r, (result, who, on) in zip(rows, answers, strict=False):
        ws.cell(r, col["核实结果"]).value = result
        ws.cell(r, col["核实人"]).value = who
        ws.cell(r, col["核实日期"]).value = on
        expect["verification"][key(r)] = result.strip()
    # the further answers of a row: whether the town proposes monitoring, the help planned
    ws.cell(rows[2], col["是否建议纳入监测"]).value = "否"
    ws.cell(rows[2], col["帮扶措施"]).value = "已落实低保，继续跟踪"
    expect["extras"] = {key(rows[2]): ("否", "已落实低保，继续跟踪")}
    bad = rows[len(answers) : len(answers) + 5]
    ws.cell(bad[0], col["核实结果"]).value = "基本属实"  # outside the dropdown
    expect["rejects"].append(("answer_invalid", bad[0]))
    ws.cell(bad[1], col["核实结果"]).value = "属实"
    ws.cell(bad[1], col["核实日期"]).value = "2026-01-02"  # before the lists went out
    expect["rejects"].append(("date_before_publication", bad[1]))
    ws.cell(bad[2], col["核实结果"]).value = "属实"
    ws.cell(bad[2], col["核实日期"]).value = (as_of + timedelta(days=60)).isoformat()  # after the as-of date
    expect["rejects"].append(("date_after_as_of", bad[2]))
    ws.cell(bad[3], col["预警编号"]).value = "2026Q3-YJ-999999"  # never issued
    ws.cell(bad[3], col["核实结果"]).value = "属实"
    expect["rejects"].append(("key_unknown", bad[3]))
    ws.cell(bad[4], col["核实结果"]).value = "属实"
    ws.cell(bad[4], col["是否建议纳入监测"]).value = "待定"  # outside its dropdown
    expect["rejects"].append(("answer_invalid", bad[4]))
    # a row of the second town's list pasted at the bottom
    other = openpyxl.load_workbook(out / "towns" / second / f"2026Q3_{second}_预警名单.xlsx").active
    other_key = other.cell(4, _header(other)["预警编号"]).value
    pasted = ws.max_row + 1
    ws.cell(pasted, 1).value = 99
    ws.cell(pasted, col["预警编号"]).value = other_key
    ws.cell(pasted, col["核实结果"]).value = "属实"
    expect["rejects"].append(("other_town", pasted))
    wb.save(target)
    expect["town_file"] = target.relative_to(returns).as_posix()
    expect["town_unanswered"] = len(rows) - len(answers) - 5

    # Town 1 sends a corrected second return later: its first row is now 不属实 (later date wins).
    again = returns / f"{first}（更正）.xlsx"
    shutil.copy(target, again)
    wb = openpyxl.load_workbook(again)
    ws = wb.active
    for r in _rows(ws)[1:]:
        for h in ("核实结果", "核实人", "核实日期", "是否建议纳入监测", "帮扶措施"):
            ws.cell(r, col[h]).value = None
    ws.cell(rows[0], col["核实结果"]).value = "不属实"
    ws.cell(rows[0], col["核实日期"]).value = (published + timedelta(days=3)).isoformat()
    expect["verification"][key(rows[0])] = "不属实"
    wb.save(again)

    # A department returns its work orders: 已办结 with an Excel date, 办理中, 已办结 without a date.
    orders = next((out / "departments").rglob("*.xlsx"))
    target = returns / "部门" / orders.name.replace(".xlsx", "_反馈.xlsx")
    target.parent.mkdir(parents=True)
    shutil.copy(orders, target)
    wb = openpyxl.load_workbook(target)
    ws = wb.active
    col, rows = _header(ws), _rows(ws)
    number = lambda r: ws.cell(r, col["工单编号"]).value  # noqa: E731
    ws.cell(rows[0], col["办理结果"]).value = "已办结"
    ws.cell(rows[0], col["办结日期"]).value = datetime.combine(published + timedelta(days=1), datetime.min.time())
    ws.cell(rows[0], col["经办人"]).value = "赵六"
    expect["settlement"][number(rows[0])] = "已办结"
    ws.cell(rows[1], col["办理结果"]).value = "办理中"
    expect["settlement"][number(rows[1])] = "办理中"
    ws.cell(rows[2], col["办理结果"]).value = "已办结"  # no date
    expect["rejects"].append(("date_missing", rows[2]))
    ws.cell(rows[3], col["工单编号"]).value = "2026Q3-XXX-000001"
    ws.cell(rows[3], col["办理结果"]).value = "已办结"
    expect["rejects"].append(("key_unknown", rows[3]))
    wb.save(target)
    # Something that is not a returned list at all.
    (returns / "说明.txt").write_text("各乡镇核查情况说明\n已全部入户\n", encoding="utf-8")
    return expect


@pytest.mark.slow
def test_a_quarters_returns_are_read_back_with_every_row_accounted_for(county, prefect_api, capsys):
    from flows.read_returns import read_returns

    expect = _fill_returns(county)
    as_of = expect["as_of"]
    counts = read_returns(str(county), str(Q3), as_of)
    folder = county / "followup" / str(Q3)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["followup.parquet", "followup_listing.parquet", "returns_rejects.parquet", "催办清单.xlsx", "followup.html",
         "manifest.json"]
    )  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = {f["path"]: f for f in manifest["returned_files"]}
    for f in files.values():
        assert f["rows_read"] == f["applied"] + f["rejected"] + f["unanswered"] + f["ignored"], f
    town_file = files[expect["town_file"]]
    assert town_file["kind"] == "verification" and town_file["applied"] == 4
    assert town_file["unanswered"] == expect["town_unanswered"]
    assert "不是退回的预警名单、交办单或身份证号核对表" in files["说明.txt"]["error"]
    rejects = pl.read_parquet(folder / "returns_rejects.parquet")
    got = sorted(
        (code, row) for code, row in rejects.filter(pl.col("row_number").is_not_null()).select("reason_code", "row_number").rows()
    )  # fmt: skip
    assert got == sorted(expect["rejects"])
    assert rejects.filter(pl.col("reason_code") == "other_town")["reason"][0].startswith("该行属于")
    listing = pl.read_parquet(folder / "followup_listing.parquet")
    answered = dict(listing.filter(pl.col("verification").is_not_null()).select("listing_no", "verification").rows())
    assert answered == expect["verification"]  # the corrected second return won for its row
    further = listing.filter(pl.col("propose_monitoring").is_not_null() | pl.col("help_measures").is_not_null())
    assert {k: (a, b) for k, a, b in further.select("listing_no", "propose_monitoring", "help_measures").rows()} == (
        expect["extras"]
    )
    followup = pl.read_parquet(folder / "followup.parquet")
    warnings = pl.read_parquet(DataRoot(county).out(Q3) / "warnings.parquet")
    assert followup.height == warnings.height  # one row per warning, nothing missing, nothing extra
    settled = dict(
        followup.filter(pl.col("settlement").is_not_null()).select("work_order", "settlement").unique().rows()
    )
    assert settled == expect["settlement"]
    # overdue as of the date: no answer by the deadline; settled only by 已办结 with a date
    verify_by = date.fromisoformat(str(followup["verify_by"][0]))
    overdue = date.fromisoformat(as_of) > verify_by
    # a refused answer is 退回重填 (sent back to be filled in again), never counted as overdue
    refused = set(
        rejects.filter(pl.col("kind") == "verification")
        .filter(~pl.col("reason_code").is_in(["key_unknown", "other_town"]))["key"]
    ) - set(answered)  # fmt: skip
    assert refused and set(listing.filter(pl.col("verification_returned"))["listing_no"]) == refused
    waiting = listing.filter(pl.col("verification").is_null() & ~pl.col("verification_returned"))
    assert waiting["verification_overdue"].to_list() == [overdue] * (listing.height - len(answered) - len(refused))
    assert not listing.filter(pl.col("verification_returned"))["verification_overdue"].any()
    assert counts["verification_returned"] == len(refused)
    chase = openpyxl.load_workbook(folder / "催办清单.xlsx")["退回重填"]
    sent_back = [r for r in chase.iter_rows(min_row=3, values_only=True) if r[0]]
    assert {r[4] for r in sent_back} >= refused and all(r[7] for r in sent_back)  # which row, and why
    page = (folder / "followup.html").read_text(encoding="utf-8")
    assert "四、退回重填的行" in page and "退回重填" in page
    assert not listing.filter(pl.col("verification").is_not_null())["verification_overdue"].any()
    assert counts["verified"] == len(answered) and counts["applied"] == 4 + 1 + 2
    # rereading the same files changes nothing
    with duckdb.connect(str(DataRoot(county).warehouse), read_only=True) as con:
        recorded = con.execute("select count(*) from returned_answers").fetchall()[0][0]
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "manifest.json"}
    read_returns(str(county), str(Q3), as_of)
    with duckdb.connect(str(DataRoot(county).warehouse), read_only=True) as con:
        assert con.execute("select count(*) from returned_answers").fetchall()[0][0] == recorded
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "manifest.json"} == before
    page = (folder / "followup.html").read_text(encoding="utf-8")
    assert 'class="bars"' in page and not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)  # opens offline
    assert not re.search(r"\d{17}[\dXx]", page)  # counts only
    from flows.cli import main

    assert main(["status", "--data-root", str(county), "--quarter", str(Q3)]) == 0
    printed = capsys.readouterr().out
    town = expect["town_file"].split("/")[1]
    (line,) = [x for x in printed.splitlines() if x.startswith(town)]
    assert line.split()[1:3] == [str(listing.filter(pl.col("town") == town).height), str(len(answered))]
    chase = openpyxl.load_workbook(folder / "催办清单.xlsx")
    for ws in chase.worksheets[1:]:  # every overdue row names its person, on the roster or not
        assert all(r[1] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]), ws.title
    for ws in chase.worksheets:
        if ws.title.endswith("核查") and not ws.title.startswith("县级"):  # (the county office's: full numbers)
            for r in ws.iter_rows(min_row=3, values_only=True):
                assert r[2] is None or "*" in r[2]  # town sheets: masked numbers


@pytest.mark.slow
def test_a_killed_read_returns_leaves_the_previous_followup_whole(county):
    expect = _fill_returns(county)
    assert expect
    command = [sys.executable, "-m", "flows.cli", "read-returns", "--data-root", str(county), "--quarter", str(Q3),
               "--as-of", expect["as_of"]]  # fmt: skip

    def run(**env):
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, **env}, start_new_session=True)  # fmt: skip
        try:
            proc.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        return proc.returncode, proc.communicate()[1]

    code, err = run()
    assert code == 0, err[-2000:]
    folder = county / "followup" / str(Q3)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (county / "returns" / str(Q3) / "说明.txt").unlink()  # something changes, then the run is killed
    code, _ = run(POVWATCH_KILL_AT="before-swap")
    assert code == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_overdue_counts_working_days_across_the_national_day_holiday():
    warnings = pl.DataFrame(
        {"quarter": ["2026Q3"], "rule_id": ["HOU_UNSAFE"], "household_id": ["H1"], "id_number": [None],
         "town": ["城关镇"], "department": ["housing"]},
        schema_overrides={"id_number": pl.String},
    )  # fmt: skip
    pub = Publication(
        "2026Q3", warnings, Issued({"2026Q3-YJ-000001": "城关镇"}, {"2026Q3-HOU-000001"}, date(2026, 9, 23)),
        verify_by=date(2026, 9, 30), settle_by=date(2026, 10, 14),
        listing=pl.DataFrame({"town": ["城关镇"], "subject": ["H1"], "number": ["2026Q3-YJ-000001"]}),
        orders=pl.DataFrame({"rule_id": ["HOU_UNSAFE"], "subject": ["H1"], "department": ["housing"],
                             "number": ["2026Q3-HOU-000001"]}),
    )  # fmt: skip
    none = pl.DataFrame(schema={"kind": pl.String, "key": pl.String, "value": pl.String, "answered_by": pl.String,
                                "answered_on": pl.Date, "remarks": pl.String, "file": pl.String, "sheet": pl.String,
                                "row_number": pl.Int64})  # fmt: skip
    row = followup_frame(pub, none, date(2026, 10, 8)).row(0, named=True)
    assert row["verification_overdue"] and not row["settlement_overdue"]
    calendar = WorkingCalendar.load()
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1  # 1–7 October are holidays
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0


def _answer(path, key_header: str, answers: dict[str, dict[str, object]]) -> None:
    """Fill the rows whose key is in `answers` with the given cells, as a person would."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    col = _header(ws)
    for r in _rows(ws):
        for header, value in answers.get(ws.cell(r, col[key_header]).value, {}).items():
            ws.cell(r, col[header]).value = value
    wb.save(path)


@pytest.mark.slow
def test_the_next_quarter_acts_on_the_answers(county, prefect_api):
    """不属实 with unchanged evidence is not sent again; 已办结 still firing is sent again and
    says so; each closed warning says how it ended — both ways, nothing missing, nothing extra."""
    from flows.quarterly_run import quarterly_run
    from flows.read_returns import read_returns

    q4 = "2026Q4"
    out3 = DataRoot(county).out(Q3)
    published = _published_on(county)
    on = datetime.combine(published + timedelta(days=2), datetime.min.time())
    read_returns(str(county), str(Q3), (published + timedelta(days=1)).isoformat())  # numbers and deadlines
    f3 = pl.read_parquet(county / "followup" / str(Q3) / "followup.parquet")
    gap = f3.filter(pl.col("rule_id") == "CIV_DIBAO_GAP").sort("household_id")
    untrue, settled = gap.row(0, named=True), gap.row(1, named=True)
    new_cert = f3.filter(pl.col("rule_id") == "DIS_NEW").sort("id_number")
    gone, done = new_cert.row(0, named=True), new_cert.row(1, named=True)
    returns = county / "returns" / str(Q3)
    returns.mkdir(parents=True, exist_ok=True)
    for row, result in ((untrue, "不属实"), (gone, "风险已消除")):
        target = returns / f"{row['town']}_{row['listing_no']}.xlsx"
        shutil.copy(out3 / "towns" / row["town"] / f"2026Q3_{row['town']}_预警名单.xlsx", target)
        _answer(target, "预警编号", {row["listing_no"]: {"核实结果": result, "核实人": "张三", "核实日期": on}})
    for row, folder in ((settled, "民政局"), (done, "残联")):
        target = returns / f"{folder}_反馈.xlsx"
        shutil.copy(out3 / "departments" / folder / f"2026Q3_{folder}_交办单.xlsx", target)
        _answer(target, "工单编号", {row["work_order"]: {"办理结果": "已办结", "办结日期": on, "经办人": "赵六"}})
    read_returns(str(county), str(Q3), (published + timedelta(days=5)).isoformat())
    # The next quarter: the same extracts again (so the same warnings fire, with the same evidence)
    shutil.copytree(county / "inbox" / str(Q3), county / "inbox" / q4)
    quarterly_run(str(county), q4)
    out4 = county / "out" / q4
    w4 = pl.read_parquet(out4 / "warnings.parquet").with_columns(
        pl.coalesce("id_number", "household_id").alias("subject")
    )
    w3 = pl.read_parquet(out3 / "warnings.parquet").with_columns(
        pl.coalesce("id_number", "household_id").alias("subject")
    )
    untrue_rules = set(w3.filter(pl.col("household_id") == untrue["household_id"]).select("rule_id", "subject").rows())
    unchanged = set(
        w4.join(w3.select("rule_id", "subject", "evidence"), on=["rule_id", "subject", "evidence"], how="semi")
        .select("rule_id", "subject").rows()
    )  # fmt: skip
    # (a stranger waiting on a recommended suggestion is not sent either: one person, one visit)
    not_sent = set(
        w4.filter(~pl.col("listed") & pl.col("pending_suggestion").is_null()).select("rule_id", "subject").rows()
    )
    assert not_sent == untrue_rules & unchanged and (untrue["rule_id"], untrue["household_id"]) in not_sent
    followups = {
        (r, s): f
        for r, s, f in w4.filter(pl.col("followup").is_not_null()).select("rule_id", "subject", "followup").rows()
    }
    in_q4 = set(w4.select("rule_id", "subject").rows())
    # a town's answer holds for every warning of its row (the household); a settled work order for its own
    gone_rules = set(w3.filter(pl.col("household_id") == gone["household_id"]).select("rule_id", "subject").rows())
    expected = {k: "不属实" for k in untrue_rules if k in in_q4} | {k: "风险已消除" for k in gone_rules if k in in_q4}
    expected[(settled["rule_id"], settled["household_id"])] = "已办结"
    assert followups == expected
    # not sent: no work order raised for it, not in its town's list
    civil = openpyxl.load_workbook(out4 / "departments" / "民政局" / f"{q4}_民政局_交办单.xlsx").active
    col = _header(civil)
    by_household = {r[col["户编号"] - 1]: r for r in civil.iter_rows(min_row=4, values_only=True)}
    assert untrue["household_id"] not in by_household
    assert by_household[settled["household_id"]][col["与上季度相比"] - 1] == "办结后仍预警"
    town = openpyxl.load_workbook(out4 / "towns" / untrue["town"] / f"{q4}_{untrue['town']}_预警名单.xlsx").active
    col = _header(town)
    row = [r for r in town.iter_rows(min_row=4, values_only=True) if r[col["户编号"] - 1] == untrue["household_id"]]
    assert not row or "收入低于低保标准未纳入低保" not in (row[0][col["预警事项"] - 1] or "")
    # how last quarter's warnings ended
    closed = pl.read_parquet(out4 / "closed.parquet").with_columns(
        pl.coalesce("id_number", "household_id").alias("subject")
    )
    endings = {(r, s): c for r, s, c in closed.select("rule_id", "subject", "closure").rows()}
    assert endings[("DIS_NEW", gone["id_number"])] == "核实消除"
    assert endings[("DIS_NEW", done["id_number"])] == "办结销号"
    others = {
        k: v for k, v in endings.items() if k not in {("DIS_NEW", gone["id_number"]), ("DIS_NEW", done["id_number"])}
    }
    # a closed warning of the 不属实 household was answered for by its town: 风险 not 消除, so 自然消除
    assert set(others.values()) == {"自然消除"}
    loop = json.loads((out4 / "manifest.json").read_text(encoding="utf-8"))["last_quarter_loop"]
    assert (loop["still_firing_after_settlement"], loop["closed_by_settlement"], loop["closed_by_verification"]) == (
        1,
        1,
        1,
    )
    assert loop["not_sent_again"] == len(not_sent) and loop["verified"] == 2 and loop["settled"] == 2
    assert "五、上季度（2026年第三季度）核实与办结情况" in (out4 / "report.html").read_text(encoding="utf-8")
