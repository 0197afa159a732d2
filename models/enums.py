"""Stable English identifiers of the domain (DESIGN.md §2).

Labels shown to people come from `workflows.i18n`, Vietnamese first.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    complaint = "complaint"  # khiếu nại
    denunciation = "denunciation"  # tố cáo
    recommendation = "recommendation"  # kiến nghị
    feedback = "feedback"  # phản ánh


class Channel(StrEnum):
    walk_in = "walk_in"
    mail = "mail"
    email = "email"
    web = "web"
    phone = "phone"
    forwarded = "forwarded"


class Status(StrEnum):
    received = "received"  # tiếp nhận, xử lý đơn
    accepted = "accepted"  # thụ lý
    rejected = "rejected"  # không thụ lý
    transferred = "transferred"  # chuyển đơn
    guided = "guided"  # hướng dẫn
    archived = "archived"  # lưu đơn
    assigned = "assigned"  # giao xác minh
    reported = "reported"  # báo cáo kết quả xác minh
    resolved = "resolved"  # đã giải quyết
    closed = "closed"  # kết thúc hồ sơ
    withdrawn = "withdrawn"  # rút đơn
    suspended = "suspended"  # tạm đình chỉ


OPEN_STATUSES = frozenset(
    {Status.received, Status.accepted, Status.assigned, Status.reported, Status.suspended}
)
#: Statuses in which the petition has been settled one way or another (for reports).
FINISHED_STATUSES = frozenset(set(Status) - OPEN_STATUSES)


class Role(StrEnum):
    reception = "reception"
    officer = "officer"
    unit_head = "unit_head"
    office = "office"
    director = "director"
    admin = "admin"


#: Roles that may see a denunciator's identity (DESIGN.md §6; Luật Tố cáo 2018 art. 47).
IDENTITY_ROLES = frozenset({Role.reception, Role.office, Role.director})
#: Roles that see every case.
ALL_CASES_ROLES = frozenset({Role.office, Role.director})


class ClockName(StrEnum):
    acceptance = "acceptance"
    resolution = "resolution"


class ClockState(StrEnum):
    on_track = "on_track"
    due_soon = "due_soon"
    due_today = "due_today"
    overdue = "overdue"
    met = "met"
    met_late = "met_late"
    paused = "paused"


class PeriodUnit(StrEnum):
    working_days = "working_days"
    calendar_days = "calendar_days"


class Level(StrEnum):
    """Rungs of the escalation ladder (DESIGN.md §5)."""

    due_soon = "due_soon"
    due_today = "due_today"
    overdue = "overdue"
    escalation_risk = "escalation_risk"
