"""What people receive: a warning list per town (预警名单) and work orders per department
(交办单), as Excel made for a clerk. Layout lives in `config/excel_layout.yaml`.

A town's file holds only its own households and candidates, identity numbers masked (first 6
and last 4 characters). Work orders carry the full number: the department acts on the exact
person and supplied the number itself.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter
import yaml

from transforms.config import CONFIG_DIR, CountyConfig
from transforms.deliver.xlsx_rows import SheetBody, insert_rows, style_index, wrapped_heights

DEPARTMENT_PREFIX = {"medical": "MED", "civil": "CIV", "housing": "HOU", "education": "EDU", "disability": "DIS"}
CAUSE_LABELS = {"illness": "因病", "disability": "因残", "schooling": "因学", "housing": "住房", "income": "收入",
                "accident": "意外/临时困难"}  # fmt: skip
STATUS_ORDER = {"升级": 3, "新增": 2, "持续": 1}
# Below this many rows in all, workbooks are written in this process (a worker costs ~1 s to start).
PARALLEL_FROM_ROWS = 20_000
WORK_ORDER_NUMBERS_DDL = """
create table if not exists work_order_numbers (
    quarter varchar, rule_id varchar, subject varchar, department varchar, number varchar
)
"""


def mask_id(id_number: pl.Expr) -> pl.Expr:
    """First 6 and last 4 characters shown: 431125********301X; a missing number is blank."""
    stars = pl.lit("*").repeat_by((id_number.str.len_chars() - 10).clip(lower_bound=0)).list.join("")
    return pl.concat_str([id_number.str.head(6), stars, id_number.str.tail(4)]).fill_null("")


@dataclass(frozen=True)
class Layout:
    raw: dict

    @classmethod
    def load(cls, config_dir: Path = CONFIG_DIR) -> Layout:
        return cls(yaml.safe_load((config_dir / "excel_layout.yaml").read_text(encoding="utf-8")))


def assign_work_order_numbers(con: duckdb.DuckDBPyConnection, quarter: str, warnings: pl.DataFrame) -> pl.DataFrame:
    """Number every department work order `2026Q3-HOU-000123`; a warning keeps its number when
    the quarter is rerun (numbers are kept in the warehouse, new ones continue the sequence)."""
    orders = warnings.filter(pl.col("department").is_in(list(DEPARTMENT_PREFIX))).with_columns(
        pl.coalesce("id_number", "household_id").alias("subject")
    )
    con.execute(WORK_ORDER_NUMBERS_DDL)
    known = pl.from_arrow(
        con.sql(
            "select rule_id, subject, number from work_order_numbers where quarter = ?", params=[quarter]
        ).to_arrow_table()
    )
    numbered = orders.join(known, on=["rule_id", "subject"], how="left")
    fresh = numbered.filter(pl.col("number").is_null()).sort("department", "rule_id", "subject")
    rows = []
    for department, group in fresh.group_by("department", maintain_order=True):
        prefix = f"{quarter}-{DEPARTMENT_PREFIX[department[0]]}-"
        last = con.execute(
            "select coalesce(max(cast(right(number, 6) as integer)), 0) from work_order_numbers where number like ?",
            [prefix + "%"],
        ).fetchall()[0][0]
        for i, (rule_id, subject) in enumerate(group.select("rule_id", "subject").iter_rows(), start=last + 1):
            rows.append((quarter, rule_id, subject, department[0], f"{prefix}{i:06d}"))
    if rows:
        new = pl.DataFrame(rows, schema=["quarter", "rule_id", "subject", "department", "number"], orient="row")
        con.register("new_numbers", new.to_arrow())
        con.execute("insert into work_order_numbers by name select * from new_numbers")
        con.unregister("new_numbers")
        known = pl.from_arrow(
            con.sql(
                "select rule_id, subject, number from work_order_numbers where quarter = ?", params=[quarter]
            ).to_arrow_table()
        )
        numbered = orders.join(known, on=["rule_id", "subject"], how="left")
    return numbered.sort("number")


def _excel_width(chars: float) -> float:
    return chars * 2 + 1.5  # a CJK character is about two Excel width units


# A4 landscape is 297 mm wide; a column of Excel width w is round(7w) + 5 pixels at 96 dpi.
_PAPER_MM = {9: (297.0, 210.0)}


DEFAULT_PRINTING = {"paper": 9, "margins_inches": {"left": 0.25, "right": 0.25, "top": 0.4, "bottom": 0.5}}


def apply_printing(ws, printing: dict | None, *, header_row: int, last_row: int, last_column: int) -> None:
    """Print set-up for a sheet people print: landscape, fit to the page's width only (as many
    pages down as the rows need — a height of one page per row never binds, while Excel's
    "0 = automatic" is read by LibreOffice as one page), the rows down to `header_row` repeated
    on every page, columns after `last_column` (office-only) outside the print area, page
    numbers in the footer."""
    printing = printing or DEFAULT_PRINTING
    margins = printing["margins_inches"]
    ws.set_landscape()
    ws.set_paper(printing["paper"])
    ws.set_margins(margins["left"], margins["right"], margins["top"], margins["bottom"])
    ws.print_area(0, 0, last_row, last_column)
    ws.fit_to_pages(1, max(1, last_row - header_row))
    ws.repeat_rows(header_row)
    ws.set_footer("&C第 &P 页，共 &N 页")


def printed_columns(columns: list[dict]) -> list[dict]:
    """The columns inside the print area: all but the trailing office-only ones (`print: false`)."""
    printed = [c for c in columns if c.get("print", True)]
    if any(not c.get("print", True) for c in columns[: len(printed)]):
        raise ValueError("excel_layout.yaml: columns with `print: false` must come after every printed column")
    return printed


def print_scale(columns: list[dict], printing: dict) -> float:
    """The scale at which the printed columns fill the width of the page (landscape), as a
    spreadsheet's "fit to one page wide" computes it; capped at 1."""
    pixels = sum(round(7 * _excel_width(c["width"])) + 5 for c in printed_columns(columns))
    margins = printing["margins_inches"]
    width_mm = max(_PAPER_MM[printing["paper"]]) - 25.4 * (margins["left"] + margins["right"])
    return min(1.0, width_mm / (pixels * 25.4 / 96))


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
    columns: list[dict]
    rows: pl.DataFrame  # one column per `columns` key (a missing one is blank), `_fill` the row's colour
    colours: dict
    choices: dict[str, list[str]] | None = None
    created: datetime | None = None  # the workbook's creation time: the publication's, never the clock
    printing: dict | None = None  # excel_layout.yaml `print`: paper and margins


def write_sheet(job: SheetJob) -> Path:
    """Write one list workbook (see SheetJob)."""
    path, title, note, columns, rows, colours, choices = (
        job.path, job.title, job.note, job.columns, job.rows, job.colours, job.choices
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    # constant_memory: each row goes to disk as soon as the next one starts (inline strings, no
    # shared-string table), so rows must be written top to bottom, row heights first.
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    if job.created is not None:
        wb.set_properties({"created": job.created})
    ws = wb.add_worksheet("名单")
    title_fmt = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "locked": True})
    note_fmt = wb.add_format({"font_color": "#C00000", "text_wrap": True, "locked": True})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "align": "center",
                          "valign": "vcenter", "locked": True})  # fmt: skip
    cell = {"border": 1, "text_wrap": True, "valign": "top", "locked": True}
    fills = {k: wb.add_format({**cell, "bg_color": v["fill"]}) for k, v in colours.items()}
    plain = wb.add_format(cell)
    open_cell = wb.add_format({**cell, "locked": False, "bg_color": "#FFFFFF"})
    last = len(printed_columns(columns)) - 1  # the title and note span the printed columns
    ws.set_row(0, 30)
    ws.set_row(1, 30)
    for c, col in enumerate(columns):
        ws.set_column(c, c, _excel_width(col["width"]), open_cell if col.get("fill") else None)
    ws.merge_range(0, 0, 0, last, title, title_fmt)
    ws.merge_range(1, 0, 1, last, note, note_fmt)
    ws.set_row(2, wrapped_heights([[c["header"]] for c in columns], [c["width"] for c in columns])[0])
    for c, col in enumerate(columns):
        ws.write_string(2, c, col["header"], head)
    fill_styles = {k: style_index(f) for k, f in fills.items()}
    plain_style, open_style = style_index(plain), style_index(open_cell)
    n = rows.height
    colour_styles = (
        rows["_fill"].replace_strict(fill_styles, default=plain_style, return_dtype=pl.Int64)
        if "_fill" in rows.columns
        else pl.repeat(plain_style, n, eager=True)
    )
    styles: list[int | pl.Series] = [
        open_style if col.get("fill") else colour_styles if col["key"] == "colour" else plain_style for col in columns
    ]
    blank = pl.Series([None] * n, dtype=pl.String)
    values = [rows[c["key"]] if c["key"] in rows.columns else blank for c in columns]
    heights = wrapped_heights(values, [c["width"] for c in columns])
    body = SheetBody(sheet=1, first_row=3, columns=values, styles=styles, heights=heights)
    for key, values in (choices or {}).items():
        c = next(i for i, col in enumerate(columns) if col["key"] == key)
        ws.data_validation(3, c, max(3, 2 + n), c, {"validate": "list", "source": values})
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + n, len(columns) - 1)
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})
    apply_printing(ws, job.printing, header_row=2, last_row=2 + max(n, 1), last_column=last)
    wb.close()
    insert_rows(path, [body])
    return path


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
    context.set_forkserver_preload(["transforms.deliver.lists"])
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context)
    try:
        futures = [pool.submit(write_sheet, job) for job in jobs]
        yield
        for future in futures:
            future.result()
    finally:
        pool.shutdown(cancel_futures=True)


def _labelled(expr: pl.Expr, labels: dict[str, str], default: str | None = None) -> pl.Expr:
    """The label of each code; a code without one stays as it is (or becomes `default`)."""
    return expr.replace_strict(labels, default=expr if default is None else pl.lit(default), return_dtype=pl.String)


def _people_names(people: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(id_number -> name, `_known`) and (household_id -> its 户主's name and id_number)."""
    names = (
        people.select("id_number", "name", pl.lit(True).alias("_known"))
        .unique("id_number", keep="last", maintain_order=True)
    )  # fmt: skip
    heads = (
        people.filter(pl.col("relation") == "户主")
        .select("household_id", pl.col("name").alias("head_name"), pl.col("id_number").alias("head_id"))
        .unique("household_id", keep="last", maintain_order=True)
    )
    return names, heads


def town_list_rows(warnings: pl.DataFrame, households: pl.DataFrame, people: pl.DataFrame, rule_labels: dict[str, str],
                   department_labels: dict[str, str], colours: dict, deadline: date) -> dict[str, pl.DataFrame]:  # fmt: skip
    """Rows of each town's list: one per listed household, then one per candidate not on the roster."""
    names, heads = _people_names(people)
    colour_labels = {k: v["label"] for k, v in colours.items()}
    # A warning on a person found in the roster names them: "张三：…"; the others carry the evidence alone.
    status_rank = pl.col("status").replace_strict(STATUS_ORDER, default=0, return_dtype=pl.Int64)
    by_household = (
        warnings.filter(pl.col("household_id").is_not_null())
        .join(names, on="id_number", how="left", maintain_order="left")
        .group_by("household_id", maintain_order=True)
        .agg(
            pl.when(pl.col("_known"))
            .then(pl.concat_str([pl.col("name").fill_null(""), pl.lit("："), pl.col("evidence")]))
            .otherwise(pl.col("evidence"))
            .str.join("；")
            .alias("evidence"),
            _labelled(pl.col("rule_id"), rule_labels).str.join("；").alias("rules"),
            _labelled(pl.col("department"), department_labels, "县乡村振兴局").unique().sort().str.join("、")
            .alias("departments"),
            pl.col("status").sort_by(status_rank, descending=True).first().alias("status"),
        )
    )  # fmt: skip
    listed = (
        households.sort("town", "village", "household_id")
        .join(by_household, on="household_id", how="left", maintain_order="left")
        .join(heads, on="household_id", how="left", maintain_order="left")
        .select(
            "town", "household_id", pl.col("head_name").fill_null("").alias("name"),
            mask_id(pl.col("head_id")).alias("id_masked"), "village", "household_type", "members",
            _labelled(pl.col("colour"), colour_labels).alias("colour"), pl.col("colour").alias("_fill"),
            pl.col("causes").list.eval(_labelled(pl.element(), CAUSE_LABELS)).list.join("、").fill_null("")
            .alias("causes"),
            pl.col("rules").fill_null(
                pl.when(pl.col("colour") == "red").then(pl.lit("监测户风险未消除")).otherwise(pl.lit("收入低于1万元"))
            ),
            pl.col("evidence").fill_null(""), pl.col("departments").fill_null(""), pl.col("status").fill_null(""),
        )
    )  # fmt: skip
    candidates = (
        warnings.filter(pl.col("rule_id") == "NEW_CANDIDATE")
        .sort("id_number")
        .join(names, on="id_number", how="left", maintain_order="left")
        .select(
            pl.when(pl.col("town") != "").then(pl.col("town")).otherwise(pl.lit("（乡镇不明）")).alias("town"),
            pl.lit("").alias("household_id"),
            pl.col("name").fill_null(""), mask_id(pl.col("id_number")).alias("id_masked"),
            pl.col("village").fill_null(""), pl.lit("非监测对象").alias("household_type"),
            pl.lit(None, dtype=pl.Int64).alias("members"), pl.lit(colour_labels["candidate"]).alias("colour"),
            pl.lit("candidate").alias("_fill"), _labelled(pl.col("cause"), CAUSE_LABELS).alias("causes"),
            pl.lit(rule_labels["NEW_CANDIDATE"]).alias("rules"), "evidence", pl.lit("县乡村振兴局").alias("departments"),
            "status",
        )
    )  # fmt: skip
    rows = pl.concat([listed, candidates.cast(listed.schema)], how="vertical").with_columns(
        pl.int_range(1, pl.len() + 1).over("town").alias("seq"), pl.lit(deadline.isoformat()).alias("deadline")
    )
    return {town: frame.drop("town") for (town,), frame in rows.partition_by("town", as_dict=True).items()}


def town_list_jobs(folder: Path, quarter: str, config: CountyConfig, layout: Layout, towns: dict[str, list[dict]],
                   deadline: date, created: datetime | None = None) -> list[SheetJob]:  # fmt: skip
    """One workbook per town: its own households only."""
    spec = layout.raw["town_list"]
    return [
        SheetJob(
            folder / "towns" / town / f"{quarter}_{town}_预警名单.xlsx",
            title=spec["title"].format(county=config.county_name, quarter=quarter, town=town),
            note=spec["note"].format(deadline=f"{deadline:%Y年%-m月%-d日}"),
            columns=spec["columns"],
            rows=rows,
            colours=layout.raw["colours"],
            choices={"verification": spec["verification_choices"]},
            created=created,
            printing=layout.raw.get("print"),
        )
        for town, rows in sorted(towns.items())
    ]


def work_order_jobs(folder: Path, quarter: str, config: CountyConfig, layout: Layout, orders: pl.DataFrame,
                    people: pl.DataFrame, rule_labels: dict[str, str], deadline: date,
                    created: datetime | None = None) -> list[SheetJob]:  # fmt: skip
    """One workbook per department: its work orders, with full identity numbers."""
    spec = layout.raw["work_orders"]
    names, heads = _people_names(people)
    # A work order on a person names that person (when on the roster); one on a household, its 户主.
    rows = (
        orders.join(names, on="id_number", how="left", maintain_order="left")
        .join(heads, on="household_id", how="left", maintain_order="left")
        .select(
            "department", "number", "household_id",
            pl.when(pl.col("id_number").is_not_null()).then(pl.col("name")).otherwise(pl.col("head_name"))
            .fill_null("").alias("name"),
            pl.when(pl.col("id_number").is_not_null())
            .then(pl.when(pl.col("_known")).then(pl.col("id_number")))
            .otherwise(pl.col("head_id")).fill_null("").alias("id_number"),
            "town", "village", _labelled(pl.col("rule_id"), rule_labels).alias("issue"), "evidence", "status",
            pl.lit(deadline.isoformat()).alias("deadline"),
        )
    )  # fmt: skip
    written = []
    for (dept,), group in rows.partition_by("department", as_dict=True, maintain_order=True).items():
        label, name = config.department(dept).label, config.department(dept).file_name
        written.append(SheetJob(
            folder / "departments" / name / f"{quarter}_{name}_交办单.xlsx",
            title=spec["title"].format(county=config.county_name, quarter=quarter, department=label),
            note=spec["note"].format(deadline=f"{deadline:%Y年%-m月%-d日}"), columns=spec["columns"],
            rows=group.sort("number"), colours=layout.raw["colours"], created=created,
            printing=layout.raw.get("print"),
        ))  # fmt: skip
    return written
