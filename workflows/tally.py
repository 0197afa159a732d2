"""Running counts of cases for the dashboard and the periodic report (issue 7).

Every figure the dashboard and the report show is a count of cases by a few facts of each
case: its present unit, kind and status, its last clock's outcome, and the legal dates on which
it was received, handled on receipt (accepted, refused, forwarded), finished and resolved.
Those facts live on the case row (`models/case.py`), and `case_count` / `day_count`
(`models/stats.py`) hold their counts.

How the counts stay right:
- Each writer takes a snapshot of a case's facts before it changes the case and one after
  (`facts`), and hands both to `record`. The difference of the two snapshots is what moves.
  Intake records (None, new); `lifecycle.perform` records (before, after) for every move.
- The differences wait in the session and are written at commit, in one sorted batch of
  upserts: the counts move in the same transaction as the case (all or nothing), and on
  PostgreSQL every transaction takes the count rows' locks in the same order, last, so
  concurrent moves cannot deadlock on them.
- `rebuild` recomputes both tables from the case rows with GROUP BY (bulk loads, migrations);
  `verify` compares the tables with that recomputation, and `donthu audit verify` runs it.

Definitions (shared with workflows/reports.py):
- still open, by day of receipt: the cases received that day that are open now (the public
  page's "received in the year, of which still being handled").
- carried over on day D: received before D and not finished before D. A withdrawn
  denunciation that the office continues (Luật Tố cáo 2018, art. 33(2)) counts as never
  finished: its handling went on.
- resolved on time / late: the resolution clock stopped on or before / after its due date;
  `days` adds the calendar days from the clock's start to its stop, for the average.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import event, func, literal
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from models import OPEN_STATUSES, Case, CaseCount, DayCount

#: How a petition was handled on receipt (the move's action) → the report's figure.
TRIAGE_MEASURES = {"accept": "accepted", "reject": "refused", "transfer": "forwarded", "guide": "forwarded"}
_OPEN = frozenset(s.value for s in OPEN_STATUSES)
_PENDING = "donthu.tally"


@dataclass(frozen=True)
class Facts:
    """What the counts know of one case."""

    unit_key: int
    kind: str
    status: str
    outcome: str
    received_on: date
    triage: str
    triaged_on: date | None
    finished_on: date | None
    resolution_stopped_on: date | None
    resolution_days: int | None
    resolution_late: bool


def facts(case: Case) -> Facts:
    return Facts(
        unit_key=case.unit_id or 0, kind=case.kind, status=case.status, outcome=case.clock_outcome,
        received_on=case.received_on, triage=case.triage, triaged_on=case.triaged_on,
        finished_on=case.finished_on, resolution_stopped_on=case.resolution_stopped_on,
        resolution_days=case.resolution_days, resolution_late=case.resolution_late,
    )


PresentKey = tuple[str, int, str]  # measure, unit_key, kind
DayKey = tuple[str, date, int, str]  # measure, day, unit_key, kind


def contributions(f: Facts) -> tuple[list[PresentKey], list[tuple[DayKey, int]]]:
    """The count rows one case adds 1 to (and, for resolutions, the days it took)."""
    present: list[PresentKey] = [(f"status:{f.status}", f.unit_key, f.kind)]
    if f.outcome:
        present.append((f"outcome:{f.outcome}", f.unit_key, f.kind))
    daily: list[tuple[DayKey, int]] = [(("received", f.received_on, f.unit_key, f.kind), 0)]
    if f.status in _OPEN:
        # By the day of receipt: how much of each day's intake is still being handled.
        daily.append((("still_open", f.received_on, f.unit_key, f.kind), 0))
    if f.finished_on is not None:
        daily.append((("finished", f.finished_on, f.unit_key, f.kind), 0))
    if f.triage in TRIAGE_MEASURES and f.triaged_on is not None:
        daily.append(((TRIAGE_MEASURES[f.triage], f.triaged_on, f.unit_key, f.kind), 0))
    if f.resolution_stopped_on is not None:
        measure = "resolved_late" if f.resolution_late else "resolved_on_time"
        daily.append(((measure, f.resolution_stopped_on, f.unit_key, f.kind), f.resolution_days or 0))
    return present, daily


@dataclass
class _Pending:
    present: Counter[PresentKey]
    daily: Counter[DayKey]
    days: Counter[DayKey]


def _pending(session: OrmSession) -> _Pending:
    found = session.info.get(_PENDING)
    if found is None:
        found = session.info[_PENDING] = _Pending(Counter(), Counter(), Counter())
    return found


def record(session: Session, before: Facts | None, after: Facts | None) -> None:
    """Note that a case's facts went from `before` to `after` (None: it did not exist)."""
    if before == after:
        return
    pending = _pending(session)
    for sign, f in ((-1, before), (1, after)):
        if f is None:
            continue
        present, daily = contributions(f)
        for key in present:
            pending.present[key] += sign
        for dkey, days in daily:
            pending.daily[dkey] += sign
            pending.days[dkey] += sign * days


@lru_cache(maxsize=8)
def _upsert_statement(model: Any, dialect: str, keys: tuple[str, ...], adds: tuple[str, ...]) -> Any:
    """`INSERT … ON CONFLICT (keys) DO UPDATE SET n = n + excluded.n`, built once per dialect:
    building it per commit cost a quarter of an intake (issue 7)."""
    from sqlalchemy.dialects import postgresql, sqlite

    stmt: Any = postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model)
    table = model.__table__
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: table.c[c] + getattr(stmt.excluded, c) for c in adds})


def _upsert(session: OrmSession, model: Any, keys: tuple[str, ...], rows: list[dict[str, Any]],
            adds: tuple[str, ...]) -> None:
    if rows:
        stmt = _upsert_statement(model, session.get_bind().dialect.name, keys, adds)
        session.connection().execute(stmt, rows)


def flush_counts(session: OrmSession) -> None:
    """Write what `record` noted, in key order (one lock order for every transaction)."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    present = [{"measure": k[0], "unit_key": k[1], "kind": k[2], "n": n}
               for k, n in sorted(pending.present.items()) if n]
    daily = [{"measure": k[0], "day": k[1], "unit_key": k[2], "kind": k[3], "n": n, "days": pending.days[k]}
             for k, n in sorted(pending.daily.items()) if n or pending.days[k]]
    _upsert(session, CaseCount, ("measure", "unit_key", "kind"), present, ("n",))
    _upsert(session, DayCount, ("measure", "day", "unit_key", "kind"), daily, ("n", "days"))


@event.listens_for(OrmSession, "before_commit")
def _write_at_commit(session: OrmSession) -> None:
    if session.info.get(_PENDING) is not None:
        session.flush()
        flush_counts(session)


@event.listens_for(OrmSession, "after_rollback")
def _forget_on_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


# --- recomputation ------------------------------------------------------------------------

def _unit_key() -> Any:
    return func.coalesce(col(Case.unit_id), 0)


def _present_selects() -> list[Any]:
    unit, kind = _unit_key(), col(Case.kind)
    status = literal("status:").concat(col(Case.status))
    outcome = literal("outcome:").concat(col(Case.clock_outcome))
    return [
        sa_select(status, unit, kind, func.count()).group_by(status, unit, kind),
        sa_select(outcome, unit, kind, func.count()).where(col(Case.clock_outcome) != "")
        .group_by(outcome, unit, kind),
    ]


def _day_selects() -> list[Any]:
    unit, kind = _unit_key(), col(Case.kind)
    triage = when(*((col(Case.triage) == action, measure) for action, measure in TRIAGE_MEASURES.items()))
    resolved = when((col(Case.resolution_late).is_(True), "resolved_late"), else_="resolved_on_time")
    zero = literal(0)
    return [
        sa_select(literal("received"), col(Case.received_on), unit, kind, func.count(), zero)
        .group_by(col(Case.received_on), unit, kind),
        sa_select(literal("still_open"), col(Case.received_on), unit, kind, func.count(), zero)
        .where(col(Case.status).in_(sorted(_OPEN))).group_by(col(Case.received_on), unit, kind),
        sa_select(literal("finished"), col(Case.finished_on), unit, kind, func.count(), zero)
        .where(col(Case.finished_on).is_not(None)).group_by(col(Case.finished_on), unit, kind),
        sa_select(triage, col(Case.triaged_on), unit, kind, func.count(), zero)
        .where(col(Case.triage).in_(list(TRIAGE_MEASURES)), col(Case.triaged_on).is_not(None))
        .group_by(triage, col(Case.triaged_on), unit, kind),
        sa_select(resolved, col(Case.resolution_stopped_on), unit, kind, func.count(),
                  func.sum(func.coalesce(col(Case.resolution_days), 0)))
        .where(col(Case.resolution_stopped_on).is_not(None))
        .group_by(resolved, col(Case.resolution_stopped_on), unit, kind),
    ]


def computed(session: Session) -> tuple[dict[PresentKey, int], dict[DayKey, tuple[int, int]]]:
    """Both tables' contents as the case rows say they should be."""
    present: dict[PresentKey, int] = {}
    for stmt in _present_selects():
        for measure, unit, kind, n in session.execute(stmt).all():
            present[(measure, int(unit), kind)] = int(n)
    daily: dict[DayKey, tuple[int, int]] = {}
    for stmt in _day_selects():
        for measure, day, unit, kind, n, days in session.execute(stmt).all():
            daily[(measure, day, int(unit), kind)] = (int(n), int(days or 0))
    return present, daily


def stored(session: Session) -> tuple[dict[PresentKey, int], dict[DayKey, tuple[int, int]]]:
    present = {(m, u, k): n for m, u, k, n in session.execute(
        sa_select(col(CaseCount.measure), col(CaseCount.unit_key), col(CaseCount.kind), col(CaseCount.n))).all()
        if n}
    daily = {(m, d, u, k): (n, days) for m, d, u, k, n, days in session.execute(
        sa_select(col(DayCount.measure), col(DayCount.day), col(DayCount.unit_key), col(DayCount.kind),
                  col(DayCount.n), col(DayCount.days))).all() if n or days}
    return present, daily


def verify(session: Session) -> list[str]:
    """The differences between the stored counts and a recomputation (empty when they agree)."""
    want_p, want_d = computed(session)
    have_p, have_d = stored(session)
    out = [f"case_count {k}: {have_p.get(k, 0)} ≠ {want_p.get(k, 0)}"
           for k in sorted(set(want_p) | set(have_p)) if have_p.get(k, 0) != want_p.get(k, 0)]
    out += [f"day_count {k}: {have_d.get(k, (0, 0))} ≠ {want_d.get(k, (0, 0))}"
            for k in sorted(set(want_d) | set(have_d), key=str) if have_d.get(k, (0, 0)) != want_d.get(k, (0, 0))]
    return out


def rebuild(session: Session) -> None:
    """Recompute both tables from the case rows (after a bulk load; in the caller's transaction)."""
    session.info.pop(_PENDING, None)
    conn = session.connection()
    conn.execute(CaseCount.__table__.delete())  # type: ignore[attr-defined]
    conn.execute(DayCount.__table__.delete())  # type: ignore[attr-defined]
    present_cols = ["measure", "unit_key", "kind", "n"]
    for stmt in _present_selects():
        conn.execute(CaseCount.__table__.insert().from_select(present_cols, stmt))  # type: ignore[attr-defined]
    day_cols = ["measure", "day", "unit_key", "kind", "n", "days"]
    for stmt in _day_selects():
        conn.execute(DayCount.__table__.insert().from_select(day_cols, stmt))  # type: ignore[attr-defined]
