"""Escalation risk: cases likely to go over our head (DESIGN.md §5, rung 4)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col

from models import OPEN_STATUSES, Case, Status
from workflows.calendar import WorkCalendar

#: Overdue by this many working days or more puts a case at risk.
RISK_OVERDUE_WORKING_DAYS = 10
#: A petition left unhandled this long is a disciplinary matter (Nghị định 154/2026 art. 41).
DISCIPLINARY_DAYS = 45

REASON_LABELS = {
    "overdue_10": "Quá hạn từ 10 ngày làm việc trở lên",
    "forwarded": "Đơn do cơ quan cấp trên chuyển đến",
    "resubmitted": "Công dân đã gửi lại đơn",
    "group": "Đơn đông người (từ 5 người ký trở lên)",
    "unhandled_45": "Để quá 45 ngày chưa xử lý: có thể bị xử lý kỷ luật (Nghị định 154/2026, Điều 41)",
}


def overdue_boundary(today: date, cal: WorkCalendar, threshold: int = RISK_OVERDUE_WORKING_DAYS) -> date:
    """The latest due date that is overdue by `threshold` working days or more on `today`.

    Counted back from the last working day up to today, so a weekend does not add a day:
    on a Saturday a case is overdue by as many working days as on the Friday before.
    """
    last = today
    while not cal.is_working_day(last):
        last -= timedelta(days=1)
    return cal.add_working_days(last, -threshold)


def risk_reasons(case: Case, today: date, cal: WorkCalendar, threshold: int = RISK_OVERDUE_WORKING_DAYS) -> list[str]:
    if case.status not in OPEN_STATUSES:
        return []
    reasons = []
    if case.current_due_on is not None and case.current_due_on <= overdue_boundary(today, cal, threshold):
        reasons.append("overdue_10")
    if case.forwarded_by:
        reasons.append("forwarded")
    if case.resubmitted > 0:
        reasons.append("resubmitted")
    if case.is_group:
        reasons.append("group")
    if case.status == Status.received and (today - case.received_on).days >= DISCIPLINARY_DAYS:
        reasons.append("unhandled_45")
    return reasons


def risk_condition(today: date, cal: WorkCalendar, threshold: int = RISK_OVERDUE_WORKING_DAYS, *,
                   walk_due: bool = False) -> Any:
    """SQL form of `risk_reasons`, for filtered lists and the director's list.

    Counts are answered from the `(status, current_due_on, …)` covering index. A short list
    in due-date order (`walk_due`) is faster the other way: with the status test written as
    `status || ''` the planner walks `(current_due_on, id)` from the earliest date and stops
    after the first rows, instead of collecting and sorting every case at risk.
    """
    status = col(Case.status).concat("") if walk_due else col(Case.status)
    return and_(
        status.in_([s.value for s in OPEN_STATUSES]),
        or_(
            col(Case.current_due_on) <= overdue_boundary(today, cal, threshold),
            col(Case.forwarded_by) != "",
            col(Case.resubmitted) > 0,
            col(Case.signatories) >= 5,
        ),
    )
