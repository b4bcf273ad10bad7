"""A seeded, deterministic sample county: the six datasets of the contract for consecutive
quarters, written the way department systems really export them (GBK and UTF-8-BOM CSV,
tab-delimited text, .xlsx with merged titles, footers and several sheets, an old .xls,
Chinese folder names, header aliases, full-width digits, lower-case x, 15-digit numbers,
`1,234.50元`, every date format), with a known share of genuinely bad rows and duplicates.

Beside the inbox it writes what it planted (`planted/<quarter>/`):
  bad_rows.csv     department, file, sheet, row_number, reason_code  — must be rejected
  duplicates.csv   department, file, sheet, row_number               — must count as duplicates
  files.csv        per file: rows written and how many are title/header/footer/blank
  clean/<dataset>.parquet  the normalised values of every clean row (what staging must hold)
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter
import xlwt

from transforms.cells import ID_CHECK_CHARS, ID_WEIGHTS, id_check_char
from transforms.settings import Quarter

COUNTY = "清河县"
COUNTY_CODE = "431125"
TOWNS = {
    "城关镇": ["东街社区", "西街社区", "南门村", "北关村"],
    "河东镇": ["河东村", "柳树村", "杨庄村", "李家村"],
    "西山乡": ["西山村", "石门村", "松林村"],
    "南岭镇": ["南岭村", "桃园村", "新华村", "红星村"],
    "北坪乡": ["北坪村", "龙泉村", "白马村"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志红春梅海燕文斌"
HOSPITALS = ["清河县人民医院", "清河县中医院", "河东镇卫生院", "市第一人民医院", "省人民医院"]
SCHOOLS = {
    "小学": "清河县实验小学",
    "初中": "清河县第二中学",
    "高中": "清河县第一中学",
    "中职": "清河县职业中专",
    "学前": "城关镇中心幼儿园",
    "高校": "省内高校",
}


@dataclass(frozen=True)
class SampleSize:
    """How big a county to make. `sample` is for tests and the demo; `county` is a real
    county's size (about 150,000 roster persons, 3 million settlement rows a quarter)."""

    households: int
    settlements: int
    outsiders: int  # people not on the roster who appear in department data
    # Share of settlement rows that are hospital stays (住院). The test sample is dense in them so
    # its few thousand claims reach every medical rule; at county scale about 1 in 30 rows, as in
    # a real county's settlement extract (mostly outpatient visits), a little more on the roster.
    inpatient_share: float = 0.25

    @classmethod
    def named(cls, name: str) -> SampleSize:
        presets = {
            "sample": cls(households=400, settlements=3_000, outsiders=1_500),
            "district": cls(households=10_000, settlements=300_000, outsiders=40_000, inpatient_share=0.03),
            "county": cls(households=50_000, settlements=3_000_000, outsiders=400_000, inpatient_share=0.03),
            "county10": cls(households=50_000, settlements=30_000_000, outsiders=1_000_000, inpatient_share=0.03),
        }
        if name not in presets:
            raise ValueError(f"unknown scale {name!r}; choose one of {sorted(presets)}")
        return presets[name]


@dataclass
class Person:
    id_number: str
    name: str
    birth: date
    town: str
    village: str


@dataclass
class Row:
    """One row to write: rendered cells in header order, and what it stands for."""

    cells: list
    clean: dict | None  # normalised values; None when the row is planted bad
    plant: str | None = None  # reason code of a planted bad row, or "duplicate"


@dataclass
class Plan:
    """Everything planted in one quarter."""

    bad: list[tuple] = field(default_factory=list)
    duplicates: list[tuple] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    clean: dict[str, list[dict]] = field(default_factory=dict)


# ---------------------------------------------------------------- identity numbers


def make_id(rng: random.Random, birth: date, region: str = COUNTY_CODE) -> str:
    first17 = f"{region}{birth:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + id_check_char(first17)


def ids_vectorised(n: int, seed: int, start_year: int = 1940, end_year: int = 2020) -> np.ndarray:
    """Many valid, distinct identity numbers at once (for county-scale outsiders)."""
    g = np.random.default_rng(seed)
    days = g.integers(0, (date(end_year, 12, 31) - date(start_year, 1, 1)).days, n)
    base = np.datetime64(date(start_year, 1, 1)) + days.astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(base, unit="D"), "-", "")
    seq = np.char.zfill(g.integers(1, 1000, n).astype(str), 3)
    region = np.where(g.random(n) < 0.8, COUNTY_CODE, "431102")
    first17 = np.char.add(np.char.add(region, ymd), seq)
    digits = np.frombuffer("".join(first17.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    total = (digits * np.array(ID_WEIGHTS)).sum(axis=1) % 11
    checks = np.array(list(ID_CHECK_CHARS))[total]
    out = np.char.add(first17, checks)
    _, first = np.unique(out, return_index=True)
    return out[np.sort(first)]


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


# ---------------------------------------------------------------- the county


@dataclass
class County:
    rng: random.Random
    households: list[dict]
    persons: list[dict]  # roster members
    outsiders: list[Person]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _birth(rng: random.Random, lo: int, hi: int, ref: date) -> date:
    age_days = rng.randint(lo * 365 + 1, hi * 365 + 300)
    return ref - timedelta(days=age_days)


def build_county(size: SampleSize, seed: int, ref: date) -> County:
    rng = random.Random(seed)
    households, persons, used = [], [], set()

    def new_id(birth: date) -> str:
        while True:
            i = make_id(rng, birth)
            if i not in used:
                used.add(i)
                return i

    town_names = list(TOWNS)
    for h in range(size.households):
        town = town_names[h % len(town_names)]
        village = rng.choice(TOWNS[town])
        monitoring = rng.random() < 0.2
        hh = {
            "household_id": f"{COUNTY_CODE}{town_names.index(town) + 1:02d}{h + 1:06d}",
            "town": town,
            "village": village,
            "household_type": "监测户" if monitoring else "脱贫户",
            "monitoring_type": rng.choice(["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]) if monitoring else None,
            "risk_eliminated": rng.choice(["是", "否"]) if monitoring else None,
            "per_capita_income": round(rng.lognormvariate(9.1, 0.45), 2),
            "risk_cause": rng.choice(["因病", "因残", "因学", "因灾", "因务工就业不稳", "其他"])
            if monitoring
            else None,
        }
        members = [("户主", _birth(rng, 30, 80, ref))]
        if rng.random() < 0.8:
            members.append(("配偶", _birth(rng, 28, 78, ref)))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            members.append((rng.choice(["子", "女"]), _birth(rng, 1, 24, ref)))
        if rng.random() < 0.15:
            members.append((rng.choice(["父亲", "母亲"]), _birth(rng, 70, 92, ref)))
        hh["household_size"] = len(members)
        households.append(hh)
        for relation, birth in members:
            age = (ref - birth).days // 365
            labour = (
                "无劳动力"
                if age < 16 or age > 75
                else rng.choice(["普通劳动力", "普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力"])
            )
            persons.append(
                {
                    **{
                        k: hh[k]
                        for k in (
                            "household_id",
                            "town",
                            "village",
                            "household_type",
                            "monitoring_type",
                            "risk_eliminated",
                            "household_size",
                            "per_capita_income",
                            "risk_cause",
                        )
                    },
                    "id_number": new_id(birth),
                    "name": _name(rng),
                    "relation": relation,
                    "labour_status": labour,
                    "birth": birth,
                }
            )
    outsiders = []
    for _ in range(size.outsiders if size.outsiders <= 20_000 else 20_000):
        town = rng.choice(town_names)
        birth = _birth(rng, 1, 85, ref)
        outsiders.append(Person(new_id(birth), _name(rng), birth, town, rng.choice(TOWNS[town])))
    return County(rng, households, persons, outsiders)


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


# ---------------------------------------------------------------- datasets


def roster_rows(county: County, q: Quarter) -> dict[str, list[Row]]:
    rng = county.rng
    by_town: dict[str, list[Row]] = {t: [] for t in TOWNS}
    for i, p in enumerate(county.persons):
        clean = {
            k: p[k]
            for k in (
                "household_id",
                "id_number",
                "name",
                "relation",
                "town",
                "village",
                "household_type",
                "monitoring_type",
                "risk_eliminated",
                "household_size",
                "per_capita_income",
                "labour_status",
                "risk_cause",
            )
        }
        idn = p["id_number"]
        if i % 17 == 3:
            idn = idn.lower()  # lower-case x, or no effect
        if i % 23 == 5:
            idn = full_width(idn)
        income = render_amount(p["per_capita_income"], i % 4)
        size = full_width(str(p["household_size"])) if i % 29 == 7 else p["household_size"]
        cells = [
            p["household_id"],
            idn,
            f" {p['name']} " if i % 31 == 0 else p["name"],
            p["relation"],
            p["town"],
            p["village"],
            p["household_type"],
            p["monitoring_type"] or "",
            p["risk_eliminated"] or "",
            size,
            income,
            p["labour_status"],
            p["risk_cause"] or "",
        ]
        by_town[p["town"]].append(Row(cells, clean))
    header = ROSTER_HEADER
    out = {}
    kinds = {"enum_invalid": 3, "integer_invalid": 9, "amount_negative": 10, "required_missing": 2}
    for t, rows in by_town.items():
        bad = plant_bad(rows, header, rng, 0.02, kinds, 1, excel=True)
        out[t] = interleave(rng, rows, bad)
    return out


def write_roster(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    sheets = roster_rows(county, q)
    header = ROSTER_HEADER
    file = f"{q.year}年第{q.number}季度监测对象名册.xlsx"
    folder = inbox / "监测对象名册"
    numbered = write_xlsx(
        folder / file,
        f"{COUNTY}{q.year}年第{q.number}季度防返贫监测对象名册",
        header,
        sheets,
        footer=[["合计", f"{len(county.persons)}人"], ["制表人：李华", "", "审核人：王强"]],
    )
    for sheet, nums in numbered.items():
        record(plan, "roster", "监测对象名册", file, sheet, nums, "roster__persons")
    _file_counts(plan, "roster", file, sheets=numbered, title=1, header=1, blank=1, footer=2, footer_blanks=2)


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


def enrolment_rows(county: County, q: Quarter) -> list[Row]:
    rng = county.rng
    rows = []
    for i, p in enumerate(county.persons):
        status = "正常参保" if i % 41 else rng.choice(["暂停参保", "未参保", "终止参保"])
        scheme = "城乡居民基本医疗保险" if i % 13 else "职工基本医疗保险"
        subsidised = "是" if p["household_type"] == "监测户" or i % 3 == 0 else "否"
        if i % 37 == 11:  # a scheme switch: one ended row and one current row
            rows.append(
                Row(
                    [p["id_number"], p["name"], "终止参保", "职工医保", "否"],
                    {
                        "id_number": p["id_number"],
                        "name": p["name"],
                        "insured_status": "终止参保",
                        "scheme": "职工基本医疗保险",
                        "subsidised": "否",
                    },
                )
            )
        shown_scheme = "居民医保" if i % 7 == 0 and scheme.startswith("城乡") else scheme
        rows.append(
            Row(
                [p["id_number"], p["name"], status, shown_scheme, subsidised],
                {
                    "id_number": p["id_number"],
                    "name": p["name"],
                    "insured_status": status,
                    "scheme": scheme,
                    "subsidised": subsidised,
                },
            )
        )
    for o in county.outsiders[: len(county.outsiders) // 2]:
        rows.append(
            Row(
                [o.id_number, o.name, "正常参保", "城乡居民基本医疗保险", "否"],
                {
                    "id_number": o.id_number,
                    "name": o.name,
                    "insured_status": "正常参保",
                    "scheme": "城乡居民基本医疗保险",
                    "subsidised": "否",
                },
            )
        )
    return rows


def write_medical(county: County, size: SampleSize, q: Quarter, inbox: Path, plan: Plan, seed: int) -> None:
    rng = county.rng
    folder = inbox / "医保局"
    header = ["公民身份号码", "姓名", "参保状态", "险种类型", "是否资助参保"]
    rows = enrolment_rows(county, q)
    bad = plant_bad(rows, header, rng, 0.01, {"enum_invalid": 2, "required_missing": 1}, 0)
    rows = order_duplicates(interleave(rng, rows, bad + add_duplicates(rows, rng, 0.005)))
    file = f"参保信息_{q}.csv"
    # The header says 身份证号, an alias of 公民身份号码; the file is GBK, as Windows exports it.
    numbered = write_delimited(
        folder / file,
        f"{COUNTY}基本医疗保险参保人员信息（{q}）",
        ["身份证号", *header[1:]],
        rows,
        encoding="gbk",
        delimiter=",",
        footer=[["合计", f"{len(rows)}条"]],
    )
    record(plan, "medical", "医保局", file, "", numbered, "medical__enrolment")
    _file_counts(plan, "medical", file, sheets={"": numbered}, title=1, header=1, blank=1, footer=1)
    write_settlements(county, size, q, folder, plan, seed)


ROSTER_HEADER = [
    "户编号",
    "证件号码",
    "姓名",
    "与户主关系",
    "乡镇（街道）",
    "行政村（社区）",
    "户类型",
    "监测对象类别",
    "风险是否消除",
    "家庭人口数",
    "家庭人均纯收入（元）",
    "劳动技能",
    "主要风险类型",
]
SETTLEMENT_HEADER = [
    "公民身份号码",
    "姓名",
    "结算日期",
    "就诊类型",
    "医疗总费用",
    "政策范围内费用",
    "基本医保统筹支付",
    "大病保险支付",
    "医疗救助支付",
    "个人自付",
    "定点医疗机构",
]


SETTLEMENT_CHUNK = 3_000_000  # rows made and written at a time (10 × county is 30 million)


def write_settlements(county: County, size: SampleSize, q: Quarter, folder: Path, plan: Plan, seed: int) -> None:
    """Claims, vectorised so a county's millions of rows are made in seconds, and made and
    appended chunk by chunk so 10 × county fits in memory. UTF-8 with BOM."""
    roster_ids = np.array([p["id_number"] for p in county.persons])
    roster_names = np.array([p["name"] for p in county.persons])
    if size.outsiders > len(county.outsiders):
        out_ids = ids_vectorised(size.outsiders, seed + 7)
        out_names = np.array([SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] for i in range(len(out_ids))])
    else:
        out_ids = np.array([o.id_number for o in county.outsiders])
        out_names = np.array([o.name for o in county.outsiders])
    file = f"结算明细_{q}.csv"
    path = folder / file
    text = f"{COUNTY}医疗保障结算明细（{q}）\r\n" + ",".join(SETTLEMENT_HEADER) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    row_offset, data_rows = 3, 0  # title line 1, header line 2, data from line 3 on
    for k, start in enumerate(range(0, size.settlements, SETTLEMENT_CHUNK)):
        n = min(SETTLEMENT_CHUNK, size.settlements - start)
        g = np.random.default_rng(seed + q.number if k == 0 else [seed + q.number, k])
        rendered = _settlement_chunk(
            g, n, size, q, (roster_ids, roster_names), (out_ids, out_names), plan, file, row_offset
        )
        buf = io.BytesIO()
        rendered.select(pl.exclude("i", "pos", "row_number", "kind")).write_csv(
            buf, include_header=False, line_terminator="\r\n"
        )
        with path.open("ab") as fh:
            fh.write(buf.getvalue())
        row_offset += rendered.height
        data_rows += rendered.height
    plan.files.append(
        {
            "department": "medical",
            "file": file,
            "data_rows": data_rows,
            "title": 1,
            "header": 1,
            "footer": 0,
            "blank": 0,
        }
    )


def _settlement_chunk(
    g: np.random.Generator, n: int, size: SampleSize, q: Quarter, roster: tuple, outsiders: tuple, plan: Plan,
    file: str, row_offset: int,
) -> pl.DataFrame:  # fmt: skip
    """n claims with planted bad rows and duplicates recorded in `plan`; rows numbered from `row_offset`."""
    (roster_ids, roster_names), (out_ids, out_names) = roster, outsiders
    roster_share = 0.2
    n_roster = int(n * roster_share)
    pick_r = g.integers(0, len(roster_ids), n_roster)
    pick_o = g.integers(0, len(out_ids), n - n_roster)
    ids = np.concatenate([roster_ids[pick_r], out_ids[pick_o]])
    names = np.concatenate([roster_names[pick_r], out_names[pick_o]])
    on_roster = np.arange(n) < n_roster
    order = g.permutation(n)
    ids, names, on_roster = ids[order], names[order], on_roster[order]
    days = g.integers(0, (q.last_day - q.first_day).days + 1, n)
    inpatient = np.where(on_roster, min(1.0, size.inpatient_share * 2), size.inpatient_share)
    draw = g.random(n)
    visit = np.where(
        draw < inpatient, "住院", np.where(draw < inpatient + (1 - inpatient) / 3, "门诊慢特病", "普通门诊")
    )
    total = np.round(np.where(visit == "住院", g.lognormal(8.6, 0.9, n), g.lognormal(5.3, 0.8, n)), 2)
    # Roster persons get the three layers' tilted terms (三重保障, 倾斜支付): most of their cost
    # inside the catalogue, higher fund shares, a lower serious-illness threshold and medical
    # assistance on 70% of what is left inside policy — about one claimant in five ends the
    # year above a 10% out-of-pocket share. Everyone else: ordinary terms, rare assistance.
    inside = np.where(
        on_roster,
        np.where(g.random(n) < 0.95, g.uniform(0.96, 0.998, n), g.uniform(0.7, 0.9, n)),
        g.uniform(0.7, 0.97, n),
    )
    policy = np.round(total * inside, 2)
    fund_share = np.where(
        on_roster,
        np.select([visit == "住院", visit == "门诊慢特病"], [0.85, 0.8], 0.7),
        np.where(visit == "普通门诊", 0.5, 0.7),
    )
    fund = np.round(policy * fund_share, 2)
    serious = np.round(np.clip((policy - np.where(on_roster, 7500, 15000)) * 0.6, 0.0, policy - fund), 2)
    assist = np.round(
        np.where(
            on_roster,
            np.where(g.random(n) < 0.95, (policy - fund - serious) * 0.7, 0.0),
            np.where(g.random(n) < 0.1, (total - fund - serious) * 0.5, 0.0),
        ),
        2,
    )
    oop = np.round(total - fund - serious - assist, 2)
    hospital = g.choice(np.array(HOSPITALS), n)
    frame = pl.DataFrame(
        {
            "id_number": ids,
            "name": names,
            "settled_on": pl.Series(days).cast(pl.Int32),
            "visit_type": visit,
            "total_cost": total,
            "policy_cost": policy,
            "fund_paid": fund,
            "serious_illness_paid": serious,
            "assistance_paid": assist,
            "out_of_pocket": oop,
            "hospital": hospital,
        }
    ).with_columns((pl.lit(q.first_day) + pl.duration(days=pl.col("settled_on"))).cast(pl.Date).alias("settled_on"))
    clean = frame.with_row_index("i")
    money = ["total_cost", "policy_cost", "fund_paid", "serious_illness_paid", "assistance_paid", "out_of_pocket"]
    style = pl.col("i") % 4
    rendered = clean.select(
        "i",
        pl.when(pl.col("i") % 53 == 0)
        .then(pl.col("id_number").str.to_lowercase())
        .otherwise(pl.col("id_number"))
        .alias("id_number"),
        "name",
        pl.when(style == 0)
        .then(pl.col("settled_on").dt.strftime("%Y-%m-%d"))
        .when(style == 1)
        .then(pl.col("settled_on").dt.strftime("%Y/%-m/%-d"))
        .when(style == 2)
        .then(pl.col("settled_on").dt.strftime("%Y年%-m月%-d日"))
        .otherwise(pl.col("settled_on").dt.strftime("%Y%m%d"))
        .alias("settled_on"),
        "visit_type",
        *[
            pl.when(pl.col("i") % 5 == 0)
            .then(
                pl.col(m).map_batches(lambda s: pl.Series([f"{v:,.2f}元" for v in s.to_list()]), return_dtype=pl.String)
                if n <= 200_000
                else pl.col(m).round(2).cast(pl.String) + pl.lit("元")
            )
            .otherwise(pl.col(m).round(2).cast(pl.String))
            .alias(m)
            for m in money
        ],
        "hospital",
    )
    # Planted bad rows: replace a cell in ~0.5% of rows (recorded), from clean rows chosen at random.
    n_bad = max(6, n // 200)
    bad_idx = np.sort(g.choice(n, n_bad, replace=False))
    kinds = np.array(
        [
            "id_check_digit",
            "id_float",
            "date_invalid",
            "amount_invalid",
            "amount_negative",
            "enum_invalid",
            "policy_cost_exceeds_total",
            "required_missing",
            "date_after_quarter_end",
        ]
    )
    bad_kind = kinds[np.arange(n_bad) % len(kinds)]
    bad = pl.DataFrame({"i": bad_idx.astype(np.uint32), "kind": bad_kind})
    bad_rows = rendered.join(bad, on="i").sort("i")
    fixes = []
    for r in bad_rows.iter_rows(named=True):
        k = r["kind"]
        if k == "id_check_digit":
            idn = r["id_number"].upper()
            r["id_number"] = idn[:-1] + next(c for c in "0123456789X" if c != idn[-1])
        elif k == "id_float":
            r["id_number"] = float_mangled(r["id_number"])
        elif k == "date_invalid":
            r["settled_on"] = f"{q.year}-{q.number * 3 + 1:02d}-32"
        elif k == "amount_invalid":
            r["out_of_pocket"] = "待定"
        elif k == "amount_negative":
            r["total_cost"] = "-" + r["total_cost"].replace("元", "")
            r["policy_cost"] = "0"
        elif k == "enum_invalid":
            r["visit_type"] = "急诊留观"
        elif k == "policy_cost_exceeds_total":
            r["policy_cost"] = str(float(r["total_cost"].replace(",", "").replace("元", "")) + 100)
        elif k == "required_missing":
            r["name"] = None
        elif k == "date_after_quarter_end":  # a claim of the next quarter sent early
            r["settled_on"] = (q.last_day + timedelta(days=13)).isoformat()
        fixes.append(r)
    fixed = pl.DataFrame(fixes, schema=bad_rows.schema).drop("kind")
    rendered = pl.concat([rendered.filter(~pl.col("i").is_in(bad_idx.tolist())), fixed]).sort("i")
    # Duplicates: ~0.3% of clean rows exported twice, the copy placed later in the file.
    clean_pool = np.setdiff1d(np.arange(n), bad_idx)
    dup_src = np.sort(g.choice(clean_pool, max(3, n // 300), replace=False))
    dups = rendered.filter(pl.col("i").is_in(dup_src.tolist())).with_columns(
        (pl.col("i").cast(pl.Float64) + 0.5 + (pl.lit(n) - pl.col("i")).cast(pl.Float64) / 2).alias("pos")
    )
    rendered = pl.concat([rendered.with_columns(pl.col("i").cast(pl.Float64).alias("pos")), dups]).sort("pos")
    rendered = rendered.with_row_index("row_number", offset=row_offset)
    is_dup = rendered.select(pl.col("i").is_duplicated() & ~pl.col("i").is_first_distinct()).to_series()
    plan.duplicates.extend(("medical", file, "", int(r)) for r in rendered.filter(is_dup)["row_number"].to_list())
    bad_numbers = rendered.filter(pl.col("i").is_in(bad_idx.tolist())).join(bad, on="i")
    plan.bad.extend(("medical", file, "", int(r), k) for r, k in bad_numbers.select("row_number", "kind").iter_rows())
    if n <= 200_000:
        plan.clean["medical__settlements"] = (
            frame.with_row_index("i").filter(~pl.col("i").is_in(bad_idx.tolist())).drop("i").to_dicts()
        )
    else:
        plan.clean["medical__settlements"] = []
    return rendered


def write_civil(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    rows = []
    people = [(p["id_number"], p["name"], p["town"], p["village"]) for p in county.persons[::9]]
    people += [
        (o.id_number, o.name, o.town, o.village) for o in county.outsiders[:: max(1, len(county.outsiders) // 60)]
    ]
    for i, (idn, name, town, village) in enumerate(people):
        kind = ["农村低保", "农村低保", "特困供养", "临时救助", "城市低保"][i % 5]
        if kind == "临时救助":
            start = q.first_day + timedelta(days=rng.randint(0, 80))
            status, end, amount = "停保", start, float(rng.choice([1000, 1500, 2000, 3000]))
        else:
            start = date(q.year - rng.randint(1, 4), rng.randint(1, 12), 1)
            status = ["在保", "在保", "在保", "渐退期", "停保"][i % 5 if i % 7 else 4]
            end = q.first_day + timedelta(days=rng.randint(0, 85)) if status == "停保" else None
            amount = float(rng.choice([420, 480, 560, 600, 650]))
        clean = {
            "id_number": idn,
            "name": name,
            "town": town,
            "village": village,
            "assistance_type": kind,
            "status": status,
            "start_date": start,
            "end_date": end,
            "amount": amount,
        }
        shown_kind = "农村最低生活保障" if kind == "农村低保" and i % 4 == 0 else kind
        rows.append(
            Row(
                [
                    idn,
                    name,
                    town,
                    village,
                    shown_kind,
                    status,
                    render_date(start, "chinese"),
                    render_date(end, "chinese"),
                    render_amount(amount, 1 if i % 2 else 0),
                ],
                clean,
            )
        )
    header = ["身份证号", "姓名", "乡镇", "村（社区）", "救助类型", "保障状态", "起始日期", "终止日期", "金额（元）"]
    bad = plant_bad(rows, header, rng, 0.03, {"date_invalid": 6, "enum_invalid": 5, "amount_invalid": 8}, 0)
    rows = order_duplicates(interleave(rng, rows, bad + add_duplicates(rows, rng, 0.01)))
    file = f"低保特困临时救助_{q}.txt"
    numbered = write_delimited(
        inbox / "民政局" / file,
        f"{COUNTY}{q.year}年第{q.number}季度低保对象名册",
        header,
        rows,
        encoding="gb18030",
        delimiter="\t",
        footer=[["合计", f"{len(rows)}人"], ["制表人：赵敏"]],
        blank_every=25,
    )
    record(plan, "civil", "民政局", file, "", numbered, "civil__assistance")
    blanks = (len(rows) - 1) // 25
    _file_counts(
        plan, "civil", file, sheets={"": numbered}, title=1, header=1, blank=1, footer=2, blank_rows_in_data=blanks
    )


def write_housing(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    rows = []
    heads = [p for p in county.persons if p["relation"] == "户主"][::6]
    people = [(p["id_number"], p["name"], p["town"], p["village"]) for p in heads]
    people += [
        (o.id_number, o.name, o.town, o.village) for o in county.outsiders[5 :: max(1, len(county.outsiders) // 40)]
    ]
    for i, (idn, name, town, village) in enumerate(people):
        grade = ["A", "B", "B", "C", "D", "A"][i % 6]
        appraised = _by_quarter_end(date(q.year - rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28)), q)
        status = ["未改造", "改造中", "已竣工", "已搬迁"][i % 4] if grade in "CD" else "无需改造"
        completed = min(appraised + timedelta(days=120), q.last_day) if status == "已竣工" else None
        clean = {
            "id_number": idn,
            "name": name,
            "town": town,
            "village": village,
            "appraisal_grade": grade,
            "appraised_on": appraised,
            "renovation_status": status,
            "completed_on": completed,
        }
        shown_grade = f"{grade}级" if i % 3 == 0 else grade
        shown_appraised: object = appraised if i % 2 == 0 else render_date(appraised, "compact")
        rows.append(Row([idn, name, town, village, shown_grade, shown_appraised, status, completed], clean))
    header = ["户主身份证号", "户主姓名", "乡镇", "村", "鉴定等级", "鉴定日期", "改造状态", "竣工日期"]
    kinds = {"enum_invalid": 4, "date_invalid": 5, "date_after_quarter_end": 5}
    bad = plant_bad(rows, header, rng, 0.03, kinds, 0, late=render_date(q.last_day + timedelta(days=45), "compact"))
    rows = interleave(rng, rows, bad)
    file = f"农村房屋安全鉴定台账_{q}.xls"
    numbered = write_xls(inbox / "住建局" / file, f"{COUNTY}农村低收入群体房屋安全鉴定台账（{q}）", header, rows)
    record(plan, "housing", "住建局", file, "鉴定台账", numbered, "housing__appraisals")
    plan.files.append(
        {
            "department": "housing",
            "file": file,
            "data_rows": len(numbered),
            "title": 1,
            "header": 1,
            "footer": 2,
            "blank": 1,
        }
    )


def _stage_for(age: int) -> str | None:
    if 3 <= age <= 5:
        return "学前"
    if 6 <= age <= 11:
        return "小学"
    if 12 <= age <= 14:
        return "初中"
    if 15 <= age <= 17:
        return "高中" if age % 2 else "中职"
    if 18 <= age <= 22:
        return "高校"
    return None


def write_education(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    ref = q.last_day
    sheets: dict[str, list[Row]] = {"义务教育": [], "高中及以上": []}
    people = [(p["id_number"], p["name"], p["birth"]) for p in county.persons]
    people += [(o.id_number, o.name, o.birth) for o in county.outsiders[:200]]
    for i, (idn, name, birth) in enumerate(people):
        age = (ref - birth).days // 365
        stage = _stage_for(age)
        if stage is None:
            continue
        status = "在读" if i % 29 else rng.choice(["辍学", "休学", "转出"])
        aid = (
            rng.choice(["两免一补", "两免一补、国家助学金", "无", "雨露计划", "国家助学金"])
            if stage != "学前"
            else "无"
        )
        clean = {
            "id_number": idn,
            "name": name,
            "school": SCHOOLS[stage],
            "stage": stage,
            "enrolment_status": status,
            "aid": aid,
        }
        shown_id = full_width(idn) if i % 11 == 0 else idn.lower() if i % 13 == 0 else idn
        shown_aid = aid.replace("、", "，") if i % 5 == 0 else aid
        sheet = "义务教育" if stage in ("学前", "小学", "初中") else "高中及以上"
        sheets[sheet].append(Row([shown_id, name, SCHOOLS[stage], stage, status, shown_aid], clean))
    header = ["学生身份证号", "学生姓名", "学校名称", "学段", "学籍状态", "资助项目"]
    for s, rows in sheets.items():
        bad = plant_bad(rows, header, rng, 0.03, {"enum_invalid": 4, "required_missing": 3}, 0, excel=True)
        sheets[s] = interleave(rng, rows, bad)
    file = f"学生资助名单_{q}.xlsx"
    numbered = write_xlsx(
        inbox / "教育局" / file,
        f"{COUNTY}建档立卡家庭学生学籍及资助情况",
        header,
        sheets,
        footer=[["合计", f"{sum(len(r) for r in sheets.values())}人"], ["制表人：陈老师"]],
    )
    for sheet, nums in numbered.items():
        record(plan, "education", "教育局", file, sheet, nums, "education__students")
    _file_counts(plan, "education", file, sheets=numbered, title=1, header=1, blank=1, footer=2, footer_blanks=2)


def write_disability(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    rows = []
    people = [(p["id_number"], p["name"], p["birth"]) for p in county.persons[::17]]
    people += [(o.id_number, o.name, o.birth) for o in county.outsiders[3 :: max(1, len(county.outsiders) // 30)]]
    for i, (idn, name, birth) in enumerate(people):
        grade = ["一级", "二级", "三级", "四级"][i % 4]
        issued = _by_quarter_end(date(q.year - rng.randint(0, 8), rng.randint(1, 12), rng.randint(1, 28)), q)
        if i % 10 == 0:
            issued = q.first_day + timedelta(days=rng.randint(0, 80))
        clean = {
            "id_number": idn,
            "name": name,
            "category": ["视力", "听力", "肢体", "智力", "精神", "多重"][i % 6],
            "grade": grade,
            "issued_on": issued,
            "living_subsidy": "是" if i % 3 else "否",
            "care_subsidy": "是" if grade in ("一级", "二级") and i % 5 else "否",
        }
        shown_id = to_15(idn) if birth.year < 2000 and i % 6 == 1 else idn.lower() if i % 4 == 0 else idn
        shown_grade = str("一二三四".index(grade[0]) + 1) if i % 2 else grade
        shown_cat = clean["category"] + "残疾" if i % 3 == 0 else clean["category"]
        rows.append(
            Row(
                [
                    shown_id,
                    name,
                    shown_cat,
                    shown_grade,
                    render_date(issued, DATE_STYLES[i % 4]),
                    clean["living_subsidy"],
                    clean["care_subsidy"],
                ],
                clean,
            )
        )
    header = ["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期", "困难残疾人生活补贴", "重度残疾人护理补贴"]
    kinds = {"enum_invalid": 3, "date_invalid": 4, "date_after_quarter_end": 4}
    bad = plant_bad(rows, header, rng, 0.04, kinds, 0, late=render_date(q.last_day + timedelta(days=70), "chinese"))
    rows = order_duplicates(interleave(rng, rows, bad + add_duplicates(rows, rng, 0.02)))
    file = f"残疾人两项补贴_{q}.csv"
    numbered = write_delimited(
        inbox / "残联" / file,
        f"{COUNTY}持证残疾人及两项补贴发放情况",
        header,
        rows,
        encoding="utf-8",
        delimiter=",",
        footer=[["填表人：孙丽"]],
    )
    record(plan, "disability", "残联", file, "", numbered, "disability__certificates")
    _file_counts(plan, "disability", file, sheets={"": numbered}, title=1, header=1, blank=1, footer=1)


def _write_plan(plan: Plan, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    (target / "clean").mkdir(parents=True)
    pl.DataFrame(plan.bad, schema=["department", "file", "sheet", "row_number", "reason_code"], orient="row").write_csv(
        target / "bad_rows.csv"
    )
    pl.DataFrame(plan.duplicates, schema=["department", "file", "sheet", "row_number"], orient="row").write_csv(
        target / "duplicates.csv"
    )
    pl.DataFrame(plan.files).write_csv(target / "files.csv")
    for dataset, rows in plan.clean.items():
        if rows:
            pl.DataFrame(rows, infer_schema_length=None).write_parquet(target / "clean" / f"{dataset}.parquet")


def generate_sample_county(
    data_root: Path, quarters: list[Quarter], *, scale: str = "sample", seed: int = 20260930
) -> list[Path]:
    """Write inbox/<quarter>/<department>/ and planted/<quarter>/ for each quarter.
    The same seed and scale always write the same files. Returns the inbox folders."""
    size = SampleSize.named(scale)
    written = []
    for k, q in enumerate(quarters):
        # The roster is the same county each quarter; department data differ by quarter.
        county = build_county(size, seed, quarters[-1].last_day)
        county.rng.seed(seed * 10 + k)
        inbox = data_root / "inbox" / str(q)
        if inbox.exists():
            shutil.rmtree(inbox)
        plan = Plan()
        write_roster(county, q, inbox, plan)
        write_medical(county, size, q, inbox, plan, seed)
        write_civil(county, q, inbox, plan)
        write_housing(county, q, inbox, plan)
        write_education(county, q, inbox, plan)
        write_disability(county, q, inbox, plan)
        _write_plan(plan, data_root / "planted" / str(q))
        written.append(inbox)
    return written
