"""The workbooks towns and departments receive, read back with openpyxl."""

from __future__ import annotations

import json
import re
from datetime import date

import openpyxl
import polars as pl
import pytest

from transforms.settings import DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow
UNMASKED_ID = re.compile(r"\d{17}[\dXx]")


def _town_files(sample_root):
    return sorted((DataRoot(sample_root).out(Q3) / "towns").rglob("*_预警名单.xlsx"))  # the warning lists


def test_each_town_sees_only_its_own_households_with_masked_numbers(sample_root, sample_run):
    out = DataRoot(sample_root).out(Q3)
    households = pl.read_parquet(out / "households.parquet")
    files = _town_files(sample_root)
    assert len(files) >= 5
    seen_households, seen_numbers = set(), []
    for path in files:
        town = path.parent.name
        assert path.name == f"2026Q3_{town}_预警名单.xlsx"
        ws = openpyxl.load_workbook(path).active
        rows = list(ws.iter_rows(values_only=True))
        assert town in rows[0][0]
        header = rows[2]
        assert header[:4] == ("序号", "预警编号", "户主（人员）姓名", "身份证号（脱敏）")
        hh, masked = header.index("户编号"), header.index("身份证号（脱敏）")
        own = set(households.filter(pl.col("town") == town)["household_id"])
        listed = {r[hh] for r in rows[3:] if r[hh]}
        assert listed <= own, town
        seen_households |= listed
        for r in rows:
            for v in r:
                assert not (isinstance(v, str) and UNMASKED_ID.search(v)), (town, v)
        for r in rows[3:]:
            assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", r[masked]), r[masked]
            assert re.fullmatch(r"2026Q3-YJ-\d{6}", r[1]), r[1]
            seen_numbers.append(r[1])
    assert seen_households == set(households["household_id"])
    assert len(seen_numbers) == len(set(seen_numbers))  # one 预警编号 per row, across every town


def test_town_workbook_is_made_for_a_clerk(sample_root, sample_run):
    ws = openpyxl.load_workbook(_town_files(sample_root)[0]).active
    rows = ws.max_row
    header = [c.value for c in ws[3]]
    fill_in = {"核实结果", "是否建议纳入监测", "帮扶措施", "核实人", "核实日期", "备注"}
    for c, name in enumerate(header, start=1):
        assert ws.cell(4, c).protection.locked == (name not in fill_in), name
    assert ws.protection.sheet
    validations = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    for name, choices in (("核实结果", '"属实,不属实,风险已消除"'), ("是否建议纳入监测", '"是,否"')):
        col = openpyxl.utils.get_column_letter(header.index(name) + 1)
        assert validations.pop(f"{col}4:{col}{rows}") == choices
    assert not validations
    # how to return it, and room to sign at the foot of every printed page
    note = ws.cell(2, 1).value
    assert "交回县乡村振兴局" in note and "审核签字盖章" in note
    footer = ws.oddFooter.left.text
    for part in ("核查人签字", "乡镇审核意见", "审核人", "日期", "盖章"):
        assert part in footer, part
    # the header rows and the columns up to the name stay in view
    assert ws.freeze_panes == f"{openpyxl.utils.get_column_letter(header.index('户主（人员）姓名') + 2)}4"
    assert ws.auto_filter.ref
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (
        ws.column_dimensions[openpyxl.utils.get_column_letter(header.index("预警依据") + 1)].width >= 26
    )  # 13 characters a line (the page also holds the fill-in columns)


def test_every_listed_row_says_why_in_the_order_a_cadre_works(sample_root, sample_run):
    """Each row of every town's list has its 预警依据, 风险类型 and 责任部门 — households listed
    without a rule of their own (income under the yellow line, a 监测户 whose risk is not
    eliminated) with their income figure — and rows run village by village, red first."""
    colour_rank = {"红色": 0, "黄色": 1, "绿色": 2, None: 3}  # a person not on the roster has no colour
    without_rule = 0
    for path in _town_files(sample_root):
        ws = openpyxl.load_workbook(path).active
        header = [c.value for c in ws[3]]
        col = {name: header.index(name) for name in header}
        rows = list(ws.iter_rows(min_row=4, values_only=True))
        for r in rows:
            for name in ("预警依据", "风险类型", "责任部门", "与上季度相比"):
                assert r[col[name]], (path.name, name, r[col["预警编号"]])
            if r[col["预警事项"]] in ("监测户风险未消除", "收入低于1万元"):
                without_rule += 1
                assert re.search(r"人均纯收入[\d,.]+元", r[col["预警依据"]]), r[col["预警依据"]]
        order = [((r[col["行政村（社区）"]] or "\uffff"), colour_rank[r[col["预警颜色"]]]) for r in rows]
        assert order == sorted(order), path.name
        assert [r[col["序号"]] for r in rows] == list(range(1, len(rows) + 1))
    assert without_rule > 0


def test_lists_print_at_a_readable_size(sample_root, sample_run):
    """Fit to the page's width only, the header row on every page, office-only columns outside
    the print area, rows as high as their wrapped text, and widths that keep 11-point text at
    8 points or more on A4 (the same formula a spreadsheet's "fit to width" uses)."""
    from transforms.config_files import ExcelLayout
    from transforms.kit.workbook import print_scale, printed_columns

    layout = ExcelLayout.load()
    printing = layout.print
    for kind in ("town_list", "work_orders", "county_list", "id_suggestions", "closed_list"):
        assert print_scale(getattr(layout, kind).columns, printing) >= printing.smallest_print_scale >= 0.72
    out = DataRoot(sample_root).out(Q3)
    for kind, path in (
        ("town_list", _town_files(sample_root)[0]),
        ("work_orders", next((out / "departments").rglob("*.xlsx"))),
    ):
        ws = openpyxl.load_workbook(path).active
        printed = printed_columns(getattr(layout, kind).columns)
        last = openpyxl.utils.get_column_letter(len(printed))
        assert ws.print_area == f"'名单'!$A$1:${last}${ws.max_row}", ws.print_area
        assert [c.value for c in ws[3]][: len(printed)] == [c.header for c in printed]
        assert ws.print_title_rows == "$3:$3"
        assert int(ws.page_setup.fitToHeight) >= ws.max_row - 3  # the height never binds: as many pages as needed
        assert ws.page_setup.fitToWidth in (None, 1) and ws.sheet_properties.pageSetUpPr.fitToPage
        heights = [ws.row_dimensions[r].height for r in range(4, ws.max_row + 1)]
        assert all(h and h >= 15 for h in heights) and max(heights) > 15  # long text wraps onto more lines


def test_work_orders_carry_full_numbers_and_keep_them_on_rerun(sample_root, sample_run):
    from flows.quarterly_run import quarterly_run

    def read_orders():
        out = DataRoot(sample_root).out(Q3)
        orders = {}
        for path in sorted((out / "departments").rglob("*.xlsx")):
            # named as its clerks name the department: departments/民政局/2026Q3_民政局_交办单.xlsx
            assert path.parent.name in {"医保局", "民政局", "住建局", "教育局", "残联"}
            assert path.name == f"2026Q3_{path.parent.name}_交办单.xlsx"
            ws = openpyxl.load_workbook(path).active
            rows = list(ws.iter_rows(min_row=4, values_only=True))
            header = [c.value for c in ws[3]]
            assert header[:3] == ["工单编号", "姓名", "身份证号"]
            hh, idn, issue = header.index("户编号"), header.index("身份证号"), header.index("问题")
            (validation,) = ws.data_validations.dataValidation  # 办理结果: a dropdown
            col = openpyxl.utils.get_column_letter(header.index("办理结果") + 1)
            assert validation.formula1 == '"已办结,办理中,无法办结"' and str(validation.sqref).startswith(f"{col}4:")
            for r in rows:
                orders[r[0]] = (r[hh], r[idn], r[issue])
        return orders

    def read_listing_numbers():
        numbers = {}
        for path in _town_files(sample_root):
            ws = openpyxl.load_workbook(path).active
            header = [c.value for c in ws[3]]
            key, hh, masked = header.index("预警编号"), header.index("户编号"), header.index("身份证号（脱敏）")
            for r in ws.iter_rows(min_row=4, values_only=True):
                numbers[(path.parent.name, r[hh] or r[masked])] = r[key]
        return numbers

    listed_before = read_listing_numbers()
    before = read_orders()
    assert before and all(re.fullmatch(r"2026Q3-(MED|CIV|HOU|EDU|DIS)-\d{6}", n) for n in before)
    assert all(re.fullmatch(r"\d{17}[\dX]", idn) for _, idn, _ in before.values())
    quarterly_run(str(sample_root), str(Q3))
    assert read_orders() == before
    assert read_listing_numbers() == listed_before  # 预警编号 too: what towns return is matched by it


def _write_in_a_daemon(folder: str) -> None:
    from pathlib import Path

    from transforms.kit import workbook as lists

    lists.PARALLEL_FROM_ROWS = 0  # would use worker processes, if a daemon could have children
    from transforms.config_files import Column

    columns = [Column(key="a", header="甲", width=8)]
    jobs = [
        lists.SheetJob(
            Path(folder) / f"{i}.xlsx",
            title="t",
            note="n",
            columns=columns,
            rows=pl.DataFrame({"a": ["x"]}),
            colours={},
        )
        for i in range(3)
    ]
    with lists.sheets_written(jobs, workers=2):
        pass


def test_lists_are_written_inside_a_daemonic_process_as_a_dask_worker_is(tmp_path):
    """A county run inside a province's Dask worker (a daemonic process) cannot start worker
    processes of its own: it writes the workbooks itself."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_write_in_a_daemon, args=(str(tmp_path),), daemon=True)
    child.start()
    child.join(120)
    assert child.exitcode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.xlsx", "1.xlsx", "2.xlsx"]


def test_mask_id_shows_first_six_and_last_four_characters():
    from transforms.kit.masking import mask_id

    ids = pl.DataFrame({"id": ["43112519620127301X", "431125620127301", None]})
    assert ids.select(mask_id(pl.col("id"))).to_series().to_list() == ["431125********301X", "431125*****7301", ""]


def test_people_of_unknown_town_are_the_county_offices_own_list(sample_root, sample_run):
    """Not in any town's list (no town can act on them) but in the county office's: full
    identity numbers, the name and the department rows that reported them, counted in the
    manifest and the report."""
    out = DataRoot(sample_root).out(Q3)
    assert not (out / "towns" / "（乡镇不明）").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    path = out / manifest["county_list"]["path"]
    assert path.parent.name == "county"
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert "（县级）" in rows[0][0] and "仅限县级使用" in rows[1][0]
    header = rows[2]
    col = {name: header.index(name) for name in header}
    data = rows[3:]
    assert len(data) == manifest["county_list"]["people"] > 0
    warnings = pl.read_parquet(out / "warnings.parquet").filter(
        (pl.col("rule_id") == "NEW_CANDIDATE") & pl.col("listed") & (pl.col("town").fill_null("") == "")
    )
    assert {r[col["身份证号"]] for r in data} == set(warnings["id_number"])
    for r in data:
        assert re.fullmatch(r"\d{17}[\dX]", r[col["身份证号"]])  # full, not masked
        assert r[col["姓名"]] and re.search(r"第\d+行", r[col["报送部门及文件行号"]]), r
        assert re.fullmatch(r"2026Q3-YJ-\d{6}", r[col["预警编号"]])
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"另有 {len(data)} 名非名册人员" in report


def test_what_a_cadre_reads_is_said_once_in_one_way(sample_root, sample_run):
    """No item repeated in a cell, no doubled word (实验小学小学), money written one way
    (5,820.27元), a colour column holding colours only (persons not on the roster say what they
    are in 户类型), a green household saying why it is listed, quarters as people read them."""
    money = re.compile(r"(\d[\d,]*(?:\.\d+)?)元")
    for path in _town_files(sample_root):
        ws = openpyxl.load_workbook(path).active
        assert "2026年第三季度" in ws["A1"].value and "2026Q3" not in ws["A1"].value
        header = [c.value for c in ws[3]]
        col = {name: header.index(name) for name in header}
        for r in ws.iter_rows(min_row=4, values_only=True):
            for name in ("预警事项", "风险类型", "责任部门"):
                items = re.split("[；、]", r[col[name]] or "")
                assert len(items) == len(set(items)), (name, r[col[name]])
            evidence = r[col["预警依据"]]
            assert not re.search(r"(小学|初中|高中|中职|高校|学前)\1", evidence), evidence
            for amount in money.findall(evidence):
                whole = amount.split(".")[0].replace(",", "")
                assert len(whole) < 4 or "," in amount, evidence
            assert r[col["预警颜色"]] in ("红色", "黄色", "绿色", None)
            if r[col["预警颜色"]] is None:
                assert r[col["户类型"]] == "非监测对象（疑似新致贫）"
            if r[col["预警颜色"]] == "绿色":
                assert evidence.startswith("绿色户（无红黄预警），因有部门待办事项列入："), evidence


def test_work_orders_say_what_to_fill_to_whom_and_carry_a_sign_off(sample_root, sample_run):
    out = DataRoot(sample_root).out(Q3)
    for path in (out / "departments").rglob("*.xlsx"):
        ws = openpyxl.load_workbook(path).active
        header = [c.value for c in ws[3]]
        assert "办理情况" in header and "2026年第三季度" in ws["A1"].value
        note = ws["A2"].value
        assert "交回县乡村振兴局" in note and "销号" in note and "不得外传" in note
        assert "部门盖章" in ws.oddFooter.left.text
    for path in (out / "county").glob("*_乡镇不明人员名单.xlsx"):
        ws = openpyxl.load_workbook(path).active
        assert "交回县乡村振兴局" in ws["A2"].value and "盖章" in ws.oddFooter.left.text
    ws = openpyxl.load_workbook(out / "quality" / "身份证号疑似录错_建议.xlsx").active
    assert re.search(r"请于\d{4}年\d+月\d+日前", ws["A2"].value) and "签字" in ws.oddFooter.left.text


def test_town_lists_carry_instructions_read_once_and_never_read_back(sample_root, sample_run, config):
    """填表说明: what 属实 / 不属实 / 风险已消除 mean and what goes in 帮扶措施 and 备注 — a sheet a
    cadre reads once; returned with the list, it is a sheet of notes, not a file error."""
    from transforms.config_files import ExcelLayout
    from transforms.followup.returns import Issued, read_returned_file, return_kinds

    path = _town_files(sample_root)[0]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["名单", "填表说明"]
    text = "\n".join(r[0] for r in wb["填表说明"].iter_rows(min_row=2, values_only=True))
    for word in ("“属实”", "“不属实”", "“风险已消除”", "帮扶措施", "备注", "核实日期"):
        assert word in text
    issued = Issued(listing_towns={}, work_orders=set(), published_on=date(2026, 10, 9))
    report, _, rejects = read_returned_file(
        path, path.name, issued, return_kinds(ExcelLayout.load()), date(2026, 10, 20), config.reading
    )
    assert report.error is None and "not_a_return" not in rejects["reason_code"].to_list()
    assert report.balanced


def test_the_suggestions_workbook_shows_what_a_person_needs_to_decide(sample_root, sample_run):
    """The differing digits marked, both birth dates and both places side by side, and a
    judgement in words rather than a wall of 99.9 % and 推荐."""
    from transforms.linkage.publish_suggestions import marked_digits

    assert marked_digits("431125199001011234", "431125199001011243") == "4311251990010112[3][4]"
    assert marked_digits("43112519900101123X", None) == "43112519900101123X"
    ws = openpyxl.load_workbook(DataRoot(sample_root).out(Q3) / "quality" / "身份证号疑似录错_建议.xlsx").active
    header = [c.value for c in ws[3]]
    col = {name: header.index(name) for name in header}
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert rows and "匹配概率" not in header and "系统推荐" not in header
    marked = col["录入身份证号（[ ]内为与名册不同的位）"]
    assert all("[" in r[marked] for r in rows)  # every suggestion differs somewhere, and shows where
    for r in rows:
        written, roster = r[col["出生日期（录入／名册）"]].split("／")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", roster) and written
        assert "／" in r[col["乡镇村（报送／名册）"]] and "／" in r[col["姓名（录入／名册）"]]
        assert r[col["判断参考"]] in ("很可能是本人（系统推荐）", "可能是本人，请核对", "把握不大，请仔细核对")


def test_the_county_office_gets_a_closed_list_to_print(sample_root, sample_run):
    """closed.parquet as a 销号 list: every closed warning once, how it ended, full numbers."""
    out = DataRoot(sample_root).out(Q3)
    closed = pl.read_parquet(out / "closed.parquet")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert closed.height > 0 and manifest["closed_list"]["warnings"] == closed.height
    ws = openpyxl.load_workbook(out / manifest["closed_list"]["path"]).active
    header = [c.value for c in ws[3]]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == closed.height
    shown = sorted(r[header.index("销号方式")] for r in rows)
    assert shown == sorted(closed["closure"].to_list())
    assert "2026年第三季度" in ws["A1"].value and "盖章" in ws.oddFooter.left.text
