"""Statutory clocks: pure date arithmetic on (start, rule, calendar), stored on the row.

Due dates are computed when a clock starts and recomputed only on events: an extension,
a suspension and resumption, a reclassification or a change of the holiday calendar
(STYLE.md rule 4). The state (`on_track` … `paused`) is derived from the due date and
today in Asia/Ho_Chi_Minh, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false
from sqlmodel import Session, col, select

from models import Case, CaseClock, ClockName, ClockState, PolicyRule
from workflows.calendar import WorkCalendar

#: A clock is `due_soon` when this many working days or fewer are left (DESIGN.md §5).
DUE_SOON_WORKING_DAYS = 3


def start_clock(case: Case, name: str, starts_on: date, rule: PolicyRule, cal: WorkCalendar) -> CaseClock:
    return CaseClock(**new_clock_row(case.id or 0, name, starts_on, rule, cal))


def new_clock_row(case_id: int, name: str, starts_on: date, rule: PolicyRule, cal: WorkCalendar) -> dict[str, Any]:
    """A running clock's columns, for `start_clock` and for writers that insert with Core (intake)."""
    return {
        "case_id": case_id,
        "name": name,
        "starts_on": starts_on,
        "due_on": cal.add_period(starts_on, rule.period, rule.unit),
        "period": rule.period,
        "unit": rule.unit,
        "rule_id": rule.id,
        "basis": rule.basis,
        "running": True,
    }


def stop_clock(clock: CaseClock, on: date) -> None:
    clock.running = False
    clock.stopped_on = on


def pause_clock(clock: CaseClock, on: date, cal: WorkCalendar) -> None:
    """Tạm đình chỉ: the clock stops with what was left of it (Luật Khiếu nại art. 35)."""
    clock.remaining = max(cal.days_left(on, clock.due_on, clock.unit), 0)
    clock.paused_on = on
    clock.running = False


def resume_clock(clock: CaseClock, on: date, cal: WorkCalendar) -> None:
    """The clock restarts from the decision to continue with the days that were left."""
    clock.starts_on = on
    clock.period = clock.remaining or 0
    clock.due_on = cal.add_period(on, clock.period, clock.unit)
    clock.paused_on = None
    clock.remaining = None
    clock.running = True


def extend_clock(clock: CaseClock, days: int, cal: WorkCalendar) -> None:
    clock.period += days
    clock.due_on = cal.add_period(clock.starts_on, clock.period, clock.unit)


def recompute(clock: CaseClock, cal: WorkCalendar) -> bool:
    """Recompute a running clock's due date; True when it moved."""
    due = cal.add_period(clock.starts_on, clock.period, clock.unit)
    if due == clock.due_on:
        return False
    clock.due_on = due
    return True


def sync_current(case: Case, clocks: list[CaseClock]) -> None:
    """Copy the running clock onto the case row, where inboxes and sweeps find it by index,
    with the clock facts the running counts are made of (workflows/tally.py): the last clock's
    outcome once none runs, and the resolution clock's stop, length and lateness."""
    running = [c for c in clocks if c.running]
    clock, due = (running[0].name, running[0].due_on) if running else ("", None)
    if (clock, due) != (case.current_clock, case.current_due_on):
        # The sweep's "ladder spent" mark belongs to the clock and due date it was set for.
        case.escalated_due_on = None
    case.current_clock, case.current_due_on = clock, due
    # The last clock is the newest: one not yet written (no id) or else the highest id.
    last = max(clocks, key=lambda c: (c.id is None, c.id or 0)) if clocks else None
    if running or last is None or last.stopped_on is None:
        case.clock_outcome = ""
    else:
        case.clock_outcome = "met" if last.stopped_on <= last.due_on else "late"
    resolution = next((c for c in clocks if c.name == ClockName.resolution and c.stopped_on is not None), None)
    if resolution is not None and resolution.stopped_on is not None:
        case.resolution_stopped_on = resolution.stopped_on
        case.resolution_days = (resolution.stopped_on - resolution.starts_on).days
        case.resolution_late = resolution.stopped_on > resolution.due_on
    else:
        case.resolution_stopped_on, case.resolution_days, case.resolution_late = None, None, False


def due_soon_limit(today: date, cal: WorkCalendar) -> date:
    """Due dates before this day have at most three working days left."""
    return cal.add_working_days(today, DUE_SOON_WORKING_DAYS + 1)


def clock_state(clock: CaseClock, today: date, cal: WorkCalendar) -> ClockState:
    if clock.stopped_on is not None:
        return ClockState.met if clock.stopped_on <= clock.due_on else ClockState.met_late
    if clock.paused_on is not None:
        return ClockState.paused
    if today > clock.due_on:
        return ClockState.overdue
    if today == clock.due_on:
        return ClockState.due_today
    if clock.due_on < due_soon_limit(today, cal):
        return ClockState.due_soon
    return ClockState.on_track


@dataclass(frozen=True)
class ClockView:
    name: str
    state: str
    starts_on: date
    due_on: date
    working_days_left: int | None
    period: int
    unit: str
    basis: str
    paused_on: date | None
    stopped_on: date | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def view(clock: CaseClock, today: date, cal: WorkCalendar) -> ClockView:
    state = clock_state(clock, today, cal)
    left = cal.working_days_between(today, clock.due_on) if clock.running else None
    return ClockView(
        name=clock.name,
        state=state.value,
        starts_on=clock.starts_on,
        due_on=clock.due_on,
        working_days_left=left,
        period=clock.period,
        unit=clock.unit,
        basis=clock.basis,
        paused_on=clock.paused_on,
        stopped_on=clock.stopped_on,
    )


def state_condition(state: str, today: date, cal: WorkCalendar) -> ColumnElement[bool]:
    """A WHERE clause on `case` for lists filtered by clock state, answerable by index.

    Running states read the case's current due date; finished states look for a stopped
    clock of the case.
    """
    due = col(Case.current_due_on)
    if state == ClockState.overdue:
        return due < today
    if state == ClockState.due_today:
        return due == today
    if state == ClockState.due_soon:
        return and_(due > today, due < due_soon_limit(today, cal))
    if state == ClockState.on_track:
        return due >= due_soon_limit(today, cal)
    if state == ClockState.paused:
        # Suspended cases, and withdrawn denunciations that the office may still continue.
        return exists(select(CaseClock.id).where(
            CaseClock.case_id == Case.id, col(CaseClock.paused_on).is_not(None),
            col(CaseClock.stopped_on).is_(None),
        ))
    # Finished: the case's last clock has stopped (the resolution clock only starts when the
    # acceptance clock stops, so then every clock has), as `sync_current` stored it.
    if state == ClockState.met:
        return col(Case.clock_outcome) == "met"
    if state == ClockState.met_late:
        return col(Case.clock_outcome) == "late"
    return false()



def clocks_touching(session: Session, day: date) -> list[CaseClock]:
    """Running clocks whose period may include `day`: candidates after a calendar change."""
    stmt = select(CaseClock).where(
        col(CaseClock.running).is_(True),
        CaseClock.due_on >= day - timedelta(days=21),
        CaseClock.starts_on <= day,
    )
    return list(session.exec(stmt).all())

