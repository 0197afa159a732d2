"""Figures for the office and director dashboard (bảng điều hành).

Figures that depend on today (overdue, due soon, at risk) are counts over the index on
`case(status, current_due_on, …)`; the rest (awaiting classification, open per unit, on time
or late per unit, intake per week) are read from the running counts of workflows/tally.py, so
the page costs the same at a hundred cases and at a million.
The dashboard's counts use the very conditions the inbox filters use (`state_condition`,
`risk_condition`), so a number and the list it links to always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import extract, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import (
    OPEN_STATUSES,
    Case,
    CaseCount,
    ClockState,
    DayCount,
    ReceptionSchedule,
    Status,
    Unit,
)
from workflows.calendar import WorkCalendar
from workflows.clocks import state_condition
from workflows.reports import KINDS
from workflows.risk import risk_condition, risk_reasons

_OPEN = [s.value for s in OPEN_STATUSES]
RECEIVED = f"status:{Status.received.value}"
WEEKS = 12


@dataclass
class UnitRate:
    code: str
    name: str
    open: int
    overdue: int
    met: int
    met_late: int

    @property
    def rate(self) -> float | None:
        done = self.met + self.met_late
        return round(100 * self.met / done, 1) if done else None


@dataclass
class WeekIntake:
    week_start: date
    week_end: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _count(session: Session, *conditions: Any) -> int:
    return int(session.execute(sa_select(func.count()).select_from(Case).where(*conditions)).scalar_one())


def _present(session: Session, measures: list[str]) -> dict[str, dict[int, int]]:
    """Cases standing in each of `measures` now, per unit, from the running counts
    (workflows/tally.py): one small GROUP BY, whatever the number of cases."""
    unit, measure = col(CaseCount.unit_key), col(CaseCount.measure)
    rows = session.execute(sa_select(measure, unit, func.sum(col(CaseCount.n)))
                           .where(measure.in_(measures)).group_by(measure, unit)).all()
    out: dict[str, dict[int, int]] = {m: {} for m in measures}
    for m, u, n in rows:
        out[m][int(u)] = int(n or 0)
    return out


def headline(session: Session, today: date, cal: WorkCalendar) -> dict[str, int]:
    """The boxes at the top: awaiting classification, overdue, due today / soon, escalation risk.

    The date-bound boxes are index range counts on the running clocks' due dates; "awaiting
    classification" is a running count.
    """
    return {
        "received": sum(_present(session, [RECEIVED])[RECEIVED].values()),
        "overdue": _count(session, state_condition(ClockState.overdue, today, cal)),
        "due_today": _count(session, state_condition(ClockState.due_today, today, cal)),
        "due_soon": _count(session, state_condition(ClockState.due_soon, today, cal)),
        "risk": _count(session, risk_condition(today, cal)),
    }


def unit_rates(session: Session, today: date, cal: WorkCalendar) -> list[UnitRate]:
    """Per unit: open and overdue cases, and cases whose clocks were met or missed (all time).

    Met and missed count the cases the inbox's `clock_state=met` / `met_late` conditions select
    (the case's last clock stopped on or before / after its due date, `case.clock_outcome`), so
    each cell links to exactly the list it counts. Open, met and missed come from the running
    counts, a few rows per unit whatever the number of cases; overdue depends on today, and is
    an index-only count of each unit's due dates (`ix_case_unit_due`).
    """
    units = session.execute(sa_select(col(Unit.id), col(Unit.code), col(Unit.name)).order_by(col(Unit.code))).all()
    open_measures = [f"status:{s}" for s in _OPEN]
    present = _present(session, [*open_measures, "outcome:met", "outcome:late"])
    open_by_unit: dict[int, int] = {}
    for m in open_measures:
        for uid, n in present[m].items():
            open_by_unit[uid] = open_by_unit.get(uid, 0) + n
    met, late = present["outcome:met"], present["outcome:late"]
    unit_id = col(Case.unit_id)
    # By the units' ids: one short range of `ix_case_unit_due` per unit (3 ms at a million
    # cases), where grouping the open statuses' range by unit sorts every overdue case (16 ms).
    overdue_by_unit = {u: int(n) for u, n in session.execute(
        sa_select(unit_id, func.count()).where(unit_id.in_([u[0] for u in units]),
                                               state_condition(ClockState.overdue, today, cal))
        .group_by(unit_id)).all()}
    rates = [UnitRate(code=code, name=name, open=open_by_unit.get(uid, 0), overdue=overdue_by_unit.get(uid, 0),
                      met=met.get(uid, 0), met_late=late.get(uid, 0))
             for uid, code, name in units]
    # A unit that never had a case is left out, as before: nothing to rate.
    return [r for r in rates if r.open or r.met or r.met_late or r.overdue]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def intake_by_week(session: Session, today: date, weeks: int = WEEKS) -> list[WeekIntake]:
    """Petitions received per week (Monday to Sunday) and kind, the last `weeks` weeks.

    Read from the running counts by day and kind (at most 7 × weeks × 4 rows per unit), then
    folded into weeks: week arithmetic differs between SQLite and PostgreSQL, day grouping does not.
    """
    first = week_start(today) - timedelta(weeks=weeks - 1)
    out = [WeekIntake(first + timedelta(weeks=i), first + timedelta(weeks=i, days=6), dict.fromkeys(KINDS, 0))
           for i in range(weeks)]
    day = col(DayCount.day)
    stmt = (
        sa_select(day, col(DayCount.kind), func.sum(col(DayCount.n)))
        .where(col(DayCount.measure) == "received", day >= first, day <= today)
        .group_by(day, col(DayCount.kind))
    )
    for day, kind, n in session.execute(stmt).all():
        bucket = out[(day - first).days // 7]
        bucket.counts[kind] = bucket.counts.get(kind, 0) + int(n)
    return out


def months_between(first: date, last: date) -> list[date]:
    months, d = [], first.replace(day=1)
    while d <= last:
        months.append(d)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def months_without_reception(session: Session, today: date, ahead: int = 1) -> list[date]:
    """Months (this one and the next `ahead`) with no leaders' reception day scheduled.

    Luật Tiếp công dân 2013, art. 18(1): the head of the agency receives citizens at least
    one day a month. Returned as the first day of each month that has none.
    """
    first = today.replace(day=1)
    months = months_between(first, first + timedelta(days=31 * ahead))
    last = (months[-1].replace(day=28) + timedelta(days=4)).replace(day=1)
    held_on = col(ReceptionSchedule.held_on)
    y, m = extract("year", held_on), extract("month", held_on)
    held = {(int(a), int(b)) for a, b in session.execute(
        sa_select(y, m).where(held_on >= first, held_on < last).group_by(y, m)
    ).all()}
    return [mo for mo in months if (mo.year, mo.month) not in held]


@dataclass
class RiskLine:
    tracking_code: str
    kind: str
    subject: str
    unit: str
    due_on: date | None
    reasons: list[str]


def risk_list(session: Session, today: date, cal: WorkCalendar, limit: int = 10) -> list[RiskLine]:
    """The director's list (DESIGN.md §5, rung 4): the most urgent cases at risk, with their reasons.

    Two short index walks instead of a sort of every case at risk: the running clocks in
    `(current_due_on, id)` order first, then (only if fewer than `limit`) the cases without a
    running clock by id, the order `current_due_on IS NULL, current_due_on, id` gives. The
    reasons are computed on those rows only.
    """
    due = col(Case.current_due_on)
    base = (
        select(Case, col(Unit.name))
        .join(Unit, col(Unit.id) == col(Case.unit_id), isouter=True)
        .where(risk_condition(today, cal, walk_due=True))
    )
    rows = list(session.exec(base.where(due.is_not(None)).order_by(due, col(Case.id)).limit(limit)).all())
    if len(rows) < limit:
        rows += session.exec(base.where(due.is_(None)).order_by(col(Case.id)).limit(limit - len(rows))).all()
    return [RiskLine(c.tracking_code, c.kind, c.subject, unit or "", c.current_due_on, risk_reasons(c, today, cal))
            for c, unit in rows]
