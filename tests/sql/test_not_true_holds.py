"""A town's 不属实 holds until the facts change materially (contract: the closed loop): for the
spending rules, out-of-pocket grown by more than 20 % and by at least 2,000 yuan over the amount
the town judged; for the others, the evidence without its period. Whatever the department
answered, across quarters, into a new year. The answers go in as read-returns records them."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.settings import Quarter

from .conftest import HEAD, Q2, Q3, SPOUSE, roster_row

Q4, Q1_2027 = Quarter.parse("2026Q4"), Quarter.parse("2027Q1")


def _claim(id_number: str, on: date, oop: float) -> dict:
    return {"id_number": id_number, "name": "某", "settled_on": on, "visit_type": "住院", "total_cost": oop * 6,
            "policy_cost": oop * 5, "fund_paid": 0.0, "serious_illness_paid": 0.0, "assistance_paid": 0.0,
            "out_of_pocket": oop, "hospital": "县医院"}  # fmt: skip


def _answer(county, quarter: Quarter, subject: str, value: str, kind: str = "verification", rule_id: str = "") -> None:
    """A returned answer for `subject`'s town-list row (or its work order), as read-returns records it."""
    q = str(quarter)
    number = f"{q}-{'YJ' if kind == 'verification' else 'MED'}-{abs(hash((subject, rule_id))) % 10**6:06d}"
    if kind == "verification":
        county.con.execute("insert into listing_numbers values (?, '河东镇', ?, ?)", [q, subject, number])
    else:
        county.con.execute(
            "insert into work_order_numbers values (?, ?, ?, 'medical', ?)", [q, rule_id, subject, number]
        )
    county.con.execute(
        "insert into returned_answers (quarter, kind, key, value, answered_by, answered_on, arrival) "
        "values (?, ?, ?, ?, '张三', ?, 1)",
        [q, kind, number, value, quarter.last_day],
    )


def _roster(county, *quarters: Quarter) -> None:
    for q in quarters:
        county.stage("roster__persons", q, [roster_row(HEAD, income=30000), roster_row(SPOUSE, relation="配偶", income=30000)])  # fmt: skip


def _oop_warning(county, quarter: Quarter) -> dict:
    w = county.compare(quarter).warnings.filter(pl.col("rule_id") == "MED_HIGH_OOP")
    assert w.height == 1
    return w.row(0, named=True)


@pytest.mark.parametrize(
    "more,sent",
    [(2400.0, False), (2400.01, True), (0.0, False)],  # 12,000 judged: +20 % exactly is no change, a fen more is
)
def test_spending_judged_not_true_is_sent_again_only_when_it_grew_materially(county, more, sent):
    _roster(county, Q2, Q3)
    county.stage("medical__settlements", Q2, [_claim(HEAD, date(2026, 5, 3), 12000.0)])
    assert _oop_warning(county, Q2)["listed"]
    _answer(county, Q2, "H1", "不属实")
    if more:
        county.stage("medical__settlements", Q3, [_claim(SPOUSE, date(2026, 8, 3), more)])
    w = _oop_warning(county, Q3)
    assert (w["listed"], w["followup"]) == (sent, "不属实")
    if sent:
        assert w["changed_since_judged"] == "个人自付由12,000.00元增至14,400.01元"


def test_a_large_share_of_a_small_amount_is_no_material_change(county):
    """MED_OOP_RATIO judged at 1,000 yuan: +50 % is only 500 yuan (under 2,000): not sent again."""
    _roster(county, Q2, Q3)
    county.stage("medical__settlements", Q2, [_claim(HEAD, date(2026, 5, 3), 1000.0) | {"policy_cost": 2000.0}])
    first = county.compare(Q2).warnings.filter(pl.col("rule_id") == "MED_OOP_RATIO")
    assert first["listed"].to_list() == [True]
    _answer(county, Q2, "H1", "不属实")
    county.stage("medical__settlements", Q3, [_claim(HEAD, date(2026, 8, 3), 500.0) | {"policy_cost": 1000.0}])
    w = county.compare(Q3).warnings.filter(pl.col("rule_id") == "MED_OOP_RATIO")
    assert w.select("listed", "followup").rows() == [(False, "不属实")]


def test_the_judgement_is_carried_and_compared_with_what_the_town_judged(county):
    """Three quarters: judged at 12,000 in Q2; 13,000 in Q3 and 14,000 in Q4 are each under 20 %
    above what the town judged (though Q4 is measured against 12,000, not Q3's 13,000); 14,500
    would be more: sent again."""
    _roster(county, Q2, Q3, Q4)
    county.stage_all_empty(Q4)
    _roster(county, Q4)
    county.stage("medical__settlements", Q2, [_claim(HEAD, date(2026, 5, 3), 12000.0)])
    _oop_warning(county, Q2)
    _answer(county, Q2, "H1", "不属实")
    county.stage("medical__settlements", Q3, [_claim(SPOUSE, date(2026, 8, 3), 1000.0)])
    assert (_oop_warning(county, Q3)["listed"], _oop_warning(county, Q3)["followup"]) == (False, "不属实")
    county.stage("medical__settlements", Q4, [_claim(SPOUSE, date(2026, 11, 3), 1000.0)])
    w4 = _oop_warning(county, Q4)
    assert (w4["listed"], w4["followup"]) == (False, "不属实")  # 14,000: +16.7 % over the judged 12,000
    county.stage("medical__settlements", Q4, [_claim(SPOUSE, date(2026, 11, 3), 1500.0)])
    w4 = _oop_warning(county, Q4)
    assert (w4["listed"], w4["followup"]) == (True, "不属实")
    assert w4["changed_since_judged"] == "个人自付由12,000.00元增至14,500.00元"


def test_into_a_new_year_a_smaller_amount_is_never_a_change(county):
    _roster(county, Q4, Q1_2027)
    county.stage_all_empty(Q4)
    county.stage_all_empty(Q1_2027)
    _roster(county, Q4, Q1_2027)
    county.stage("medical__settlements", Q4, [_claim(HEAD, date(2026, 11, 3), 12000.0)])
    _oop_warning(county, Q4)
    _answer(county, Q4, "H1", "不属实")
    county.stage("medical__settlements", Q1_2027, [_claim(HEAD, date(2027, 2, 3), 11000.0)])
    w = _oop_warning(county, Q1_2027)
    assert (w["listed"], w["followup"]) == (False, "不属实")


def test_not_true_holds_whatever_the_department_answered(county):
    """The town said 不属实, the department reported its work order 已办结: not sent again."""
    _roster(county, Q2, Q3)
    county.stage("medical__settlements", Q2, [_claim(HEAD, date(2026, 5, 3), 12000.0)])
    _oop_warning(county, Q2)
    _answer(county, Q2, "H1", "不属实")
    _answer(county, Q2, "H1", "已办结", kind="settlement", rule_id="MED_HIGH_OOP")
    w = _oop_warning(county, Q3)
    assert (w["listed"], w["followup"]) == (False, "不属实")


@pytest.mark.parametrize("income,sent", [(4000.0, False), (3000.0, True)])
def test_other_rules_compare_their_evidence_without_its_period(county, income, sent):
    """INC_BELOW_LINE judged 不属实 at 4,000: the same figure next quarter is not sent again, a
    different one is."""
    county.stage("roster__persons", Q2, [roster_row(HEAD, income=4000.0)])
    county.stage("roster__persons", Q3, [roster_row(HEAD, income=income)])
    county.compare(Q2)
    _answer(county, Q2, "H1", "不属实")
    w = county.compare(Q3).warnings.filter(pl.col("rule_id") == "INC_BELOW_LINE")
    assert w.select("listed", "followup").rows() == [(sent, "不属实")]
