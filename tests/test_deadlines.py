"""The statutory table of DESIGN.md §4, one row per rule, on real dates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from models import HolidayOverride
from workflows.calendar import WorkCalendar, load_calendar
from workflows.policy import find_rule, resolution_variant

CAL = WorkCalendar()


class TestWorkingDayCalendar:
    def test_tet_2026_is_off(self) -> None:
        for d in range(16, 21):
            assert not CAL.is_working_day(date(2026, 2, d))

    def test_tet_2027_is_off(self) -> None:
        assert not CAL.is_working_day(date(2027, 2, 8))
        assert not CAL.is_working_day(date(2027, 2, 4))

    def test_saturday_2026_08_22_is_a_make_up_working_day(self) -> None:
        assert CAL.is_working_day(date(2026, 8, 22))

    def test_national_day_2026_days_off(self) -> None:
        for d in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
            assert not CAL.is_working_day(d)

    def test_vietnam_culture_day_from_2026(self) -> None:
        assert not CAL.is_working_day(date(2026, 11, 24))

    def test_first_day_is_not_counted(self) -> None:
        assert CAL.add_working_days(date(2026, 11, 2), 1) == date(2026, 11, 3)

    def test_working_days_skip_weekends(self) -> None:
        assert CAL.add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 9)

    def test_calendar_period_ending_on_holiday_moves_to_next_working_day(self) -> None:
        # 2026-08-03 + 30 days = 2026-09-02, National Day: moves to Thursday 2026-09-03.
        assert CAL.add_calendar_days(date(2026, 8, 3), 30) == date(2026, 9, 3)

    def test_calendar_period_ending_on_sunday_moves_to_monday(self) -> None:
        assert CAL.add_calendar_days(date(2026, 10, 2), 30) == date(2026, 11, 2)

    def test_override_makes_a_day_off(self) -> None:
        cal = WorkCalendar(extra_off=frozenset({date(2026, 12, 1)}))
        assert cal.add_working_days(date(2026, 11, 30), 1) == date(2026, 12, 2)

    def test_override_makes_a_saturday_working(self) -> None:
        cal = WorkCalendar(extra_working=frozenset({date(2026, 12, 5)}))
        assert cal.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 5)


RULES = [
    # kind, clock, round, variant, period, unit, received_on, start, expected due
    ("denunciation", "acceptance", 1, "normal", 7, "working_days", date(2026, 2, 13), date(2026, 2, 13),
     date(2026, 3, 3)),  # across Tết 2026
    ("denunciation", "acceptance", 1, "several_places", 10, "working_days", date(2026, 2, 13), date(2026, 2, 13),
     date(2026, 3, 6)),
    ("denunciation", "acceptance", 1, "forward", 5, "working_days", date(2026, 8, 18), date(2026, 8, 18),
     date(2026, 8, 24)),  # Saturday 22/08 is a working day
    ("complaint", "acceptance", 1, "normal", 10, "working_days", date(2026, 6, 30), date(2026, 6, 30),
     date(2026, 7, 14)),
    ("complaint", "acceptance", 1, "normal", 7, "working_days", date(2026, 7, 1), date(2026, 7, 1),
     date(2026, 7, 10)),
    ("complaint", "resolution", 1, "normal", 30, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 9, 3)),
    ("complaint", "resolution", 1, "complex", 45, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 9, 17)),
    ("complaint", "resolution", 1, "remote", 45, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 9, 17)),
    ("complaint", "resolution", 1, "remote_complex", 60, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 10, 2)),
    ("complaint", "resolution", 2, "normal", 45, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 9, 17)),
    ("complaint", "resolution", 2, "complex", 60, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 10, 2)),
    ("complaint", "resolution", 2, "remote", 60, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 10, 2)),
    ("complaint", "resolution", 2, "remote_complex", 70, "calendar_days", date(2026, 8, 1), date(2026, 8, 3),
     date(2026, 10, 12)),
    ("denunciation", "resolution", 1, "normal", 30, "calendar_days", date(2026, 1, 20), date(2026, 1, 22),
     date(2026, 2, 23)),  # 21/02 is in Tết week's weekend → Monday 23/02
    ("recommendation", "acceptance", 1, "normal", 10, "working_days", date(2027, 2, 1), date(2027, 2, 1),
     date(2027, 2, 22)),  # across Tết 2027
    ("feedback", "acceptance", 1, "normal", 10, "working_days", date(2026, 4, 24), date(2026, 4, 24),
     date(2026, 5, 13)),  # Hùng Kings (observed 27/04), 30/04 and 01/05 off
    ("recommendation", "resolution", 1, "normal", 20, "calendar_days", date(2026, 11, 2), date(2026, 11, 4),
     date(2026, 11, 24 + 1)),  # 24/11 is Ngày Văn hoá Việt Nam from 2026
    ("complaint", "limitation", 1, "normal", 90, "calendar_days", date(2026, 5, 1), date(2026, 1, 2),
     date(2026, 4, 2)),
]


@pytest.mark.parametrize(
    ("kind", "clock", "round_", "variant", "period", "unit", "received", "start", "due"), RULES,
    ids=[f"{r[0]}-{r[1]}-r{r[2]}-{r[3]}-{r[6]}" for r in RULES],
)
def test_policy_rule_gives_the_statutory_due_date(
    session: Session, kind: str, clock: str, round_: int, variant: str, period: int, unit: str,
    received: date, start: date, due: date,
) -> None:
    rule = find_rule(session, kind=kind, clock=clock, round=round_, variant=variant, on=received)
    assert (rule.period, rule.unit) == (period, unit)
    assert rule.basis  # every rule cites its legal basis
    assert CAL.add_period(start, rule.period, rule.unit) == due


def test_rule_in_force_on_the_date_of_receipt_applies(session: Session) -> None:
    before = find_rule(session, kind="complaint", clock="acceptance", round=1, variant="normal", on=date(2026, 6, 30))
    after = find_rule(session, kind="complaint", clock="acceptance", round=1, variant="normal", on=date(2026, 7, 1))
    assert (before.period, after.period) == (10, 7)


def test_resolution_variant_picks_remote_and_complex() -> None:
    assert resolution_variant(kind="complaint", complex_=True, remote=True) == "remote_complex"
    assert resolution_variant(kind="denunciation", complex_=True, remote=True) == "normal"


def test_holiday_override_is_read_from_the_database(session: Session) -> None:
    session.add(HolidayOverride(day=date(2026, 12, 1), working=False, name="Ngày nghỉ địa phương"))
    session.commit()
    cal = load_calendar(session, fresh=True)
    assert not cal.is_working_day(date(2026, 12, 1))
