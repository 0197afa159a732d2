"""What citizens see without logging in: their case by code and PIN (DESIGN.md §6)."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from models import Case, CaseClock, CaseEvent, LoginAttempt, Unit
from models.settings import get_settings
from workflows.auth import check_throttle, keyed_hash
from workflows.calendar import WorkCalendar, vn_today
from workflows.errors import NotFound
from workflows.serialize import public_dict

NOT_FOUND = "Không tìm thấy hồ sơ với mã và mã PIN này."


def pin_keys(address: str) -> list[str]:
    return [f"pin:addr:{address}"]


# Built once: the public look-up is the hottest anonymous path, and building the statement
# costs as much as running it (issue 7).
_FAILURES = (
    select(func.count()).select_from(LoginAttempt)
    .where(col(LoginAttempt.key).in_(bindparam("keys", expanding=True)), col(LoginAttempt.at) > bindparam("since"))
    .scalar_subquery()
)
_BY_CODE = select(Case, _FAILURES).where(Case.tracking_code == bindparam("code"))


def find_by_pin(session: Session, code: str, pin: str, address: str, now: datetime) -> Case:
    """A wrong PIN and an unknown code give the same answer, and failures are throttled."""
    settings = get_settings()
    keys = pin_keys(address)
    code = code.strip().upper()
    # The throttle count rides along with the case row: one query on the hot path. When no
    # row comes back (unknown code), the throttle is checked on its own before answering.
    found = session.exec(_BY_CODE, params={
        "code": code, "keys": keys, "since": now - timedelta(minutes=settings.login_window_minutes)}).first()
    if found is None:
        check_throttle(session, keys, limit=settings.pin_max_failures, now=now)
        raise NotFound(NOT_FOUND)
    case, failed = found
    if failed >= settings.pin_max_failures:
        check_throttle(session, keys, limit=settings.pin_max_failures, now=now)  # raises 429
    expected = keyed_hash(f"{code}:{pin.strip()}")
    if not hmac.compare_digest(case.pin_hash, expected):
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
