"""The citizen reception book (sổ tiếp công dân) and the leaders' reception schedule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import CsrfChecked, FormDep, NowDep, PagePrincipal, SessionDep
from api.pages.forms import parse
from api.templating import render
from workflows import visits as vis
from workflows.calendar import vn_today
from workflows.errors import DomainError, NotFound

router = APIRouter()


def _book_context(session: Any, principal: Any, today: date, start: date | None, end: date | None,
                  form: dict[str, Any] | None = None) -> dict[str, Any]:
    start = start or today - timedelta(days=30)
    end = end or today
    return {"lines": vis.book(session, principal, start, end, limit=500), "start": start, "end": end,
            "form": form or {"visited_on": today.isoformat(), "headcount": "1"}, "today": today}


@router.get("/visits")
def visit_book(request: Request, principal: PagePrincipal, session: SessionDep, now: NowDep,
               start: date | None = None, end: date | None = None, message: str = "") -> Response:
    ctx = _book_context(session, principal, vn_today(now), start, end)
    ctx["message"] = message[:200]
    return render(request, "staff/visits.html", ctx)


@router.post("/visits", dependencies=[CsrfChecked])
def log_visit(request: Request, form: FormDep, principal: PagePrincipal, session: SessionDep,
              now: NowDep) -> Response:
    today = vn_today(now)
    fields = {k: str(form.get(k, "")) for k in ("visited_on", "visitor_name", "id_number", "address", "headcount",
                                                "content", "guidance")}
    try:
        visit = vis.log_visit(session, principal, parse(vis.VisitCreate, fields), today=today)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        ctx = _book_context(session, principal, today, None, None, fields)
        ctx["error"] = str(exc.detail)
        return render(request, "staff/visits.html", ctx, status_code=exc.status)
    return RedirectResponse(f"/visits?message=Đã+ghi+sổ+lượt+tiếp+số+{visit.id}", status_code=303)


@router.post("/visits/{visit_id}/cases", dependencies=[CsrfChecked])
def link_case(request: Request, visit_id: int, form: FormDep, principal: PagePrincipal, session: SessionDep,
              now: NowDep) -> Response:
    """Attach a case logged at the desk to the visit it came from."""
    try:
        case = vis.link_case(session, principal, visit_id, str(form.get("tracking_code", "")))
    except DomainError as exc:
        if exc.status == 403 or (isinstance(exc, NotFound) and "lượt tiếp" in str(exc.detail)):
            raise
        session.rollback()
        ctx = _book_context(session, principal, vn_today(now), None, None)
        ctx["error"] = str(exc.detail)
        return render(request, "staff/visits.html", ctx, status_code=exc.status)
    return RedirectResponse(f"/visits?message=Đã+gắn+hồ+sơ+{case.tracking_code}", status_code=303)


# --- lịch tiếp công dân của Lãnh đạo ----------------------------------------------------------


def _schedule_context(session: Any, today: date, form: dict[str, Any] | None = None) -> dict[str, Any]:
    from workflows.dashboard import months_without_reception

    return {"rows": vis.schedule(session, today - timedelta(days=92), today + timedelta(days=366)),
            "missing": months_without_reception(session, today), "form": form or {}, "today": today}


@router.get("/schedule")
def schedule_admin(request: Request, principal: PagePrincipal, session: SessionDep, now: NowDep) -> Response:
    vis.require(principal, vis.SCHEDULE_ROLES, "cập nhật lịch tiếp công dân")
    return render(request, "staff/schedule.html", _schedule_context(session, vn_today(now)))


@router.post("/schedule", dependencies=[CsrfChecked])
def schedule_add(request: Request, form: FormDep, principal: PagePrincipal, session: SessionDep,
                 now: NowDep) -> Response:
    fields = {k: str(form.get(k, "")) for k in ("held_on", "leader_name", "leader_title", "location", "note")}
    try:
        vis.add_schedule(session, principal, parse(vis.ScheduleCreate, fields))
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        ctx = _schedule_context(session, vn_today(now), fields)
        ctx["error"] = str(exc.detail)
        return render(request, "staff/schedule.html", ctx, status_code=exc.status)
    return RedirectResponse("/schedule", status_code=303)


@router.post("/schedule/{row_id}/delete", dependencies=[CsrfChecked])
def schedule_delete(row_id: int, principal: PagePrincipal, session: SessionDep) -> Response:
    vis.delete_schedule(session, principal, row_id)
    return RedirectResponse("/schedule", status_code=303)


@router.get("/reception-schedule")
def public_schedule(request: Request, session: SessionDep, now: NowDep) -> Response:
    """Published for citizens (Luật Tiếp công dân 2013, art. 14): when and where leaders receive them."""
    today = vn_today(now)
    rows = vis.schedule(session, today.replace(day=1), today + timedelta(days=366))
    return render(request, "public/schedule.html", {"rows": rows, "today": today})
