"""The rejected-rows workbook a department receives (`quality/<department>_问题数据.xlsx`):
every row sent back with its reason, so the clerk can correct it and resend."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from transforms.intake import FileReport
from transforms.xlsx_rows import SheetBody, insert_rows, style_index

EXCEL_MAX_ROWS = 1_000_000
REJECT_COLUMNS = [
    ("序号", 6),
    ("文件", 30),
    ("工作表", 12),
    ("行号", 8),
    ("问题列", 16),
    ("原值", 22),
    ("退回原因", 60),
    ("原始行内容", 80),
]
SUMMARY_COLUMNS = [
    ("文件", 34),
    ("识别为", 22),
    ("读取行数", 10),
    ("采用", 10),
    ("退回", 10),
    ("重复", 10),
    ("非数据行（标题、表头、合计、空行）", 18),
    ("文件问题", 60),
]


def _row_text(row_values: str | None) -> str:
    if not row_values:
        return ""
    values = json.loads(row_values)
    return "；".join(f"{k}={'' if v is None else v}" for k, v in values.items())


def write_quality_workbook(
    path: Path,
    *,
    county: str,
    quarter: str,
    department_label: str,
    rejects: pl.DataFrame,
    files: list[FileReport],
    dataset_labels: dict[str, str],
    not_read: list[tuple[str, str]] = (),
    created: datetime | None = None,
) -> None:
    """Write one department's workbook: sheet 问题数据 (one row per rejected row) and sheet
    文件汇总 (every file's accounting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    if created is not None:  # the publication's time, not the clock: a rerun writes the same bytes
        wb.set_properties({"created": created})
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    head_fmt = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    n = rejects.height
    ws = wb.add_worksheet("问题数据")
    note = f"共{n}行需更正后重新报送" if n else "本季度报送的数据全部通过校验，无需更正"
    ws.write(0, 0, f"{county}{quarter} {department_label} 问题数据（{note}）", title_fmt)
    for c, (label, width) in enumerate(REJECT_COLUMNS):
        ws.write(1, c, label, head_fmt)
        ws.set_column(c, c, width)
    ws.freeze_panes(2, 0)
    ordered = rejects.sort("file", "sheet", "row_number", nulls_last=False).head(EXCEL_MAX_ROWS)
    columns: list[list] = [
        list(range(1, ordered.height + 1)),
        ordered["file"].to_list(),
        ordered["sheet"].fill_null("").to_list(),
        [r if r is not None else "（整个文件）" for r in ordered["row_number"].to_list()],
        ordered["column"].fill_null("").to_list(),
        ordered["value"].fill_null("").to_list(),
        ordered["reason"].to_list(),
        [_row_text(v) for v in ordered["row_values"].to_list()],
    ]
    if n > EXCEL_MAX_ROWS:
        columns[0].append(f"……另有{n - EXCEL_MAX_ROWS}行未列出，见 rejects.parquet")
        for values in columns[1:]:
            values.append(None)
    body = SheetBody(sheet=1, first_row=2, columns=columns, styles=[style_index(wrap)] * len(columns))
    if n:
        ws.autofilter(1, 0, 1 + min(n, EXCEL_MAX_ROWS), len(REJECT_COLUMNS) - 1)
    summary = wb.add_worksheet("文件汇总")
    summary.write(0, 0, f"{county}{quarter} {department_label} 报送文件汇总", title_fmt)
    for c, (label, width) in enumerate(SUMMARY_COLUMNS):
        summary.write(1, c, label, head_fmt)
        summary.set_column(c, c, width)
    for i, f in enumerate(files):
        summary.write_row(
            2 + i,
            0,
            [
                f.path,
                "、".join(dataset_labels.get(d, d) for d in f.datasets) or "（未识别）",
                f.rows_read,
                f.accepted,
                f.rejected,
                f.duplicates,
                f.ignored,
                f.error or "",
            ],
            wrap,
        )
    for j, (name, why) in enumerate(not_read, start=2 + len(files)):
        summary.write_row(j, 0, [name, "（未读取）", 0, 0, 0, 0, 0, why], wrap)
    wb.close()
    insert_rows(path, [body])
