"""Many rows into an xlsx sheet, fast: xlsxwriter writes the workbook (styles, titles, headers,
validation, protection, print setup) and this module renders the data rows' XML column-wise with
polars, then puts them into the sheet's `<sheetData>`. Writing cell by cell through xlsxwriter
costs ≈ 10 s per 150,000 rows of pure Python; rendering column-wise costs a small fraction.

The cells are what xlsxwriter's `constant_memory` mode writes: inline strings (no shared-string
table), numbers as numbers, blanks as styled empty cells; text is escaped the way xlsxwriter
escapes it (XML entities, control characters as `_xHHHH_`), and is never taken for a formula.

    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ...write titles and headers (rows above `first_row`) with xlsxwriter...
    body = SheetBody(sheet=1, first_row=3, columns=[...], styles=[fmt._get_xf_index(), ...])
    wb.close()
    insert_rows(path, [body])
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name

CONTROL_CHARACTERS = [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32)]]
_ANY_CONTROL = "[" + "".join(CONTROL_CHARACTERS) + "]"
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
# A zlib level that keeps a 100k-row sheet to a fraction of a second; files stay small.
COMPRESS_LEVEL = 1


@dataclass
class SheetBody:
    """Rows for one worksheet (`sheet`: 1 for the first sheet added), starting at the 0-based
    row `first_row`. `columns`: one list of values per column (str, int, float or None/"" for a
    blank). `styles`: per column, an xf index (see `style_index`) or a list of one per row."""

    sheet: int
    first_row: int
    columns: list[Sequence | pl.Series]
    styles: list[int | Sequence[int] | pl.Series]
    heights: pl.Series | None = None  # each row's height in points (wrapped text), or Excel's default

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0


LINE_POINTS = 15.0  # one line of 11-point text


def wrapped_heights(columns: Sequence[Sequence | pl.Series], widths: Sequence[float]) -> pl.Series:
    """The height (points) each row needs for its text to wrap within its columns, `widths` in
    CJK characters (two half-width characters each). Spreadsheets do not grow a row for wrapped
    text written by a program (LibreOffice prints such rows one line high, the rest cut off),
    so the rows carry their height."""
    lines = []
    for values, width in zip(columns, widths, strict=True):
        text = as_text(values).fill_null("")
        half_widths = (text.str.len_bytes() + text.str.len_chars()) / 2  # CJK: 3 bytes, 2 half-widths
        lines.append((half_widths / max(1.0, 2 * width - 0.5)).ceil().clip(lower_bound=1))
    if not lines:
        return pl.Series([], dtype=pl.Float64)
    most = pl.DataFrame({str(i): line for i, line in enumerate(lines)}).max_horizontal()
    return most.cast(pl.Float64) * LINE_POINTS + 3


def as_text(values: Sequence | pl.Series) -> pl.Series:
    """A column of any values (a Series of any type, or a list mixing numbers, text and blanks)
    as text: what the cell shows, for measuring it."""
    if isinstance(values, pl.Series):
        if values.dtype == pl.String:
            return values
        if values.dtype.is_numeric() or values.dtype in (pl.Boolean, pl.Null, pl.Date, pl.Datetime):
            return values.cast(pl.String)
        values = values.to_list()
    return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)


def style_index(fmt: Format | None) -> int:
    """The xf index a cell uses for `fmt`, registering the format with its workbook so it is
    written into styles.xml even if no cell is written through xlsxwriter with it."""
    if fmt is None:
        return 0
    index = fmt._get_xf_index()
    fmt.xf_index = index
    return index


def _typed(values: Sequence) -> tuple[pl.Series, pl.Series]:
    """(numbers, texts) of one column: a value is in one of them or in neither (a blank)."""
    try:
        series = pl.Series(values, strict=True)
    except (TypeError, pl.exceptions.PolarsError, OverflowError):
        series = None
    if series is not None and series.dtype == pl.String:
        return pl.Series([None] * len(values), dtype=pl.Float64), series.replace("", None)
    if series is not None and series.dtype.is_numeric():
        if series.dtype.is_float():  # NaN and infinity have no cell: blank
            series = pl.select(pl.when(series.is_finite()).then(series)).to_series()
        return series, pl.Series([None] * len(values), dtype=pl.String)
    if series is not None and series.dtype == pl.Null:
        return pl.Series([None] * len(values), dtype=pl.Float64), pl.Series([None] * len(values), dtype=pl.String)
    numbers, texts = [], []
    for v in values:
        if isinstance(v, bool) or v is None or v == "":
            numbers.append(None)
            texts.append(None if v is None or v == "" else str(v))
        elif isinstance(v, int | float):
            numbers.append(float(v) if math.isfinite(v) else None)
            texts.append(None)
        else:
            numbers.append(None)
            texts.append(str(v))
    return pl.Series(numbers, dtype=pl.Float64), pl.Series(texts, dtype=pl.String)


def _escaped(text: pl.Expr, any_control: bool) -> pl.Expr:
    text = (
        text.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )
    # Text that reads like an escape (`_x0041_`) is escaped itself, or a spreadsheet shows "A".
    text = text.str.replace_all(r"(_x[0-9a-fA-F]{4}_)", "_x005F$1")
    if any_control:
        for ch in CONTROL_CHARACTERS:
            text = text.str.replace_all(ch, f"_x{ord(ch):04X}_", literal=True)
    return text.str.replace_all("\ufffe", "_xFFFE_", literal=True).str.replace_all("\uffff", "_xFFFF_", literal=True)


def render_rows(body: SheetBody) -> bytes:
    """The `<row>` elements of `body`, as UTF-8 XML."""
    n = body.height
    if n == 0:
        return b""
    data: dict[str, pl.Series] = {"_row": pl.int_range(body.first_row + 1, body.first_row + 1 + n, eager=True)}
    cells = []
    for c, (values, style) in enumerate(zip(body.columns, body.styles, strict=True)):
        numbers, texts = _typed(values)
        data[f"n{c}"], data[f"t{c}"] = numbers, texts
        ref = [pl.lit(f'<c r="{xl_col_to_name(c)}'), pl.col("_row").cast(pl.String)]
        if isinstance(style, int):
            s = [pl.lit(f'" s="{style}"' if style else '"')]
        else:
            data[f"s{c}"] = pl.Series(style, dtype=pl.Int64)
            s = [pl.lit('" s="'), pl.col(f"s{c}").cast(pl.String), pl.lit('"')]
        any_control = texts.drop_nulls().str.contains(_ANY_CONTROL).any()
        number_cell = pl.concat_str([*ref, *s, pl.lit("><v>"), pl.col(f"n{c}").cast(pl.String), pl.lit("</v></c>")])
        text = _escaped(pl.col(f"t{c}"), bool(any_control))
        inline = pl.lit(' t="inlineStr"><is><t xml:space="preserve">')
        text_cell = pl.concat_str([*ref, *s, inline, text, pl.lit("</t></is></c>")])
        styled = not isinstance(style, int) or style != 0
        blank_cell = pl.concat_str([*ref, *s, pl.lit("/>")]) if styled else pl.lit("")
        cells.append(
            pl.when(pl.col(f"n{c}").is_not_null())
            .then(number_cell)
            .when(pl.col(f"t{c}").is_not_null())
            .then(text_cell)
            .otherwise(blank_cell)
        )
    row_open = [pl.lit('<row r="'), pl.col("_row").cast(pl.String)]
    if body.heights is not None:
        data["_ht"] = body.heights.cast(pl.Float64).round(1)
        row_open += [pl.lit('" ht="'), pl.col("_ht").cast(pl.String), pl.lit('" customHeight="1')]
    frame = pl.DataFrame(data)
    rows = frame.lazy().select(
        pl.concat_str([*row_open, pl.lit('">'), *cells, pl.lit("</row>")]).str.join("").alias("xml")
    )
    return rows.collect().item().encode("utf-8")


def insert_rows(path: Path, bodies: list[SheetBody]) -> None:
    """Put each body's rows at the end of its sheet's data in the closed workbook at `path`
    (the rows xlsxwriter wrote must all lie above the body), and widen the sheet's dimension."""
    patches = {f"xl/worksheets/sheet{b.sheet}.xml": b for b in bodies if b.height}
    if not patches:
        return
    staging = path.with_name(path.name + ".rows")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(staging, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            body = patches.get(info.filename)
            if body is not None:
                content = content.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
                last_row = body.first_row + body.height
                last_col = xl_col_to_name(len(body.columns) - 1)
                content = _DIMENSION.sub(f'<dimension ref="A1:{last_col}{last_row}"/>'.encode(), content, count=1)
                end = content.rindex(b"</sheetData>")
                content = content[:end] + render_rows(body) + content[end:]
                target.writestr(info, content, compresslevel=COMPRESS_LEVEL)
            else:
                target.writestr(info, content)
    os.replace(staging, path)
