"""In-app notifications: the bell, the list, marking read (DESIGN.md §5).

Every query is by `notification(user_id, read_at)` (ix_notification_user_read), so the
unread count shown on every staff page costs one index lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from models import Case, Notification
from workflows.errors import NotFound

MAX_PAGE = 100


@dataclass(frozen=True)
class NotificationView:
    id: int
    level: str
    title: str
    body: str
    tracking_code: str | None
    created_at: datetime
    read_at: datetime | None

    @property
    def url(self) -> str | None:
        return f"/cases/{self.tracking_code}" if self.tracking_code else None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "url": self.url}


def unread_count(session: Session, user_id: int) -> int:
    stmt = select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, col(Notification.read_at).is_(None))
    return int(session.exec(stmt).one())


def list_for(session: Session, user_id: int, *, unread_only: bool = False, limit: int = 50,
             offset: int = 0) -> tuple[int, list[NotificationView]]:
    """A user's notifications, newest first, with the case code for the link (one join)."""
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    where: list[Any] = [Notification.user_id == user_id]
    if unread_only:
        where.append(col(Notification.read_at).is_(None))
    total = session.exec(select(func.count()).select_from(Notification).where(*where)).one()
    rows = session.exec(
        select(Notification, Case.tracking_code)
        .join(Case, col(Case.id) == col(Notification.case_id), isouter=True)
        .where(*where).order_by(col(Notification.id).desc()).limit(limit).offset(offset)
    ).all()
    return int(total), [
        NotificationView(n.id or 0, n.level, n.title, n.body, code, n.created_at, n.read_at) for n, code in rows
    ]


def mark_read(session: Session, user_id: int, notification_id: int, now: datetime) -> None:
    """Mark one of the user's own notifications read; someone else's is 404, like a missing one."""
    n = session.get(Notification, notification_id)
    if n is None or n.user_id != user_id:
        raise NotFound("Không tìm thấy thông báo.")
    if n.read_at is None:
        n.read_at = now
        session.add(n)
        session.flush()


def mark_all_read(session: Session, user_id: int, now: datetime) -> int:
    result = session.execute(
        update(Notification).where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
