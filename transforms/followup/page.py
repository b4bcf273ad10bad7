"""followup.html: per town the households answered and how, per department the work orders
settled and the working days they took; counts only, charts inline (config/templates/followup.html.j2)."""

from __future__ import annotations

from datetime import date
from html import escape

import polars as pl

from transforms.followup.views import (
    SETTLEMENTS,
    VERIFICATIONS,
    department_rows,
    orders_view,
    owners_of,
    refused_rows,
    town_rows,
)
from transforms.kit.deadlines import WorkingCalendar
from transforms.kit.html import STYLE, bar_chart, drawn, html_table, render_page
from transforms.settings import quarter_label

# What each answer's bar is drawn in; the charts' and tables' headers.
VERIFICATION_COLOURS = {
    "属实": "#C00000",
    "不属实": "#7F7F7F",
    "风险已消除": "#70AD47",
    "退回重填": "#A64D79",
    "未反馈": "#FFC000",
}
SETTLEMENT_COLOURS = {
    "已办结": "#70AD47",
    "办理中": "#4472C4",
    "无法办结": "#C00000",
    "退回重填": "#A64D79",
    "未反馈": "#FFC000",
}
TOWN_HEADERS = ["乡镇", "名单行数（户及非名册人员）", "已反馈", *VERIFICATIONS, "退回重填", "逾期未反馈"]
DEPARTMENT_HEADERS = ["部门", "工单数", *SETTLEMENTS, "退回重填", "逾期未办结", "办结用时中位数（工作日）"]
REFUSED_HEADERS = ["乡镇或部门", "文件", "行号", "列", "退回原因（应如何填写）"]


def department_rows_with_days(
    followup: pl.DataFrame, department_labels: dict[str, str], calendar: WorkingCalendar, published_on: date
) -> list[list]:
    """Per department the counts `status` shows too (views.department_rows), and the median
    working days its settled work orders took."""
    medians = []
    for _, g in sorted(orders_view(followup).partition_by("department", as_dict=True).items()):
        taken = [calendar.working_days_between(published_on, d) for d in g["settled_on"].drop_nulls().to_list()]  # few
        medians.append(sorted(taken)[len(taken) // 2] if taken else "")
    return [[*row, m] for row, m in zip(department_rows(followup, department_labels), medians, strict=True)]


def _bars(row: list, values: list[int], colours: dict[str, str]) -> tuple[str, list[tuple[str, int, str]]]:
    return row[0], [(k, v, colours[k]) for k, v in zip(colours, values, strict=True)]


def render_followup_page(
    *,
    county: str,
    quarter: str,
    as_of: date,
    followup: pl.DataFrame,
    rows: pl.DataFrame,
    department_labels: dict[str, str],
    calendar: WorkingCalendar,
    published_on: date,
    rejects: pl.DataFrame | None = None,
    answer_yield: str = "",
) -> str:
    """followup.html: per town the households answered and how, per department the work orders
    settled and the working days they took; counts only, charts inline."""
    towns = town_rows(rows)
    departments = department_rows_with_days(followup, department_labels, calendar, published_on)
    # unanswered: the rows less the answered and the sent back
    town_chart = bar_chart(
        "各乡镇核实结果（户）", [_bars(t, [*t[3:7], t[1] - t[2] - t[6]], VERIFICATION_COLOURS) for t in towns]
    )
    dept_chart = bar_chart(
        "各部门工单办理情况（件）",
        [_bars(d, [*d[2:6], d[1] - sum(d[2:5]) - d[5]], SETTLEMENT_COLOURS) for d in departments],
    )
    refused = refused_rows(rejects, owners_of(followup, department_labels))
    refused_table = html_table(
        REFUSED_HEADERS, refused.select("owner", "file", "row_number", "column", "reason").rows()
    )
    return render_page(
        "followup.html.j2",
        county=county,
        quarter=quarter_label(quarter),
        style=drawn(STYLE),
        as_of=f"{as_of:%Y年%-m月%-d日}",
        towns_chart=drawn(town_chart),
        towns_legend=drawn(_legend(VERIFICATION_COLOURS)),
        towns_table=drawn(html_table(TOWN_HEADERS, towns)),
        departments_chart=drawn(dept_chart),
        departments_legend=drawn(_legend(SETTLEMENT_COLOURS)),
        departments_table=drawn(html_table(DEPARTMENT_HEADERS, departments)),
        refused_table=drawn(refused_table) if refused.height else "",
        answer_yield=drawn(answer_yield),
    )


def _legend(colours: dict[str, str]) -> str:
    """What each colour of a chart means."""
    keys = "".join(
        f'<span style="display:inline-block;width:12px;height:12px;background:{c};margin:0 4px 0 12px"></span>{escape(k)}'
        for k, c in colours.items()
    )
    return f'<p class="note">{keys}</p>'
