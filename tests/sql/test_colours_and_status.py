"""Household colours, who is listed, and each warning's status against the previous quarter."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from .conftest import HEAD, OUTSIDER, Q2, Q3, SPOUSE, roster_row


def _household(county, quarter):
    households = county.compare(quarter).all_households
    return households.filter(pl.col("household_id") == "H1").row(0, named=True)


@pytest.mark.parametrize(
    "row,colour,listed",
    [
        (roster_row(HEAD, income=9999.99), "yellow", True),
        (roster_row(HEAD, income=10000.0), "green", False),
        (roster_row(HEAD, income=4999.99), "red", True),  # INC_BELOW_LINE
        (
            roster_row(
                HEAD, income=20000, household_type="监测户", monitoring_type="边缘易致贫户", risk_eliminated="否"
            ),
            "red",
            True,
        ),
        (
            roster_row(
                HEAD, income=20000, household_type="监测户", monitoring_type="边缘易致贫户", risk_eliminated=None
            ),
            "red",
            True,
        ),
        (
            roster_row(
                HEAD, income=20000, household_type="监测户", monitoring_type="边缘易致贫户", risk_eliminated="是"
            ),
            "green",
            False,
        ),
    ],
)
def test_colour(county, row, colour, listed):
    county.stage("roster__persons", Q3, [row])
    h = _household(county, Q3)
    assert (h["colour"], h["is_listed"]) == (colour, listed)


def test_a_work_order_only_rule_lists_a_green_household_without_colouring_it(county):
    county.stage("roster__persons", Q3, [roster_row(HEAD, income=20000)])
    county.stage("disability__certificates", Q3, [{"id_number": HEAD, "name": "某", "category": "肢体", "grade": "一级",
                                                   "issued_on": date(2019, 1, 1), "living_subsidy": "是", "care_subsidy": "否"}])  # fmt: skip
    h = _household(county, Q3)
    assert (h["colour"], h["is_listed"], h["rule_ids"]) == ("green", True, ["DIS_NO_SUBSIDY"])
    listed = county.compare(Q3).households
    assert listed["household_id"].to_list() == ["H1"] and listed["causes"].to_list() == [["disability"]]


def _enrol(id_number, status):
    return {
        "id_number": id_number,
        "name": "某",
        "insured_status": status,
        "scheme": "城乡居民基本医疗保险",
        "subsidised": "是",
    }


def test_status_new_continuing_escalated_and_closed(county):
    roster = [roster_row(HEAD, income=9000), roster_row(SPOUSE, relation="配偶", income=9000)]
    for q in (Q2, Q3):
        county.stage("roster__persons", q, roster)
    # Q2: the spouse is uninsured (household red via MED_UNINSURED); the head too.
    county.stage("medical__enrolment", Q2, [_enrol(HEAD, "暂停参保"), _enrol(SPOUSE, "暂停参保")])
    q2 = county.compare(Q2).warnings
    assert set(q2["status"]) == {"新增"}
    # Q3: the head is insured again (closed), the spouse still not (continuing), and the household
    # gains a red-making rule it did not have (HOU_UNSAFE, new) -> the continuing one escalates.
    county.stage("medical__enrolment", Q3, [_enrol(HEAD, "正常参保"), _enrol(SPOUSE, "暂停参保")])
    county.stage("housing__appraisals", Q3, [{"id_number": HEAD, "name": "某", "appraisal_grade": "D",
                                              "appraised_on": date(2026, 8, 1), "renovation_status": "未改造"}])  # fmt: skip
    result = county.compare(Q3)
    got = sorted(result.warnings.select("rule_id", "id_number", "status").rows(), key=str)
    assert got == sorted([("MED_UNINSURED", SPOUSE, "升级"), ("HOU_UNSAFE", None, "新增")], key=str)
    assert result.closed.select("rule_id", "id_number", "quarter", "closed_in").rows() == [
        ("MED_UNINSURED", HEAD, "2026Q2", "2026Q3")
    ]


def test_continuing_when_nothing_changed_and_rerun_of_an_earlier_quarter_keeps_the_later_one(county):
    roster = [roster_row(HEAD, income=4000)]
    for q in (Q2, Q3):
        county.stage("roster__persons", q, roster)
    county.compare(Q2)
    first_q3 = county.compare(Q3).warnings
    # below the monitoring line is below the 低保 standard too
    assert first_q3.select("rule_id", "status").rows() == [("CIV_DIBAO_GAP", "持续"), ("INC_BELOW_LINE", "持续")]
    county.compare(Q2)  # rerun Q2 after Q3
    again = county.compare(Q3).warnings
    assert again.equals(first_q3)
    counts = county.con.execute("select quarter, count(*) from hist_warnings group by 1 order by 1").fetchall()
    assert counts == [("2026Q2", 2), ("2026Q3", 2)]


def test_new_candidate_escalates_when_it_gains_a_signal(county):
    county.stage("roster__persons", Q2, [roster_row(HEAD)])
    county.stage("roster__persons", Q3, [roster_row(HEAD)])
    settlement = {"id_number": OUTSIDER, "name": "某", "settled_on": date(2026, 5, 1), "visit_type": "住院",
                  "total_cost": 30000.0, "policy_cost": 15000.0, "out_of_pocket": 12000.0}  # fmt: skip
    county.stage("medical__settlements", Q2, [settlement])
    assert county.fired(Q2, "NEW_CANDIDATE") == [("NEW_CANDIDATE", None, OUTSIDER)]
    county.stage("housing__appraisals", Q3, [{"id_number": OUTSIDER, "name": "某", "appraisal_grade": "C",
                                              "appraised_on": date(2026, 8, 1), "renovation_status": "未改造"}])  # fmt: skip
    w = county.compare(Q3).warnings.filter(rule_id="NEW_CANDIDATE")
    assert w.select("status", "town").rows() == [("升级", None)]
