"""Mistyped identity numbers (疑似录错的身份证号), planted where they cost most.

Each department also sends a small supplementary file (补报/补录) of consequential records —
a large hospital bill, a 临时救助 grant, a C/D house appraisal, a new disability certificate (of
grade 一级/二级, or 三级: under a valid wrong number a 三级 certificate raises no warning for
anyone, and its roster person silently loses DIS_NEW) — of roster persons who appear nowhere
else in that dataset, and some of those numbers are mistyped the way clerks mistype them: one digit wrong, or two neighbouring digits
swapped. Half fail the check character (rejected); the other half were typed into a system
that recomputed the check character, so they are valid numbers of nobody (a stranger, a
NEW_CANDIDATE). Beside them: outsiders whose numbers are one digit from a roster person's
but whose name and birth date differ, who must never be suggested as that person.

With `mistyped=False` the same rows carry the numbers the clerks meant: the run of that
county is what the mistyped county should come back to once the county office has confirmed
the suggestions. What was planted goes to planted/<quarter>/typos.csv.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from transforms.intake.cells import id_check_char
from transforms.sample_county.county import COUNTY, GIVEN, SURNAMES, County, Plan, Row
from transforms.sample_county.medical import SETTLEMENT_HEADER
from transforms.sample_county.messy import _file_counts, render_amount, render_date, write_delimited
from transforms.settings import Quarter

TYPO_COLUMNS = ["department", "file", "sheet", "row_number", "kind", "id_as_written", "intended_id"]


def _birth_ok(id18: str) -> bool:
    try:
        return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14])) >= date(1900, 1, 1)
    except ValueError:
        return False


def mistype(id18: str, rng: random.Random, *, passes_check: bool, taken: set[str]) -> str:
    """One digit of the first 17 changed, or two neighbouring different digits swapped; with
    `passes_check` the check character is recomputed (the system computed it), else kept."""
    while True:
        body = list(id18[:17])
        if rng.random() < 0.5:
            i = rng.randrange(0, 16)
            if body[i] == body[i + 1]:
                continue
            body[i], body[i + 1] = body[i + 1], body[i]
        else:
            i = rng.randrange(0, 17)
            body[i] = rng.choice([d for d in "0123456789" if d != body[i]])
        first17 = "".join(body)
        out = first17 + (id_check_char(first17) if passes_check else id18[17])
        if out in taken or (passes_check and not _birth_ok(out)):
            continue
        return out


def _near_outsider(id18: str, rng: random.Random, taken: set[str]) -> str:
    """A valid number one birth-year digit away from a roster person's (another person)."""
    while True:
        body = list(id18[:17])
        body[8] = rng.choice([d for d in "0123456789" if d != body[8]])
        first17 = "".join(body)
        out = first17 + id_check_char(first17)
        if out not in taken and _birth_ok(out) and 1920 <= int(out[6:10]) <= 2025:
            return out


def _people(county: County, exclude: set[str], rng: random.Random, n: int, heads: bool) -> list[dict]:
    """n roster persons not in `exclude`, about a third of them with a namesake in their village."""
    pool = [p for p in county.persons if p["id_number"] not in exclude and (not heads or p["relation"] == "户主")]
    names: dict[tuple, int] = {}
    for p in county.persons:
        names[(p["village"], p["name"])] = names.get((p["village"], p["name"]), 0) + 1
    namesakes = [p for p in pool if names[(p["village"], p["name"])] > 1]
    chosen = rng.sample(namesakes, min(len(namesakes), n // 3))
    rest = [p for p in pool if p not in chosen]
    return chosen + rng.sample(rest, n - len(chosen))


def _other_name(rng: random.Random, name: str) -> str:
    while True:
        other = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        if other[0] != name[0]:
            return other


def _cells(dataset: str, idn: str, p: dict, q: Quarter, rng: random.Random) -> tuple[list, dict]:
    day = q.first_day + timedelta(days=rng.randint(0, (q.last_day - q.first_day).days))
    if dataset == "medical__settlements":
        total = float(rng.randint(60_000, 90_000))
        policy = round(total * 0.8, 2)
        fund = round(policy * 0.6, 2)
        serious, assist = 0.0, 0.0
        oop = round(total - fund, 2)
        clean = {
            "id_number": idn,
            "name": p["name"],
            "settled_on": day,
            "visit_type": "住院",
            "total_cost": total,
            "policy_cost": policy,
            "fund_paid": fund,
            "serious_illness_paid": serious,
            "assistance_paid": assist,
            "out_of_pocket": oop,
            "hospital": "省人民医院",
        }
        money = [render_amount(x, 3) for x in (total, policy, fund, serious, assist, oop)]
        return [idn, p["name"], render_date(day, "iso"), "住院", *money, "省人民医院"], clean
    if dataset == "civil__assistance":
        amount = float(rng.choice([2000, 3000, 5000]))
        clean = {
            "id_number": idn,
            "name": p["name"],
            "town": p["town"],
            "village": p["village"],
            "assistance_type": "临时救助",
            "status": "停保",
            "start_date": day,
            "end_date": day,
            "amount": amount,
        }
        cells = [idn, p["name"], p["town"], p["village"], "临时救助", "停保"]
        return [*cells, render_date(day, "iso"), render_date(day, "iso"), render_amount(amount, 0)], clean
    if dataset == "housing__appraisals":
        grade = rng.choice("CD")
        clean = {
            "id_number": idn,
            "name": p["name"],
            "town": p["town"],
            "village": p["village"],
            "appraisal_grade": grade,
            "appraised_on": day,
            "renovation_status": "未改造",
            "completed_on": None,
        }
        return [idn, p["name"], p["town"], p["village"], grade, render_date(day, "iso"), "未改造", ""], clean
    grade = rng.choice(["一级", "二级"])
    clean = {
        "id_number": idn,
        "name": p["name"],
        "category": "肢体",
        "grade": grade,
        "issued_on": day,
        "living_subsidy": "是",
        "care_subsidy": "是",
    }
    return [idn, p["name"], "肢体", grade, render_date(day, "iso"), "是", "是"], clean


# department, folder, dataset, file name, title, header
SUPPLEMENTS = [
    (
        "medical",
        "医保局",
        "medical__settlements",
        "结算明细_补报_{q}.csv",
        "医疗保障结算明细（补报）",
        SETTLEMENT_HEADER,
    ),
    (
        "civil",
        "民政局",
        "civil__assistance",
        "临时救助_补录_{q}.csv",
        "临时救助补录名单",
        ["身份证号", "姓名", "乡镇", "村（社区）", "救助类型", "保障状态", "起始日期", "终止日期", "金额（元）"],
    ),
    (
        "housing",
        "住建局",
        "housing__appraisals",
        "房屋鉴定_补录_{q}.csv",
        "农村房屋安全鉴定补录",
        ["户主身份证号", "户主姓名", "乡镇", "村", "鉴定等级", "鉴定日期", "改造状态", "竣工日期"],
    ),
    (
        "disability",
        "残联",
        "disability__certificates",
        "新办残疾证_{q}.csv",
        "本季度新办残疾人证",
        ["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期", "困难残疾人生活补贴", "重度残疾人护理补贴"],
    ),
]


def write_typos(county: County, q: Quarter, inbox: Path, plan: Plan, seed: int, *, mistyped: bool = True) -> None:
    """The supplementary files with their planted mistyped numbers (see the module's doc)."""
    taken = {p["id_number"] for p in county.persons} | {o.id_number for o in county.outsiders}
    n = max(8, len(county.persons) // 1000)  # per dataset: half fail the check character, half pass
    for k, (dept, folder, dataset, pattern, title, header) in enumerate(SUPPLEMENTS):
        rng = random.Random(seed * 100 + q.number * 10 + k)
        present = {str(r["id_number"]) for r in plan.clean.get(dataset, [])}
        people = _people(county, present, rng, n + 2, heads=dataset == "housing__appraisals")
        rows, truth = [], []
        for i, p in enumerate(people[:n]):
            passes = i % 2 == 1
            wrong = mistype(p["id_number"], rng, passes_check=passes, taken=taken)
            taken.add(wrong)
            written = wrong if mistyped else p["id_number"]
            cells, clean = _cells(dataset, written, p, q, rng)
            if dataset == "disability__certificates" and i % 4 == 3:  # every other valid wrong number: 三级
                cells[3] = clean["grade"] = "三级"
            kind = "passes_check" if passes else "fails_check"
            if not mistyped or passes:
                rows.append(Row(cells, clean))
            else:
                rows.append(Row(cells, None, "id_check_digit" if _birth_ok(wrong) else "id_birth_date"))
            truth.append((kind, written, p["id_number"]))
        for p in people[n:]:  # near-number outsiders: another name, another birth date
            other = _near_outsider(p["id_number"], rng, taken)
            taken.add(other)
            stranger = {**p, "name": _other_name(rng, p["name"])}
            cells, clean = _cells(dataset, other, stranger, q, rng)
            rows.append(Row(cells, clean))
            truth.append(("near_outsider", other, None))
        file = pattern.format(q=q)
        numbered = write_delimited(
            inbox / folder / file, f"{COUNTY}{title}（{q}）", header, rows, encoding="utf-8-sig", delimiter=","
        )
        for (number, row), (kind, written, intended) in zip(numbered, truth, strict=True):
            if row.plant:
                plan.bad.append((dept, file, "", number, row.plant))
            else:
                plan.clean.setdefault(dataset, []).append(row.clean)
            plan.typos.append((dept, file, "", number, kind, written, intended))
        _file_counts(plan, dept, file, sheets={"": numbered}, title=1, header=1, blank=1, footer=0)
