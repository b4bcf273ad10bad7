"""Deadlines in Chinese working days: public holidays and adjusted working days (调休) from
chinesecalendar, extended by `config/calendar.yaml` for years the package does not cover yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

from transforms.config_files import CalendarFile, read_config_file


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days; remembers the years it had to guess (Monday to Friday)."""

    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    verification_working_days: int = 5
    work_order_working_days: int = 15
    guessed_years: set[int] = field(default_factory=set, compare=False)

    @classmethod
    def load(cls, config_dir: Path | None = None) -> WorkingCalendar:
        raw = read_config_file("calendar.yaml", CalendarFile, config_dir)
        return cls(
            extra_holidays=frozenset(raw.extra_holidays),
            extra_workdays=frozenset(raw.extra_workdays),
            verification_working_days=raw.deadlines.verification_working_days,
            work_order_working_days=raw.deadlines.work_order_working_days,
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the package does not cover yet
            self.guessed_years.add(day.year)
            return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (the start day itself not counted).

        >>> WorkingCalendar().add_working_days(date(2026, 9, 30), 5)  # over National Day
        datetime.date(2026, 10, 13)
        """
        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after it):
        how many working days a deadline `start` is overdue on `end`.

        >>> WorkingCalendar().working_days_between(date(2026, 9, 30), date(2026, 10, 9))  # National Day
        2
        """
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
