"""Rows rendered column-wise into a sheet read back exactly as rows written cell by cell through
xlsxwriter: values, types and styles, in openpyxl and in calamine (fastexcel)."""

from __future__ import annotations

import fastexcel
import openpyxl
import xlsxwriter

from transforms.kit.workbook import write_cell
from transforms.kit.xlsx_rows import SheetBody, insert_rows, style_index

COLUMNS = [
    ["431125199001011234", "=SUM(A1:A9)", "  leading and trailing  ", "a & b < c > d", None, "", "名单", "x"],
    [1, 2.5, None, "", 3, -4, 1e20, 0],
    [1, "", "十", None, 2.25, "mixed", 7, "=1+1"],
    ["tab\tnew\nline", "bell\x07and\x1f", "_x0041_ literal", "\ufffe", "甲", "乙", "丙", "丁"],
    [None, None, None, None, None, None, None, None],
]


def _write(path, fast: bool) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("名单")
    head = wb.add_format({"bold": True})
    red = wb.add_format({"bg_color": "#FF0000", "border": 1})
    plain = wb.add_format({"border": 1})
    for c in range(len(COLUMNS)):
        ws.write_string(0, c, f"列{c}", head)
    per_row = [red if r % 2 else plain for r in range(len(COLUMNS[0]))]
    if fast:
        styles = [style_index(plain)] * (len(COLUMNS) - 1) + [[style_index(f) for f in per_row]]
        body = SheetBody(sheet=1, first_row=1, columns=COLUMNS, styles=styles)
    else:
        for r in range(len(COLUMNS[0])):
            for c, values in enumerate(COLUMNS):
                write_cell(ws, r + 1, c, values[r], per_row[r] if c == len(COLUMNS) - 1 else plain)
    wb.close()
    if fast:
        insert_rows(path, [body])


def test_rendered_rows_read_back_as_written_cell_by_cell(tmp_path):
    slow, fast = tmp_path / "slow.xlsx", tmp_path / "fast.xlsx"
    _write(slow, fast=False)
    _write(fast, fast=True)
    a, b = openpyxl.load_workbook(slow).active, openpyxl.load_workbook(fast).active
    assert (a.max_row, a.max_column) == (b.max_row, b.max_column) == (len(COLUMNS[0]) + 1, len(COLUMNS))
    assert b.dimensions == a.dimensions
    for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            assert (x.value, x.data_type, x.fill.fgColor.rgb, x.border.left.style) == (
                y.value, y.data_type, y.fill.fgColor.rgb, y.border.left.style
            ), x.coordinate  # fmt: skip
    # text that looks like a formula stays text
    assert b["A3"].value == "=SUM(A1:A9)" and b["A3"].data_type == "s"
    assert b["C2"].value == 1 and b["B8"].value == 1e20
    # control characters escaped as Excel does (openpyxl shows the escape, Excel the character)
    assert b["D3"].value == "bell_x0007_and_x001F_"
    frames = [fastexcel.read_excel(p).load_sheet(0, header_row=0).to_polars() for p in (slow, fast)]
    assert frames[0].equals(frames[1])


def test_no_rows_leaves_the_workbook_as_written(tmp_path):
    path = tmp_path / "empty.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.add_worksheet("名单").write_string(0, 0, "表头")
    wb.close()
    before = path.read_bytes()
    insert_rows(path, [SheetBody(sheet=1, first_row=1, columns=[[]], styles=[0])])
    assert path.read_bytes() == before
    assert openpyxl.load_workbook(path).active["A1"].value == "表头"


def test_a_number_that_is_not_finite_is_a_blank_cell(tmp_path):
    path = tmp_path / "nan.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.add_worksheet("名单").write_string(0, 0, "数")
    wb.close()
    insert_rows(path, [SheetBody(sheet=1, first_row=1, columns=[[1.5, float("nan"), float("inf"), 2.0]], styles=[0])])
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(r, 1).value for r in range(2, 6)] == [1.5, None, None, 2]
