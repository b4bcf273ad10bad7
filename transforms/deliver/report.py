"""`report.html`: the county summary, one self-contained file that opens offline — inline CSS
and inline SVG charts, no script, no font, no request to anywhere. Counts only: no names, no
identity numbers."""

from __future__ import annotations

from html import escape
from pathlib import Path

import polars as pl

from transforms.compare.comparison import Comparison

MONITORING_TYPES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RISK_CAUSES = ("因病", "因残", "因学", "因灾", "因务工就业不稳", "因产业项目失败", "因意外事故", "因疫情", "其他")
STATUS_LABELS = {"ok": "正常", "missing": "未报送", "error": "有文件无法读取", "failed": "读取失败"}
COLOURS = {"red": ("红色", "#E06666"), "yellow": ("黄色", "#F1C232"), "green": ("绿色", "#6AA84F")}
STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;border-bottom:2px solid #4472C4;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #bbb;padding:4px 8px;text-align:right}
th{background:#D9E1F2}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:13px}
svg text{font-size:12px;font-family:inherit}
"""


def html_table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bar_chart(title: str, items: list[tuple[str, list[tuple[str, float, str]]]]) -> str:
    """A horizontal stacked bar chart as inline SVG: items = [(label, [(part, value, colour)])]."""
    width, left, row_h = 760, 170, 24
    total_max = max((sum(v for _, v, _ in parts) for _, parts in items), default=0) or 1
    height = 30 + row_h * len(items)
    out = [f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg"><text x="0" y="16" font-weight="bold">{escape(title)}</text>']  # fmt: skip
    for i, (label, parts) in enumerate(items):
        y = 26 + i * row_h
        out.append(f'<text x="0" y="{y + 14}">{escape(label)}</text>')
        x = left
        for part, value, colour in parts:
            w = (width - left - 60) * value / total_max
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                           f"<title>{escape(part)} {value:g}</title></rect>")  # fmt: skip
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 14}">{sum(v for _, v, _ in parts):g}</text>')
    out.append("</svg>")
    return "".join(out)


def render_report(
    *, county: str, quarter: str, comparison: Comparison, manifest: dict, rule_labels: dict[str, str],
    department_labels: dict[str, str], dataset_labels: dict[str, str], cause_labels: dict[str, str],
) -> str:  # fmt: skip
    """The whole report as one HTML string."""
    sections = [f"<h1>{escape(county)}{escape(quarter)} 防返贫动态监测季度报告</h1>",
                '<p class="note">本报告只含统计数，不含个人信息。监测对象按类别和主要风险类型分列户数、人数，口径与防止返贫监测和帮扶工作情况汇报的统计表式一致。</p>']  # fmt: skip

    # 1. The seed-004 table: monitoring households by category and risk cause, in 户 and 人.
    r = comparison.roster_by_cause
    monitored = r.filter(pl.col("household_type") == "监测户")
    rows = []
    for mtype in MONITORING_TYPES:
        sub = monitored.filter(pl.col("monitoring_type") == mtype)
        row = [mtype, int(sub["households"].sum()), int(sub["persons"].sum())]
        for cause in RISK_CAUSES:
            c = sub.filter(pl.col("risk_cause") == cause)
            row += [f"{int(c['households'].sum())}户{int(c['persons'].sum())}人"]
        rows.append(row)
    lifted = r.filter(pl.col("household_type") == "脱贫户")
    sections.append("<h2>一、监测对象按类别和风险类型（户、人）</h2>")
    sections.append(html_table(["类别", "户数", "人数", *RISK_CAUSES], rows))
    sections.append(
        f'<p class="note">另有脱贫户{int(lifted["households"].sum())}户{int(lifted["persons"].sum())}人。</p>'
    )

    # 2. This quarter's warnings by cause and department.
    w = comparison.warnings
    by_rule = (
        w.group_by("rule_id", "department", "cause")
        .len()
        .sort(["len", "rule_id", "department", "cause"], descending=[True, False, False, False])
    )
    per_rule = w.group_by("rule_id").len().sort(["len", "rule_id"], descending=[True, False])
    sections.append("<h2>二、本季度预警（按事项、原因、责任部门）</h2>")
    sections.append(bar_chart("预警数（按事项）", [
        (rule_labels.get(rid, rid), [(rid, n, "#4472C4")]) for rid, n in per_rule.iter_rows()
    ]))  # fmt: skip
    sections.append(html_table(["预警事项", "责任部门", "风险原因", "条数"], [
        [rule_labels.get(rid, rid), department_labels.get(d, d), cause_labels.get(c, c), n]
        for rid, d, c, n in by_rule.iter_rows()
    ]))  # fmt: skip

    # 3. Towns by colour.
    h = comparison.households
    towns = sorted(set(h["town"]))
    counts = {(t, c): n for t, c, n in h.group_by("town", "colour").len().iter_rows()}
    sections.append("<h2>三、各乡镇列入名单的户（按颜色）</h2>")
    sections.append(bar_chart("列入名单的户数", [
        (t, [(COLOURS[c][0], counts.get((t, c), 0), COLOURS[c][1]) for c in COLOURS]) for t in towns
    ]))  # fmt: skip
    sections.append(html_table(["乡镇", "红色", "黄色", "绿色（有工单）", "合计"], [
        [t, *[counts.get((t, c), 0) for c in COLOURS], sum(counts.get((t, c), 0) for c in COLOURS)] for t in towns
    ]))  # fmt: skip
    county_list = manifest.get("county_list") or {}
    if county_list.get("people"):
        sections.append(
            f"<p>另有 {county_list['people']} 名非名册人员报送部门未注明乡镇，未列入任何乡镇名单，"
            f"由县级核查：{escape(county_list['path'])}</p>"
        )

    # 4. Change since last quarter.
    status = dict(w.group_by("status").len().iter_rows())
    sections.append("<h2>四、与上季度相比</h2>")
    sections.append(html_table(["新增", "持续", "升级", "已不再触发（销号候选）"], [
        [status.get("新增", 0), status.get("持续", 0), status.get("升级", 0), comparison.closed.height]
    ]))  # fmt: skip

    # 4b. Last quarter's loop: answers, overdue, how warnings ended, still firing after 办结.
    loop = manifest.get("last_quarter_loop") or {}
    if loop:
        as_of = loop.get("followup_as_of")
        sections.append(f"<h2>上季度（{escape(str(loop['quarter']))}）核实与办结情况</h2>")
        dash = lambda v: "—" if v is None else v  # noqa: E731  (no follow-up read for last quarter)
        sections.append(html_table(
            ["名单户数", "已反馈核实", "逾期未反馈", "工单数", "已办结", "逾期未办结", "办结销号", "核实消除",
             "自然消除", "办结后仍预警", "核实不属实、本季度不再下发"],
            [[dash(loop.get("listed")), dash(loop.get("verified")), dash(loop.get("verification_overdue")),
              dash(loop.get("work_orders")), dash(loop.get("settled")), dash(loop.get("settlement_overdue")),
              loop["closed_by_settlement"], loop["closed_by_verification"], loop["closed_naturally"],
              loop["still_firing_after_settlement"], loop["not_sent_again"]]],
        ))  # fmt: skip
        note = f"跟踪数据截至{as_of}" if as_of else "上季度尚未读取退回的名单和交办单（povwatch read-returns）"
        if loop["still_firing_after_settlement"]:
            note += "。办结后仍预警的事项已重新下发，请县级督办"
        sections.append(f'<p class="note">{escape(note)}。</p>')

    # 5. Data quality per department.
    sections.append("<h2>五、各部门数据质量</h2>")
    dept_rows = []
    for code, d in manifest.get("departments", {}).items():
        dept_rows.append([department_labels.get(code, code), d.get("files", 0), d.get("rows_read", 0),
                          d.get("accepted", 0), d.get("rejected", 0), d.get("duplicates", 0),
                          STATUS_LABELS.get(d.get("status", ""), d.get("status", ""))])  # fmt: skip
    sections.append(html_table(["部门", "文件", "读取行", "采用", "退回", "重复", "状态"], dept_rows))
    gates = manifest.get("quality_gates", [])
    share = [g for g in gates if g["gate"] == "roster_match_share"]
    if share:
        sections.append(bar_chart("与名册匹配的人员比例（%）", [
            (dataset_labels.get(g["subject"], g["subject"]), [(g["subject"], round(100 * g["value"], 1), "#6FA8DC")])
            for g in share
        ]))  # fmt: skip
    sections.append(html_table(["质量关卡", "对象", "实际值", "要求", "结果", "性质"], [
        [g["label"], dataset_labels.get(g["subject"], g["subject"]), f"{g['value']:.4g}",
         " ".join(p for p in (f"≥{g['min']:g}" if g["min"] is not None else "", f"≤{g['max']:g}" if g["max"] is not None else "") if p),
         "通过" if g["passed"] else "未通过", "阻断" if g["severity"] == "blocking" else "提示"]
        for g in gates
    ]))  # fmt: skip
    reasons = manifest.get("rejects_by_reason", [])
    if reasons:
        sections.append(
            html_table(["部门", "退回原因", "行数"], [[department_labels.get(d, d), r, n] for d, r, n in reasons])
        )
    suggested = manifest.get("id_suggestions", [])
    if suggested:
        sections.append(
            '<p class="note">身份证号疑似录错：校验位或出生日期不符、或报送的号码不在名册而疑似新致贫的行，系统按姓名、'
            "出生日期、乡镇村在名册中找出最可能的人员，列于quality/身份证号疑似录错_建议.xlsx，经县级确认后生效。"
            "请各部门核对录入。</p>"
        )
        sections.append(html_table(["部门", "身份证号疑似录错的行", "其中系统推荐了名册人员"], suggested))
    body = "\n".join(sections)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(county)}{escape(quarter)} '
            f"防返贫监测报告</title><style>{STYLE}</style></head><body>{body}</body></html>")  # fmt: skip


def write_report(path: Path, **kwargs: object) -> None:
    path.write_text(render_report(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
