"""Deadlines in working days over Chinese public holidays and adjusted working days."""

from __future__ import annotations

from datetime import date

import pytest

from transforms.kit.deadlines import WorkingCalendar


@pytest.mark.parametrize(
    "start,days,expected",
    [
        (date(2026, 9, 29), 5, date(2026, 10, 12)),  # 国庆 1–7 Oct off; Sat 10 Oct is a working day
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 2, 13), 5, date(2026, 2, 27)),  # 春节: Sat 14 Feb worked, 15–23 Feb off
        (date(2026, 2, 13), 15, date(2026, 3, 12)),  # Sat 28 Feb is worked too
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # an ordinary week
    ],
)
def test_working_days(start, days, expected):
    assert WorkingCalendar().add_working_days(start, days) == expected


def test_a_year_not_yet_covered_counts_weekdays_and_says_so():
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)
    assert calendar.guessed_years == {2027}


def test_a_county_adds_next_years_holidays():
    calendar = WorkingCalendar(
        extra_holidays=frozenset({date(2027, 1, 1)}), extra_workdays=frozenset({date(2027, 1, 9)})
    )
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 9)


def test_shipped_configuration_has_the_contracts_deadlines():
    calendar = WorkingCalendar.load()
    assert (calendar.verification_working_days, calendar.work_order_working_days) == (5, 15)


@pytest.mark.parametrize(
    "today,expected",
    [
        (date(2026, 9, 15), "2026Q3"),
        (date(2026, 10, 4), "2026Q3"),
        (date(2026, 10, 5), "2026Q4"),
        (date(2027, 1, 2), "2026Q4"),
    ],
)
def test_which_quarter_a_scheduled_check_or_run_is_for(today, expected):
    from transforms.settings import Quarter

    assert str(Quarter.collecting(today)) == expected
    assert str(Quarter.just_ended(date(2026, 10, 5))) == "2026Q3"
