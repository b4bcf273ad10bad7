"""Workbooks people receive, written with xlsxwriter (titles, headers, styles, validation,
protection, print set-up) and their many data rows rendered column-wise (`xlsx_rows`). What each
list holds is decided in `lists`; how it looks is `config/excel_layout.yaml`."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from transforms.config_files import Colour, Column, Printing
from transforms.kit.xlsx_rows import LINE_POINTS, SheetBody, insert_rows, style_index, wrapped_heights
from transforms.settings import ProgramDefect

# Below this many rows in all, workbooks are written in this process (a worker costs ~1 s to start).
PARALLEL_FROM_ROWS = 20_000


def _excel_width(chars: float) -> float:
    return chars * 2 + 1.5  # a CJK character is about two Excel width units


# A4 landscape is 297 mm wide; a column of Excel width w is round(7w) + 5 pixels at 96 dpi.
_PAPER_MM = {9: (297.0, 210.0)}


DEFAULT_PRINTING = Printing()


def apply_printing(
    ws, printing: Printing | None, *, header_row: int, last_row: int, last_column: int, sign_off: str | None = None
) -> None:
    """Print set-up for a sheet people print: landscape, fit to the page's width only (as many
    pages down as the rows need — a height of one page per row never binds, while Excel's
    "0 = automatic" is read by LibreOffice as one page), the rows down to `header_row` repeated
    on every page, columns after `last_column` (office-only) outside the print area, page
    numbers in the footer."""
    printing = printing or DEFAULT_PRINTING
    margins = printing.margins_inches
    ws.set_landscape()
    ws.set_paper(printing.paper)
    bottom = max(margins.bottom, 0.9) if sign_off else margins.bottom  # room for the sign-off line
    ws.set_margins(margins.left, margins.right, margins.top, bottom)
    ws.print_area(0, 0, last_row, last_column)
    ws.fit_to_pages(1, max(1, last_row - header_row))
    ws.repeat_rows(header_row)
    if sign_off:  # the sign-off line above the page number, at the foot of every printed page
        ws.set_footer(f"&L{sign_off.replace('&', '&&')}\n&C第 &P 页，共 &N 页", {"margin": 0.3})
    else:
        ws.set_footer("&C第 &P 页，共 &N 页")


def printed_columns(columns: list[Column]) -> list[Column]:
    """The columns inside the print area: all but the trailing office-only ones (`print: false`)."""
    printed = [c for c in columns if c.print]
    if any(not c.print for c in columns[: len(printed)]):
        raise ValueError("excel_layout.yaml: columns with `print: false` must come after every printed column")
    return printed


def print_scale(columns: list[Column], printing: Printing) -> float:
    """The scale at which the printed columns fill the width of the page (landscape), as a
    spreadsheet's "fit to one page wide" computes it; capped at 1."""
    pixels = sum(round(7 * _excel_width(c.width)) + 5 for c in printed_columns(columns))
    margins = printing.margins_inches
    width_mm = max(_PAPER_MM[printing.paper]) - 25.4 * (margins.left + margins.right)
    return min(1.0, width_mm / (pixels * 25.4 / 96))


def row_place() -> pl.Expr:
    """Where a department's row is, as its clerk finds it: `结算明细.csv 第12行`, the sheet in
    brackets after a workbook's name (columns `file`, `sheet`, `row_number`)."""
    sheet = pl.col("sheet").fill_null("")
    return pl.concat_str(
        [
            pl.col("file"),
            pl.when(sheet != "").then("（" + sheet + "）").otherwise(pl.lit("")),
            pl.lit(" 第"),
            pl.col("row_number").cast(pl.String),
            pl.lit("行"),
        ]
    )


def write_cell(ws, row: int, col: int, value, fmt) -> None:
    """One cell, by its type: blank, number or text — never `write()`, which would take text
    starting with "=" for a formula."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


@dataclass(frozen=True)
class SheetJob:
    """One workbook to write: a list (名单) sheet with its title, note, columns and rows."""

    path: Path
    title: str
    note: str
    columns: list[Column]
    rows: pl.DataFrame  # one column per `columns` key (a missing one is blank), `_fill` the row's colour
    colours: dict[str, Colour]
    choices: dict[str, list[str]] | None = None
    created: datetime | None = None  # the workbook's creation time: the publication's, never the clock
    printing: Printing | None = None  # excel_layout.yaml `print`: paper and margins
    freeze_through: str | None = None  # the key of the last column kept in view when scrolling right
    sign_off: str | None = None  # printed at the foot of every page (excel_layout.yaml town_list sign_off)
    instructions: tuple[str, ...] = ()  # a second sheet, 填表说明, read once (a note sheet: never read back)


def write_sheet(job: SheetJob) -> Path:
    """Write one list workbook (see SheetJob); a failure names the workbook (a defect of the
    program: no value of a row can make the writer fail, tests/test_writers_property.py)."""
    try:
        return _write_sheet(job)
    except Exception as e:
        raise ProgramDefect.at("写名单", e, file=job.path.name) from e


def _write_sheet(job: SheetJob) -> Path:
    path, title, note, columns, rows, colours, choices = (
        job.path,
        job.title,
        job.note,
        job.columns,
        job.rows,
        job.colours,
        job.choices,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # constant_memory: each row goes to disk as soon as the next one starts (inline strings, no
    # shared-string table), so rows must be written top to bottom, row heights first.
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    if job.created is not None:
        wb.set_properties({"created": job.created})
    ws = wb.add_worksheet("名单")
    title_fmt = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "locked": True})
    note_fmt = wb.add_format({"font_color": "#C00000", "text_wrap": True, "locked": True})
    head = wb.add_format(
        {
            "bold": True,
            "bg_color": "#D9E1F2",
            "border": 1,
            "text_wrap": True,
            "align": "center",
            "valign": "vcenter",
            "locked": True,
        }
    )
    cell = {"border": 1, "text_wrap": True, "valign": "top", "locked": True}
    fills = {k: wb.add_format({**cell, "bg_color": v.fill}) for k, v in colours.items()}
    plain = wb.add_format(cell)
    open_cell = wb.add_format({**cell, "locked": False, "bg_color": "#FFFFFF"})
    last = len(printed_columns(columns)) - 1  # the title and note span the printed columns
    ws.set_row(0, 30)
    ws.set_row(1, 30 if len(note) <= 90 else 45)  # the note (return instructions) wraps
    for c, col in enumerate(columns):
        ws.set_column(c, c, _excel_width(col.width), open_cell if col.fill else None)
    ws.merge_range(0, 0, 0, last, title, title_fmt)
    ws.merge_range(1, 0, 1, last, note, note_fmt)
    ws.set_row(2, wrapped_heights([[c.header] for c in columns], [c.width for c in columns])[0])
    for c, col in enumerate(columns):
        ws.write_string(2, c, col.header, head)
    fill_styles = {k: style_index(f) for k, f in fills.items()}
    plain_style, open_style = style_index(plain), style_index(open_cell)
    n = rows.height
    colour_styles = (
        rows["_fill"].replace_strict(fill_styles, default=plain_style, return_dtype=pl.Int64)
        if "_fill" in rows.columns
        else pl.repeat(plain_style, n, eager=True)
    )
    styles: list[int | pl.Series] = [
        open_style if col.fill else colour_styles if col.key == "colour" else plain_style for col in columns
    ]
    blank = pl.Series([None] * n, dtype=pl.String)
    values = [rows[c.key] if c.key in rows.columns else blank for c in columns]
    heights = wrapped_heights(values, [c.width for c in columns])
    body = SheetBody(sheet=1, first_row=3, columns=values, styles=styles, heights=heights)
    for key, values in (choices or {}).items():
        c = next(i for i, col in enumerate(columns) if col.key == key)
        ws.data_validation(3, c, max(3, 2 + n), c, {"validate": "list", "source": values})
    frozen = next((i + 1 for i, col in enumerate(columns) if col.key == job.freeze_through), 0)
    ws.freeze_panes(3, frozen)
    ws.autofilter(2, 0, 2 + n, len(columns) - 1)
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})
    apply_printing(ws, job.printing, header_row=2, last_row=2 + max(n, 1), last_column=last, sign_off=job.sign_off)
    if job.instructions:
        _instructions_sheet(wb, job.instructions, title_fmt, job.printing)
    wb.close()
    insert_rows(path, [body])
    return path


INSTRUCTIONS_SHEET = "填表说明"  # (reading.yaml note_sheets: its rows are notes, never data)


def _instructions_sheet(wb, lines: tuple[str, ...], title_fmt, printing: Printing | None) -> None:
    """填表说明: what each column to fill means, one paragraph a row, on one printed page."""
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    text = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 12})
    ws.set_column(0, 0, 120)
    ws.set_row(0, 30)
    ws.write_string(0, 0, INSTRUCTIONS_SHEET, title_fmt)
    for i, line in enumerate(lines, start=1):
        ws.set_row(i, LINE_POINTS * (1 + len(line) // 58) + 6)  # ≈ 58 characters a line at this width
        ws.write_string(i, 0, line, text)
    apply_printing(ws, printing, header_row=0, last_row=len(lines), last_column=0)


@contextmanager
def sheets_written(jobs: list[SheetJob], workers: int) -> Iterator[None]:
    """Write the workbooks while the body runs: in `workers` processes when there are enough
    rows to be worth it (rendering and zipping a big workbook keeps a core busy), largest first so the
    last to finish is small; otherwise here and now. Leaving the block waits for every workbook
    and raises the first failure."""
    jobs = sorted(jobs, key=lambda j: j.rows.height, reverse=True)
    # A daemonic process (a Dask worker running a county of a province) may not start children:
    # there the province's workers are the parallelism.
    daemonic = multiprocessing.current_process().daemon
    if daemonic or workers <= 1 or len(jobs) <= 1 or sum(j.rows.height for j in jobs) < PARALLEL_FROM_ROWS:
        for job in jobs:
            write_sheet(job)
        yield
        return
    # forkserver: workers fork from a fresh single-threaded server, never from this process
    # with its polars and Prefect threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["transforms.kit.workbook"])
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context)
    try:
        futures = [pool.submit(write_sheet, job) for job in jobs]
        yield
        for future in futures:
            future.result()
    finally:
        pool.shutdown(cancel_futures=True)
