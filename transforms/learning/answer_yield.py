"""What the answers teach (核实反馈): per rule and per department, over every quarter answered so
far, how many warnings were sent to towns, how many answered, 属实 / 不属实 / 风险已消除, the
share 属实 among the answered (命中率) with the answers behind it, and the working days the
departments took to settle their work orders. Computed once (`answer_yield`) from the warehouse
(`sql/learning/learn_sent_answers.sql`); report.html and followup.html both show it
(`yield_section`), so the two pages always say the same."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from transforms.config import CountyConfig
from transforms.kit.deadlines import WorkingCalendar
from transforms.kit.html import Muted, bar_chart, html_table, legend
from transforms.settings import DataRoot, read_sql
from transforms.staging.warehouse import connect

TRUE, NOT_TRUE, ELIMINATED = "属实", "不属实", "风险已消除"  # the town list's 核实结果 (excel_layout.yaml)
SETTLED = "已办结"
COLOURS = {TRUE: "#C00000", NOT_TRUE: "#7F7F7F", ELIMINATED: "#70AD47", "未反馈": "#FFC000"}
YIELD_SCHEMA = {
    "key": pl.String,
    "label": pl.String,
    "sent": pl.Int64,
    "answered": pl.Int64,
    "true": pl.Int64,
    "not_true": pl.Int64,
    "eliminated": pl.Int64,
    "hit_rate": pl.Float64,
    "too_few": pl.Boolean,
    "work_orders": pl.Int64,
    "settled": pl.Int64,
    "median_days": pl.Int64,
}


@dataclass(frozen=True)
class AnswerYield:
    """The yield tables (YIELD_SCHEMA), by rule and by department, over `quarters`."""

    by_rule: pl.DataFrame
    by_department: pl.DataFrame
    quarters: tuple[str, ...]
    min_answers: int


def sent_answers(con: duckdb.DuckDBPyConnection, quarter: str) -> pl.DataFrame:
    """Every warning sent in the quarters up to `quarter`, with the answers in force for it."""
    sql = read_sql("learning/learn_sent_answers.sql")
    return pl.from_arrow(con.sql(sql, params={"quarter": quarter}).to_arrow_table())


def publication_days(out_root: Path) -> dict[str, date]:
    """Each published quarter's publication day (`out/<quarter>/manifest.json`): where the working
    days to settle are counted from, as the work orders' deadlines were."""
    days = {}
    for manifest in sorted(out_root.glob("*/manifest.json")):
        published = json.loads(manifest.read_text(encoding="utf-8")).get("deadlines", {}).get("published_on")
        if published:
            days[manifest.parent.name] = date.fromisoformat(published)
    return days


def answer_yield(
    sent: pl.DataFrame,
    labels: dict[str, dict[str, str]],
    published_on: dict[str, date],
    calendar: WorkingCalendar,
    min_answers: int,
) -> AnswerYield:
    """The yield per rule and per department (`labels`: "rule" and "department", code -> label),
    over the quarters answered so far (a quarter whose lists are still out, nothing back yet,
    would only add warnings nobody could have answered)."""
    answered = sent.filter(pl.col("verification").is_not_null() | pl.col("settlement").is_not_null())
    sent = sent.filter(pl.col("quarter").is_in(answered["quarter"].unique().to_list()))
    days = [
        calendar.working_days_between(published_on[q], d) if d is not None and q in published_on else None
        for q, d in zip(sent["quarter"].to_list(), sent["settled_on"].to_list(), strict=True)
    ]  # one per settled work order: a quarter's few hundred
    sent = sent.with_columns(pl.Series("days", days, dtype=pl.Int64))
    tables = {
        kind: _table(sent, column, labels[kind], min_answers)
        for kind, column in (("rule", "rule_id"), ("department", "department"))
    }
    return AnswerYield(tables["rule"], tables["department"], tuple(sorted(sent["quarter"].unique())), min_answers)


def yield_up_to(root: DataRoot, quarter: str, config: CountyConfig, published_on: date | None = None) -> AnswerYield:
    """The yield over every quarter up to `quarter` as the warehouse holds it now (`published_on`:
    the quarter's own publication day when it is being published, else its manifest's)."""
    with connect(root.warehouse) as con:
        sent = sent_answers(con, quarter)
    days = publication_days(root.path / "out")
    if published_on is not None:
        days[quarter] = published_on
    responsible = {r.department for r in config.rules}  # the departments (and office) rules answer to
    departments = {code: label for code, label in config.department_labels.items() if code in responsible}
    labels = {"rule": {r.rule_id: r.label for r in config.rules}, "department": departments}
    return answer_yield(sent, labels, days, WorkingCalendar.load(), config.yield_min_answers)


def _table(sent: pl.DataFrame, column: str, labels: dict[str, str], min_answers: int) -> pl.DataFrame:
    v = pl.col("verification")
    orders = pl.col("work_order").is_not_null()
    counted = (
        sent.group_by(column)
        .agg(
            pl.len().alias("sent"),
            v.is_not_null().sum().alias("answered"),
            (v == TRUE).sum().alias("true"),
            (v == NOT_TRUE).sum().alias("not_true"),
            (v == ELIMINATED).sum().alias("eliminated"),
            pl.col("work_order").filter(orders).n_unique().alias("work_orders"),
            pl.col("work_order").filter(pl.col("settlement") == SETTLED).n_unique().alias("settled"),
            pl.col("days").drop_nulls().median().alias("median_days"),
        )
        .rename({column: "key"})
    )
    # every rule or department known, in the catalogue's order, none sent included (a rule that
    # sent nobody to a door is worth seeing too)
    order = pl.DataFrame({"key": list(labels), "label": list(labels.values())})
    return (
        order.join(counted, on="key", how="full", coalesce=True, maintain_order="left")
        .with_columns(pl.col("label").fill_null(pl.col("key")))
        .with_columns(
            pl.col(c).fill_null(0)
            for c in ("sent", "answered", "true", "not_true", "eliminated", "work_orders", "settled")
        )
        .with_columns(
            pl.when(pl.col("answered") > 0).then(pl.col("true") / pl.col("answered")).alias("hit_rate"),
            (pl.col("answered") < min_answers).alias("too_few"),
            pl.col("median_days").round(0).cast(pl.Int64),
        )
        .select(list(YIELD_SCHEMA))
        .cast(YIELD_SCHEMA)
    )


def _share(row: dict) -> str | Muted:
    if row["hit_rate"] is None:
        return Muted("—")
    text = f"{row['hit_rate']:.0%}（{row['answered']}）"
    return Muted(text + " 样本少") if row["too_few"] else text


def _rows(table: pl.DataFrame) -> list[list]:
    return [
        [
            r["label"],
            r["sent"],
            r["answered"],
            r["true"],
            r["not_true"],
            r["eliminated"],
            _share(r),
            f"{r['settled']}/{r['work_orders']}" if r["work_orders"] else "—",
            r["median_days"] if r["median_days"] is not None else "—",
        ]
        for r in table.iter_rows(named=True)
    ]


HEADERS = ["下发", "已反馈", TRUE, NOT_TRUE, ELIMINATED, "命中率（反馈数）", "工单办结", "办结用时中位数（工作日）"]


def yield_section(y: AnswerYield) -> str:
    """The pages' section: a chart per rule of what came back, then the tables by rule and by
    department. A share over fewer than `min_answers` answers is greyed (too few to judge)."""
    return f'<section id="answer-yield">{_section_body(y)}</section>'


def _section_body(y: AnswerYield) -> str:
    if not y.by_rule["answered"].sum():
        return '<p class="note">尚无乡镇交回的核实结果：读取交回的名单（read-returns）后，这里按规则显示核实结果和命中率。</p>'
    sent = y.by_rule.filter(pl.col("sent") > 0)
    chart = bar_chart(
        "各规则预警的核实结果（条）",
        [
            (
                r["label"],
                [
                    (TRUE, r["true"], COLOURS[TRUE]),
                    (NOT_TRUE, r["not_true"], COLOURS[NOT_TRUE]),
                    (ELIMINATED, r["eliminated"], COLOURS[ELIMINATED]),
                    ("未反馈", r["sent"] - r["answered"], COLOURS["未反馈"]),
                ],
            )
            for r in sent.iter_rows(named=True)
        ],
    )
    quarters = "、".join(y.quarters)
    note = (
        f'<p class="note">统计范围：{quarters}季度下发到乡镇名单的预警及其最新核实结果。命中率＝属实÷已反馈，括号内为反馈数；'
        f"反馈少于{y.min_answers}条的比例灰色显示，样本太少，不宜据此判断规则好坏。一户名单行的核实结果计入该行每条预警的规则。</p>"
    )
    return (
        chart
        + legend([(k, c) for k, c in COLOURS.items()])
        + note
        + "<h3>按预警规则</h3>"
        + html_table(["预警规则", *HEADERS], _rows(y.by_rule))
        + "<h3>按责任部门</h3>"
        + html_table(["责任部门", *HEADERS], _rows(y.by_department))
    )
