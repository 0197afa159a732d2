"""Staff pages for cases: the inbox sorted by urgency and the case page with its actions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from api.deps import CalendarDep, CsrfChecked, FormDep, NowDep, PagePrincipal, SessionDep
from api.pages.forms import blank_to_none, checkbox, parse
from api.templating import render
from models import Attachment, ClockState, Kind, Role, Status, Unit, User
from models.db import session_scope
from models.schemas import ActionBody
from workflows import attachments as att
from workflows.access import can_see_identity, get_readable_case
from workflows.auth import Principal
from workflows.calendar import WorkCalendar, vn_today
from workflows.cases import CaseFilter, events_of, list_cases
from workflows.errors import DomainError, NotFound
from workflows.lifecycle import FIELD_LABELS, MOVES, allowed_actions, perform
from workflows.serialize import case_dict, load_related, log_identity_view

router = APIRouter()
PAGE = 25

#: Which inputs each action's form shows (required ones come from the table of moves).
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "accept": ("complex", "note"),
    "reject": ("reason",),
    "transfer": ("target_agency", "note"),
    "guide": ("target_agency", "note"),
    "archive": ("reason",),
    "mark_duplicate": ("master", "note"),
    "assign": ("unit", "officer", "note"),
    "reassign": ("unit", "officer", "note"),
    "report": ("result", "note"),
    "return": ("reason",),
    "resolve": ("decision_number", "result"),
    "close": ("note",),
    "withdraw": ("reason",),
    "continue": ("reason",),
    "suspend": ("decision_number", "reason"),
    "resume": ("decision_number", "note"),
    "extend": ("decision_number", "complex", "especially_complex", "note"),
    "open_second_round": ("note",),
}


def _day(value: str) -> date | None:
    """A yyyy-mm-dd filter value; a malformed one is ignored rather than refused."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/inbox")
def inbox(request: Request, principal: PagePrincipal, session: SessionDep, now: NowDep, cal: CalendarDep,
          q: str = "", status: str = "", kind: str = "", clock_state: str = "", unit: str = "", officer: str = "",
          risk: str = "", date_from: Annotated[str, Query(alias="from")] = "",
          date_to: Annotated[str, Query(alias="to")] = "", offset: int = 0) -> Response:
    """The worklist, most urgent first; unit heads hand cases to their officers from here."""
    today = vn_today(now)
    offset = max(0, offset)
    f = CaseFilter(status=[status] if status else None, kind=kind or None, clock_state=clock_state or None,
                   unit=unit or None, officer=officer or None, risk=bool(risk), q=q[:200] or None,
                   received_from=_day(date_from), received_to=_day(date_to))
    total, rows = list_cases(session, principal, f, today=today, cal=cal, limit=PAGE, offset=offset)
    rel = load_related(session, rows, petitioners=False)
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "lang") and v}
    units = session.exec(select(Unit).where(col(Unit.active).is_(True)).order_by(col(Unit.name))).all()
    staff = select(User).where(col(User.role).in_([Role.officer, Role.unit_head]), col(User.active).is_(True))
    if principal.role in (Role.officer, Role.unit_head) and principal.user:
        staff = staff.where(User.unit_id == principal.user.unit_id)
    officers = session.exec(staff.order_by(col(User.full_name))).all()
    return render(request, "staff/inbox.html", {
        "rows": [case_dict(principal, c, rel, today, cal) for c in rows], "total": total, "f": f,
        "offset": offset, "limit": PAGE, "statuses": list(Status), "kinds": list(Kind),
        "clock_states": list(ClockState), "units": units, "officers": officers,
        "date_from": f.received_from.isoformat() if f.received_from else "",
        "date_to": f.received_to.isoformat() if f.received_to else "",
        "filtered": bool(params), "can_assign": principal.role == Role.unit_head,
        "here": str(request.url.path) + ("?" + urlencode(params | {"offset": offset}) if params or offset else ""),
        "prev_qs": urlencode(params | {"offset": max(0, offset - PAGE)}),
        "next_qs": urlencode(params | {"offset": offset + PAGE}),
    })


def _case_context(session: Any, principal: Principal, case: Any, now: Any, cal: WorkCalendar) -> dict[str, Any]:
    today = vn_today(now)
    rel = load_related(session, [case])
    c = case_dict(principal, case, rel, today, cal, detail=True)
    actions = allowed_actions(principal, case)
    units = session.exec(select(Unit).where(col(Unit.active).is_(True)).order_by(col(Unit.id))).all()
    officer_unit = principal.user.unit_id if principal.role == Role.unit_head and principal.user else case.unit_id
    officers = session.exec(
        select(User).where(User.unit_id == officer_unit, col(User.role).in_([Role.officer, Role.unit_head]),
                           col(User.active).is_(True))
    ).all() if officer_unit else []
    atts = [a for a in session.exec(select(Attachment).where(Attachment.case_id == case.id)).all()
            if not a.confidential or can_see_identity(principal, case)]
    return {
        "c": c, "actions": actions, "fields": ACTION_FIELDS, "units": units, "officers": officers,
        "required": {a: MOVES[a].requires for a in MOVES}, "field_labels": {
            **{k: v[:1].upper() + v[1:] for k, v in FIELD_LABELS.items()}, "note": "Ghi chú"},
        "events": events_of(session, case), "attachments": atts, "today": today.isoformat(),
    }


@router.get("/cases/{tracking_code}")
def case_page(request: Request, tracking_code: str, principal: PagePrincipal, session: SessionDep, now: NowDep,
              cal: CalendarDep, message: str = "") -> Response:
    case = get_readable_case(session, principal, tracking_code)
    if case.kind == Kind.denunciation and can_see_identity(principal, case):
        with session_scope() as s:
            log_identity_view(s, principal, case, "page", now)
    ctx = _case_context(session, principal, case, now, cal)
    ctx["message"] = message[:200]
    return render(request, "staff/case.html", ctx)


@router.post("/cases/{tracking_code}/actions/{action}", dependencies=[CsrfChecked])
def act(request: Request, tracking_code: str, action: str, form: FormDep, principal: PagePrincipal,
        session: SessionDep, now: NowDep, cal: CalendarDep) -> Response:
    data = {k: form.get(k) for k in ("version", "note", "reason", "unit", "officer", "target_agency",
                                     "decision_number", "result", "master") if form.get(k) is not None}
    data["on"] = blank_to_none(form.get("on"))
    data["complex"] = checkbox(form, "complex")
    data["especially_complex"] = checkbox(form, "especially_complex")
    try:
        body = parse(ActionBody, data)
        result = perform(session, principal, tracking_code, action, body, now=now, cal=cal)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        session.rollback()
        case = get_readable_case(session, principal, tracking_code)
        ctx = _case_context(session, principal, case, now, cal)
        ctx["error"] = str(exc.detail)
        return render(request, "staff/case.html", ctx, status_code=exc.status)
    if result.pin:
        from api.pages.reception import _receipt

        return _receipt(request, session, result.case, result.pin, now, cal)
    target = result.case.tracking_code
    back = str(form.get("next") or "")
    if back.startswith("/inbox") and "//" not in back and "\\" not in back:
        return RedirectResponse(back, status_code=303)  # assigned from the inbox: stay on the list
    try:
        get_readable_case(session, principal, target)
    except NotFound:
        return RedirectResponse("/inbox", status_code=303)  # e.g. reassigned out of the unit
    return RedirectResponse(f"/cases/{target}?message=Đã+lưu", status_code=303)


@router.post("/cases/{tracking_code}/attachments", dependencies=[CsrfChecked])
def upload(request: Request, tracking_code: str, form: FormDep, principal: PagePrincipal, session: SessionDep,
           now: NowDep, cal: CalendarDep) -> Response:
    case = get_readable_case(session, principal, tracking_code)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            from workflows.errors import Invalid

            raise Invalid("Vui lòng chọn tệp.")
        att.add_attachment(session, case, upload.filename, upload.file, actor=principal.user, now=now)
    except DomainError as exc:
        session.rollback()
        case = get_readable_case(session, principal, tracking_code)
        ctx = _case_context(session, principal, case, now, cal)
        ctx["error"] = str(exc.detail)
        return render(request, "staff/case.html", ctx, status_code=exc.status)
    return RedirectResponse(f"/cases/{case.tracking_code}?message=Đã+tải+lên", status_code=303)


@router.get("/cases/{tracking_code}/attachments/{attachment_id}")
def download(tracking_code: str, attachment_id: int, principal: PagePrincipal, session: SessionDep) -> Response:
    case = get_readable_case(session, principal, tracking_code)
    row = session.get(Attachment, attachment_id)
    if row is None or row.case_id != case.id or (row.confidential and not can_see_identity(principal, case)):
        raise NotFound("Không tìm thấy tệp đính kèm.")
    return FileResponse(att.path_of(row), media_type=row.content_type, filename=row.original_name,
                        content_disposition_type="attachment")
