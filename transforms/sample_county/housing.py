"""住建局: house-safety appraisals, as an old .xls."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from transforms.sample_county.county import COUNTY, County, Plan, Row
from transforms.sample_county.messy import _by_quarter_end, interleave, plant_bad, record, render_date, write_xls
from transforms.settings import Quarter


def write_housing(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    rows = []
    heads = [p for p in county.persons if p["relation"] == "户主"][::6]
    people = [(p["id_number"], p["name"], p["town"], p["village"]) for p in heads]
    people += [
        (o.id_number, o.name, o.town, o.village) for o in county.outsiders[5 :: max(1, len(county.outsiders) // 40)]
    ]
    for i, (idn, name, town, village) in enumerate(people):
        grade = ["A", "B", "B", "C", "D", "A"][i % 6]
        appraised = _by_quarter_end(date(q.year - rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28)), q)
        status = ["未改造", "改造中", "已竣工", "已搬迁"][i % 4] if grade in "CD" else "无需改造"
        completed = min(appraised + timedelta(days=120), q.last_day) if status == "已竣工" else None
        clean = {
            "id_number": idn,
            "name": name,
            "town": town,
            "village": village,
            "appraisal_grade": grade,
            "appraised_on": appraised,
            "renovation_status": status,
            "completed_on": completed,
        }
        shown_grade = f"{grade}级" if i % 3 == 0 else grade
        shown_appraised: object = appraised if i % 2 == 0 else render_date(appraised, "compact")
        rows.append(Row([idn, name, town, village, shown_grade, shown_appraised, status, completed], clean))
    header = ["户主身份证号", "户主姓名", "乡镇", "村", "鉴定等级", "鉴定日期", "改造状态", "竣工日期"]
    kinds = {"enum_invalid": 4, "date_invalid": 5, "date_after_quarter_end": 5}
    bad = plant_bad(rows, header, rng, 0.03, kinds, 0, late=render_date(q.last_day + timedelta(days=45), "compact"))
    rows = interleave(rng, rows, bad)
    file = f"农村房屋安全鉴定台账_{q}.xls"
    numbered = write_xls(inbox / "住建局" / file, f"{COUNTY}农村低收入群体房屋安全鉴定台账（{q}）", header, rows)
    record(plan, "housing", "住建局", file, "鉴定台账", numbered, "housing__appraisals")
    plan.files.append(
        {
            "department": "housing",
            "file": file,
            "data_rows": len(numbered),
            "title": 1,
            "header": 1,
            "footer": 2,
            "blank": 1,
        }
    )
