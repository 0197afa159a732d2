"""The working-day calendar (DESIGN.md §4).

Counting follows the Civil Code 2015, arts. 147–148: the first day is not counted; a
working-day period counts Monday–Friday minus public holidays plus the Saturdays the
government makes working days; a calendar-day period whose last day is not a working day
ends on the next working day. Public holidays and make-up days come from the `holidays`
package's Vietnam calendar (Bộ luật Lao động 2019 art. 112 and the yearly swaps), and the
admin's `holiday_override` rows win over it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from sqlmodel import Session, col, select

from models import HolidayOverride, PeriodUnit

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_today(now: datetime) -> date:
    """The legal date in Vietnam of an aware instant."""
    return now.astimezone(VN_TZ).date()


def end_of_day(day: date) -> datetime:
    """A deadline ends at 23:59:59 Asia/Ho_Chi_Minh on its due date."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=VN_TZ)


# Per-year running totals, shared by every calendar with the same overrides: the calendar is
# reloaded every few seconds, the totals stay valid as long as the overrides are the same.
_YEAR_COUNTS: dict[tuple[frozenset[date], frozenset[date], int], tuple[int, ...]] = {}
# Working-day sums by (overrides, start, n), shared the same way: the same few come back on
# every request (today's due-soon and overdue limits, a period from today), and each one
# walks the holiday table day by day (issue 7: intake throughput).
_SUMS: dict[tuple[frozenset[date], frozenset[date], date, int], date] = {}


@dataclass(frozen=True)
class WorkCalendar:
    """Vietnam's working days with the agency's overrides applied."""

    extra_working: frozenset[date] = frozenset()
    extra_off: frozenset[date] = frozenset()
    _vn: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("VN", language="vi"), compare=False, repr=False
    )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working:
            return True
        if day in self.extra_off:
            return False
        return bool(self._vn.is_working_day(day))

    def holiday_name(self, day: date) -> str | None:
        name = self._vn.get(day)
        return str(name) if name else None

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (the first day is not counted)."""
        key = (self.extra_working, self.extra_off, start, n)
        day = _SUMS.get(key)
        if day is None:
            day = self._walk_working_days(start, n)
            if len(_SUMS) > 8192:
                _SUMS.clear()
            _SUMS[key] = day
        return day

    def _walk_working_days(self, start: date, n: int) -> date:
        day = start
        step = 1 if n >= 0 else -1
        left = abs(n)
        while left:
            day += timedelta(days=step)
            if self.is_working_day(day):
                left -= 1
        return day

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_calendar_days(self, start: date, n: int) -> date:
        """`start` + n days; a last day that is not a working day moves to the next one."""
        return self.next_working_day(start + timedelta(days=n))

    def add_period(self, start: date, n: int, unit: str) -> date:
        if unit == PeriodUnit.working_days:
            return self.add_working_days(start, n)
        return self.add_calendar_days(start, n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (negative when end is before start).

        Counted from per-year running totals, not day by day: an inbox shows the days left
        or overdue of every clock on the page, and an old overdue case spans years (issue 7).
        """
        if end < start:
            return -self.working_days_between(end, start)
        if start.year == end.year:
            return self._upto(end) - self._upto(start)
        total = self._year(start.year)[-1] - self._upto(start)
        for year in range(start.year + 1, end.year):
            total += self._year(year)[-1]
        return total + self._upto(end)

    def _year(self, year: int) -> tuple[int, ...]:
        """Running count of working days from 1 January, one entry per day of `year`."""
        key = (self.extra_working, self.extra_off, year)
        counts = _YEAR_COUNTS.get(key)
        if counts is None:
            out, n, day = [], 0, date(year, 1, 1)
            while day.year == year:
                n += self.is_working_day(day)
                out.append(n)
                day += timedelta(days=1)
            counts = tuple(out)
            if len(_YEAR_COUNTS) > 512:
                _YEAR_COUNTS.clear()
            _YEAR_COUNTS[key] = counts
        return counts

    def _upto(self, day: date) -> int:
        return self._year(day.year)[day.timetuple().tm_yday - 1]

    def days_left(self, start: date, end: date, unit: str) -> int:
        """What is left of a period from `start` to its due date, in the period's unit."""
        if unit == PeriodUnit.working_days:
            return self.working_days_between(start, end)
        return (end - start).days

    def off_days(self, first: date, last: date) -> Iterable[tuple[date, str]]:
        """Weekdays off and make-up Saturdays between two dates, for the admin page."""
        day = first
        while day <= last:
            working = self.is_working_day(day)
            if day.weekday() < 5 and not working:
                yield day, self.holiday_name(day) or "Ngày nghỉ"
            elif day.weekday() >= 5 and working:
                yield day, "Ngày làm việc bù"
            day += timedelta(days=1)


_CACHE_SECONDS = 10.0
_lock = threading.Lock()
_cached: tuple[float, WorkCalendar] | None = None


def load_calendar(session: Session, *, fresh: bool = False) -> WorkCalendar:
    """The calendar with the admin's overrides; cached briefly because it changes rarely.

    The cache lives for a few seconds in each process: after a change, other workers see
    it within that time, and the due dates stored on cases are recomputed at once.
    """
    global _cached
    now = time.monotonic()
    with _lock:
        if not fresh and _cached and now - _cached[0] < _CACHE_SECONDS:
            return _cached[1]
    cal = read_calendar(session)
    with _lock:
        _cached = (now, cal)
    return cal


def cached_calendar() -> WorkCalendar | None:
    """The cached calendar if it is still fresh, else None; touches no database, so the API
    can take it on the event loop without a thread hop (issue 7)."""
    now = time.monotonic()
    with _lock:
        if _cached and now - _cached[0] < _CACHE_SECONDS:
            return _cached[1]
    return None


def read_calendar(session: Session) -> WorkCalendar:
    """The calendar as this transaction sees it, uncached: used while the overrides change,
    so that uncommitted rows never reach the shared cache."""
    rows = session.exec(select(col(HolidayOverride.day), col(HolidayOverride.working))).all()
    return WorkCalendar(
        extra_working=frozenset(d for d, w in rows if w),
        extra_off=frozenset(d for d, w in rows if not w),
    )


def invalidate_calendar() -> None:
    global _cached
    with _lock:
        _cached = None
