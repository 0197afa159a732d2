"""Figures for the public transparency page (công khai): counts, on-time rates, anonymised results.

Aggregates only, and no personal data at all: no names, addresses, tracking codes or free text.
Publishing the results of handling petitions is part of the agency's PAPI plan (transparency,
vertical accountability) and of Luật Tiếp công dân 2013 art. 14.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy import case as when
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from models import Case, CaseClock, Category, ClockName, DayCount, Kind, Status, Unit
from workflows.reports import KINDS, by_index


@dataclass
class Rate:
    label: str
    on_time: int
    late: int

    @property
    def rate(self) -> float | None:
        done = self.on_time + self.late
        return round(100 * self.on_time / done, 1) if done else None


def public_counts(session: Session, year: int) -> dict[str, dict[str, int]]:
    """Per kind: received in the year, and of those, finished (any way) and still open. No
    personal data; read from the running counts by day of receipt (workflows/tally.py)."""
    measure, kind = col(DayCount.measure), col(DayCount.kind)
    stmt = (
        sa_select(measure, kind, func.sum(col(DayCount.n)))
        .where(measure.in_(["received", "still_open"]), col(DayCount.day) >= date(year, 1, 1),
               col(DayCount.day) <= date(year, 12, 31))
        .group_by(measure, kind)
    )
    found = {(m, k): int(n or 0) for m, k, n in session.execute(stmt).all()}
    out = {}
    for k in KINDS:
        received, still_open = found.get(("received", k), 0), found.get(("still_open", k), 0)
        out[k] = {"received": received, "open": still_open, "finished": received - still_open}
    return out


def _resolutions(session: Session, year: int, by: Any) -> list[tuple[Any, int, int]]:
    """(group, on time, late) for the resolutions of a year, from the running counts by day
    (workflows/tally.py): one row per day, unit and kind at most, however many cases the year had."""
    measure = col(DayCount.measure)
    stmt = (
        sa_select(by, func.sum(when((measure == "resolved_on_time", col(DayCount.n)), else_=0)),
                  func.sum(when((measure == "resolved_late", col(DayCount.n)), else_=0)))
        .where(measure.in_(["resolved_on_time", "resolved_late"]),
               col(DayCount.day) >= date(year, 1, 1), col(DayCount.day) <= date(year, 12, 31))
        .group_by(by)
    )
    return [(g, int(a or 0), int(b or 0)) for g, a, b in session.execute(stmt).all()]


def resolution_rate_by_unit(session: Session, year: int) -> list[Rate]:
    """On-time rate of resolutions (the resolution clock met or missed) per unit, in a year."""
    names = dict(session.execute(sa_select(col(Unit.id), col(Unit.name))).all())
    rates = [Rate(names[u], a, b) for u, a, b in _resolutions(session, year, col(DayCount.unit_key)) if u in names]
    return sorted((r for r in rates if r.on_time or r.late), key=lambda r: r.label)


def resolution_rate_by_quarter(session: Session, year: int) -> list[Rate]:
    quarters = {q: [0, 0] for q in range(1, 5)}
    for day, a, b in _resolutions(session, year, col(DayCount.day)):
        q = (day.month - 1) // 3 + 1
        quarters[q][0] += a
        quarters[q][1] += b
    return [Rate(f"Quý {q}/{year}", a, b) for q, (a, b) in quarters.items()]


@dataclass
class PublicResult:
    """One resolved case as published: no names, codes, addresses or free text."""

    kind: str
    round: int
    category: str
    unit: str
    received_month: str
    decided_on: date | None
    decision_number: str
    on_time: bool | None


def public_results(session: Session, limit: int = 50) -> list[PublicResult]:
    """The latest decisions. Free text (subject, content, result) is left out on purpose: staff
    write names into it, and the law protects denunciators (Luật Tố cáo 2018 art. 47).
    Denunciations also omit the decision number, which the public could match to a person."""
    stopped = col(CaseClock.stopped_on)
    stmt = (
        sa_select(col(Case.kind), col(Case.round), col(Category.name), col(Unit.name), col(Case.received_on),
                  col(Case.decided_on), col(Case.decision_number), stopped, col(CaseClock.due_on))
        .join(CaseClock, and_(col(CaseClock.case_id) == col(Case.id), col(CaseClock.name) == ClockName.resolution),
              isouter=True)
        .join(Category, col(Category.id) == col(Case.category_id), isouter=True)
        .join(Unit, col(Unit.id) == col(Case.unit_id), isouter=True)
        # `status || ''`: the planner walks the decision date's index newest first and stops after
        # `limit` rows, instead of sorting every resolved case it finds through the status index.
        .where(by_index(col(Case.status)).in_([Status.resolved, Status.closed]), col(Case.decided_on).is_not(None))
        .order_by(col(Case.decided_on).desc(), col(Case.id).desc())
        .limit(limit)
    )
    out = []
    for kind, rnd, cat, unit, received, decided, number, stop, due in session.execute(stmt).all():
        out.append(PublicResult(
            kind=kind, round=rnd, category=cat or "", unit=unit or "", received_month=f"{received:%m/%Y}",
            decided_on=decided, decision_number="" if kind == Kind.denunciation else number,
            on_time=None if stop is None else stop <= due,
        ))
    return out
