"""An independent oracle for the sample county: the contract's rules written again in plain
polars over what the generator recorded (planted/<quarter>/clean), sharing no SQL with the
product. The end-to-end test compares the published warnings with it, both ways."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from transforms.config import Thresholds, load_config
from transforms.settings import Quarter

# The same configuration the product and the SQL tests read: thresholds by year, the catalogue.
CONFIG = load_config()
WORK_ORDER_ONLY = {r.rule_id for r in CONFIG.rules if not r.red_making}


def _thresholds(q: Quarter) -> Thresholds:
    return CONFIG.thresholds(q.year)


def _clean(root: Path, q: Quarter, dataset: str) -> pl.DataFrame:
    return pl.read_parquet(root / "planted" / str(q) / "clean" / f"{dataset}.parquet")


def _age(id_number: str, ref: date) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))


def expected_warnings(root: Path, q: Quarter, kinds: dict[str, set[int]] | None = None) -> pl.DataFrame:
    """(rule_id, household_id, id_number, town, village, cause, department) for quarter q;
    `kinds` (when given) receives each NEW_CANDIDATE's kinds of signal."""
    kinds = {} if kinds is None else kinds
    qs, ref = q.first_day, q.last_day
    t = _thresholds(q)
    roster = _clean(root, q, "roster__persons")
    member = {r["id_number"]: r for r in roster.iter_rows(named=True)}
    households = {r["household_id"]: r for r in roster.iter_rows(named=True) if r["relation"] == "户主"}
    for r in roster.iter_rows(named=True):
        households.setdefault(r["household_id"], r)
    out: list[tuple] = []

    def person_rule(rule, pid, cause, dept):
        m = member[pid]
        out.append((rule, m["household_id"], pid, m["town"], m["village"], cause, dept))

    def household_rule(rule, hid, cause, dept):
        h = households[hid]
        out.append((rule, hid, None, h["town"], h["village"], cause, dept))

    enrol = _clean(root, q, "medical__enrolment")
    insured = set(enrol.filter(pl.col("insured_status") == "正常参保")["id_number"])
    if enrol.height:
        for pid in member:
            if pid not in insured:
                person_rule("MED_UNINSURED", pid, "illness", "medical")

    quarters = [Quarter(q.year, n) for n in range(1, q.number + 1)]
    claims = pl.concat(
        [_clean(root, x, "medical__settlements") for x in quarters if (root / "planted" / str(x)).exists()]
    ).unique()
    claims = claims.filter(pl.col("settled_on").is_between(date(q.year, 1, 1), ref))
    oop = {r["id_number"]: r for r in claims.group_by("id_number").agg(pl.col("out_of_pocket").sum(), pl.col("policy_cost").sum()).iter_rows(named=True)}  # fmt: skip
    hh_oop: dict[str, float] = {}
    for pid, r in oop.items():
        if pid in member:
            hh_oop[member[pid]["household_id"]] = hh_oop.get(member[pid]["household_id"], 0) + r["out_of_pocket"]
            if (
                r["policy_cost"] > t.oop_ratio_min_policy_cost
                and r["out_of_pocket"] > t.oop_ratio_limit * r["policy_cost"]
            ):
                person_rule("MED_OOP_RATIO", pid, "illness", "medical")
    for hid, spent in hh_oop.items():
        h = households[hid]
        if spent > t.oop_household_limit or spent > t.oop_income_share * h["household_size"] * h["per_capita_income"]:
            household_rule("MED_HIGH_OOP", hid, "illness", "medical")

    civil = _clean(root, q, "civil__assistance")
    covered, dibao_households, stopped, temp = set(), set(), set(), set()
    for r in civil.iter_rows(named=True):
        m = member.get(r["id_number"])
        if m is None:
            continue
        hid = m["household_id"]
        if r["status"] in ("在保", "渐退期") and r["assistance_type"] != "临时救助":
            covered.add(hid)
            if r["assistance_type"] in ("农村低保", "城市低保"):
                dibao_households.add(hid)
        if (
            r["assistance_type"] in ("农村低保", "城市低保")
            and r["status"] == "停保"
            and r["end_date"]
            and qs <= r["end_date"] <= ref
        ):
            stopped.add(hid)
        if r["assistance_type"] == "临时救助" and qs <= r["start_date"] <= ref:
            temp.add(hid)
    for hid, h in households.items():
        if h["per_capita_income"] < t.dibao_standard and hid not in covered:
            household_rule("CIV_DIBAO_GAP", hid, "income", "civil")
        if hid in stopped and h["per_capita_income"] < t.dibao_stop_multiple * t.dibao_standard:
            household_rule("CIV_DIBAO_STOPPED", hid, "income", "civil")
        if h["per_capita_income"] < t.monitoring_line:
            household_rule("INC_BELOW_LINE", hid, "income", "county")
    for hid in temp:
        household_rule("CIV_TEMP_ASSIST", hid, "accident", "civil")

    housing = _clean(root, q, "housing__appraisals")
    unsafe = housing.filter(
        pl.col("appraisal_grade").is_in(["C", "D"]) & ~pl.col("renovation_status").is_in(["已竣工", "已搬迁"])
    )
    for hid in {member[p]["household_id"] for p in unsafe["id_number"] if p in member}:
        household_rule("HOU_UNSAFE", hid, "housing", "housing")

    students = _clean(root, q, "education__students")
    roll = {r["id_number"]: r for r in students.iter_rows(named=True)}
    for pid in member:
        s = roll.get(pid)
        if (
            roll
            and t.school_age_from <= _age(pid, ref) <= t.school_age_to
            and (s is None or s["enrolment_status"] in ("辍学", "休学"))
        ):
            person_rule("EDU_DROPOUT", pid, "schooling", "education")
        if s and s["enrolment_status"] == "在读" and s["aid"] == "无":
            person_rule("EDU_NO_AID", pid, "schooling", "education")

    # A person's certificate is the latest issued; earlier rows are history (contract).
    certificates = (
        _clean(root, q, "disability__certificates")
        .sort("issued_on", descending=True, maintain_order=True)
        .unique("id_number", keep="first", maintain_order=True)
    )
    for r in certificates.iter_rows(named=True):
        m = member.get(r["id_number"])
        if m is None:
            continue
        if qs <= r["issued_on"] <= ref:
            person_rule("DIS_NEW", r["id_number"], "disability", "disability")
        if (r["grade"] in ("一级", "二级") and r["care_subsidy"] == "否") or (
            m["household_id"] in dibao_households and r["living_subsidy"] == "否"
        ):
            person_rule("DIS_NO_SUBSIDY", r["id_number"], "disability", "disability")

    # NEW_CANDIDATE: (priority, cause, town, village) per outsider; the priority names the kind
    signals: dict[str, list[tuple]] = {}
    for pid, r in oop.items():
        if pid not in member and r["out_of_pocket"] > t.new_candidate_oop:
            signals.setdefault(pid, []).append((1, "illness", None, None))
    for r in unsafe.iter_rows(named=True):
        if r["id_number"] not in member:
            signals.setdefault(r["id_number"], []).append((2, "housing", r["town"], r["village"]))
    for r in civil.iter_rows(named=True):
        if r["id_number"] not in member and qs <= r["start_date"] <= ref:
            cause = "accident" if r["assistance_type"] == "临时救助" else "income"
            signals.setdefault(r["id_number"], []).append((3, cause, r["town"], r["village"]))
    for r in certificates.iter_rows(named=True):
        if r["id_number"] not in member and r["grade"] in ("一级", "二级") and qs <= r["issued_on"] <= ref:
            signals.setdefault(r["id_number"], []).append((4, "disability", None, None))
    for pid, sig in signals.items():
        sig.sort()
        placed = [s for s in sig if s[2] is not None]
        town, village = (placed[0][2], placed[0][3]) if placed else (None, None)
        out.append(("NEW_CANDIDATE", None, pid, town, village, sig[0][1], "county"))
        kinds[pid] = {s[0] for s in sig}

    cols = ["rule_id", "household_id", "id_number", "town", "village", "cause", "department"]
    return pl.DataFrame(out, schema=cols, orient="row").unique()


def expected_colours(root: Path, q: Quarter, warnings: pl.DataFrame) -> dict[str, str]:
    """household_id -> colour, for every roster household."""
    roster = _clean(root, q, "roster__persons")
    red = set(
        warnings.filter(~pl.col("rule_id").is_in(list(WORK_ORDER_ONLY)) & pl.col("household_id").is_not_null())[
            "household_id"
        ]
    )
    colours, yellow_line = {}, _thresholds(q).yellow_line
    for r in roster.iter_rows(named=True):
        hid = r["household_id"]
        if hid in red or (r["household_type"] == "监测户" and r["risk_eliminated"] != "是"):
            colours[hid] = "red"
        elif r["per_capita_income"] < yellow_line:
            colours[hid] = "yellow"
        else:
            colours[hid] = "green"
    return colours


RANK = {"green": 1, "yellow": 2, "red": 3}


def expected_statuses(root: Path, previous: Quarter, q: Quarter) -> dict[tuple[str, str], str]:
    """(rule_id, subject) -> 新增 / 持续 / 升级 for quarter q against the previous one."""
    kinds_before: dict[str, set[int]] = {}
    kinds_now: dict[str, set[int]] = {}
    before = expected_warnings(root, previous, kinds_before)
    now = expected_warnings(root, q, kinds_now)
    colour_before = expected_colours(root, previous, before)
    colour_now = expected_colours(root, q, now)

    def red_rules(w: pl.DataFrame) -> set[tuple[str, str]]:
        red = w.filter(~pl.col("rule_id").is_in(list(WORK_ORDER_ONLY)) & pl.col("household_id").is_not_null())
        return set(red.select("household_id", "rule_id").iter_rows())

    red_before, red_now = red_rules(before), red_rules(now)
    gained = {h for h, r in red_now if (h, r) not in red_before}
    seen = {(r, i or h) for r, h, i in before.select("rule_id", "household_id", "id_number").iter_rows()}
    out = {}
    for rule, hid, pid in now.select("rule_id", "household_id", "id_number").iter_rows():
        key = (rule, pid or hid)
        if key not in seen:
            out[key] = "新增"
        elif rule == "NEW_CANDIDATE":
            out[key] = "升级" if kinds_now[pid] - kinds_before[pid] else "持续"
        elif hid in gained or (hid in colour_before and RANK[colour_now[hid]] > RANK[colour_before[hid]]):
            out[key] = "升级"
        else:
            out[key] = "持续"
    return out
