"""Login and logout with server-side sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfChecked,
    NowDep,
    OptionalPageUser,
    SessionDep,
    client_address,
    record_failure_aside,
)
from api.templating import render
from models import Role
from models.settings import get_settings
from workflows.auth import authenticate, close_session, login_keys, open_session
from workflows.errors import TooMany, Unauthorized

router = APIRouter()

HOME = {
    Role.reception: "/reception/new",
    Role.officer: "/inbox",
    Role.unit_head: "/inbox",
    Role.office: "/dashboard",
    Role.director: "/dashboard",
    Role.admin: "/admin",
}


def _safe_next(nxt: str) -> str:
    """Only same-site paths: no open redirect through the login form."""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/"


@router.get("/")
def home(user: OptionalPageUser) -> Response:
    if user is None:
        return RedirectResponse("/lookup", status_code=303)
    return RedirectResponse(HOME.get(Role(user.role), "/inbox"), status_code=303)


@router.get("/login")
def login_form(request: Request, user: OptionalPageUser, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    address = client_address(request)
    try:
        user = authenticate(session, username.strip(), password, address, now)
    except (Unauthorized, TooMany) as exc:
        if isinstance(exc, Unauthorized):
            record_failure_aside(session, login_keys(username.strip(), address), now)
        status = 429 if isinstance(exc, TooMany) else 401
        return render(request, "login.html", {"error": str(exc.detail), "username": username, "next": next},
                      status_code=status)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        close_session(session, old)  # rotate: the pre-login id never becomes a logged-in id
    token, _row = open_session(session, user, now, kind="web")
    target = _safe_next(next)
    if target == "/":
        target = HOME.get(Role(user.role), "/inbox")
    response = RedirectResponse(target, status_code=303)
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
        max_age=settings.session_absolute_hours * 3600, path="/",
    )
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
