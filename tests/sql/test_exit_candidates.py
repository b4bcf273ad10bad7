"""Leaving monitoring (contract: 风险消除建议): every condition of out_exit_candidates.sql on both
sides of its edge, on a real DuckDB with the project's own staging and models. The household H1
is a 监测户 (边缘易致贫户, risk not eliminated) with a head and a spouse who can work; each test
moves one condition across its edge."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from .conftest import HEAD, Q2, Q3, SPOUSE, roster_row
from .test_rules import certificate

LINE = 5000.0  # the monitoring line in force in 2026 (config/thresholds.yaml)


def _members(since: date | None = date(2025, 1, 1), income: float = 8000.0, labour=("普通劳动力", "普通劳动力"),
             eliminated: str | None = "否", household_type: str = "监测户") -> list[dict]:  # fmt: skip
    rows = []
    for (person, relation), status in zip(((HEAD, "户主"), (SPOUSE, "配偶")), labour, strict=True):
        row = roster_row(person, relation=relation, income=income, household_type=household_type,
                         monitoring_type="边缘易致贫户" if household_type == "监测户" else None,
                         risk_eliminated=eliminated if household_type == "监测户" else None)  # fmt: skip
        rows.append(row | {"labour_status": status, "monitored_since": since})
    return rows


def _proposed(county, q2=None, q3=None, before=None) -> list[str]:
    county.stage("roster__persons", Q2, q2 if q2 is not None else _members())
    county.stage("roster__persons", Q3, q3 if q3 is not None else _members())
    county.compare(Q2)
    if before:
        before(county)
    return county.compare(Q3).exit_candidates["household_id"].to_list()


def test_a_household_meeting_every_condition_is_proposed_with_its_figures(county):
    assert _proposed(county) == ["H1"]
    row = county.compare(Q3).exit_candidates.row(0, named=True)
    assert row["months_monitored"] == 21 and row["since_from_roster"]
    assert (row["income_now"], row["income_previous"], row["monitoring_line"]) == (8000.0, 8000.0, LINE)


@pytest.mark.parametrize(("since", "proposed"), [(date(2026, 4, 2), False), (date(2026, 4, 1), True)])
def test_six_months_monitored_by_the_quarters_last_day(county, since, proposed):
    """Since 2026-04-01 qualifies on 2026-09-30; since 2026-04-02 (5 months and 29 days) does not."""
    members = _members(since=since)
    assert (_proposed(county, members, members) == ["H1"]) is proposed


@pytest.mark.parametrize(
    ("income_q2", "income_q3", "proposed"), [(8999.0, 9500.0, False), (9500.0, 8999.0, False), (9000.0, 9000.0, True)]
)
def test_income_at_or_above_the_line_in_both_quarters(county, income_q2, income_q3, proposed):
    """With a monitoring line of 9,000 (above the 低保 standard, so that no other rule fires at
    the edge — at 5,000 a household is also below the 低保 standard, a warning of its own): one
    yuan below in either quarter keeps it; at the line in both, proposed."""
    import dataclasses

    from transforms.config_files import ThresholdEntry

    line = (ThresholdEntry(from_year=2019, value=9000),)
    county.config = dataclasses.replace(
        county.config, threshold_entries={**county.config.threshold_entries, "monitoring_line": line}
    )
    assert (_proposed(county, _members(income=income_q2), _members(income=income_q3)) == ["H1"]) is proposed


def test_a_warning_last_quarter_only_keeps_it_monitored(county):
    def fired_last_quarter(c):
        c.con.execute(
            "insert into hist_warnings (quarter, rule_id, household_id, id_number) values ('2026Q2', 'CIV_TEMP_ASSIST', 'H1', null)"
        )

    assert _proposed(county, before=fired_last_quarter) == []


def test_a_members_warning_this_quarter_keeps_it_monitored(county):
    county.stage("disability__certificates", Q3, [certificate(SPOUSE, "二级", date(2026, 8, 1))])  # DIS_NEW, spouse
    assert _proposed(county) == []


@pytest.mark.parametrize(("settled", "proposed"), [(None, False), ("办理中", False), ("已办结", True)])
def test_an_open_work_order_keeps_it_monitored(county, settled, proposed):
    """A work order of an earlier quarter (2026Q1) whose latest answer is not 已办结 is still open."""

    def ordered_before(c):
        c.con.execute(
            "insert into hist_warnings (quarter, rule_id, household_id, id_number) values ('2026Q1', 'DIS_NO_SUBSIDY', 'H1', ?)",
            [HEAD],
        )
        c.con.execute(
            "insert into work_order_numbers values ('2026Q1', 'DIS_NO_SUBSIDY', ?, 'disability', '2026Q1-DIS-000001')",
            [HEAD],
        )
        if settled:
            c.con.execute(
                "insert into returned_answers (quarter, kind, key, value, answered_on, arrival, row_number) "
                "values ('2026Q1', 'settlement', '2026Q1-DIS-000001', ?, date '2026-05-10', 1, 4)",
                [settled],
            )

    assert (_proposed(county, before=ordered_before) == ["H1"]) is proposed


@pytest.mark.parametrize(("labour", "proposed"), [
    (("丧失劳动力", "无劳动力"), False), (("无劳动力", "弱劳动力或半劳动力"), True),
])  # fmt: skip
def test_a_household_in_which_nobody_can_work_is_never_closed(county, labour, proposed):
    members = _members(labour=labour)
    assert (_proposed(county, members, members) == ["H1"]) is proposed


def test_without_the_date_it_counts_from_the_first_quarter_seen_as_a_monitored_household(county):
    """No 纳入监测时间 (the column absent): first seen as 监测户 in 2026Q2 → since 2026-04-01,
    six months on 2026-09-30."""
    members = _members(since=None)
    assert _proposed(county, members, members) == ["H1"]
    row = county.compare(Q3).exit_candidates.row(0, named=True)
    assert (row["monitored_since"], row["since_from_roster"], row["months_monitored"]) == (date(2026, 4, 1), False, 6)


def test_only_a_monitored_household_whose_risk_is_not_eliminated_is_proposed(county):
    assert _proposed(county, _members(eliminated="是"), _members(eliminated="是")) == []
    lifted = _members(household_type="脱贫户")
    assert _proposed(county, lifted, lifted) == []


def test_nothing_is_proposed_without_a_previous_quarters_roster(county):
    county.stage("roster__persons", Q2, _members())
    proposals = county.compare(Q2).exit_candidates
    assert proposals.height == 0 and isinstance(proposals, pl.DataFrame)


@pytest.mark.parametrize(("answer", "roster_updated", "pending", "proposed"), [
    ("同意消除", False, True, False), ("同意消除", True, False, False), ("暂不消除", False, False, True),
])  # fmt: skip
def test_an_agreed_exit_the_roster_has_not_caught_up_with_goes_to_the_county_office(
    county, answer, roster_updated, pending, proposed
):
    """Last quarter's proposal agreed (同意消除) while the roster still says 风险是否消除 否: listed for
    the county office (已同意消除，名册未更新), not proposed again; once the roster says 是, neither."""

    def answered(c):
        c.con.execute("insert into exit_numbers values ('2026Q2', '城关镇', 'H1', '2026Q2-XC-000001')")
        c.con.execute(
            "insert into returned_answers (quarter, kind, key, value, answered_by, answered_on, arrival, row_number) "
            "values ('2026Q2', 'exit', '2026Q2-XC-000001', ?, '张三', date '2026-07-20', 1, 4)",
            [answer],
        )

    q3 = _members(eliminated="是" if roster_updated else "否")
    assert (_proposed(county, _members(), q3, before=answered) == ["H1"]) is proposed
    listed = county.compare(Q3).exit_agreed_pending
    assert (listed["household_id"].to_list() == ["H1"]) is pending
    if pending:
        assert listed.row(0, named=True)["proposal_no"] == "2026Q2-XC-000001"
