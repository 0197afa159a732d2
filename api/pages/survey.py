"""The citizen's satisfaction survey (no login: tracking code + PIN), and the second round it may open."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.deps import CalendarDep, CsrfChecked, FormDep, NowDep, SessionDep, client_address, record_failure_aside
from api.templating import render
from models import Case
from workflows import survey as sv
from workflows.calendar import vn_today
from workflows.errors import DomainError, NotFound, TooMany
from workflows.public import find_by_pin, pin_keys

router = APIRouter()
CodeF = Annotated[str, Form(max_length=20)]
PinF = Annotated[str, Form(max_length=12)]


def _ctx(code: str, **more: Any) -> dict[str, Any]:
    return {"code": code[:20], "scores": sv.SCORES, "form": {}, **more}


def _authenticate(request: Request, session: Any, code: str, pin: str, now: Any, template: str) -> Case | Response:
    """Code + PIN as on the look-up page: same message for both mistakes, failures throttled."""
    address = client_address(request)
    try:
        return find_by_pin(session, code, pin, address, now)
    except NotFound as exc:
        record_failure_aside(session, pin_keys(address), now)
        return render(request, template, _ctx(code, error=str(exc.detail)), status_code=404)
    except TooMany as exc:
        return render(request, template, _ctx(code, error=str(exc.detail)), status_code=429)


@router.get("/survey")
def survey_form(request: Request, code: str = "") -> Response:
    return render(request, "public/survey.html", _ctx(code))


@router.post("/survey", dependencies=[CsrfChecked])
def survey_submit(request: Request, form: FormDep, session: SessionDep, now: NowDep, code: CodeF,
                  pin: PinF) -> Response:
    found = _authenticate(request, session, code, pin, now, "public/survey.html")
    if isinstance(found, Response):
        return found
    case = found
    scores: dict[str, int] = {}
    for name in sv.SCORES:
        raw = str(form.get(name, ""))
        scores[name] = int(raw) if raw.isdigit() else 0
    comment = str(form.get("comment", ""))[:2000]
    try:
        response = sv.submit(session, case, scores, comment, now=now)
    except DomainError as exc:
        session.rollback()
        previous = sv.existing(session, case)
        ctx = _ctx(case.tracking_code, error=str(exc.detail), form={**scores, "comment": comment},
                   offer=sv.second_round_state(session, case, previous, vn_today(now)), pin=pin)
        return render(request, "public/survey.html", ctx, status_code=exc.status)
    return render(request, "public/survey_done.html", {
        "code": case.tracking_code, "pin": pin, "offer": sv.second_round_state(session, case, response, vn_today(now)),
    })


@router.post("/survey/second-round", dependencies=[CsrfChecked])
def second_round(request: Request, session: SessionDep, now: NowDep, cal: CalendarDep, code: CodeF, pin: PinF,
                 reason: Annotated[str, Form(max_length=5000)] = "") -> Response:
    """Khiếu nại lần hai (Luật Khiếu nại 2011, art. 33), opened for the citizen by the system."""
    found = _authenticate(request, session, code, pin, now, "public/survey.html")
    if isinstance(found, Response):
        return found
    try:
        second, new_pin = sv.open_from_survey(session, found, reason, now=now, cal=cal)
    except DomainError as exc:
        session.rollback()
        return render(request, "public/survey_done.html", {
            "code": found.tracking_code, "pin": pin, "error": str(exc.detail),
            "offer": sv.second_round_state(session, found, sv.existing(session, found), vn_today(now)),
        }, status_code=exc.status)
    return render(request, "public/second_round.html", {"first": found.tracking_code, "code": second.tracking_code,
                                                        "pin": new_pin, "due_on": second.current_due_on})
