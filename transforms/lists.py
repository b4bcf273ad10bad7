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
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter
import yaml

from transforms.config import CONFIG_DIR, CountyConfig
from transforms.xlsx_rows import SheetBody, insert_rows, style_index

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


def mask_id(id_number: str | None) -> str:
    """First 6 and last 4 characters shown: 431125********301X."""
    if not id_number:
        return ""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


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
    rows: list[dict]
    colours: dict
    choices: dict[str, list[str]] | None = None


def write_sheet(job: SheetJob) -> Path:
    """Write one list workbook (see SheetJob)."""
    path, title, note, columns, rows, colours, choices = (
        job.path, job.title, job.note, job.columns, job.rows, job.colours, job.choices
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    # constant_memory: each row goes to disk as soon as the next one starts (inline strings, no
    # shared-string table), so rows must be written top to bottom, row heights first.
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("名单")
    title_fmt = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "locked": True})
    note_fmt = wb.add_format({"font_color": "#C00000", "text_wrap": True, "locked": True})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "align": "center",
                          "valign": "vcenter", "locked": True})  # fmt: skip
    cell = {"border": 1, "text_wrap": True, "valign": "top", "locked": True}
    fills = {k: wb.add_format({**cell, "bg_color": v["fill"]}) for k, v in colours.items()}
    plain = wb.add_format(cell)
    open_cell = wb.add_format({**cell, "locked": False, "bg_color": "#FFFFFF"})
    last = len(columns) - 1
    ws.set_row(0, 30)
    ws.set_row(1, 30)
    for c, col in enumerate(columns):
        ws.set_column(c, c, _excel_width(col["width"]), open_cell if col.get("fill") else None)
    ws.merge_range(0, 0, 0, last, title, title_fmt)
    ws.merge_range(1, 0, 1, last, note, note_fmt)
    for c, col in enumerate(columns):
        ws.write_string(2, c, col["header"], head)
    fill_styles = {k: style_index(f) for k, f in fills.items()}
    plain_style, open_style = style_index(plain), style_index(open_cell)
    styles: list[int | list[int]] = [
        open_style if col.get("fill")
        else [fill_styles.get(row.get("_fill"), plain_style) for row in rows] if col["key"] == "colour"
        else plain_style
        for col in columns
    ]  # fmt: skip
    body = SheetBody(sheet=1, first_row=3, columns=[[row.get(col["key"]) for row in rows] for col in columns],
                     styles=styles)  # fmt: skip
    for key, values in (choices or {}).items():
        c = next(i for i, col in enumerate(columns) if col["key"] == key)
        ws.data_validation(3, c, max(3, 2 + len(rows)), c, {"validate": "list", "source": values})
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + len(rows), last)
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()
    insert_rows(path, [body])
    return path


@contextmanager
def sheets_written(jobs: list[SheetJob], workers: int) -> Iterator[None]:
    """Write the workbooks while the body runs: in `workers` processes when there are enough
    rows to be worth it (xlsxwriter is pure Python: one core a workbook), largest first so the
    last to finish is small; otherwise here and now. Leaving the block waits for every workbook
    and raises the first failure."""
    jobs = sorted(jobs, key=lambda j: len(j.rows), reverse=True)
    # A daemonic process (a Dask worker running a county of a province) may not start children:
    # there the province's workers are the parallelism.
    daemonic = multiprocessing.current_process().daemon
    if daemonic or workers <= 1 or len(jobs) <= 1 or sum(len(j.rows) for j in jobs) < PARALLEL_FROM_ROWS:
        for job in jobs:
            write_sheet(job)
        yield
        return
    # forkserver: workers fork from a fresh single-threaded server, never from this process
    # with its polars and Prefect threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["transforms.lists"])
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context)
    try:
        futures = [pool.submit(write_sheet, job) for job in jobs]
        yield
        for future in futures:
            future.result()
    finally:
        pool.shutdown(cancel_futures=True)


def town_list_rows(warnings: pl.DataFrame, households: pl.DataFrame, people: pl.DataFrame, rule_labels: dict[str, str],
                   department_labels: dict[str, str], colours: dict, deadline: date) -> dict[str, list[dict]]:  # fmt: skip
    """Rows of each town's list: one per listed household, then one per candidate not on the roster."""
    names = {r["id_number"]: r for r in people.iter_rows(named=True)}
    heads = {r["household_id"]: r for r in people.filter(pl.col("relation") == "户主").iter_rows(named=True)}
    by_household: dict[str, list[dict]] = {}
    for w in warnings.filter(pl.col("household_id").is_not_null()).iter_rows(named=True):
        by_household.setdefault(w["household_id"], []).append(w)
    towns: dict[str, list[dict]] = {}
    for h in households.sort("town", "village", "household_id").iter_rows(named=True):
        ws = by_household.get(h["household_id"], [])
        head = heads.get(h["household_id"], {})
        evidence = []
        for w in ws:
            who = f"{names[w['id_number']]['name']}：" if w["id_number"] in names else ""
            evidence.append(f"{who}{w['evidence']}")
        departments = sorted({department_labels.get(w["department"], "县乡村振兴局") for w in ws})
        towns.setdefault(h["town"], []).append({
            "household_id": h["household_id"], "name": head.get("name", ""), "id_masked": mask_id(head.get("id_number")),
            "village": h["village"], "household_type": h["household_type"], "members": h["members"],
            "colour": colours[h["colour"]]["label"], "_fill": h["colour"],
            "causes": "、".join(CAUSE_LABELS.get(c, c) for c in h["causes"]) or "",
            "rules": "；".join(rule_labels[w["rule_id"]] for w in ws) or ("监测户风险未消除" if h["colour"] == "red" else "收入低于1万元"),
            "evidence": "；".join(evidence), "departments": "、".join(departments),
            "status": max((w["status"] for w in ws), key=lambda s: STATUS_ORDER[s], default=""),
            "deadline": deadline.isoformat(),
        })  # fmt: skip
    for w in warnings.filter(pl.col("rule_id") == "NEW_CANDIDATE").sort("id_number").iter_rows(named=True):
        town = w["town"] or "（乡镇不明）"
        towns.setdefault(town, []).append({
            "household_id": "", "name": names.get(w["id_number"], {}).get("name", ""), "id_masked": mask_id(w["id_number"]),
            "village": w["village"] or "", "household_type": "非监测对象", "members": "", "colour": colours["candidate"]["label"],
            "_fill": "candidate", "causes": CAUSE_LABELS.get(w["cause"], w["cause"]), "rules": rule_labels["NEW_CANDIDATE"],
            "evidence": w["evidence"], "departments": "县乡村振兴局", "status": w["status"], "deadline": deadline.isoformat(),
        })  # fmt: skip
    for rows in towns.values():
        for i, row in enumerate(rows, start=1):
            row["seq"] = i
    return towns


def town_list_jobs(folder: Path, quarter: str, config: CountyConfig, layout: Layout, towns: dict[str, list[dict]],
                   deadline: date) -> list[SheetJob]:  # fmt: skip
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
        )
        for town, rows in sorted(towns.items())
    ]


def work_order_jobs(folder: Path, quarter: str, config: CountyConfig, layout: Layout, orders: pl.DataFrame,
                    people: pl.DataFrame, rule_labels: dict[str, str], deadline: date) -> list[SheetJob]:  # fmt: skip
    """One workbook per department: its work orders, with full identity numbers."""
    spec = layout.raw["work_orders"]
    names = {r["id_number"]: r for r in people.iter_rows(named=True)}
    heads = {r["household_id"]: r for r in people.filter(pl.col("relation") == "户主").iter_rows(named=True)}
    written = []
    for department, group in orders.group_by("department", maintain_order=True):
        dept = department[0]
        label = config.department(dept).label
        rows = []
        for w in group.sort("number").iter_rows(named=True):
            person = names.get(w["id_number"]) if w["id_number"] else heads.get(w["household_id"], {})
            rows.append({
                "number": w["number"], "household_id": w["household_id"], "name": (person or {}).get("name", ""),
                "id_number": (person or {}).get("id_number", ""), "town": w["town"], "village": w["village"],
                "issue": rule_labels[w["rule_id"]], "evidence": w["evidence"], "status": w["status"],
                "deadline": deadline.isoformat(),
            })  # fmt: skip
        written.append(SheetJob(
            folder / "departments" / dept / f"{quarter}_{dept}_交办单.xlsx",
            title=spec["title"].format(county=config.county_name, quarter=quarter, department=label),
            note=spec["note"].format(deadline=f"{deadline:%Y年%-m月%-d日}"), columns=spec["columns"], rows=rows,
            colours=layout.raw["colours"],
        ))  # fmt: skip
    return written
