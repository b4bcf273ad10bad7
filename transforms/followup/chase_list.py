"""催办清单.xlsx: a sheet per town of its overdue verifications (masked identity numbers, as in
the town lists), a sheet per department of its overdue work orders, and the rows sent back to be
filled in again — each with its deadline and the working days overdue."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from transforms.followup.views import orders_view, owners_of, refused_rows
from transforms.kit.deadlines import WorkingCalendar
from transforms.kit.masking import mask_id
from transforms.kit.workbook import apply_printing
from transforms.kit.xlsx_rows import SheetBody, insert_rows, style_index, wrapped_heights
from transforms.settings import UNKNOWN_TOWN, quarter_label


def _chase_summary(
    wb, heading: str, households: pl.DataFrame, orders: pl.DataFrame, department_labels: dict[str, str], formats: tuple
) -> None:
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


def _overdue_verifications(
    group: pl.DataFrame, county_office: bool, without_rule: pl.Expr, rule_labels: dict[str, str], overdue
) -> pl.DataFrame:
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


def write_chase_list(
    path: Path,
    *,
    county: str,
    quarter: str,
    as_of: date,
    followup: pl.DataFrame,
    rows: pl.DataFrame,
    names: pl.DataFrame,
    department_labels: dict[str, str],
    rule_labels: dict[str, str],
    calendar: WorkingCalendar,
    created: datetime,
    listing_reasons: dict[str, str],
    rejects: pl.DataFrame | None = None,
) -> None:
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
    sheet = _Sheets(wb, f"{county}{quarter_label(quarter)}", (title, head, style_index(cell)))
    overdue = _overdue_days(calendar, as_of)
    _town_sheets(sheet, households, rule_labels, listing_reasons, overdue)
    _department_sheets(sheet, orders, department_labels, rule_labels, overdue)
    refused = refused_rows(rejects, owners_of(followup, department_labels))
    if refused.height:  # what was written and why it was refused, for the county office to send back
        frame = refused.select(
            "owner",
            "file",
            pl.col("sheet").fill_null(""),
            "row_number",
            pl.col("key").fill_null(""),
            "column",
            pl.col("value").fill_null("（空）"),
            "reason",
        )
        sheet.add(
            "退回重填",
            "交回后退回重填的行（未采用，请按原因改正后重新交回）",
            REFUSED_HEADER,
            (12, 20, 8, 6, 18, 10, 12, 40),
            frame,
        )
    wb.close()
    insert_rows(path, sheet.bodies)


REFUSED_HEADER = ["乡镇或部门", "文件", "工作表", "行号", "编号", "列", "填写内容", "退回原因（应如何填写）"]
ORDER_HEADER = ["工单编号", "姓名", "身份证号", "乡镇", "问题", "当前办理结果", "办结期限", "逾期工作日"]


class _Sheets:
    """The chase list's sheets, as they are added: each titled after the county and quarter."""

    def __init__(self, wb, prefix: str, formats: tuple) -> None:
        self.wb, self.prefix, self.formats = wb, prefix, formats
        self.bodies: list[SheetBody] = []

    def add(self, name: str, title_text: str, header: list[str], widths: tuple, frame: pl.DataFrame) -> None:
        title, head, style = self.formats
        self.bodies.append(
            _sheet(self.wb, name, f"{self.prefix} {title_text}", header, widths, frame, title, head, style)
        )


def _town_sheets(
    sheet: _Sheets, households: pl.DataFrame, rule_labels: dict[str, str], listing_reasons: dict[str, str], overdue
) -> None:
    """A sheet per town of its overdue verifications (the county office's own list: full numbers)."""
    # a row without a rule of its own says what the town list said: why the household is listed
    without_rule = (
        pl.when(pl.col("colour") == "red")
        .then(pl.lit(listing_reasons["monitored_risk"]))
        .when(pl.col("colour") == "yellow")
        .then(pl.lit(listing_reasons["below_yellow_line"]))
        .otherwise(pl.lit(listing_reasons["suspected_mistyped_number"]))
    )
    for (town,), group in sorted(households.partition_by("town", as_dict=True).items()):
        county_office = town == UNKNOWN_TOWN  # the county office's own list: full numbers, not a town's
        number = "身份证号" if county_office else "身份证号（脱敏）"
        header = ["预警编号", "姓名", number, "预警事项", "核查截止日期", "逾期工作日"]
        frame = _overdue_verifications(group, county_office, without_rule, rule_labels, overdue)
        if county_office:
            sheet.add(
                "县级名单核查",
                "县级名单（乡镇不明人员）逾期未反馈核实结果（仅限县级）",
                header,
                (18, 8, 20, 40, 12, 10),
                frame,
            )
        else:
            sheet.add(f"{town}核查", f"{town} 逾期未反馈核实结果（仅限本乡镇）", header, (18, 8, 20, 40, 12, 10), frame)


def _department_sheets(
    sheet: _Sheets, orders: pl.DataFrame, department_labels: dict[str, str], rule_labels: dict[str, str], overdue
) -> None:
    """A sheet per department of its overdue work orders."""
    for (dept,), group in sorted(orders.partition_by("department", as_dict=True).items()):
        label = department_labels.get(dept, dept)
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
        sheet.add(f"{label}办结", f"{label} 逾期未办结工单", ORDER_HEADER, (20, 8, 22, 10, 30, 12, 12, 10), frame)


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
