"""`report.html`: the county summary, one self-contained file that opens offline — inline CSS
and inline SVG charts, no script, no font, no request to anywhere. Counts only: no names, no
identity numbers."""

from __future__ import annotations

from html import escape
from pathlib import Path

import polars as pl

from transforms.compare.comparison import Comparison
from transforms.kit.html import STYLE, bar_chart, drawn, html_table, legend, render_page
from transforms.settings import quarter_label

STATUS_LABELS = {"ok": "正常", "missing": "未报送", "error": "有文件无法读取", "failed": "读取失败"}
NOT_ON_ROSTER_COLOUR = "#9DC3E6"
COLOURS = {"red": ("红色", "#E06666"), "yellow": ("黄色", "#F1C232"), "green": ("绿色（有工单）", "#6AA84F")}


def _people(households: int, persons: int) -> str:
    """ "3户7人", or blank when there are none (a blank reads better than 0户0人)."""
    return f"{households}户{persons}人" if households or persons else ""


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def headline(comparison: Comparison, manifest: dict, department_labels: dict[str, str]) -> str:
    """The quarter on the first screen: households listed by colour, warnings new and escalated,
    work orders per department, the county office's list, the publication date and the deadlines."""
    h, w = comparison.households, comparison.warnings
    colours = dict(h.group_by("colour").len().iter_rows())
    status = dict(w.group_by("status").len().iter_rows())
    deadlines = manifest.get("deadlines") or {}
    orders = manifest.get("work_orders_by_department") or {}
    county_list = (manifest.get("county_list") or {}).get("people", 0)
    exits = manifest.get("exit_lists") or {}
    returned = manifest.get("risk_returned") or {}
    pending = manifest.get("exit_agreed_pending") or 0
    cards = [
        (
            "返贫风险",
            f"{sum(returned.values()):,} 户",
            "已标注风险消除、本季度又出现红色预警：" + "、".join(f"{t} {n}" for t, n in returned.items())
            if returned
            else "本季度无风险消除后再次出现红色预警的户",
        ),
        ("红色预警", f"{colours.get('red', 0):,} 户", "风险较大，重点核查"),
        ("黄色预警", f"{colours.get('yellow', 0):,} 户", "存在风险，入户核实"),
        ("绿色（有工单）", f"{colours.get('green', 0):,} 户", "部门补办事项"),
        ("预警", f"{w.height:,} 条", f"新增 {status.get('新增', 0):,}，升级 {status.get('升级', 0):,}"),
        (
            "交办工单",
            f"{sum(orders.values()):,} 件",
            "，".join(f"{department_labels.get(d, d)} {n:,}" for d, n in orders.items()) or "无",
        ),
        (
            "发布日期",
            str(deadlines.get("published_on", "")),
            f"核查截止 {deadlines.get('verify_by', '')}，办结期限 {deadlines.get('settle_by', '')}",
        ),
    ]
    if county_list:
        cards.append(("县级名单", f"{county_list:,} 人", "非名册人员，乡镇不明，由县级核查"))
    if pending:
        cards.append(("已同意消除，名册未更新", f"{pending:,} 户", "乡镇已同意风险消除，请县级在名册中标注（county/）"))
    cards.append(
        ("风险消除建议", f"{sum(exits.values()):,} 户", f"{len(exits)} 个乡镇核实后按程序消除" if exits else "本季度无")
    )
    body = "".join(
        f'<div class="card"><small>{escape(t)}</small><b>{escape(v)}</b><small>{escape(n)}</small></div>'
        for t, v, n in cards
    )
    return f'<h2>本季度要点</h2><div class="headline">{body}</div>'


def _monitored(comparison: Comparison, monitoring_types: tuple[str, ...], risk_causes: tuple[str, ...]) -> dict:
    """1. The seed-004 table: monitoring households by category and risk cause, in 户 and 人
    (the categories and causes the roster's fields allow: config/datasets.yaml)."""
    r = comparison.roster_by_cause
    monitored = r.filter(pl.col("household_type") == "监测户")
    rows = []
    for mtype in monitoring_types:
        sub = monitored.filter(pl.col("monitoring_type") == mtype)
        row = [mtype, int(sub["households"].sum()), int(sub["persons"].sum())]
        for cause in risk_causes:
            c = sub.filter(pl.col("risk_cause") == cause)
            row += [_people(int(c["households"].sum()), int(c["persons"].sum()))]
        rows.append(row)
    total = ["合计", int(monitored["households"].sum()), int(monitored["persons"].sum())] + [
        _people(int(c["households"].sum()), int(c["persons"].sum()))
        for c in (monitored.filter(pl.col("risk_cause") == cause) for cause in risk_causes)
    ]
    lifted = r.filter(pl.col("household_type") == "脱贫户")
    return {
        "monitored_table": drawn(html_table(["类别", "户数", "人数", *risk_causes], rows, footer=total)),
        "lifted_households": int(lifted["households"].sum()),
        "lifted_persons": int(lifted["persons"].sum()),
    }


def _warnings(w: pl.DataFrame, rule_labels: dict, department_labels: dict, cause_labels: dict) -> dict:
    """2. This quarter's warnings by cause and department."""
    by_rule = (
        w.group_by("rule_id", "department", "cause")
        .len()
        .sort(["len", "rule_id", "department", "cause"], descending=[True, False, False, False])
    )
    per_rule = w.group_by("rule_id").len().sort(["len", "rule_id"], descending=[True, False])
    return {
        "rules_chart": drawn(
            bar_chart(
                "预警数（按事项）",
                [(rule_labels.get(rid, rid), [("预警", n, "#4472C4")]) for rid, n in per_rule.iter_rows()],
            )
        ),
        "rules_table": drawn(
            html_table(
                ["预警事项", "风险类型（责任部门）", "条数"],
                [
                    [rule_labels.get(rid, rid), f"{cause_labels.get(c, c)}（{department_labels.get(d, d)}）", n]
                    for rid, d, c, n in by_rule.iter_rows()
                ],
            )
        ),
    }


def _towns(manifest: dict) -> dict:
    """3. Towns: what each town's list holds (the manifest's count of the lists as sent)."""
    lists = manifest.get("town_lists") or {}
    towns = sorted(lists)
    parts = [*COLOURS.items(), ("not_on_roster", ("非名册人员（人）", NOT_ON_ROSTER_COLOUR))]
    keys = [*COLOURS, "households", "not_on_roster", "rows"]
    return {
        "towns_legend": drawn(legend([(label, colour) for _, (label, colour) in parts])),
        "towns_chart": drawn(
            bar_chart(
                "各乡镇名单行数",
                [(t, [(label, lists[t].get(k, 0), colour) for k, (label, colour) in parts]) for t in towns],
            )
        ),
        "towns_table": drawn(
            html_table(
                ["乡镇", "红色", "黄色", "绿色（有工单）", "户合计", "非名册人员（人）", "名单行数"],
                [[t, *[lists[t].get(k, 0) for k in keys]] for t in towns],
                footer=["合计", *[sum(lists[t].get(k, 0) for t in towns) for k in keys]],
            )
        ),
        "county_list_people": (manifest.get("county_list") or {}).get("people") or 0,
    }


def _last_quarter(comparison: Comparison, manifest: dict) -> dict:
    """4. Change since last quarter; 4b. last quarter's loop: answers, overdue, how warnings
    ended, still firing after 办结."""
    status = dict(comparison.warnings.group_by("status").len().iter_rows())
    out = {
        "status_table": drawn(
            html_table(
                ["新增", "持续", "升级", "已不再触发（销号候选）"],
                [[status.get("新增", 0), status.get("持续", 0), status.get("升级", 0), comparison.closed.height]],
            )
        ),
        "loop_table": "",
        "loop_quarter": "",
        "loop_note": "",
    }
    loop = manifest.get("last_quarter_loop") or {}
    if not loop:
        return out
    dash = lambda v: "—" if v is None else v  # noqa: E731  (no follow-up read for last quarter)
    out["loop_table"] = drawn(
        html_table(
            [
                "名单行数",
                "已反馈核实",
                "逾期未反馈",
                "工单数",
                "已办结",
                "逾期未办结",
                "办结销号",
                "核实消除",
                "自然消除",
                "办结后仍预警",
                "核实不属实、本季度不再下发",
            ],
            [
                [
                    dash(loop.get("listed")),
                    dash(loop.get("verified")),
                    dash(loop.get("verification_overdue")),
                    dash(loop.get("work_orders")),
                    dash(loop.get("settled")),
                    dash(loop.get("settlement_overdue")),
                    loop["closed_by_settlement"],
                    loop["closed_by_verification"],
                    loop["closed_naturally"],
                    loop["still_firing_after_settlement"],
                    loop["not_sent_again"],
                ]
            ],
        )
    )
    as_of = loop.get("followup_as_of")
    note = f"跟踪数据截至{as_of}" if as_of else "上季度退回的名单和交办单尚未读取"
    if loop["still_firing_after_settlement"]:
        note += "。办结后仍预警的事项已重新下发，请县级督办"
    out["loop_quarter"], out["loop_note"] = quarter_label(loop["quarter"]), note
    return out


def _requirement(g: dict) -> str:
    shown = _percent if g["gate"].endswith("share") else (lambda v: f"{v:g}")
    if g["min"] is None and g["max"] == 0:  # "实际 0 要求 不高于0" reads as nothing: say what it means
        return "不应出现"
    parts = [
        f"不低于{shown(g['min'])}" if g["min"] is not None else "",
        f"不高于{shown(g['max'])}" if g["max"] is not None else "",
    ]
    return "，".join(p for p in parts if p)


def _quality(manifest: dict, department_labels: dict, dataset_labels: dict, dataset_departments: dict) -> dict:
    """5. Data quality per department: one compact table, the details folded."""
    gates = manifest.get("quality_gates", [])
    share = {g["subject"]: g["value"] for g in gates if g["gate"] == "roster_match_share"}
    datasets_of: dict[str, list[str]] = {}
    for code, department in dataset_departments.items():
        datasets_of.setdefault(department, []).append(code)
    dept_rows = []
    for code, d in manifest.get("departments", {}).items():
        read, accepted = d.get("rows_read", 0), d.get("accepted", 0)
        data = read - d.get("ignored", 0)
        # each dataset's match rate named by its dataset (医保参保信息 65.6%、医保结算明细 20.0%)
        matched = [(s, share[s]) for s in datasets_of.get(code, []) if s in share]
        dept_rows.append(
            [
                department_labels.get(code, code),
                STATUS_LABELS.get(d.get("status", ""), d.get("status", "")),
                d.get("files", 0),
                f"{data:,}",
                _percent(accepted / data) if data else "",
                f"{d.get('rejected', 0):,}",
                f"{d.get('duplicates', 0):,}",
                _percent(matched[0][1])
                if len(matched) == 1
                else "、".join(f"{dataset_labels.get(s, s)} {_percent(m)}" for s, m in matched),
            ]
        )
    gate_rows = [
        [
            g["label"],
            dataset_labels.get(g["subject"], g["subject"]),
            _percent(g["value"]) if g["gate"].endswith("share") else f"{g['value']:g}",
            _requirement(g),
            "达到" if g["passed"] else ("未达到，停止发布" if g["severity"] == "blocking" else "未达到（提示）"),
        ]
        for g in gates
    ]
    reasons = manifest.get("rejects_by_reason", [])
    suggested = manifest.get("id_suggestions", [])
    return {
        "departments_table": drawn(
            html_table(["部门", "报送情况", "文件", "数据行", "采用率", "退回行", "重复行", "与名册匹配率"], dept_rows)
        ),
        "gates": len(gates),
        "gates_failed": sum(1 for g in gates if not g["passed"]),
        "gates_table": drawn(html_table(["检查内容", "数据", "实际", "要求", "结果"], gate_rows)),
        "reasons_table": drawn(
            html_table(["部门", "退回原因", "行数"], [[department_labels.get(d, d), r, n] for d, r, n in reasons])
        )
        if reasons
        else "",
        "suggestions_table": drawn(html_table(["部门", "身份证号疑似录错的行", "其中系统推荐了名册人员"], suggested))
        if suggested
        else "",
    }


def render_report(
    *,
    county: str,
    quarter: str,
    comparison: Comparison,
    manifest: dict,
    rule_labels: dict[str, str],
    department_labels: dict[str, str],
    dataset_labels: dict[str, str],
    cause_labels: dict[str, str],
    monitoring_types: tuple[str, ...],
    risk_causes: tuple[str, ...],
    answer_yield: str,
    dataset_departments: dict[str, str] | None = None,
) -> str:
    """The whole report as one HTML string: config/templates/report.html.j2 filled in."""
    return render_page(
        "report.html.j2",
        county=county,
        quarter=quarter_label(quarter),
        style=drawn(STYLE),
        headline=drawn(headline(comparison, manifest, department_labels)),
        **_monitored(comparison, monitoring_types, risk_causes),
        **_warnings(comparison.warnings, rule_labels, department_labels, cause_labels),
        **_towns(manifest),
        **_last_quarter(comparison, manifest),
        **_quality(manifest, department_labels, dataset_labels, dataset_departments or {}),
        answer_yield=drawn(answer_yield),
    )


def write_report(path: Path, **kwargs: object) -> None:
    path.write_text(render_report(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
