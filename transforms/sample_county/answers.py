"""The sample county's towns and departments answering their lists (for the demo, the tests and the
README's worked example of `povwatch backtest`): every published town list and work-order
workbook filled in as people do — 核实结果 with who and when, 办理结果 with the day settled — and
dropped into `returns/<quarter>/`, ready for `povwatch read-returns`.

Deterministic (a hash of each row's number and the seed). How often a town finds a warning real
depends on the row's first rule (`NOT_TRUE_SHARE`): a high out-of-pocket share of a small bill,
reimbursed later, makes MED_OOP_RATIO the rule most often found 不属实 — what a county would want
the yield to show, and a threshold to try."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from transforms.config import load_config
from transforms.config_files import ExcelLayout
from transforms.kit.deadlines import WorkingCalendar
from transforms.settings import DataRoot, Quarter

# The share of rows found 不属实, by the label of the row's first rule (预警事项); else DEFAULT.
NOT_TRUE_SHARE = {"MED_OOP_RATIO": 0.55, "MED_HIGH_OOP": 0.4, "INC_BELOW_LINE": 0.1}
DEFAULT_NOT_TRUE, ELIMINATED, UNANSWERED = 0.2, 0.08, 0.1
SETTLED, IN_PROGRESS = 0.55, 0.25


def _draw(key: str, seed: int) -> float:
    """A number in [0, 1) from the row's key: the same answers on every run."""
    return int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:8], 16) / 0x100000000


def _columns(ws, layout_columns) -> dict[str, int]:
    headers = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
    return {col.key: headers[col.header] for col in layout_columns if col.header in headers}


def simulate_answers(root: Path, quarter: Quarter, seed: int = 7) -> dict[str, int]:
    """Fill the quarter's published lists and work orders into `returns/<quarter>/`; returns how
    many rows were answered of each kind."""
    config, layout, calendar = load_config(), ExcelLayout.load(), WorkingCalendar.load()
    out = DataRoot(root).out(quarter)
    published = date.fromisoformat(_published_on(out))
    rule_of_label = {r.label: r.rule_id for r in config.rules}
    returns = root / "returns" / str(quarter)
    counts = {"verification": 0, "settlement": 0}
    for path in sorted((out / "towns").glob("*/*_预警名单.xlsx")):
        target = returns / "乡镇" / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        wb = openpyxl.load_workbook(target)
        ws = wb["名单"]
        col = _columns(ws, layout.town_list.columns)
        for r in range(4, ws.max_row + 1):
            key = ws.cell(r, col["listing_no"]).value
            if not key:
                continue
            first_rule = rule_of_label.get(str(ws.cell(r, col["rules"]).value or "").split("；")[0], "")
            x = _draw(key, seed)
            not_true = NOT_TRUE_SHARE.get(first_rule, DEFAULT_NOT_TRUE)
            if x < UNANSWERED:
                continue
            answer = (
                "不属实"
                if x < UNANSWERED + not_true
                else "风险已消除"
                if x < UNANSWERED + not_true + ELIMINATED
                else "属实"
            )
            ws.cell(r, col["verification"]).value = answer
            ws.cell(r, col["verifier"]).value = "村干部"
            ws.cell(r, col["verified_on"]).value = (published + timedelta(days=1 + int(x * 6))).isoformat()
            if answer == "不属实":
                ws.cell(r, col["remarks"]).value = (
                    "入户核实：费用已报销，实际负担不重" if first_rule.startswith("MED") else "入户核实无此情况"
                )
            counts["verification"] += 1
        wb.save(target)
    for path in sorted((out / "departments").glob("*/*_交办单.xlsx")):
        target = returns / "部门" / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        wb = openpyxl.load_workbook(target)
        ws = wb["名单"]
        col = _columns(ws, layout.work_orders.columns)
        for r in range(4, ws.max_row + 1):
            key = ws.cell(r, col["number"]).value
            if not key:
                continue
            x = _draw(key, seed + 1)
            if x < SETTLED:
                ws.cell(r, col["result"]).value = "已办结"
                done = calendar.add_working_days(published, 1 + int(x * 14))  # within three weeks
                ws.cell(r, col["done_on"]).value = done.isoformat()
                ws.cell(r, col["situation"]).value = "已按政策办理"
            elif x < SETTLED + IN_PROGRESS:
                ws.cell(r, col["result"]).value = "办理中"
                ws.cell(r, col["situation"]).value = "材料审核中"
            else:
                continue
            ws.cell(r, col["handler"]).value = "经办人"
            counts["settlement"] += 1
        wb.save(target)
    return counts


def _published_on(out: Path) -> str:
    import json

    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["deadlines"]["published_on"]
