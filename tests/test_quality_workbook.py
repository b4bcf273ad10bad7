"""The rejected-rows workbook a department clerk receives, read back with openpyxl — and sent
back: corrected in place as a clerk would and dropped into the inbox, it is read like any
extract."""

from __future__ import annotations

import json
import shutil

import openpyxl
import polars as pl
import pytest

from transforms.intake.cells import id_check_char
from transforms.settings import DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow
HIGHLIGHT = "FFFFFF00"


def _data_sheet(ws):
    """(header, rows as dicts with their highlighted header and openpyxl row number)."""
    header = [c.value for c in ws[3]]
    rows = []
    for r in ws.iter_rows(min_row=4):
        if all(c.value is None for c in r):
            continue
        marked = [header[c.column - 1] for c in r if c.fill.fgColor.rgb == HIGHLIGHT]
        rows.append({"row": r[0].row, "values": {header[c.column - 1]: c.value for c in r}, "marked": marked})
    return header, rows


def test_medical_workbook_gives_every_rejected_row_back_in_the_departments_own_columns(sample_root, sample_run):
    out = DataRoot(sample_root).out(Q3)
    rejects = pl.read_parquet(out / "rejects.parquet").filter(pl.col("department") == "medical")
    wb = openpyxl.load_workbook(out / "quality" / "医保局_问题数据.xlsx")
    assert wb.sheetnames == ["医保参保信息", "医保结算明细", "文件汇总"]  # (no 其他问题: none to show)
    seen = []
    for sheet, dataset in (("医保参保信息", "medical__enrolment"), ("医保结算明细", "medical__settlements")):
        ws = wb[sheet]
        assert "清河县2026年第三季度" in ws["A1"].value and "放回收件箱" in ws["A2"].value
        header, rows = _data_sheet(ws)
        # the clerk's own headers (as in the file), then the reason, then where each row came from
        source_headers = {h for v in rejects.filter(pl.col("dataset") == dataset)["row_values"] for h in json.loads(v)}
        reason_at = header.index("退回原因")
        assert set(header[:reason_at]) <= source_headers and header[reason_at + 1 :] == [
            "来源文件",
            "来源工作表",
            "原行号",
        ]
        want = rejects.filter(pl.col("dataset") == dataset)
        assert len(rows) == want.height
        for row in rows:
            v = row["values"]
            (reject,) = want.filter(
                (pl.col("file") == v["来源文件"]) & (pl.col("row_number") == v["原行号"])
            ).iter_rows(named=True)
            assert v["退回原因"] == reject["reason"]
            original = json.loads(reject["row_values"])
            assert {h: v[h] or "" for h in header[:reason_at]} == {h: original.get(h) or "" for h in header[:reason_at]}
            assert row["marked"] == [reject["column"]]  # the problem cell is highlighted
            seen.append((reject["file"], reject["row_number"]))
    assert sorted(seen) == sorted(
        rejects.filter(pl.col("row_values").is_not_null()).select("file", "row_number").rows()
    )
    summary = list(wb["文件汇总"].iter_rows(values_only=True))
    assert {r[0] for r in summary[2:] if r[0]} == {
        "参保信息_2026Q3.csv",
        "结算明细_2026Q3.csv",
        "结算明细_补报_2026Q3.csv",
    }
    for ws in wb.worksheets:  # every sheet prints: landscape A4, fit to width, header repeated
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows and ws.print_area
        if ws.title.startswith("医保"):  # as many pages down as the rows need: the height never binds
            assert int(ws.page_setup.fitToHeight) >= ws.max_row - 3


def _correct(values: dict, reason: str, header: list[str]) -> dict | None:
    """What a clerk does with one rejected row: the corrected cells, or None to leave it."""
    fixed = dict(values)
    id_header = header[0]
    if "校验位不符" in reason:
        fixed[id_header] = values[id_header][:17] + id_check_char(values[id_header][:17])
    elif "必填项" in reason and "姓名" in reason:
        fixed["姓名"] = "补录"
    elif "不在规定范围" in reason and "参保状态" in reason:
        fixed["参保状态"] = "正常参保"
    elif "不在规定范围" in reason and "就诊类型" in reason:
        fixed["就诊类型"] = "普通门诊"
    elif "不是可识别的日期" in reason:
        fixed["结算日期"] = "2026-08-15"
    else:
        return None  # e.g. a number Excel mangled: the clerk has to look it up, not now
    return fixed


def test_a_corrected_workbook_dropped_back_into_the_inbox_is_read_and_its_rows_accepted(
    tmp_path, sample_root, sample_run, prefect_api
):
    from flows.quarterly_run import check_inbox

    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    resent = root / "inbox" / str(Q3) / "医保局" / "问题数据_已更正.xlsx"
    shutil.copy(DataRoot(sample_root).out(Q3) / "quality" / "医保局_问题数据.xlsx", resent)
    wb = openpyxl.load_workbook(resent)
    corrected, left = {}, {}
    for sheet in ("医保参保信息", "医保结算明细"):
        ws = wb[sheet]
        header, rows = _data_sheet(ws)
        for row in rows:
            fixed = _correct(row["values"], row["values"]["退回原因"], header)
            target = corrected if fixed else left
            target.setdefault(sheet, []).append(row["row"])
            for c, h in enumerate(header, start=1):
                if fixed and fixed[h] != row["values"][h]:
                    ws.cell(row["row"], c).value = f"  {fixed[h]} "  # typed with stray spaces
    wb.save(resent)
    assert sum(map(len, corrected.values())) >= 8 and sum(map(len, left.values())) >= 1

    check_inbox(str(root), str(Q3))
    check = root / "check" / str(Q3)
    manifest = json.loads((check / "manifest.json").read_text(encoding="utf-8"))
    (report,) = [f for f in manifest["inputs"] if f["path"] == "问题数据_已更正.xlsx"]
    assert set(report["datasets"]) == {"medical__enrolment", "medical__settlements"}
    assert report["error"] is None
    # a corrected row is accepted, or a duplicate when it now equals a row the original file gave
    assert report["accepted"] + report["duplicates"] == sum(map(len, corrected.values()))
    assert report["accepted"] >= 5
    assert report["rejected"] == sum(map(len, left.values()))
    assert report["rows_read"] == report["accepted"] + report["rejected"] + report["duplicates"] + report["ignored"]
    assert report["ignored_by_kind"]["notes"] > 0  # 其他问题 and 文件汇总: notes for people, not data
    rejects = pl.read_parquet(check / "rejects.parquet").filter(pl.col("file") == "问题数据_已更正.xlsx")
    assert sorted(rejects["row_number"].to_list()) == sorted(r for rows in left.values() for r in rows)
