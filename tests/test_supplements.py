"""A row a clerk corrects in the returned 问题数据 workbook is known as corrected: the original is
reported as 已在补报中更正 (corrected_by), leaves the workbook's open problems, and a row still
wrong stays open — real files written, filled in with openpyxl as a clerk would, read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from transforms.deliver.quality_workbook import SUMMARY_SHEET, write_quality_workbook
from transforms.intake.cells import id_check_char
from transforms.intake.department import take_in_department

HEADER = "身份证号,姓名,乡镇,村（社区）,救助类型,保障状态,起始日期,终止日期,金额（元）"
A = "43112519620127301" + id_check_char("43112519620127301")
B = "43112519880214002" + id_check_char("43112519880214002")


def _intake(inbox: Path, config):
    folder = inbox / "民政局"
    return take_in_department("civil", sorted(folder.iterdir()), inbox, config)


def _workbook(path: Path, intake, config) -> None:
    write_quality_workbook(path, county="清河县", quarter="2026Q3", department_label="民政局", rejects=intake.rejects,
                           files=intake.files, datasets={d.code: d for d in config.datasets})  # fmt: skip


def test_a_row_corrected_in_the_returned_workbook_is_no_longer_an_open_problem(tmp_path, config):
    inbox = tmp_path / "inbox"
    (inbox / "民政局").mkdir(parents=True)
    rows = [f"{A},王伟,城关镇,南门村,临时救助,停保,2026-08-01,2026-08-01,五百",  # amount not a number
            f"{B},李芳,城关镇,南门村,临时救助,停保,2026-08-02,2026-08-02,壹仟"]  # fmt: skip
    (inbox / "民政局" / "临时救助.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    first = _intake(inbox, config)
    assert first.rejects.height == 2 and first.rejects["corrected_by"].is_null().all()
    returned = inbox / "民政局" / "民政局_问题数据（已更正）.xlsx"
    _workbook(returned, first, config)
    wb = openpyxl.load_workbook(returned)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    amount = header.index("金额（元）") + 1
    name = header.index("姓名") + 1
    fixed = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, name).value == "王伟")
    ws.cell(fixed, amount).value = "500"  # the clerk corrects one row, leaves the other
    wb.save(returned)

    second = _intake(inbox, config)
    original = second.rejects.filter(second.rejects["file"] == "临时救助.csv").sort("row_number")
    assert original["row_number"].to_list() == [2, 3]
    assert original["corrected_by"].to_list() == [f"民政局_问题数据（已更正）.xlsx（{ws.title}）第{fixed}行", None]
    assert second.accepted["civil__assistance"]["name"].to_list() == ["王伟"]
    again = tmp_path / "again.xlsx"
    _workbook(again, second, config)
    wb2 = openpyxl.load_workbook(again)
    names = [r[name - 1] for r in wb2.worksheets[0].iter_rows(min_row=4, values_only=True)]
    assert names.count("李芳") == 1 and "王伟" not in names  # still to correct: the row still wrong, once
    assert "另有1行已在补报中更正" in wb2[SUMMARY_SHEET]["A1"].value
