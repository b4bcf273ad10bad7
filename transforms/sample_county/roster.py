"""The roster (监测对象名册) as the county office exports it."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

from transforms.sample_county.county import COUNTY, TOWNS, County, Plan, Row
from transforms.sample_county.messy import (
    _file_counts,
    full_width,
    interleave,
    plant_bad,
    record,
    render_amount,
    write_xlsx,
)
from transforms.settings import Quarter


def monitored_since(household_id: str, household_type: str) -> date | None:
    """纳入监测时间 of a sample 监测户, from its 户编号 (no random draw: the rest of the county
    stays as it was): a day between 2024-01-01 and 2026-06-17; one household in eight without
    one (the county office left it blank: the run counts from the first quarter it saw)."""
    if household_type != "监测户":
        return None
    h = int(hashlib.sha256(household_id.encode()).hexdigest()[:8], 16)
    return None if h % 8 == 0 else date(2024, 1, 1) + timedelta(days=h % 900)


def _since_cell(since: date | None, i: int) -> object:
    """纳入监测时间 as exports write dates: ISO, slashes, 年月日, or a date cell."""
    if since is None:
        return ""
    return (since.isoformat(), f"{since:%Y/%-m/%-d}", f"{since:%Y年%-m月%-d日}", since)[i % 4]


def roster_rows(county: County, q: Quarter) -> dict[str, list[Row]]:
    rng = county.rng
    by_town: dict[str, list[Row]] = {t: [] for t in TOWNS}
    for i, p in enumerate(county.persons):
        clean = {
            k: p[k]
            for k in (
                "household_id",
                "id_number",
                "name",
                "relation",
                "town",
                "village",
                "household_type",
                "monitoring_type",
                "risk_eliminated",
                "household_size",
                "per_capita_income",
                "labour_status",
                "risk_cause",
            )
        }
        clean["monitored_since"] = monitored_since(p["household_id"], p["household_type"])
        idn = p["id_number"]
        if i % 17 == 3:
            idn = idn.lower()  # lower-case x, or no effect
        if i % 23 == 5:
            idn = full_width(idn)
        income = render_amount(p["per_capita_income"], i % 4)
        size = full_width(str(p["household_size"])) if i % 29 == 7 else p["household_size"]
        cells = [
            p["household_id"],
            idn,
            f" {p['name']} " if i % 31 == 0 else p["name"],
            p["relation"],
            p["town"],
            p["village"],
            p["household_type"],
            p["monitoring_type"] or "",
            p["risk_eliminated"] or "",
            size,
            income,
            p["labour_status"],
            p["risk_cause"] or "",
            _since_cell(clean["monitored_since"], i),
        ]
        by_town[p["town"]].append(Row(cells, clean))
    header = ROSTER_HEADER
    out = {}
    kinds = {"enum_invalid": 3, "integer_invalid": 9, "amount_negative": 10, "required_missing": 2}
    for t, rows in by_town.items():
        bad = plant_bad(rows, header, rng, 0.02, kinds, 1, excel=True)
        out[t] = interleave(rng, rows, bad)
    return out


def write_roster(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    sheets = roster_rows(county, q)
    header = ROSTER_HEADER
    file = f"{q.year}年第{q.number}季度监测对象名册.xlsx"
    folder = inbox / "监测对象名册"
    numbered = write_xlsx(
        folder / file,
        f"{COUNTY}{q.year}年第{q.number}季度防返贫监测对象名册",
        header,
        sheets,
        footer=[["合计", f"{len(county.persons)}人"], ["制表人：李华", "", "审核人：王强"]],
    )
    for sheet, nums in numbered.items():
        record(plan, "roster", "监测对象名册", file, sheet, nums, "roster__persons")
    _file_counts(plan, "roster", file, sheets=numbered, title=1, header=1, blank=1, footer=2, footer_blanks=2)


ROSTER_HEADER = [
    "户编号",
    "证件号码",
    "姓名",
    "与户主关系",
    "乡镇（街道）",
    "行政村（社区）",
    "户类型",
    "监测对象类别",
    "风险是否消除",
    "家庭人口数",
    "家庭人均纯收入（元）",
    "劳动技能",
    "主要风险类型",
    "纳入监测时间",
]
