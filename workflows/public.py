"""What citizens see without logging in: their case by code and PIN (DESIGN.md §6)."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models import Case, CaseClock, CaseEvent, Unit
from models.settings import get_settings
from workflows.auth import check_throttle, keyed_hash
from workflows.calendar import WorkCalendar, vn_today
from workflows.errors import NotFound
from workflows.serialize import public_dict

NOT_FOUND = "Không tìm thấy hồ sơ với mã và mã PIN này."


def pin_keys(address: str) -> list[str]:
    return [f"pin:addr:{address}"]


def find_by_pin(session: Session, code: str, pin: str, address: str, now: datetime) -> Case:
    """A wrong PIN and an unknown code give the same answer, and failures are throttled."""
    check_throttle(session, pin_keys(address), limit=get_settings().pin_max_failures, now=now)
    code = code.strip().upper()
    case = session.exec(select(Case).where(Case.tracking_code == code)).first()
    expected = keyed_hash(f"{code}:{pin.strip()}")
    if case is None or not hmac.compare_digest(case.pin_hash, expected):
        raise NotFound(NOT_FOUND)
    return case


def public_view(session: Session, case: Case, now: datetime, cal: WorkCalendar) -> dict[str, Any]:
    unit = session.get(Unit, case.unit_id) if case.unit_id else None
    clocks = list(session.exec(select(CaseClock).where(CaseClock.case_id == case.id).order_by(col(CaseClock.id))))
    events = session.exec(
        select(col(CaseEvent.on), col(CaseEvent.action), col(CaseEvent.to_status))
        .where(CaseEvent.case_id == case.id, col(CaseEvent.public).is_(True))
        .order_by(col(CaseEvent.seq))
    ).all()
    evs = [{"on": on, "action": action, "status": status} for on, action, status in events]
    return public_dict(case, unit, clocks, evs, vn_today(now), cal)
