"""Reception desk: intake form, live duplicate suggestions, receipt, today's list."""

from __future__ import annotations

import base64
import io
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from api.deps import CalendarDep, CsrfChecked, FormDep, NowDep, PagePrincipal, SessionDep
from api.pages.forms import blank_to_none, checkbox, parse
from api.templating import render
from models import Case, Category, Channel, Kind, Petitioner, Role
from models.schemas import CaseCreate
from models.settings import get_settings
from workflows.access import readable_cases
from workflows.attachments import add_attachment
from workflows.calendar import vn_today
from workflows.duplicates import find_candidates
from workflows.errors import DomainError, Forbidden
from workflows.intake import create_case
from workflows.serialize import case_dict, load_related

router = APIRouter()
DESK_ROLES = {Role.reception, Role.office, Role.director}


def _require_desk(principal: Any) -> None:
    if principal.role not in DESK_ROLES:
        raise Forbidden("Chỉ bộ phận tiếp công dân, Văn phòng và Lãnh đạo Sở được tiếp nhận đơn.")


def _form_context(session: Any, now: Any, form: dict[str, Any] | None = None) -> dict[str, Any]:
    cats = session.exec(select(Category).where(col(Category.active).is_(True)).order_by(Category.name)).all()
    return {"kinds": list(Kind), "channels": list(Channel), "categories": cats, "form": form or {},
            "today": vn_today(now).isoformat()}


def qr_data_uri(url: str) -> str:
    """The receipt's QR code to the public look-up, made locally with segno (no internet)."""
    # A standalone SVG (with its xmlns): the inline variant does not render inside an <img>.
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", xmldecl=False, scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@router.get("/reception/new")
def new_form(request: Request, principal: PagePrincipal, session: SessionDep, now: NowDep) -> Response:
    _require_desk(principal)
    return render(request, "staff/reception_new.html", _form_context(session, now))


@router.post("/reception/new", dependencies=[CsrfChecked])
def submit(request: Request, form: FormDep, principal: PagePrincipal, session: SessionDep, now: NowDep,
           cal: CalendarDep) -> Response:
    _require_desk(principal)
    user = principal.user
    fields = {k: form.get(k) for k in form if k not in ("files", "csrf_token")}
    data = {
        "kind": fields.get("kind"), "round": fields.get("round") or 1, "channel": fields.get("channel") or "walk_in",
        "received_on": blank_to_none(fields.get("received_on")), "subject": fields.get("subject") or "",
        "content": fields.get("content") or "", "category": blank_to_none(fields.get("category")),
        "petitioner": {k: fields.get(k) or "" for k in ("full_name", "id_number", "phone", "email", "address",
                                                         "representatives")},
        "anonymous": checkbox(form, "anonymous"), "signatories": fields.get("signatories") or 1,
        "remote_area": checkbox(form, "remote_area"), "several_places": checkbox(form, "several_places"),
        "forwarded_by": fields.get("forwarded_by") or "",
        "contested_decision_on": blank_to_none(fields.get("contested_decision_on")),
    }
    if data["kind"] != "complaint":
        data["round"] = 1
    try:
        body = parse(CaseCreate, data)
        case, pin = create_case(session, principal, body, now=now, cal=cal)
        for upload in form.getlist("files"):
            if isinstance(upload, UploadFile) and upload.filename:
                add_attachment(session, case, upload.filename, upload.file, actor=user, now=now)
    except DomainError as exc:
        session.rollback()  # nothing half-written: the case, its files and events go together
        ctx = _form_context(session, now, fields | {"anonymous": checkbox(form, "anonymous")})
        ctx["error"] = str(exc.detail)
        return render(request, "staff/reception_new.html", ctx, status_code=exc.status)
    return _receipt(request, session, case, pin, now, cal)


def _receipt(request: Request, session: Any, case: Case, pin: str | None, now: Any, cal: Any) -> Response:
    from workflows import clocks as clockmod
    from workflows.intake import clocks_of

    url = f"{get_settings().base_url.rstrip('/')}/lookup?code={case.tracking_code}"
    pet = session.get(Petitioner, case.petitioner_id) if case.petitioner_id else None
    views = [clockmod.view(c, vn_today(now), cal) for c in clocks_of(session, case.id)]
    return render(request, "staff/receipt.html", {
        "case": case, "pin": pin, "clocks": views, "qr": qr_data_uri(url), "lookup_url": url,
        "petitioner": pet,
    })


@router.get("/reception/receipt/{tracking_code}")
def reprint(request: Request, tracking_code: str, principal: PagePrincipal, session: SessionDep, now: NowDep,
            cal: CalendarDep) -> Response:
    """Reprint a receipt; the PIN is never shown again (only its hash is kept)."""
    _require_desk(principal)
    from workflows.access import get_readable_case

    case = get_readable_case(session, principal, tracking_code)
    return _receipt(request, session, case, None, now, cal)


@router.get("/reception/duplicates")
def duplicates(principal: PagePrincipal, session: SessionDep, now: NowDep, subject: str = "", content: str = "",
               id_number: str = "", phone: str = "") -> Response:
    """Live suggestions for the intake form (cookie session, read-only)."""
    _require_desk(principal)
    found = find_candidates(session, today=vn_today(now), subject=subject[:300], content=content[:5000],
                            id_number=id_number[:20], phone=phone[:20])
    return JSONResponse([
        {"tracking_code": c.tracking_code, "subject": c.subject, "status": c.status, "score": c.score,
         "received_on": c.received_on.isoformat(), "reasons": list(c.reasons)} for c in found
    ])


@router.get("/reception")
def today_list(request: Request, principal: PagePrincipal, session: SessionDep, now: NowDep,
               cal: CalendarDep) -> Response:
    _require_desk(principal)
    today = vn_today(now)
    rows = list(session.exec(
        readable_cases(principal).where(Case.received_on == today).order_by(col(Case.id).desc()).limit(200)
    ).all())
    rel = load_related(session, rows, petitioners=False)
    items = [case_dict(principal, c, rel, today, cal) for c in rows]
    return render(request, "staff/reception_today.html", {"rows": items, "today": today})
