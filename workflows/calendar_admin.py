"""The admin's changes to the holiday calendar, and the due dates they move (DESIGN.md §4).

An override (a local day off, or a Saturday made a working day) changes what "working
day" means for every running clock whose period covers it. The change, the recomputed
due dates, one `calendar_changed` event per case that moved and an audit row are written
in one transaction: either the calendar and the deadlines agree, or nothing changed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from models import AuditLog, Case, CaseClock, HolidayOverride, User
from workflows import clocks
from workflows.audit import append_event
from workflows.calendar import WorkCalendar, invalidate_calendar, read_calendar, vn_today
from workflows.errors import Conflict, Invalid, NotFound


def list_overrides(session: Session) -> list[HolidayOverride]:
    return list(session.exec(select(HolidayOverride).order_by(col(HolidayOverride.day))).all())


def add_override(session: Session, actor: User, *, day: date, working: bool, name: str, now: datetime) -> list[str]:
    """Add an override; returns the tracking codes of the cases whose due dates moved."""
    name = name.strip()
    if not name:
        raise Invalid("Vui lòng nhập tên hoặc lý do của ngày điều chỉnh.")
    if session.exec(select(HolidayOverride.id).where(HolidayOverride.day == day)).first() is not None:
        raise Conflict(f"Ngày {day:%d/%m/%Y} đã có điều chỉnh; hãy xoá điều chỉnh cũ trước.")
    before = read_calendar(session)
    if before.is_working_day(day) == working:
        state = "ngày làm việc" if working else "ngày nghỉ"
        raise Conflict(f"Ngày {day:%d/%m/%Y} vốn đã là {state}; không cần điều chỉnh.")
    session.add(HolidayOverride(day=day, working=working, name=name[:200], created_at=now))
    session.flush()
    kind = "ngày làm việc" if working else "ngày nghỉ"
    note = f"Quản trị bổ sung {kind} {day:%d/%m/%Y} ({name}); hạn được tính lại."
    moved = _recompute(session, actor, day, note=note, now=now)
    _audit(session, actor, "holiday_override.add", f"{day.isoformat()} {kind}: {name}; {len(moved)} hồ sơ đổi hạn", now)
    return moved


def remove_override(session: Session, actor: User, override_id: int, *, now: datetime) -> list[str]:
    """Remove an override; the package calendar applies again to that day."""
    row = session.get(HolidayOverride, override_id)
    if row is None:
        raise NotFound("Không tìm thấy ngày điều chỉnh.")
    day, name = row.day, row.name
    session.delete(row)
    session.flush()
    note = f"Quản trị bỏ điều chỉnh ngày {day:%d/%m/%Y} ({name}); hạn được tính lại."
    moved = _recompute(session, actor, day, note=note, now=now)
    _audit(session, actor, "holiday_override.remove", f"{day.isoformat()}: {name}; {len(moved)} hồ sơ đổi hạn", now)
    return moved


def _recompute(session: Session, actor: User, day: date, *, note: str, now: datetime) -> list[str]:
    """Recompute the running clocks that may cover `day`, by an indexed query, then log
    one event on each case whose due date actually moved."""
    cal: WorkCalendar = read_calendar(session)
    touched = clocks.clocks_touching(session, day)
    changed_case_ids = sorted({c.case_id for c in touched if clocks.recompute(c, cal)})
    if not changed_case_ids:
        invalidate_calendar()
        return []
    cases = session.exec(select(Case).where(col(Case.id).in_(changed_case_ids)).order_by(col(Case.id))).all()
    all_clocks = session.exec(select(CaseClock).where(col(CaseClock.case_id).in_(changed_case_ids))).all()
    by_case: dict[int, list[CaseClock]] = {}
    for c in all_clocks:
        by_case.setdefault(c.case_id, []).append(c)
    moved = []
    for case in cases:
        own = sorted(by_case.get(case.id or 0, []), key=lambda c: c.id or 0)
        clocks.sync_current(case, own)
        case.version += 1
        case.updated_at = now
        session.add(case)
        append_event(
            session, case, now=now, on=vn_today(now), action="calendar_changed",
            actor=actor, from_status=case.status, to_status=case.status, note=note, public=False,
            data={"day": day, "clocks": {c.name: c.due_on for c in own}},
        )
        moved.append(case.tracking_code)
    session.flush()
    invalidate_calendar()
    return moved


def _audit(session: Session, actor: User, action: str, detail: str, now: datetime) -> None:
    session.add(AuditLog(at=now, user_id=actor.id, action=action, detail=detail))
    session.flush()
