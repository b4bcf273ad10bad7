"""How department systems really write cells and files (dates, amounts, identity numbers, GBK, titles and footers), and the bad rows and duplicates planted among the clean ones."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
import xlwt

from transforms.intake.cells import id_check_char
from transforms.sample_county.county import Plan, Row
from transforms.settings import Quarter

# ---------------------------------------------------------------- renderers of messy cells

DATE_STYLES = ("iso", "slash", "chinese", "compact")


def render_date(d: date | None, style: str) -> str:
    if d is None:
        return ""
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "chinese":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "compact":
        return f"{d:%Y%m%d}"
    return d.isoformat()


def excel_serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def render_amount(x: float, style: int) -> str:
    if style == 1:
        return f"{x:,.2f}元"
    if style == 2:
        return f"{x:.2f}"
    if style == 3:
        return f"{x:,.2f}"
    return f"{x:g}" if x == int(x) else f"{x:.2f}"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def to_15(id18: str) -> str:
    return id18[:6] + id18[8:17]


def as_excel_number(id18: str) -> float:
    """The number Excel keeps of an identity number typed into a number cell: 15 significant
    digits (an X check character is lost altogether)."""
    digits = id18[:17] + (id18[17] if id18[17].isdigit() else "0")
    return float(f"{float(digits):.14E}")


def float_mangled(id18: str) -> str:
    """What a CSV exported from Excel shows for such a number: 4.31125E+17."""
    return f"{as_excel_number(id18):.5E}"


# ---------------------------------------------------------------- writers


def _layout(title: str, header: list[str], rows: list[Row], footer: list[list], blank_every: int):
    """Lines in file order, with each written Row's 1-based row number."""
    lines: list[tuple[str, list]] = [("title", [title]), ("blank", []), ("header", header)]
    numbered: list[tuple[int, Row]] = []
    for i, row in enumerate(rows):
        if blank_every and i and i % blank_every == 0:
            lines.append(("blank", []))
        lines.append(("data", row.cells))
        numbered.append((len(lines), row))
    for f in footer:
        lines.append(("footer", f))
    return lines, numbered


def write_delimited(
    path: Path,
    title: str,
    header: list[str],
    rows: list[Row],
    *,
    encoding: str,
    delimiter: str,
    footer: list[list] | None = None,
    blank_every: int = 0,
) -> list[tuple[int, Row]]:
    lines, numbered = _layout(title, header, rows, footer or [], blank_every)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for _, cells in lines:
        w.writerow(["" if c is None else c for c in cells])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return numbered


def write_xlsx(
    path: Path, title: str, header: list[str], sheets: dict[str, list[Row]], *, footer: list[list] | None = None
) -> dict[str, list[tuple[int, Row]]]:
    """An .xlsx with one sheet per key, a merged title row, and numbers/dates typed as Excel would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime(2026, 10, 5, 9, 0, 0)})  # a fixed date: same seed, same bytes
    bold = wb.add_format({"bold": True, "align": "center"})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    out = {}
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        ws.merge_range(0, 0, 0, len(header) - 1, f"{title}（{name}）", bold)
        ws.write_row(2, 0, header)
        numbered = []
        r = 3
        for row in rows:
            for c, v in enumerate(row.cells):
                if isinstance(v, date):
                    ws.write_datetime(r, c, v, datefmt)
                elif isinstance(v, int | float):
                    ws.write_number(r, c, v)
                elif v not in (None, ""):
                    ws.write_string(r, c, str(v))
            r += 1
            numbered.append((r, row))
        for f in footer or []:
            r += 1  # a blank row before each footer line
            ws.write_row(r, 0, f)
            r += 1
        out[name] = numbered
    wb.close()
    return out


def write_xls(path: Path, title: str, header: list[str], rows: list[Row]) -> list[tuple[int, Row]]:
    """An old .xls (BIFF8), as 住建 systems still export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("鉴定台账")
    ws.write_merge(0, 0, 0, len(header) - 1, title)
    datestyle = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for c, h in enumerate(header):
        ws.write(1, c, h)
    numbered = []
    r = 2
    for row in rows:
        for c, v in enumerate(row.cells):
            if isinstance(v, date):
                ws.write(r, c, v, datestyle)
            elif v not in (None, ""):
                ws.write(r, c, v)
        r += 1
        numbered.append((r, row))
    ws.write(r + 1, 0, "合计")
    ws.write(r + 1, 1, f"{len(rows)}户")
    ws.write(r + 2, 0, "审核人：张明")
    wb.save(str(path))
    return numbered


# ---------------------------------------------------------------- planting bad rows


def _corrupt_id(id18: str, rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(["id_check_digit", "id_length", "id_float"])
    if kind == "id_check_digit":
        wrong = next(c for c in "0123456789X" if c != id18[-1])
        return id18[:-1] + wrong, kind
    if kind == "id_length":
        return id18[:-2], kind
    return float_mangled(id18), kind


def _by_quarter_end(day: date, q: Quarter) -> date:
    """A genuine event date is never after the quarter's last day: a drawn one that is goes back a year."""
    return day.replace(year=day.year - 1) if day > q.last_day else day


def plant_bad(
    rows: list[Row],
    header: list[str],
    rng: random.Random,
    share: float,
    kinds: dict[str, int],
    id_col: int,
    excel: bool = False,
    late: str | None = None,
) -> list[Row]:
    """Extra rows: corrupted copies of clean rows, each with one planted reason. `late` is the
    text of a date after the quarter's last day, for the kind date_after_quarter_end (a copy of
    a person's genuine row, so that row must still be the one accepted)."""
    n = max(2, int(len(rows) * share))
    bad = []
    for _ in range(n):
        src = rng.choice(rows)
        cells = list(src.cells)
        choice = rng.choice(["id", *kinds])
        if choice == "id":
            raw_id = str(src.clean["id_number"])
            cells[id_col], code = _corrupt_id(raw_id, rng)
            if code == "id_float" and excel:
                number = as_excel_number(raw_id)
                read_back = str(int(number))  # what a reader of the workbook sees
                if id_check_char(read_back[:17]) == read_back[17]:
                    # the lost digits happen to make a valid number: no longer a bad row to plant
                    cells[id_col], code = (
                        raw_id[:-1] + next(c for c in "0123456789X" if c != raw_id[-1]),
                        "id_check_digit",
                    )
                else:
                    cells[id_col] = number
        else:
            col = kinds[choice]
            code = choice
            cells[col] = {
                "date_invalid": "2026-13-45",
                "amount_invalid": "约三千元",
                "amount_negative": "-120.00",
                "enum_invalid": "不详",
                "required_missing": "",
                "integer_invalid": "三口",
                "date_after_quarter_end": late,
            }[choice]
        bad.append(Row(cells, None, code))
    return bad


def add_duplicates(rows: list[Row], rng: random.Random, share: float) -> list[Row]:
    n = max(1, int(len(rows) * share))
    return [Row(list(r.cells), None, "duplicate") for r in rng.sample(rows, n)]


def interleave(rng: random.Random, rows: list[Row], extra: list[Row]) -> list[Row]:
    """Insert bad rows at random places; duplicates always after their original."""
    out = list(rows)
    for row in extra:
        out.insert(rng.randint(0, len(out)), row)
    return out


def record(
    plan: Plan, dept: str, folder: str, file: str, sheet: str, numbered: list[tuple[int, Row]], dataset: str
) -> None:
    seen: set[tuple] = set()
    for number, row in numbered:
        key = tuple(str(c) for c in row.cells)
        if row.plant == "duplicate":
            plan.duplicates.append((dept, file, sheet, number))
        elif row.plant:
            plan.bad.append((dept, file, sheet, number, row.plant))
        elif key in seen:
            plan.duplicates.append((dept, file, sheet, number))
        else:
            plan.clean.setdefault(dataset, []).append(row.clean)
        if row.plant is None:
            seen.add(key)


def order_duplicates(rows: list[Row]) -> list[Row]:
    """Move each planted duplicate after the first row with the same cells, so 'first wins'
    keeps the original (half-way between the original and the end of the file)."""
    originals = [r for r in rows if r.plant != "duplicate"]
    first_at: dict[tuple, int] = {}
    for i, r in enumerate(originals):
        first_at.setdefault(tuple(map(str, r.cells)), i)
    n = len(originals)
    keyed = [(float(i), 0, r) for i, r in enumerate(originals)]
    for k, d in enumerate(r for r in rows if r.plant == "duplicate"):
        pos = first_at[tuple(map(str, d.cells))]
        keyed.append((pos + 0.5 + (n - pos) // 2, k + 1, d))
    return [r for _, _, r in sorted(keyed, key=lambda t: (t[0], t[1]))]


def _file_counts(
    plan: Plan,
    dept: str,
    file: str,
    *,
    sheets: dict,
    title: int,
    header: int,
    blank: int,
    footer: int,
    footer_blanks: int = 0,
    blank_rows_in_data: int = 0,
) -> None:
    rows = sum(len(v) for v in sheets.values())
    n = len(sheets)
    plan.files.append(
        {
            "department": dept,
            "file": file,
            "data_rows": rows,
            "title": title * n,
            "header": header * n,
            "footer": footer * n,
            "blank": (blank + footer_blanks) * n + blank_rows_in_data,
        }
    )
