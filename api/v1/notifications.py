"""Notifications of the signed-in staff member: `GET /api/v1/notifications` and marking read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import ApiPrincipal, NowDep, SessionDep
from api.v1.common import errors
from workflows import notifications as nt
from workflows.auth import Principal
from workflows.errors import Forbidden

router = APIRouter(tags=["notifications"])


class NotificationOut(BaseModel):
    id: int = Field(description="Mã số thông báo")
    level: str = Field(description="due_soon, due_today, overdue, escalation_risk, disciplinary")
    title: str = Field(description="Tiêu đề", examples=["Hồ sơ 26K7M3QX sắp đến hạn giải quyết"])
    body: str = Field(description="Nội dung (không bao giờ chứa danh tính người tố cáo)")
    tracking_code: str | None = Field(description="Mã hồ sơ liên quan")
    url: str | None = Field(description="Đường dẫn tới trang hồ sơ")
    created_at: datetime = Field(description="Thời điểm tạo")
    read_at: datetime | None = Field(description="Thời điểm đã đọc; null nếu chưa đọc")


class NotificationList(BaseModel):
    total: int = Field(description="Tổng số thông báo khớp bộ lọc")
    unread: int = Field(description="Số thông báo chưa đọc")
    limit: int = Field(description="Số dòng mỗi trang")
    offset: int = Field(description="Vị trí bắt đầu")
    items: list[NotificationOut] = Field(description="Các thông báo, mới nhất trước")


class ReadAllOut(BaseModel):
    marked: int = Field(description="Số thông báo vừa được đánh dấu đã đọc")


def _user_id(principal: Principal) -> int:
    """Notifications belong to people; a system's API key has none."""
    if principal.user is None or principal.user.id is None:
        raise Forbidden("Thông báo chỉ dành cho tài khoản cán bộ, không dành cho khoá API.")
    return principal.user.id


@router.get("/notifications", response_model=NotificationList, responses=errors(401, 403))
def list_notifications(
    principal: ApiPrincipal,
    session: SessionDep,
    unread: Annotated[bool, Query(description="Chỉ thông báo chưa đọc")] = False,
    limit: Annotated[int, Query(ge=1, le=nt.MAX_PAGE, description="Số dòng (tối đa 200)")] = 50,
    offset: Annotated[int, Query(ge=0, description="Bỏ qua bao nhiêu dòng")] = 0,
) -> NotificationList:
    """Thông báo của cán bộ đang đăng nhập, mới nhất trước."""
    uid = _user_id(principal)
    total, rows = nt.list_for(session, uid, unread_only=unread, limit=limit, offset=offset)
    return NotificationList(total=total, unread=nt.unread_count(session, uid), limit=limit, offset=offset,
                            items=[NotificationOut(**r.as_dict()) for r in rows])


@router.post("/notifications/{notification_id}/read", status_code=204, responses=errors(401, 403, 404))
def read_one(
    notification_id: Annotated[int, Path(description="Mã số thông báo")],
    principal: ApiPrincipal,
    session: SessionDep,
    now: NowDep,
) -> None:
    """Đánh dấu một thông báo là đã đọc."""
    nt.mark_read(session, _user_id(principal), notification_id, now)


@router.post("/notifications/read-all", response_model=ReadAllOut, responses=errors(401, 403))
def read_all(principal: ApiPrincipal, session: SessionDep, now: NowDep) -> ReadAllOut:
    """Đánh dấu mọi thông báo là đã đọc."""
    return ReadAllOut(marked=nt.mark_all_read(session, _user_id(principal), now))
