"""Reading cases: filtered, scoped, paged lists and one case with its history."""

from __future__ import annotations

from dataclasses import dataclass
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
    stmt = filtered(session, principal, f, today, cal)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    if order == "urgency":
        # Cases with a running clock first, earliest due date first; then the newest.
        stmt = stmt.order_by(col(Case.current_due_on).is_(None), col(Case.current_due_on),
                             col(Case.id).desc())
    else:
        stmt = stmt.order_by(col(Case.received_on).desc(), col(Case.id).desc())
    rows = list(session.exec(stmt.limit(limit).offset(offset)).all())
    return int(total), rows


def events_of(session: Session, case: Case, *, public_only: bool = False) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id)
    if public_only:
        stmt = stmt.where(col(CaseEvent.public).is_(True))
    return list(session.exec(stmt.order_by(col(CaseEvent.seq))).all())
