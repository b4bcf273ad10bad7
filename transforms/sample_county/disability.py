"""残联: disability certificates and the two subsidies."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from transforms.sample_county.county import COUNTY, County, Plan, Row
from transforms.sample_county.messy import (
    DATE_STYLES,
    _by_quarter_end,
    _file_counts,
    add_duplicates,
    interleave,
    order_duplicates,
    plant_bad,
    record,
    render_date,
    to_15,
    write_delimited,
)
from transforms.settings import Quarter


def write_disability(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    rows = []
    people = [(p["id_number"], p["name"], p["birth"]) for p in county.persons[::17]]
    people += [(o.id_number, o.name, o.birth) for o in county.outsiders[3 :: max(1, len(county.outsiders) // 30)]]
    for i, (idn, name, birth) in enumerate(people):
        grade = ["一级", "二级", "三级", "四级"][i % 4]
        issued = _by_quarter_end(date(q.year - rng.randint(0, 8), rng.randint(1, 12), rng.randint(1, 28)), q)
        if i % 10 == 0:
            issued = q.first_day + timedelta(days=rng.randint(0, 80))
        clean = {
            "id_number": idn,
            "name": name,
            "category": ["视力", "听力", "肢体", "智力", "精神", "多重"][i % 6],
            "grade": grade,
            "issued_on": issued,
            "living_subsidy": "是" if i % 3 else "否",
            "care_subsidy": "是" if grade in ("一级", "二级") and i % 5 else "否",
        }
        shown_id = to_15(idn) if birth.year < 2000 and i % 6 == 1 else idn.lower() if i % 4 == 0 else idn
        shown_grade = str("一二三四".index(grade[0]) + 1) if i % 2 else grade
        shown_cat = clean["category"] + "残疾" if i % 3 == 0 else clean["category"]
        if i % 20 == 0 and i < len(county.persons[::17]):
            # A re-assessment: the person's earlier certificate stays in the extract, above the
            # new one (the latest 发证日期 is the person's certificate; the earlier row is history).
            earlier = {
                **clean,
                "category": "听力" if clean["category"] != "听力" else "言语",
                "grade": "三级",
                "issued_on": date(q.year - 6, i % 12 + 1, 10),
                "living_subsidy": "否",
                "care_subsidy": "否",
            }
            rows.append(
                Row(
                    [
                        idn,
                        name,
                        earlier["category"],
                        earlier["grade"],
                        render_date(earlier["issued_on"], "iso"),
                        "否",
                        "否",
                    ],
                    earlier,
                )
            )
        rows.append(
            Row(
                [
                    shown_id,
                    name,
                    shown_cat,
                    shown_grade,
                    render_date(issued, DATE_STYLES[i % 4]),
                    clean["living_subsidy"],
                    clean["care_subsidy"],
                ],
                clean,
            )
        )
    header = ["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期", "困难残疾人生活补贴", "重度残疾人护理补贴"]
    kinds = {"enum_invalid": 3, "date_invalid": 4, "date_after_quarter_end": 4}
    bad = plant_bad(rows, header, rng, 0.04, kinds, 0, late=render_date(q.last_day + timedelta(days=70), "chinese"))
    rows = order_duplicates(interleave(rng, rows, bad + add_duplicates(rows, rng, 0.02)))
    file = f"残疾人两项补贴_{q}.csv"
    numbered = write_delimited(
        inbox / "残联" / file,
        f"{COUNTY}持证残疾人及两项补贴发放情况",
        header,
        rows,
        encoding="utf-8",
        delimiter=",",
        footer=[["填表人：孙丽"]],
    )
    record(plan, "disability", "残联", file, "", numbered, "disability__certificates")
    _file_counts(plan, "disability", file, sheets={"": numbered}, title=1, header=1, blank=1, footer=1)
