"""What read-returns publishes in `followup/<quarter>/`: followup.parquet, returns_rejects.parquet,
催办清单.xlsx (overdue verifications by town with masked numbers; overdue work orders by
department), followup.html and manifest.json."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path

import polars as pl
import xlsxwriter

from schemas.outputs import LISTING_COLUMNS, RETURN_REJECT_SCHEMA, FollowupListingRows, FollowupRows, ReturnRejectRows
from transforms.followup.returns import ReturnedFile
from transforms.kit.atomic import write_manifest
from transforms.kit.deadlines import WorkingCalendar
from transforms.kit.html import STYLE, bar_chart, drawn, html_table, render_page
from transforms.kit.masking import mask_id
from transforms.kit.workbook import apply_printing
from transforms.kit.xlsx_rows import SheetBody, insert_rows, style_index, wrapped_heights
from transforms.settings import UNKNOWN_TOWN, quarter_label

VERIFICATIONS = ("属实", "不属实", "风险已消除")
SETTLEMENTS = ("已办结", "办理中", "无法办结")


def orders_view(followup: pl.DataFrame) -> pl.DataFrame:
    return followup.filter(pl.col("work_order").is_not_null()).unique("work_order").sort("work_order")


def loop_counts(followup: pl.DataFrame, rows: pl.DataFrame) -> dict[str, int]:
    """Where the loop stands, in counts: list rows answered and overdue, work orders settled
    (已办结 with a date) and overdue. For the manifest, the command and the Prefect UI."""
    orders = orders_view(followup)
    return {
        "warnings": followup.height,
        "listed": rows.height,
        "verified": int(rows["verification"].is_not_null().sum()),
        "verification_overdue": int(rows["verification_overdue"].sum()),
        "work_orders": orders.height,
        "settled": int((orders["settlement"] == "已办结").sum()),
        "settlement_overdue": int(orders["settlement_overdue"].sum()),
        # answers refused and sent back to be filled in again (退回重填), apart from the overdue
        "verification_returned": int(rows["verification_returned"].sum()),
        "settlement_returned": int(orders["settlement_returned"].sum()),
    }


def _chase_summary(wb, heading: str, households: pl.DataFrame, orders: pl.DataFrame,
                   department_labels: dict[str, str], formats: tuple) -> None:  # fmt: skip
    """汇总: per town its overdue verifications, per department its overdue work orders."""
    title, head, cell = formats
    summary = wb.add_worksheet("汇总")
    summary.write(0, 0, heading, title)
    summary.write_row(1, 0, ["对象", "逾期未反馈核实结果（户）", "逾期未办结工单（件）"], head)
    row = 2
    for town, group in sorted(households.partition_by("town", as_dict=True).items()):
        label = "县级名单（乡镇不明人员）" if town[0] == UNKNOWN_TOWN else town[0]
        summary.write_row(row, 0, [label, group.height, ""], cell)
        row += 1
    for dept, group in sorted(orders.partition_by("department", as_dict=True).items()):
        summary.write_row(row, 0, [department_labels.get(dept[0], dept[0]), "", group.height], cell)
        row += 1
    if row == 2:
        summary.write(2, 0, "无逾期事项", cell)
    summary.set_column(0, 2, 24)
    apply_printing(summary, None, header_row=1, last_row=max(row - 1, 2), last_column=2)


def _overdue_verifications(group: pl.DataFrame, county_office: bool, without_rule: pl.Expr,
                           rule_labels: dict[str, str], overdue) -> pl.DataFrame:  # fmt: skip
    """A town's overdue rows as its sheet shows them (the county office's own list: full numbers)."""
    number = pl.coalesce("id_number", "head_id")
    return group.select(
        "listing_no",
        pl.col("name").fill_null(""),
        (number.fill_null("") if county_office else mask_id(number)).alias("number"),
        pl.when(pl.col("rules") == "")
        .then(without_rule)
        .otherwise(pl.col("rules").str.split("、").list.eval(pl.element().replace(rule_labels)).list.join("、")),
        pl.col("verify_by").cast(pl.String).alias("deadline"),
        overdue(pl.col("verify_by")).alias("days"),
    )


def write_chase_list(path: Path, *, county: str, quarter: str, as_of: date, followup: pl.DataFrame, rows: pl.DataFrame,
                     names: pl.DataFrame, department_labels: dict[str, str], rule_labels: dict[str, str],
                     calendar: WorkingCalendar, created: datetime,
                     listing_reasons: dict[str, str], rejects: pl.DataFrame | None = None) -> None:  # fmt: skip
    """催办清单.xlsx: a sheet per town of its overdue verifications (masked identity numbers, as in
    the town lists) and a sheet per department of its overdue work orders, each with its
    deadline and the working days overdue on `as_of`."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": created})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    households = rows.filter(pl.col("verification_overdue"))
    households = households.join(names, left_on=pl.coalesce("id_number", "household_id"), right_on="key", how="left")
    orders = orders_view(followup).filter(pl.col("settlement_overdue"))
    orders = orders.join(names, left_on=pl.coalesce("id_number", "household_id"), right_on="key", how="left")
    heading = f"{county}{quarter_label(quarter)} 催办清单（截至{as_of:%Y年%-m月%-d日}）"
    _chase_summary(wb, heading, households, orders, department_labels, (title, head, cell))
    overdue = _overdue_days(calendar, as_of)
    bodies: list[SheetBody] = []
    style = style_index(cell)
    # a row without a rule of its own says what the town list said: why the household is listed
    without_rule = (
        pl.when(pl.col("colour") == "red").then(pl.lit(listing_reasons["monitored_risk"]))
        .when(pl.col("colour") == "yellow").then(pl.lit(listing_reasons["below_yellow_line"]))
        .otherwise(pl.lit(listing_reasons["suspected_mistyped_number"]))
    )  # fmt: skip
    for (town,), group in sorted(households.partition_by("town", as_dict=True).items()):
        county_office = town == UNKNOWN_TOWN  # the county office's own list: full numbers, not a town's
        header = ["预警编号", "姓名", "身份证号" if county_office else "身份证号（脱敏）", "预警事项", "核查截止日期",
                  "逾期工作日"]  # fmt: skip
        frame = _overdue_verifications(group, county_office, without_rule, rule_labels, overdue)
        heading = (f"{county}{quarter_label(quarter)} 县级名单（乡镇不明人员）逾期未反馈核实结果（仅限县级）" if county_office
                   else f"{county}{quarter_label(quarter)} {town} 逾期未反馈核实结果（仅限本乡镇）")  # fmt: skip
        name = "县级名单核查" if county_office else f"{town}核查"
        bodies.append(_sheet(wb, name, heading, header, (18, 8, 20, 40, 12, 10), frame, title, head, style))
    for (dept,), group in sorted(orders.partition_by("department", as_dict=True).items()):
        label = department_labels.get(dept, dept)
        header = ["工单编号", "姓名", "身份证号", "乡镇", "问题", "当前办理结果", "办结期限", "逾期工作日"]
        frame = group.select(
            "work_order",
            pl.col("name").fill_null(""),
            pl.coalesce("id_number", "head_id").fill_null("").alias("id"),
            "town",
            pl.col("rule_id").replace(rule_labels),
            pl.col("settlement").fill_null("未反馈"),
            pl.col("settle_by").cast(pl.String).alias("deadline"),
            overdue(pl.col("settle_by")).alias("days"),
        )
        bodies.append(_sheet(wb, f"{label}办结", f"{county}{quarter_label(quarter)} {label} 逾期未办结工单", header,
                             (20, 8, 22, 10, 30, 12, 12, 10), frame, title, head, style))  # fmt: skip
    refused = refused_rows(rejects, owners_of(followup, department_labels))
    if refused.height:  # what was written and why it was refused, for the county office to send back
        header = ["乡镇或部门", "文件", "工作表", "行号", "编号", "列", "填写内容", "退回原因（应如何填写）"]
        frame = refused.select(
            "owner", "file", pl.col("sheet").fill_null(""), "row_number", pl.col("key").fill_null(""), "column",
            pl.col("value").fill_null("（空）"), "reason",
        )  # fmt: skip
        bodies.append(_sheet(wb, "退回重填", f"{county}{quarter_label(quarter)} 交回后退回重填的行（未采用，请按原因改正后重新交回）",
                             header, (12, 20, 8, 6, 18, 10, 12, 40), frame, title, head, style))  # fmt: skip
    wb.close()
    insert_rows(path, bodies)


def _overdue_days(calendar: WorkingCalendar, as_of: date):
    """An expression: the working days each deadline is overdue on `as_of` (counted once per
    distinct deadline — a quarter's lists share a handful)."""
    cache: dict[date, int] = {}

    def days(deadline: pl.Expr) -> pl.Expr:
        return deadline.map_elements(
            lambda d: cache.setdefault(d, calendar.working_days_between(d, as_of)), return_dtype=pl.Int64
        )

    return days


def _sheet(wb, name, title_text, header, widths, frame, title, head, style) -> SheetBody:
    """A chase-list sheet: title, header, print set-up; its rows rendered column-wise."""
    ws = wb.add_worksheet(name[:31])
    ws.write(0, 0, title_text, title)
    ws.write_row(1, 0, header, head)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    apply_printing(ws, None, header_row=1, last_row=1 + max(frame.height, 1), last_column=len(header) - 1)
    columns = [frame[c] for c in frame.columns]
    heights = wrapped_heights(columns, [w / 2 for w in widths])  # widths in Excel units, two to a CJK character
    return SheetBody(
        sheet=len(wb.worksheets()), first_row=2, columns=columns, styles=[style] * len(header), heights=heights
    )


def render_followup_page(*, county: str, quarter: str, as_of: date, followup: pl.DataFrame, rows: pl.DataFrame,
                         department_labels: dict[str, str], calendar: WorkingCalendar,
                         published_on: date, rejects: pl.DataFrame | None = None) -> str:  # fmt: skip
    """followup.html: per town the households answered and how, per department the work orders
    settled and the working days they took; counts only, charts inline."""
    households = rows
    towns = []
    for (town,), g in sorted(households.partition_by("town", as_dict=True).items()):
        counts = dict(g.group_by("verification").len().iter_rows())
        answered = sum(counts.get(v, 0) for v in VERIFICATIONS)
        towns.append([town, g.height, answered, *[counts.get(v, 0) for v in VERIFICATIONS],
                      int(g["verification_returned"].sum()), int(g["verification_overdue"].sum())])  # fmt: skip
    orders = orders_view(followup)
    departments = []
    for (dept,), g in sorted(orders.partition_by("department", as_dict=True).items()):
        counts = dict(g.group_by("settlement").len().iter_rows())
        taken = [calendar.working_days_between(published_on, d) for d in g["settled_on"].drop_nulls().to_list()]  # few
        median = sorted(taken)[len(taken) // 2] if taken else ""
        departments.append([department_labels.get(dept, dept), g.height, *[counts.get(v, 0) for v in SETTLEMENTS],
                            int(g["settlement_returned"].sum()), int(g["settlement_overdue"].sum()), median])  # fmt: skip
    colours = {
        "属实": "#C00000",
        "不属实": "#7F7F7F",
        "风险已消除": "#70AD47",
        "退回重填": "#A64D79",
        "未反馈": "#FFC000",
    }
    town_chart = bar_chart("各乡镇核实结果（户）", [
        (t[0], [(k, v, colours[k]) for k, v in zip([*VERIFICATIONS, "退回重填", "未反馈"],
                                                    [*t[3:7], t[1] - t[2] - t[6]], strict=True)])
        for t in towns
    ])  # fmt: skip
    dept_colours = {"已办结": "#70AD47", "办理中": "#4472C4", "无法办结": "#C00000", "退回重填": "#A64D79",
                    "未反馈": "#FFC000"}  # fmt: skip
    dept_chart = bar_chart("各部门工单办理情况（件）", [
        (d[0], [(k, v, dept_colours[k]) for k, v in zip([*SETTLEMENTS, "退回重填", "未反馈"],
                                                         [*d[2:6], d[1] - sum(d[2:5]) - d[5]], strict=True)])
        for d in departments
    ])  # fmt: skip
    refused = refused_rows(rejects, owners_of(followup, department_labels))
    refused_table = html_table(["乡镇或部门", "文件", "行号", "列", "退回原因（应如何填写）"],
                               refused.select("owner", "file", "row_number", "column", "reason").rows())  # fmt: skip
    return render_page(
        "followup.html.j2",
        county=county,
        quarter=quarter_label(quarter),
        style=drawn(STYLE),
        as_of=f"{as_of:%Y年%-m月%-d日}",
        towns_chart=drawn(town_chart),
        towns_legend=drawn(_legend(colours)),
        towns_table=drawn(html_table(
            ["乡镇", "名单行数（户及非名册人员）", "已反馈", "属实", "不属实", "风险已消除", "退回重填", "逾期未反馈"], towns
        )),
        departments_chart=drawn(dept_chart),
        departments_legend=drawn(_legend(dept_colours)),
        departments_table=drawn(html_table(
            ["部门", "工单数", "已办结", "办理中", "无法办结", "退回重填", "逾期未办结", "办结用时中位数（工作日）"],
            departments,
        )),
        refused_table=drawn(refused_table) if refused.height else "",
    )  # fmt: skip


def owners_of(followup: pl.DataFrame, department_labels: dict[str, str]) -> dict[str, str]:
    """预警编号 -> its town, 工单编号 -> its department (as people name it)."""
    towns = followup.filter(pl.col("listing_no").is_not_null()).select("listing_no", "town").unique("listing_no")
    orders = orders_view(followup).select("work_order", "department")
    return dict(towns.iter_rows()) | {n: department_labels.get(d, d) for n, d in orders.iter_rows()}


def refused_rows(rejects: pl.DataFrame | None, owners: dict[str, str] | None = None) -> pl.DataFrame:
    """The returned rows refused for what was written in them, by file and row, each with the town
    or department it belongs to (the file's, as its title or number says) — what 退回重填 lists."""
    schema = {"owner": pl.String, "file": pl.String, "sheet": pl.String, "row_number": pl.Int64, "key": pl.String,
              "column": pl.String, "value": pl.String, "reason": pl.String}  # fmt: skip
    if rejects is None or rejects.is_empty():
        return pl.DataFrame(schema=schema)
    rows = rejects.filter(pl.col("row_number").is_not_null())
    owner = pl.col("key").replace_strict(owners or {}, default=None, return_dtype=pl.String)
    return (
        rows.with_columns(pl.coalesce(owner, pl.col("file")).alias("owner"))
        .sort("owner", "file", "sheet", "row_number", nulls_last=True)
        .select(list(schema))
        .cast(schema)
    )


def _legend(colours: dict[str, str]) -> str:
    """What each colour of a chart means."""
    keys = "".join(
        f'<span style="display:inline-block;width:12px;height:12px;background:{c};margin:0 4px 0 12px"></span>{escape(k)}'
        for k, c in colours.items()
    )
    return f'<p class="note">{keys}</p>'


def write_followup(folder: Path, *, county: str, quarter: str, as_of: date, followup: pl.DataFrame, rows: pl.DataFrame,
                   rejects: pl.DataFrame, files: list[ReturnedFile], skipped: list[str], names: pl.DataFrame,
                   department_labels: dict[str, str], rule_labels: dict[str, str], calendar: WorkingCalendar,
                   published_on: date, listing_reasons: dict[str, str]) -> None:  # fmt: skip
    """Everything of `followup/<quarter>/`, into a fresh publication folder."""
    FollowupRows.validate(followup).write_parquet(folder / "followup.parquet")
    FollowupListingRows.validate(rows.select(LISTING_COLUMNS)).write_parquet(folder / "followup_listing.parquet")
    refused = rejects.select(list(RETURN_REJECT_SCHEMA)).sort("file", "sheet", "row_number", nulls_last=False)
    ReturnRejectRows.validate(refused).write_parquet(folder / "returns_rejects.parquet")
    created = datetime.combine(as_of, datetime.min.time())
    write_chase_list(folder / "催办清单.xlsx", county=county, quarter=quarter, as_of=as_of, followup=followup, rows=rows,
                     names=names, department_labels=department_labels, rule_labels=rule_labels,
                     calendar=calendar, created=created, listing_reasons=listing_reasons, rejects=rejects)  # fmt: skip
    page = render_followup_page(county=county, quarter=quarter, as_of=as_of, followup=followup, rows=rows,
                                department_labels=department_labels, calendar=calendar, published_on=published_on,
                                rejects=rejects)  # fmt: skip
    (folder / "followup.html").write_text(page, encoding="utf-8")
    write_manifest(folder, {
        "quarter": quarter, "as_of": as_of.isoformat(), "returned_files": [f.as_dict() for f in files],
        "skipped_links": skipped, **loop_counts(followup, rows),
    })  # fmt: skip
