"""教育局: student rolls and aid, one sheet per stage."""

from __future__ import annotations

from pathlib import Path

from transforms.sample_county.county import COUNTY, SCHOOLS, County, Plan, Row
from transforms.sample_county.messy import _file_counts, full_width, interleave, plant_bad, record, write_xlsx
from transforms.settings import Quarter


def _stage_for(age: int) -> str | None:
    if 3 <= age <= 5:
        return "学前"
    if 6 <= age <= 11:
        return "小学"
    if 12 <= age <= 14:
        return "初中"
    if 15 <= age <= 17:
        return "高中" if age % 2 else "中职"
    if 18 <= age <= 22:
        return "高校"
    return None


def write_education(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    ref = q.last_day
    sheets: dict[str, list[Row]] = {"义务教育": [], "高中及以上": []}
    people = [(p["id_number"], p["name"], p["birth"]) for p in county.persons]
    people += [(o.id_number, o.name, o.birth) for o in county.outsiders[:200]]
    for i, (idn, name, birth) in enumerate(people):
        age = (ref - birth).days // 365
        stage = _stage_for(age)
        if stage is None:
            continue
        status = "在读" if i % 29 else rng.choice(["辍学", "休学", "转出"])
        aid = (
            rng.choice(["两免一补", "两免一补、国家助学金", "无", "雨露计划", "国家助学金"])
            if stage != "学前"
            else "无"
        )
        clean = {
            "id_number": idn,
            "name": name,
            "school": SCHOOLS[stage],
            "stage": stage,
            "enrolment_status": status,
            "aid": aid,
        }
        shown_id = full_width(idn) if i % 11 == 0 else idn.lower() if i % 13 == 0 else idn
        shown_aid = aid.replace("、", "，") if i % 5 == 0 else aid
        sheet = "义务教育" if stage in ("学前", "小学", "初中") else "高中及以上"
        sheets[sheet].append(Row([shown_id, name, SCHOOLS[stage], stage, status, shown_aid], clean))
    header = ["学生身份证号", "学生姓名", "学校名称", "学段", "学籍状态", "资助项目"]
    for s, rows in sheets.items():
        bad = plant_bad(rows, header, rng, 0.03, {"enum_invalid": 4, "required_missing": 3}, 0, excel=True)
        sheets[s] = interleave(rng, rows, bad)
    file = f"学生资助名单_{q}.xlsx"
    numbered = write_xlsx(
        inbox / "教育局" / file,
        f"{COUNTY}建档立卡家庭学生学籍及资助情况",
        header,
        sheets,
        footer=[["合计", f"{sum(len(r) for r in sheets.values())}人"], ["制表人：陈老师"]],
    )
    for sheet, nums in numbered.items():
        record(plan, "education", "教育局", file, sheet, nums, "education__students")
    _file_counts(plan, "education", file, sheets=numbered, title=1, header=1, blank=1, footer=2, footer_blanks=2)
