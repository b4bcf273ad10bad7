"""The rejected-rows workbook a department receives (`quality/<department>_问题数据.xlsx`),
made so that correcting and resending is one step for the clerk:

- one sheet per dataset with the rejected rows **in the department's own columns, headed as in
  its file**, the problem cell highlighted and 退回原因 beside them (then, for reference, the
  file, sheet and row each came from). The clerk corrects the cells in place and drops the
  workbook back into the inbox, where it is read like any extract: the title rows above the
  header are titles, the columns after the data (退回原因 …) mean no field and are ignored.
- 其他问题: rejected rows that cannot be given back as data (a whole file or sheet that could not
  be read, two rows for one person), with the reason.
- 文件汇总: every file's accounting.

The last two sheets are notes for the clerk (`reading.yaml: note_sheets`): when the workbook
comes back, their rows are counted as not data.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from transforms.config import DatasetSpec, fold_label
from transforms.config_files import Column, Printing
from transforms.intake.file_report import FileReport
from transforms.kit.workbook import DEFAULT_PRINTING, apply_printing, print_scale
from transforms.kit.xlsx_rows import SheetBody, insert_rows, style_index, wrapped_heights
from transforms.settings import quarter_label

EXCEL_MAX_ROWS = 1_000_000
OTHER_SHEET, SUMMARY_SHEET = "其他问题", "文件汇总"
REASON_HEADER = "退回原因"
SOURCE_COLUMNS = [("来源文件", 14), ("来源工作表", 6), ("原行号", 4)]
OTHER_COLUMNS = [("序号", 2), ("文件", 14), ("工作表", 6), ("行号", 3), ("问题列", 6), ("原值", 8), ("退回原因", 30)]
SUMMARY_COLUMNS = [
    ("文件", 16),
    ("识别为", 10),
    ("读取行数", 4),
    ("采用", 4),
    ("退回", 4),
    ("重复", 4),
    ("非数据行（标题、表头、合计、空行）", 8),
    ("文件问题", 30),
]
HIGHLIGHT = "#FFFF00"


def _field_of(ds: DatasetSpec) -> dict[str, str]:
    """Header text (folded) -> field name, over every header a county configured."""
    return {fold_label(h): f.name for f in ds.fields for h in f.headers}


def resend_frame(rejects: pl.DataFrame, ds: DatasetSpec) -> tuple[pl.DataFrame, dict[str, str]]:
    """The rejected rows of one dataset with their cells back in the dataset's fields: a column
    per field that any row's file had (in the dataset's order), the problem field per row
    (`_problem`), and the header each field had in the department's own file (the first file
    that had it). Rows without their cells (file errors, conflicts) are left out."""
    field_of = _field_of(ds)
    rows = rejects.filter(pl.col("row_values").is_not_null()).sort("file", "sheet", "row_number")
    records, headers = [], {}
    for values_json, column in zip(rows["row_values"].to_list(), rows["column"].to_list(), strict=True):
        record = {}
        for label, value in json.loads(values_json).items():
            name = field_of.get(fold_label(label))
            if name is not None:
                record[name] = value
                headers.setdefault(name, label)
        record["_problem"] = field_of.get(fold_label(column or ""), "")
        records.append(record)
    names = [f.name for f in ds.fields if f.name in headers]
    frame = pl.DataFrame(records, schema={n: pl.String for n in [*names, "_problem"]}, orient="row")
    lineage = rows.select(
        pl.col("reason"), pl.col("file"), pl.col("sheet").fill_null(""), pl.col("row_number").cast(pl.Int64)
    )
    return pl.concat([frame, lineage], how="horizontal"), {n: headers[n] for n in names}


def _width(header: str, values: pl.Series) -> float:
    """A data column's width in CJK characters (two half-width characters each): wide enough for
    nearly every value on one line, and for the header on three; within 2.5..12."""
    half_widths = (values.str.len_bytes() + values.str.len_chars()) / 2  # CJK: 3 bytes, 2 half-widths
    typical = float(half_widths.quantile(0.9) or 0) / 2 + 0.5
    return max(2.5, min(12.0, max(len(header) / 3 + 0.5, typical)))


def _fit_to_print(columns: list[Column], printing: Printing | None) -> list[Column]:
    """The columns, the data ones narrowed (their text wraps) until the printed ones fit the
    page's width at the smallest readable scale."""
    printing = printing or DEFAULT_PRINTING

    def narrower(col: Column) -> Column:
        if col.header == REASON_HEADER:
            return col.model_copy(update={"width": max(12.0, col.width * 0.9)})
        return col.model_copy(update={"width": max(2.5, col.width * 0.9)}) if col.print else col

    for _ in range(20):
        if print_scale(columns, printing) >= printing.smallest_print_scale:
            break
        columns = [narrower(c) for c in columns]
    return columns


def _open_problems(rejects: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The rejects still open, and how many were corrected in a supplement (已在补报中更正)."""
    corrected = 0
    if "corrected_by" in rejects.columns:  # corrected in a supplement: not an open problem
        corrected = int(rejects["corrected_by"].is_not_null().sum())
        rejects = rejects.filter(pl.col("corrected_by").is_null())
    if "resent_in" in rejects.columns:  # resent and rejected again: listed once, as the resent row
        rejects = rejects.filter(pl.col("resent_in").is_null())
    return rejects, corrected


def _dataset_sheet(
    wb, sheet_no: int, ds: DatasetSpec, rows: pl.DataFrame, title: str, fmt: dict, printing: Printing | None
) -> SheetBody:
    """One dataset's rejected rows, as the clerk sent them, to correct and resend."""
    frame, headers = resend_frame(rows, ds)
    frame = frame.head(EXCEL_MAX_ROWS)
    ws = wb.add_worksheet(ds.label[:31])
    columns = [Column(key=n, header=headers[n], width=_width(headers[n], frame[n].fill_null(""))) for n in headers]
    columns.append(Column(key="reason", header=REASON_HEADER, width=20))
    columns += [Column(key=h, header=h, width=w, print=False) for h, w in SOURCE_COLUMNS]
    columns = _fit_to_print(columns, printing)
    last_printed = len(headers)
    ws.set_row(0, 24)
    ws.set_row(1, 45)
    ws.merge_range(0, 0, 0, last_printed, f"{title} 问题数据：{ds.label}", fmt["title"])
    ws.merge_range(
        1,
        0,
        1,
        last_printed,
        f"共{frame.height}行被退回。请直接在本表中更正标黄的单元格（其他单元格也可更正），"
        f"保存后把本文件放回收件箱的本部门文件夹，即作为补报数据重新读取；"
        f"“{REASON_HEADER}”及其右侧各列仅供参考，不会被读取。",
        fmt["note"],
    )
    ws.set_row(2, wrapped_heights([[c.header] for c in columns], [c.width for c in columns])[0])
    for c, col in enumerate(columns):
        ws.write_string(2, c, col.header, fmt["reason_head"] if col.header == REASON_HEADER else fmt["head"])
        ws.set_column(c, c, col.width * 2 + 1.5)
    problem = frame["_problem"]
    styles: list = [
        pl.Series([fmt["marked_style"] if p == n else fmt["plain_style"] for p in problem.to_list()]) for n in headers
    ] + [fmt["plain_style"]] * 4
    values = [frame[n] for n in headers] + [frame["reason"], frame["file"], frame["sheet"], frame["row_number"]]
    heights = wrapped_heights(values, [c.width for c in columns])
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + max(frame.height, 1), len(columns) - 1)
    apply_printing(ws, printing, header_row=2, last_row=2 + max(frame.height, 1), last_column=last_printed)
    return SheetBody(sheet=sheet_no, first_row=3, columns=values, styles=styles, heights=heights)


def _summary_sheet(
    wb,
    heading: str,
    files: list[FileReport],
    datasets: dict[str, DatasetSpec],
    not_read: list[tuple[str, str]],
    fmt: dict,
    printing: Printing | None,
) -> None:
    """文件汇总: every file the department sent, and what became of its rows."""
    summary = wb.add_worksheet(SUMMARY_SHEET)
    summary.write(0, 0, heading, fmt["title"])
    summary.set_row(1, wrapped_heights([[h] for h, _ in SUMMARY_COLUMNS], [w for _, w in SUMMARY_COLUMNS])[0])
    for c, (label, width) in enumerate(SUMMARY_COLUMNS):
        summary.write(1, c, label, fmt["head"])
        summary.set_column(c, c, width * 2 + 1.5)
    for i, f in enumerate(files):
        kinds = "、".join(datasets[d].label if d in datasets else d for d in f.datasets) or "（未识别）"
        row = [f.path, kinds, f.rows_read, f.accepted, f.rejected, f.duplicates, f.ignored, f.error or ""]
        summary.write_row(2 + i, 0, row, fmt["wrap"])
    for j, (name, why) in enumerate(not_read, start=2 + len(files)):
        summary.write_row(j, 0, [name, "（未读取）", 0, 0, 0, 0, 0, why], fmt["wrap"])
    apply_printing(summary, printing, header_row=1, last_row=1 + len(files) + len(not_read), last_column=7)


def write_quality_workbook(
    path: Path,
    *,
    county: str,
    quarter: str,
    department_label: str,
    rejects: pl.DataFrame,
    files: list[FileReport],
    datasets: dict[str, DatasetSpec],
    not_read: list[tuple[str, str]] = (),
    created: datetime | None = None,
    printing: Printing | None = None,
) -> None:
    """Write one department's workbook: a sheet per dataset to correct and resend, 其他问题 and
    文件汇总 (see the module's description)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rejects, corrected = _open_problems(rejects)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    if created is not None:  # the publication's time, not the clock: a rerun writes the same bytes
        wb.set_properties({"created": created})
    # (created in this order: the workbook's style numbers, and so its bytes, follow it)
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "note": wb.add_format({"font_color": "#C00000", "text_wrap": True, "valign": "top"}),
        "head": wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
        ),
        "reason_head": wb.add_format({"bold": True, "bg_color": "#F8CBAD", "border": 1, "text_wrap": True}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "marked": wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "bg_color": HIGHLIGHT}),
    }
    fmt["plain_style"], fmt["marked_style"] = style_index(fmt["wrap"]), style_index(fmt["marked"])
    title = f"{county}{quarter_label(quarter)} {department_label}"
    bodies: list[SheetBody] = []
    with_values = rejects.filter(pl.col("dataset").is_not_null() & pl.col("row_values").is_not_null())
    for code in sorted(with_values["dataset"].unique().to_list(), key=lambda c: list(datasets).index(c)):
        rows = with_values.filter(pl.col("dataset") == code)
        bodies.append(_dataset_sheet(wb, len(bodies) + 1, datasets[code], rows, title, fmt, printing))
    others = rejects.filter(pl.col("dataset").is_null() | pl.col("row_values").is_null()).sort(
        "file", "sheet", "row_number", nulls_last=False
    )
    if others.height:  # (none: no sheet, rather than a page printed blank)
        formats = (fmt["title"], fmt["head"], fmt["plain_style"])
        bodies.append(_other_problems(wb, len(bodies) + 1, others, title, formats, printing))
    done = f"（另有{corrected}行已在补报中更正，不再列出）" if corrected else ""
    _summary_sheet(wb, f"{title} 报送文件汇总{done}", files, datasets, not_read, fmt, printing)
    wb.close()
    insert_rows(path, bodies)


def _other_problems(
    wb, sheet_no: int, others: pl.DataFrame, title: str, formats: tuple, printing: Printing | None
) -> SheetBody:
    """The 其他问题 sheet: rows that cannot go back as data (a whole file or sheet, a conflict)."""
    title_fmt, head_fmt, plain_style = formats
    ws = wb.add_worksheet(OTHER_SHEET)
    note = f"以下{others.height}行无法作为数据退回（整个文件或工作表无法读取、同一人有两行不同数据等），请按原因处理后重新报送"
    ws.write(0, 0, f"{title} 其他问题（{note}）", title_fmt)
    for c, (label, width) in enumerate(OTHER_COLUMNS):
        ws.write(1, c, label, head_fmt)
        ws.set_column(c, c, width * 2 + 1.5)
    ws.freeze_panes(2, 0)
    other_values = [
        list(range(1, others.height + 1)),
        others["file"].to_list(),
        others["sheet"].fill_null("").to_list(),
        [r if r is not None else "（整个文件）" for r in others["row_number"].to_list()],
        others["column"].fill_null("").to_list(),
        others["value"].fill_null("").to_list(),
        others["reason"].to_list(),
    ]
    heights = wrapped_heights(other_values, [w for _, w in OTHER_COLUMNS])
    apply_printing(ws, printing, header_row=1, last_row=1 + others.height, last_column=len(OTHER_COLUMNS) - 1)
    return SheetBody(sheet=sheet_no, first_row=2, columns=other_values, styles=[plain_style] * 7, heights=heights)
