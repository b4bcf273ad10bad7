"""Every writer of what people receive, and the reader of what comes back, fed generated data
with every kind of awkward value at once (nulls, empty strings, numbers where text is expected,
very long text, text that looks like a formula or a date, control and full-width characters,
zero rows, whole-file problems beside row problems): none raises, and each output opens again
(openpyxl for workbooks, an HTML parser for pages, polars for Parquet, json for the manifest)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from html.parser import HTMLParser

import openpyxl
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.config_files import ExcelLayout
from transforms.deliver.quality_workbook import OTHER_SHEET, SUMMARY_SHEET, write_quality_workbook
from transforms.intake.file_report import FileReport
from transforms.intake.reasons import REASONS
from transforms.kit.html import bar_chart, html_table
from transforms.kit.workbook import SheetJob, write_sheet

LAYOUT = ExcelLayout.load()
# Each list's dropdowns, as its writer sets them.
CHOICES = {
    "town_list": {"verification": LAYOUT.town_list.verification_choices,
                  "propose_monitoring": LAYOUT.town_list.monitoring_choices},
    "county_list": {"verification": LAYOUT.town_list.verification_choices},
    "work_orders": {"result": LAYOUT.work_orders.settlement_choices},
    "id_suggestions": {"confirmation": LAYOUT.id_suggestions.confirmation_choices},
    "closed_list": {},
}  # fmt: skip
CREATED = datetime(2026, 10, 9)
PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text that looks like something else: a formula, a number, a date, an escape, a label.
LOOKALIKES = ["=SUM(A1:A9)", "+86 731", "-1", "@cmd", "2026-07-01", "2026年7月15日", "45123", "1e20", "ＡＢＣ１２３",
              "　全角空格　", "a & b < c > d", "_x0041_", "\ufffe", "431125199001011234", "（整个文件）", "合计",
              "非数据行（标题、表头、合计、空行）"]  # fmt: skip
# Text a person or a department system might put anywhere.
AWKWARD_TEXT = st.one_of(
    st.just(""),
    st.just("   "),
    st.sampled_from(LOOKALIKES),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    # very long text (cheap to draw): a cell that wraps over many lines, with control characters
    st.builds(
        lambda k, tail: "城关镇东街社区，" * k + tail,
        st.integers(40, 400),
        st.sampled_from(["\t", "\n\n", "\x07\x1f", ""]),
    ),
)
AWKWARD_VALUE = st.one_of(st.none(), AWKWARD_TEXT, st.integers(-(10**15), 10**15), st.floats(allow_nan=True))


def _column(n: int) -> st.SearchStrategy[pl.Series]:
    """One column of n rows, of one polars type, holding awkward values of that type."""
    return st.one_of(
        st.lists(st.one_of(st.none(), AWKWARD_TEXT), min_size=n, max_size=n).map(
            lambda v: pl.Series(v, dtype=pl.String)
        ),
        st.lists(st.one_of(st.none(), st.integers(-(2**53), 2**53)), min_size=n, max_size=n).map(
            lambda v: pl.Series(v, dtype=pl.Int64)
        ),
        st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), min_size=n, max_size=n).map(
            lambda v: pl.Series(v, dtype=pl.Float64)
        ),
    )


@st.composite
def list_rows(draw, spec: str) -> pl.DataFrame:
    columns = getattr(LAYOUT, spec).columns
    n = draw(st.integers(0, 12))
    data = {c.key: draw(_column(n)) for c in columns if draw(st.booleans()) or c.key == "listing_no"}
    fills = st.sampled_from([*LAYOUT.colours, "unknown", ""])
    data["_fill"] = pl.Series(draw(st.lists(fills, min_size=n, max_size=n)), dtype=pl.String)
    return pl.DataFrame(data, schema={k: v.dtype for k, v in data.items()})


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "meta", "img", "hr", "input", "link", "rect", "text", "line", "path"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append(data)


def _parses(page: str) -> _Parsed:
    parser = _Parsed()
    parser.feed(page)
    parser.close()
    return parser


def _cell_text(value) -> str:
    """A cell's text as Excel shows it: OOXML's `_xHHHH_` escapes decoded (openpyxl leaves
    them as stored), an escaped underscore `_x005F_` before one keeping it literal."""
    text = "" if value is None else str(value)
    return re.sub(r"_x005F(_x[0-9A-Fa-f]{4}_)|_x([0-9A-Fa-f]{4})_",
                  lambda m: m.group(1) or chr(int(m.group(2), 16)), text)  # fmt: skip


@PROPERTY
@given(st.data())
def test_every_list_workbook_writes_and_reads_back(tmp_path_factory, data):
    """Town lists, the county list, work orders and the suggestions workbook share one writer."""
    spec_name = data.draw(st.sampled_from(list(CHOICES)))
    spec = getattr(LAYOUT, spec_name)
    rows = data.draw(list_rows(spec_name))
    path = tmp_path_factory.mktemp("list") / "名单.xlsx"
    write_sheet(SheetJob(path, title=data.draw(AWKWARD_TEXT), note=data.draw(AWKWARD_TEXT), columns=spec.columns,
                         rows=rows, colours=LAYOUT.colours, created=CREATED, printing=LAYOUT.print,
                         choices=CHOICES[spec_name],
                         freeze_through=spec.freeze_through, sign_off=data.draw(AWKWARD_TEXT)[:100]))  # fmt: skip
    ws = openpyxl.load_workbook(path).active
    body = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(body) == rows.height
    keys = [c.key for c in spec.columns]
    for key in rows.columns:
        if key not in keys or rows[key].dtype != pl.String:
            continue
        c = keys.index(key)
        for written, read in zip(rows[key].to_list(), [r[c] for r in body], strict=True):
            # text stays text (never a formula, a number or a date), as written
            # (XML reads a carriage return as a line feed, as every spreadsheet shows it)
            assert _cell_text(read) == (written or "").replace("\r\n", "\n").replace("\r", "\n")


@st.composite
def rejects_frames(draw) -> pl.DataFrame:
    n = draw(st.integers(0, 10))
    codes = sorted(REASONS)
    rows = []
    for _ in range(n):
        whole_file = draw(st.booleans())
        with_values = not whole_file and draw(st.booleans())
        values = {
            h: draw(st.one_of(st.none(), AWKWARD_TEXT)) for h in ("身份证号", "姓名", "救助类型", draw(AWKWARD_TEXT))
        }
        rows.append({
            "department": "civil",
            "dataset": draw(st.sampled_from([None, "civil__assistance"])) if not with_values else "civil__assistance",
            "file": draw(st.sampled_from(["低保.csv", "坏文件.xlsx", "　全角.csv"])),
            "sheet": draw(st.one_of(st.none(), AWKWARD_TEXT)),
            "row_number": None if whole_file else draw(st.integers(1, 10**6)),
            "column": draw(st.one_of(st.none(), st.sampled_from(["身份证号", "救助类型"]), AWKWARD_TEXT)),
            "value": draw(st.one_of(st.none(), AWKWARD_TEXT)),
            "reason": draw(AWKWARD_TEXT) or "原因",
            "reason_code": draw(st.sampled_from(codes)),
            "row_values": json.dumps(values, ensure_ascii=False) if with_values else None,
        })  # fmt: skip
    schema = {"department": pl.String, "dataset": pl.String, "file": pl.String, "sheet": pl.String,
              "row_number": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String,
              "reason_code": pl.String, "row_values": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


@PROPERTY
@given(rejects=rejects_frames(), data=st.data())
def test_rejected_rows_workbook_takes_every_kind_of_problem_at_once(tmp_path_factory, config, rejects, data):
    """Whole-file problems beside row problems, every reason, any cell: the 问题数据 workbook
    is written, every rejected row is in it once, and the summary accounts for every file."""
    files = [
        FileReport(department="civil", path=data.draw(AWKWARD_TEXT) or "f.csv", sha256="0", size_bytes=1,
                   datasets=data.draw(st.sampled_from([[], ["civil__assistance"], ["unknown"]])),
                   rows_read=data.draw(st.integers(0, 10**6)), error=data.draw(st.one_of(st.none(), AWKWARD_TEXT)))
        for _ in range(data.draw(st.integers(0, 3)))
    ]  # fmt: skip
    path = tmp_path_factory.mktemp("quality") / "民政局_问题数据.xlsx"
    write_quality_workbook(path, county="某县", quarter="2026Q3", department_label="民政局", rejects=rejects,
                           files=files, datasets={d.code: d for d in config.datasets}, created=CREATED,
                           printing=LAYOUT.print)  # fmt: skip
    wb = openpyxl.load_workbook(path)
    data_rows = sum(ws.max_row - 3 for ws in wb.worksheets if ws.title not in (OTHER_SHEET, SUMMARY_SHEET))
    other_rows = 0
    if OTHER_SHEET in wb.sheetnames:  # (only when there are such rows: no blank page)
        other = wb[OTHER_SHEET]
        other_rows = sum(1 for r in other.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r))
    assert (OTHER_SHEET in wb.sheetnames) == (rejects.filter(pl.col("row_values").is_null()).height > 0)
    assert data_rows + other_rows == rejects.height
    assert wb[SUMMARY_SHEET].max_row >= 2 + len(files)


@PROPERTY
@given(
    headers=st.lists(AWKWARD_TEXT, min_size=1, max_size=5),
    cells=st.lists(st.lists(AWKWARD_VALUE, min_size=5, max_size=5), max_size=6),
    bars=st.lists(st.tuples(AWKWARD_TEXT, st.lists(st.tuples(AWKWARD_TEXT, st.floats(0, 1e9), st.just("#C00000")),
                                                   max_size=4)), max_size=6),
)  # fmt: skip
def test_report_pieces_escape_anything(headers, cells, bars):
    """The tables and charts of report.html and followup.html: any label or value is escaped
    (the page parses with every tag closed) and shown as text."""
    rows = [row[: len(headers)] for row in cells]
    page = (
        f"<div>{html_table(headers, rows, footer=['合计', *[''] * (len(headers) - 1)])}{bar_chart('标题', bars)}</div>"
    )
    parsed = _parses(page)
    assert parsed.open == []
    shown = "".join(parsed.text)
    for h in headers:
        if h.strip() and "\r" not in h:
            assert h.strip() in shown or h in shown


def test_writers_are_fed_a_department_with_both_kinds_of_other_problem(tmp_path, config):
    """The failure found on a hostile inbox: one department's 其他问题 holding a row number and
    a whole-file problem at once."""
    rejects = pl.DataFrame(
        {"department": ["civil", "civil"], "dataset": [None, "civil__assistance"], "file": ["坏.xlsx", "a.csv"],
         "sheet": [None, None], "row_number": [None, 7], "column": [None, "身份证号"], "value": [None, "1"],
         "reason": ["Excel文件已损坏", "与同批数据中另一行的身份证号相同但内容不同"],
         "reason_code": ["unreadable_file", "key_conflict"], "row_values": [None, None]},
        schema_overrides={"sheet": pl.String, "row_values": pl.String},
    )  # fmt: skip
    path = tmp_path / "q.xlsx"
    write_quality_workbook(path, county="某县", quarter="2026Q3", department_label="民政局", rejects=rejects, files=[],
                           datasets={d.code: d for d in config.datasets}, created=CREATED)  # fmt: skip
    rows = list(openpyxl.load_workbook(path)[OTHER_SHEET].iter_rows(min_row=3, values_only=True))
    assert {r[3] for r in rows} == {7, "（整个文件）"}


def test_parquet_and_manifest_round_trip_awkward_text(tmp_path):
    from transforms.kit.atomic import write_manifest

    frame = pl.DataFrame({"evidence": ["=1+1", "\x07", "", None, "ＡＢＣ", "x" * 10_000]})
    frame.write_parquet(tmp_path / "w.parquet")
    assert pl.read_parquet(tmp_path / "w.parquet").equals(frame)
    write_manifest(tmp_path, {"note": "\x07=1+1 ＡＢＣ", "day": date(2026, 9, 30).isoformat()})
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["note"] == "\x07=1+1 ＡＢＣ"


CELL = st.one_of(
    st.none(), AWKWARD_TEXT, st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.booleans(),
)  # fmt: skip
RETURN_HEADER = ["序号", "预警编号", "核实结果", "是否建议纳入监测", "帮扶措施", "核实人", "核实日期", "备注"]


@PROPERTY
@given(rows=st.lists(st.lists(CELL, min_size=len(RETURN_HEADER), max_size=len(RETURN_HEADER)), max_size=8),
       keys=st.lists(st.sampled_from(["2026Q3-YJ-000001", "2026Q3-YJ-000002", " 2026Q3-YJ-000003 "]), max_size=8))  # fmt: skip
def test_a_returned_list_filled_in_any_way_is_read_with_every_row_accounted_for(tmp_path_factory, config, rows, keys):
    """The reader of what comes back: a town's list with anything typed into any cell (numbers,
    dates, formulas as text, control characters, blanks) never raises; every row is applied,
    rejected with a reason, unanswered or not data; an applied answer is one of the dropdown's."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from transforms.followup.returns import Issued, read_returned_file, return_kinds

    path = tmp_path_factory.mktemp("returns") / "城关镇预警名单（已核实）.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["清河县2026年第三季度防返贫监测预警名单（城关镇）"])
    ws.append(["请于……前交回"])
    ws.append(RETURN_HEADER)
    for i, row in enumerate(rows):
        if i < len(keys):
            row = [row[0], keys[i], *row[2:]]
        # (what a spreadsheet can hold: the control characters Excel refuses are not typed in)
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    wb.save(path)
    issued = Issued(listing_towns={"2026Q3-YJ-000001": "城关镇", "2026Q3-YJ-000002": "河东镇"}, work_orders=set(),
                    published_on=date(2026, 10, 9))  # fmt: skip
    report, answers, rejects = read_returned_file(
        path, path.name, issued, return_kinds(LAYOUT), date(2026, 12, 20), config.reading
    )
    # every row the file holds (trailing blank rows are not stored in a workbook)
    assert report.balanced and 3 <= report.rows_read <= 3 + len(rows)
    assert set(answers["value"]) <= set(LAYOUT.town_list.verification_choices)
    assert rejects["reason"].drop_nulls().str.len_chars().min() or rejects.is_empty()


@PROPERTY
@given(text=AWKWARD_TEXT, data=st.data())
def test_the_page_templates_escape_any_text_they_are_given(text, data):
    """report.html.j2 and followup.html.j2, every name they use given at once (read from the
    templates themselves): any text is escaped and shown as text, drawn pieces are kept as drawn,
    and the page parses with every tag closed."""
    from jinja2 import Environment, FileSystemLoader, meta

    from transforms.kit.html import drawn, render_page
    from transforms.settings import config_dir

    env = Environment(loader=FileSystemLoader(config_dir() / "templates"))
    for template in ("report.html.j2", "followup.html.j2"):
        source = env.loader.get_source(env, template)[0]
        names = meta.find_undeclared_variables(env.parse(source))
        context = {}
        for name in names:
            if name.endswith(("_table", "_chart", "_legend")) or name in ("headline", "style"):
                context[name] = drawn(html_table(["列"], [[text]])) if name != "style" else drawn("")
            else:
                context[name] = data.draw(st.one_of(st.just(text), st.integers(0, 10**6)), label=name)
        page = render_page(template, **context)
        parsed = _parses(page)
        assert parsed.open == []
        shown = "".join(parsed.text)
        if text.strip() and "\r" not in text:
            assert text.strip() in shown or text in shown
