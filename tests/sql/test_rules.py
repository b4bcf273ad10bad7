"""Every rule of the catalogue: rows in, the rows that fire out, at each threshold and one
unit (a fen, a day, a year) either side."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import HEAD, OUTSIDER, Q2, Q3, SPOUSE, person_id, roster_row


def settlement(id_number: str, on: date, oop: float, policy: float | None = None, visit: str = "住院") -> dict:
    policy = oop * 5 if policy is None else policy
    return {"id_number": id_number, "name": "某", "settled_on": on, "visit_type": visit, "total_cost": policy + oop,
            "policy_cost": policy, "fund_paid": 0.0, "serious_illness_paid": 0.0, "assistance_paid": 0.0,
            "out_of_pocket": oop, "hospital": "县医院"}  # fmt: skip


def civil(id_number: str, kind: str, status: str, start: date, end: date | None = None, amount: float = 500.0) -> dict:
    return {"id_number": id_number, "name": "某", "town": "河东镇", "village": "柳树村", "assistance_type": kind,
            "status": status, "start_date": start, "end_date": end, "amount": amount}  # fmt: skip


@pytest.mark.parametrize("income,fires", [(4999.99, True), (5000.0, False), (5000.01, False)])
def test_inc_below_line(county, income, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD, income=income)])
    assert county.fired(Q3, "INC_BELOW_LINE") == ([("INC_BELOW_LINE", "H1", None)] if fires else [])


@pytest.mark.parametrize("income,covered,fires", [(5999.99, None, True), (6000.0, None, False),
                                                  (5999.99, ("农村低保", "在保"), False),
                                                  (5999.99, ("特困供养", "渐退期"), False),
                                                  (5999.99, ("农村低保", "停保"), True)])  # fmt: skip
def test_civ_dibao_gap(county, income, covered, fires):
    county.stage(
        "roster__persons", Q3, [roster_row(HEAD, income=income), roster_row(SPOUSE, relation="配偶", income=income)]
    )
    if covered:
        county.stage("civil__assistance", Q3, [civil(SPOUSE, covered[0], covered[1], date(2024, 1, 1))])
    assert county.fired(Q3, "CIV_DIBAO_GAP") == ([("CIV_DIBAO_GAP", "H1", None)] if fires else [])


@pytest.mark.parametrize("q3_oop,fires", [(4000.0, False), (4000.01, True)])
def test_med_high_oop_absolute_over_the_year_so_far(county, q3_oop, fires):
    county.stage(
        "roster__persons", Q3, [roster_row(HEAD, income=20000), roster_row(SPOUSE, relation="配偶", income=20000)]
    )
    # Q2's extract counts in Q3; last year's claim (in the 2025Q4 extract) does not.
    county.stage("medical__settlements", Q2, [settlement(HEAD, date(2026, 5, 3), 6000.0)])
    county.stage("medical__settlements", Quarter_2025Q4(), [settlement(HEAD, date(2025, 12, 1), 50000.0)])
    county.stage("medical__settlements", Q3, [settlement(SPOUSE, date(2026, 8, 3), q3_oop)])
    got = county.fired(Q3, "MED_HIGH_OOP")
    assert got == ([("MED_HIGH_OOP", "H1", None)] if fires else [])


def test_a_claim_sent_again_counts_once_and_different_claims_each_count(county):
    """A claim in Q2's extract and again in Q3's (year to date), or twice in one extract with only
    the fund's share corrected, counts once; two claims of one day that differ in amount both count."""
    county.stage("roster__persons", Q3, [roster_row(HEAD, income=20000), roster_row(SPOUSE, relation="配偶")])
    claim = settlement(HEAD, date(2026, 5, 3), 6000.0)
    county.stage("medical__settlements", Q2, [claim])
    county.stage("medical__settlements", Q3, [
        claim, {**claim, "fund_paid": 100.0},  # sent again; sent again with the fund's share corrected
        settlement(HEAD, date(2026, 8, 3), 1000.0), settlement(HEAD, date(2026, 8, 3), 1000.01),  # two claims
        settlement(SPOUSE, date(2026, 8, 4), 3000.0), settlement(SPOUSE, date(2026, 8, 4), 3000.0, visit="普通门诊"),
    ])  # fmt: skip
    county.compare(Q3)
    got = dict(county.con.sql("select id_number, out_of_pocket from int_medical__oop_by_person").fetchall())
    assert got == {HEAD: 6000.0 + 1000.0 + 1000.01, SPOUSE: 6000.0}
    claims = dict(county.con.sql("select id_number, claims from int_medical__oop_by_person").fetchall())
    assert claims == {HEAD: 3, SPOUSE: 2}


def Quarter_2025Q4():
    from transforms.settings import Quarter

    return Quarter.parse("2025Q4")


@pytest.mark.parametrize("oop,fires", [(8000.0, False), (8000.01, True)])
def test_med_high_oop_share_of_last_years_income(county, oop, fires):
    # household income 2 × 8,000 = 16,000; half of it is 8,000
    county.stage(
        "roster__persons", Q3, [roster_row(HEAD, income=8000), roster_row(SPOUSE, relation="配偶", income=8000)]
    )
    county.stage("medical__settlements", Q3, [settlement(HEAD, date(2026, 7, 3), oop)])
    w = county.compare(Q3).warnings.filter(rule_id="MED_HIGH_OOP")
    assert w.height == int(fires)
    if fires:
        assert w["evidence"][0] == "2026年1–9月家庭医疗个人自付8,000.01元，超过上年家庭纯收入16,000.00元的50%"


@pytest.mark.parametrize("policy,oop,fires", [(1000.0, 500.0, False), (1000.01, 100.0, False),
                                              (1000.01, 100.01, True), (2000.0, 200.0, False)])  # fmt: skip
def test_med_oop_ratio(county, policy, oop, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    county.stage("medical__settlements", Q3, [settlement(HEAD, date(2026, 7, 3), oop, policy)])
    assert county.fired(Q3, "MED_OOP_RATIO") == ([("MED_OOP_RATIO", "H1", HEAD)] if fires else [])


def test_med_uninsured(county):
    third = person_id(date(2010, 1, 1), 44)
    county.stage(
        "roster__persons", Q3, [roster_row(HEAD), roster_row(SPOUSE, relation="配偶"), roster_row(third, relation="子")]
    )
    county.stage("medical__enrolment", Q3, [
        {"id_number": HEAD, "name": "某", "insured_status": "终止参保", "scheme": "职工基本医疗保险", "subsidised": "否"},
        {"id_number": HEAD, "name": "某", "insured_status": "正常参保", "scheme": "城乡居民基本医疗保险", "subsidised": "是"},
        {"id_number": SPOUSE, "name": "某", "insured_status": "暂停参保", "scheme": "城乡居民基本医疗保险", "subsidised": "是"},
    ])  # fmt: skip
    got = sorted(county.fired(Q3, "MED_UNINSURED"))
    assert got == sorted([("MED_UNINSURED", "H1", SPOUSE), ("MED_UNINSURED", "H1", third)])


def test_med_uninsured_needs_an_enrolment_extract(county):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    assert county.fired(Q3, "MED_UNINSURED") == []


@pytest.mark.parametrize("income,end,fires", [(11999.99, date(2026, 7, 1), True), (12000.0, date(2026, 7, 1), False),
                                              (11999.99, date(2026, 6, 30), False), (11999.99, date(2026, 9, 30), True)])  # fmt: skip
def test_civ_dibao_stopped(county, income, end, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD, income=income)])
    county.stage("civil__assistance", Q3, [civil(HEAD, "农村低保", "停保", date(2023, 1, 1), end)])
    assert county.fired(Q3, "CIV_DIBAO_STOPPED") == ([("CIV_DIBAO_STOPPED", "H1", None)] if fires else [])


@pytest.mark.parametrize(
    "start,fires", [(date(2026, 6, 30), False), (date(2026, 7, 1), True), (date(2026, 9, 30), True)]
)
def test_civ_temp_assist(county, start, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    county.stage("civil__assistance", Q3, [civil(HEAD, "临时救助", "停保", start, start, 1500)])
    assert county.fired(Q3, "CIV_TEMP_ASSIST") == ([("CIV_TEMP_ASSIST", "H1", None)] if fires else [])


@pytest.mark.parametrize("grade,status,fires", [("C", "未改造", True), ("D", "改造中", True), ("C", "已竣工", False),
                                                ("D", "已搬迁", False), ("B", "未改造", False)])  # fmt: skip
def test_hou_unsafe(county, grade, status, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    county.stage("housing__appraisals", Q3, [{"id_number": HEAD, "name": "某", "appraisal_grade": grade,
                                              "appraised_on": date(2026, 1, 5), "renovation_status": status}])  # fmt: skip
    assert county.fired(Q3, "HOU_UNSAFE") == ([("HOU_UNSAFE", "H1", None)] if fires else [])


# Ages on 2026-09-30, the reference date of 2026Q3.
AGE_5 = person_id(date(2020, 10, 1), 55)  # turns 6 the day after
AGE_6 = person_id(date(2020, 9, 30), 56)
AGE_15 = person_id(date(2010, 10, 1), 57)  # 15, turns 16 the day after
AGE_16 = person_id(date(2010, 9, 30), 58)


@pytest.mark.parametrize("child,status,fires", [(AGE_5, "辍学", False), (AGE_6, "辍学", True), (AGE_15, "休学", True),
                                                (AGE_16, "辍学", False), (AGE_6, "在读", False), (AGE_6, None, True)])  # fmt: skip
def test_edu_dropout(county, child, status, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD), roster_row(child, relation="子")])
    student = {
        "id_number": child,
        "name": "某",
        "school": "县小学",
        "stage": "小学",
        "enrolment_status": status,
        "aid": "两免一补",
    }
    other = {**student, "id_number": person_id(date(2015, 1, 1), 99), "enrolment_status": "在读"}  # the roll arrived
    county.stage("education__students", Q3, [student, other] if status else [other])
    assert county.fired(Q3, "EDU_DROPOUT") == ([("EDU_DROPOUT", "H1", child)] if fires else [])


@pytest.mark.parametrize("status,aid,fires", [("在读", "无", True), ("在读", "两免一补", False), ("毕业", "无", False)])
def test_edu_no_aid(county, status, aid, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD), roster_row(AGE_15, relation="子")])
    county.stage("education__students", Q3, [{"id_number": AGE_15, "name": "某", "school": "县一中", "stage": "初中",
                                              "enrolment_status": status, "aid": aid}])  # fmt: skip
    assert county.fired(Q3, "EDU_NO_AID") == ([("EDU_NO_AID", "H1", AGE_15)] if fires else [])


def certificate(id_number: str, grade: str, issued: date, living: str = "是", care: str = "是") -> dict:
    return {"id_number": id_number, "name": "某", "category": "肢体", "grade": grade, "issued_on": issued,
            "living_subsidy": living, "care_subsidy": care}  # fmt: skip


@pytest.mark.parametrize(
    "issued,fires", [(date(2026, 6, 30), False), (date(2026, 7, 1), True), (date(2026, 9, 30), True)]
)
def test_dis_new(county, issued, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    county.stage("disability__certificates", Q3, [certificate(HEAD, "三级", issued)])
    assert county.fired(Q3, "DIS_NEW") == ([("DIS_NEW", "H1", HEAD)] if fires else [])


@pytest.mark.parametrize("grade,living,care,dibao,fires", [("二级", "是", "否", False, True), ("三级", "是", "否", False, False),
                                                           ("三级", "否", "是", True, True), ("三级", "否", "是", False, False)])  # fmt: skip
def test_dis_no_subsidy(county, grade, living, care, dibao, fires):
    county.stage("roster__persons", Q3, [roster_row(HEAD), roster_row(SPOUSE, relation="配偶")])
    county.stage("disability__certificates", Q3, [certificate(HEAD, grade, date(2020, 1, 1), living, care)])
    if dibao:
        county.stage("civil__assistance", Q3, [civil(SPOUSE, "农村低保", "在保", date(2024, 1, 1))])
    assert county.fired(Q3, "DIS_NO_SUBSIDY") == ([("DIS_NO_SUBSIDY", "H1", HEAD)] if fires else [])


def test_new_candidate_is_one_warning_per_person_with_every_signal(county):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    county.stage(
        "medical__settlements",
        Q3,
        [settlement(OUTSIDER, date(2026, 8, 1), 10000.01), settlement(HEAD, date(2026, 8, 1), 20000)],
    )
    county.stage("civil__assistance", Q3, [civil(OUTSIDER, "临时救助", "停保", date(2026, 8, 9), date(2026, 8, 9))])
    w = county.compare(Q3).warnings.filter(rule_id="NEW_CANDIDATE")
    assert w.select("household_id", "id_number", "town", "village", "cause", "department").rows() == [
        (None, OUTSIDER, "河东镇", "柳树村", "illness", "county")
    ]
    assert w["evidence"][0] == "2026年1–9月医疗个人自付10,000.01元；2026年8月9日新纳入临时救助"


def test_new_candidate_threshold(county):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    county.stage("medical__settlements", Q3, [settlement(OUTSIDER, date(2026, 8, 1), 10000.0)])
    assert county.fired(Q3, "NEW_CANDIDATE") == []


@pytest.mark.parametrize("new_first", [True, False])
def test_a_reissued_certificate_is_the_persons_certificate(county, new_first):
    """An old grade-三级 certificate (2015) and a new 二级 one issued this quarter, in either
    order: DIS_NEW fires on the new one, DIS_NO_SUBSIDY reads the new one alone (care subsidy
    missing on the new 二级), and a roster person's old certificate never decides."""
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    old = {**certificate(HEAD, "三级", date(2015, 3, 1), care="否"), "category": "听力"}
    new = {**certificate(HEAD, "二级", date(2026, 8, 20), care="否"), "category": "精神"}
    county.stage("disability__certificates", Q3, [new, old] if new_first else [old, new])
    warnings = county.compare(Q3).warnings
    dis_new = warnings.filter(rule_id="DIS_NEW")
    assert dis_new["evidence"].to_list() == ["2026年8月20日新办残疾人证：精神二级"]
    no_subsidy = warnings.filter(rule_id="DIS_NO_SUBSIDY")
    assert no_subsidy["evidence"].to_list() == ["精神二级残疾，未享受重度残疾人护理补贴"]


def test_an_earlier_certificate_alone_does_not_decide(county):
    """The latest certificate has the care subsidy: the old one without it raises nothing."""
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    old = certificate(HEAD, "二级", date(2015, 3, 1), care="否")
    new = certificate(HEAD, "一级", date(2026, 2, 1), care="是")
    county.stage("disability__certificates", Q3, [old, new])
    assert county.fired(Q3, "DIS_NO_SUBSIDY") == []
    assert county.fired(Q3, "DIS_NEW") == []


def test_a_new_candidates_signal_comes_from_the_current_certificate(county):
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    older_severe = certificate(OUTSIDER, "一级", date(2026, 7, 2))
    current_mild = certificate(OUTSIDER, "四级", date(2026, 9, 1))
    county.stage("disability__certificates", Q3, [older_severe, current_mild])
    assert county.fired(Q3, "NEW_CANDIDATE") == []
