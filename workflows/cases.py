"""Reading cases: filtered, scoped, paged lists and one case with its history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import Case, CaseEvent, Unit, User
from workflows.access import scope_condition
from workflows.auth import Principal
from workflows.calendar import WorkCalendar
from workflows.clocks import state_condition
from workflows.risk import risk_condition
from workflows.text import like_pattern

MAX_LIMIT = 200


@dataclass
class CaseFilter:
    status: list[str] | None = None
    kind: str | None = None
    unit: str | None = None
    officer: str | None = None
    clock_state: str | None = None
    risk: bool | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None


def clamp(limit: int | None, offset: int | None) -> tuple[int, int]:
    """Page size is clamped to 1..200 so that no request asks for the whole register."""
    return max(1, min(limit or 50, MAX_LIMIT)), max(0, offset or 0)


def filtered(session: Session, principal: Principal, f: CaseFilter, today: date, cal: WorkCalendar) -> Any:
    stmt = select(Case).where(scope_condition(principal))
    if f.status:
        stmt = stmt.where(col(Case.status).in_(f.status))
    if f.kind:
        stmt = stmt.where(Case.kind == f.kind)
    if f.unit:
        unit_id = session.exec(select(Unit.id).where(Unit.code == f.unit)).first()
        stmt = stmt.where(Case.unit_id == (unit_id or -1))
    if f.officer:
        officer_id = session.exec(select(User.id).where(User.username == f.officer)).first()
        stmt = stmt.where(Case.officer_id == (officer_id or -1))
    if f.clock_state:
        stmt = stmt.where(state_condition(f.clock_state, today, cal))
    if f.risk:
        stmt = stmt.where(risk_condition(today, cal))
    if f.received_from:
        stmt = stmt.where(Case.received_on >= f.received_from)
    if f.received_to:
        stmt = stmt.where(Case.received_on <= f.received_to)
    if f.q and f.q.strip():
        stmt = stmt.where(col(Case.search_text).like(like_pattern(f.q), escape="\\"))
    return stmt


def list_cases(
    session: Session, principal: Principal, f: CaseFilter, *, today: date, cal: WorkCalendar,
    limit: int | None = None, offset: int | None = None, order: str = "urgency",
) -> tuple[int, list[Case]]:
    """One page of cases and the total; the most urgent first by default."""
    limit, offset = clamp(limit, offset)
    # The risk filter is written twice: for the count (the covering status index) and for the
    # page's due-date walk (`risk_condition(walk_due=True)`); everything else is built once.
    base = filtered(session, principal, replace(f, risk=False), today, cal)
    stmt = base.where(risk_condition(today, cal)) if f.risk else base
    total = session.exec(select(func.count()).select_from(stmt.with_only_columns(col(Case.id)).subquery())).one()
    ids_only = stmt.with_only_columns(col(Case.id))
    if order == "urgency":
        walk = base.where(risk_condition(today, cal, walk_due=True)) if f.risk else stmt
        ids = _urgency_page(session, ids_only, limit, offset, walk=walk.with_only_columns(col(Case.id)))
    else:
        ids = list(session.exec(ids_only.order_by(col(Case.received_on).desc(), col(Case.id).desc())
                                .limit(limit).offset(offset)).all())
    return int(total), _rows_in_order(session, ids)


def _urgency_page(session: Session, ids_only: Any, limit: int, offset: int, *, walk: Any) -> list[int]:
    """Cases with a running clock first, earliest due date first; then the rest, newest first.

    Two index walks instead of one sort of every row in scope: `(current_due_on, id)` for the
    running clocks and the primary key for the rest. An `IS NULL` term in ORDER BY would force
    a sort of the whole table on every inbox request (issue 7: 1,000,000 cases). `walk` is the
    same selection written for the due-date walk (the risk filter's `walk_due`).
    """
    due = col(Case.current_due_on)
    running = list(session.exec(walk.where(due.is_not(None)).order_by(due, col(Case.id).desc())
                                .limit(limit).offset(offset)).all())
    if len(running) == limit:
        return running
    if running or offset == 0:
        skipped = 0
    else:  # the page starts past the running clocks: how many were there?
        counted = ids_only.where(due.is_not(None)).subquery()
        n_running = int(session.exec(select(func.count()).select_from(counted)).one())
        skipped = max(0, offset - n_running)
    rest = session.exec(ids_only.where(due.is_(None)).order_by(col(Case.id).desc())
                        .limit(limit - len(running)).offset(skipped)).all()
    return running + list(rest)


def _rows_in_order(session: Session, ids: list[int]) -> list[Case]:
    """Whole rows for one page only: the ordering above touched ids and index entries."""
    if not ids:
        return []
    by_id = {c.id: c for c in session.exec(select(Case).where(col(Case.id).in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def events_of(session: Session, case: Case, *, public_only: bool = False) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id)
    if public_only:
        stmt = stmt.where(col(CaseEvent.public).is_(True))
    return list(session.exec(stmt.order_by(col(CaseEvent.seq))).all())
