"""The notifications page: the bell's list, mark one or all read (CSRF-checked forms)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import CsrfChecked, NowDep, PageUser, SessionDep
from api.templating import render
from workflows import notifications as nt

router = APIRouter()
PAGE = 50


@router.get("/notifications")
def notifications_page(request: Request, user: PageUser, session: SessionDep, unread: int = 0,
                       offset: int = 0) -> Response:
    total, rows = nt.list_for(session, user.id or 0, unread_only=bool(unread), limit=PAGE, offset=offset)
    return render(request, "staff/notifications.html", {
        "rows": rows, "total": total, "unread_only": bool(unread), "offset": max(0, offset), "limit": PAGE,
    })


@router.post("/notifications/read-all", dependencies=[CsrfChecked])
def notifications_read_all(user: PageUser, session: SessionDep, now: NowDep) -> Response:
    nt.mark_all_read(session, user.id or 0, now)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/read", dependencies=[CsrfChecked])
def notification_read(notification_id: int, user: PageUser, session: SessionDep, now: NowDep,
                      next: str = "") -> Response:
    nt.mark_read(session, user.id or 0, notification_id, now)
    # Only a path inside this site: never an open redirect.
    target = next if next.startswith("/cases/") else "/notifications"
    return RedirectResponse(target, status_code=303)
