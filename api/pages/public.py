"""Citizen pages: look up a case with code and PIN."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.deps import CalendarDep, CsrfChecked, NowDep, SessionDep, client_address, record_failure_aside
from api.templating import render
from workflows.errors import NotFound, TooMany
from workflows.public import find_by_pin, pin_keys, public_view

router = APIRouter()


@router.get("/lookup")
def lookup_form(request: Request, code: str = "") -> Response:
    return render(request, "public/lookup.html", {"code": code[:20]})


@router.post("/lookup", dependencies=[CsrfChecked])
def lookup(request: Request, session: SessionDep, now: NowDep, cal: CalendarDep,
           code: Annotated[str, Form(max_length=20)], pin: Annotated[str, Form(max_length=12)]) -> Response:
    address = client_address(request)
    try:
        case = find_by_pin(session, code, pin, address, now)
    except NotFound as exc:
        record_failure_aside(session, pin_keys(address), now)
        return render(request, "public/lookup.html", {"code": code, "error": str(exc.detail)}, status_code=404)
    except TooMany as exc:
        return render(request, "public/lookup.html", {"code": code, "error": str(exc.detail)}, status_code=429)
    return render(request, "public/case.html", {"p": public_view(session, case, now, cal)})
