"""The citizen reception book (sổ tiếp công dân) and the leaders' reception schedule.

Luật Tiếp công dân 2013: every visit is entered in the book, whether or not the citizen
brings a written petition (art. 26; Thông tư 04/2021/TT-TTCP, mẫu sổ tiếp công dân), and
the head of the agency receives citizens in person at least one day a month (art. 18),
on a schedule that is made public (art. 14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from models import IDENTITY_ROLES, Case, Kind, ReceptionSchedule, ReceptionVisit, Role, Status, SurveyResponse, User
from workflows.access import REDACTED, get_readable_case
from workflows.auth import Principal
from workflows.errors import Conflict, Forbidden, Invalid, NotFound

#: Who keeps the reception book: the desk, the office and the leaders who receive citizens.
BOOK_ROLES = frozenset({Role.reception, Role.office, Role.director})
#: Who maintains the leaders' schedule.
SCHEDULE_ROLES = frozenset({Role.admin, Role.office})


class VisitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_on: date
    visitor_name: str = Field(min_length=1, max_length=200)
    id_number: str = Field("", max_length=20)
    address: str = Field("", max_length=500)
    headcount: int = Field(1, ge=1, le=100000)
    content: str = Field(min_length=1, max_length=20000)
    guidance: str = Field("", max_length=20000)


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: date
    leader_name: str = Field(min_length=1, max_length=200)
    leader_title: str = Field("", max_length=200)
    location: str = Field("", max_length=300)
    note: str = Field("", max_length=1000)


def require(principal: Principal, roles: frozenset[str], what: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"Bạn không có quyền {what}.")


def log_visit(session: Session, principal: Principal, data: VisitCreate, *, today: date) -> ReceptionVisit:
    require(principal, BOOK_ROLES, "ghi sổ tiếp công dân")
    if data.visited_on > today:
        raise Invalid("Ngày tiếp không được ở tương lai.")
    visit = ReceptionVisit(
        visited_on=data.visited_on, received_by_id=principal.user.id if principal.user else None,
        visitor_name=data.visitor_name.strip(), id_number=data.id_number.strip(), address=data.address.strip(),
        headcount=data.headcount, content=data.content.strip(), guidance=data.guidance.strip(),
    )
    session.add(visit)
    session.flush()
    return visit


def link_case(session: Session, principal: Principal, visit_id: int, tracking_code: str) -> Case:
    """Record that a case was created from this visit (the book's 'hồ sơ tạo ra' column)."""
    require(principal, BOOK_ROLES, "ghi sổ tiếp công dân")
    visit = session.get(ReceptionVisit, visit_id)
    if visit is None:
        raise NotFound("Không tìm thấy lượt tiếp công dân.")
    case = get_readable_case(session, principal, tracking_code)  # 404 outside the reader's scope
    if case.visit_id not in (None, visit.id):
        raise Conflict("Hồ sơ này đã gắn với một lượt tiếp công dân khác.")
    case.visit_id = visit.id
    session.add(case)
    session.flush()
    return case


@dataclass
class BookLine:
    """One line of the reception book, with identity redacted where the reader may not see it."""

    id: int
    visited_on: date
    visitor_name: str
    address: str
    headcount: int
    content: str
    guidance: str
    received_by: str
    cases: list[str]


def book(session: Session, principal: Principal, start: date, end: date, *, limit: int = 2000) -> list[BookLine]:
    """The book for a period, oldest first, with the cases each visit created (two queries)."""
    require(principal, BOOK_ROLES, "xem sổ tiếp công dân")
    visits = list(session.exec(
        select(ReceptionVisit).where(col(ReceptionVisit.visited_on) >= start, col(ReceptionVisit.visited_on) <= end)
        .order_by(col(ReceptionVisit.visited_on), col(ReceptionVisit.id)).limit(limit)
    ).all())
    ids = [v.id for v in visits]
    linked: dict[int, list[tuple[str, str]]] = {}
    if ids:
        for vid, code, kind in session.exec(
            select(col(Case.visit_id), col(Case.tracking_code), col(Case.kind)).where(col(Case.visit_id).in_(ids))
            .order_by(col(Case.id))
        ).all():
            linked.setdefault(vid or 0, []).append((code, kind))
    staff_ids = {v.received_by_id for v in visits if v.received_by_id}
    staff = {u.id: u.full_name
             for u in session.exec(select(User).where(col(User.id).in_(staff_ids)))} if staff_ids else {}
    out = []
    for v in visits:
        cases = linked.get(v.id or 0, [])
        # A visit that lodged a denunciation is the denunciator's identity (Luật Tố cáo 2018 art. 47).
        hidden = any(k == Kind.denunciation for _, k in cases) and not can_see_visitor(principal)
        out.append(BookLine(
            id=v.id or 0, visited_on=v.visited_on, visitor_name=REDACTED if hidden else v.visitor_name,
            address=REDACTED if hidden else v.address, headcount=v.headcount, content=v.content,
            guidance=v.guidance, received_by=staff.get(v.received_by_id or 0, ""), cases=[c for c, _ in cases],
        ))
    return out


def can_see_visitor(principal: Principal) -> bool:
    """`access.can_see_identity` for a denunciation (reception, office, director), without a case."""
    return principal.user is not None and principal.user.role in IDENTITY_ROLES


def add_schedule(session: Session, principal: Principal, data: ScheduleCreate) -> ReceptionSchedule:
    require(principal, SCHEDULE_ROLES, "cập nhật lịch tiếp công dân")
    row = ReceptionSchedule(held_on=data.held_on, leader_name=data.leader_name.strip(),
                            leader_title=data.leader_title.strip(), location=data.location.strip(),
                            note=data.note.strip())
    session.add(row)
    session.flush()
    return row


def delete_schedule(session: Session, principal: Principal, row_id: int) -> None:
    require(principal, SCHEDULE_ROLES, "cập nhật lịch tiếp công dân")
    row = session.get(ReceptionSchedule, row_id)
    if row is None:
        raise NotFound("Không tìm thấy buổi tiếp công dân.")
    session.delete(row)
    session.flush()


def schedule(session: Session, start: date, end: date) -> list[ReceptionSchedule]:
    return list(session.exec(
        select(ReceptionSchedule).where(col(ReceptionSchedule.held_on) >= start, col(ReceptionSchedule.held_on) <= end)
        .order_by(col(ReceptionSchedule.held_on))
    ).all())


def seed_demo(session: Session, today: date) -> None:
    """Demo lines of the reception book, the leaders' schedule for the coming months, and a few
    survey answers on decided cases, so that the demo's dashboard and reports are not empty."""
    for months_ahead, day, leader, title in ((0, 15, "Nguyễn Văn Hải", "Giám đốc Sở"),
                                            (1, 15, "Nguyễn Văn Hải", "Giám đốc Sở"),
                                            (2, 14, "Lê Thị Hoa", "Phó Giám đốc Sở")):
        month = (today.replace(day=1) + timedelta(days=31 * months_ahead)).replace(day=day)
        session.add(ReceptionSchedule(held_on=month, leader_name=leader, leader_title=title,
                                      location="Phòng tiếp công dân, trụ sở Sở Công Thương"))
    for days_ago, name, count, content, guidance in (
        (1, "Trần Văn Lộc", 1, "Hỏi thủ tục cấp giấy phép bán lẻ rượu", "Hướng dẫn nộp hồ sơ qua Cổng dịch vụ công"),
        (3, "Đại diện hộ kinh doanh chợ Xóm Mới", 6, "Phản ánh việc bố trí lại sạp chợ",
         "Tiếp nhận đơn, chuyển Phòng QLTM"),
        (8, "Nguyễn Thị Mai", 1, "Khiếu nại hóa đơn tiền điện tháng 9", "Hướng dẫn gửi đơn đến Công ty Điện lực tỉnh"),
    ):
        session.add(ReceptionVisit(visited_on=today - timedelta(days=days_ago), visitor_name=name, headcount=count,
                                   address="Khánh Hòa", content=content, guidance=guidance))
    decided = session.exec(select(Case).where(col(Case.status).in_([Status.resolved, Status.closed]))
                           .order_by(col(Case.id)).limit(4)).all()
    for case, (t, a, r, o) in zip(decided, ((5, 5, 4, 5), (4, 5, 4, 4), (3, 4, 2, 2), (5, 4, 5, 5)), strict=False):
        session.add(SurveyResponse(case_id=case.id or 0, timeliness=t, attitude=a, result=r, overall=o,
                                   comment="Phiếu đánh giá minh hoạ."))
    session.flush()
