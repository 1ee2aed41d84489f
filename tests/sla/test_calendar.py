from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.sla.calendar import WorkCalendar, due_at

UTC = timezone.utc
CAL = WorkCalendar(holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}), workdays=frozenset({date(2026, 10, 10)}))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (datetime(2026, 11, 23, 9, 30, tzinfo=UTC), 1, datetime(2026, 11, 24, 9, 30, tzinfo=UTC)),  # Mon → Tue
        (datetime(2026, 11, 20, 16, 0, tzinfo=UTC), 1, datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),  # Fri → Mon
        (datetime(2026, 11, 21, 12, 0, tzinfo=UTC), 1, datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),  # Sat → end of Mon
        (datetime(2026, 9, 30, 10, 0, tzinfo=UTC), 1, datetime(2026, 10, 5, 10, 0, tzinfo=UTC)),  # holidays skipped
        (datetime(2026, 10, 9, 10, 0, tzinfo=UTC), 1, datetime(2026, 10, 10, 10, 0, tzinfo=UTC)),  # make-up Saturday
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 5, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
    ],
)
def test_working_days_skip_weekends_and_holidays(start, days, expected):
    assert CAL.add_working_days(start, days) == expected


def test_urgent_matters_count_clock_hours():
    start = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # a Saturday night 挪车
    assert due_at(CAL, start, 1, hours=1) == datetime(2026, 11, 22, 0, 30, tzinfo=UTC)


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (datetime(2026, 11, 23, 9, 0), 2, datetime(2026, 11, 23, 11, 0)),  # within the morning
        (datetime(2026, 11, 23, 11, 0), 2, datetime(2026, 11, 23, 15, 0)),  # lunch break does not count
        (datetime(2026, 11, 20, 17, 0), 2, datetime(2026, 11, 23, 10, 0)),  # Friday evening → Monday
        (datetime(2026, 11, 22, 10, 0), 2, datetime(2026, 11, 23, 10, 30)),  # Sunday → Monday from 08:30
        (datetime(2026, 9, 30, 17, 0), 1, datetime(2026, 10, 8, 9, 0)),  # National Day holidays skipped
        (datetime(2026, 10, 9, 17, 30), 1, datetime(2026, 10, 10, 9, 30)),  # make-up Saturday counts
    ],
)
def test_working_hours_count_only_office_time(start, hours, expected):
    holidays = frozenset(date(2026, 10, d) for d in range(1, 8))
    calendar = WorkCalendar(holidays=holidays, workdays=frozenset({date(2026, 10, 10)}))
    result = calendar.add_working_hours(start.replace(tzinfo=SHANGHAI), hours)
    assert result == expected.replace(tzinfo=SHANGHAI)


def test_a_calendar_without_office_hours_fails_instead_of_hanging():
    with pytest.raises(ValueError):
        WorkCalendar(office_hours=()).add_working_hours(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 1)
