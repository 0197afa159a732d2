"""Dependencies that make route signatures read like sentences (STYLE.md, api/)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from models import User, utcnow
from models.db import new_session, session_scope
from workflows.auth import (
    Principal,
    needs_touch,
    record_failure,
    resolve_api_key,
    resolve_session,
    token_digest,
    touch_session,
)
from workflows.calendar import WorkCalendar, cached_calendar, load_calendar
from workflows.errors import Forbidden, Unauthorized

SESSION_COOKIE = "donthu_session"
CSRF_COOKIE = "donthu_csrf"
LANG_COOKIE = "donthu_lang"


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request owns the transaction: commit at the end, roll back on error (STYLE.md rule 1).

    GET and HEAD run in a read-only transaction, which on SQLite never waits for the writer.
    Used with scope="function" so the commit happens before the answer is sent: a 201
    is never sent for a row that was not stored.

    The session is opened on the event loop (it takes no connection until its first query)
    and ended in one worker thread: one thread hop fewer per request (issue 7).

    A route that ended the transaction itself (`end_transaction`) leaves nothing to do in a
    thread: the session is only closed, on the event loop.
    """
    readonly = request.method in ("GET", "HEAD")
    session = new_session(readonly=readonly)
    try:
        yield session
    except BaseException:
        # Shielded, as FastAPI does for a sync generator's exit: a cancelled request must
        # still give back its connection (on SQLite, the write lock).
        with anyio.CancelScope(shield=True):
            await _end_async(session, False)
        raise
    with anyio.CancelScope(shield=True):
        await _end_async(session, not readonly)


async def _end_async(session: Session, commit: bool) -> None:
    """End the request's session; a thread hop only when a transaction is still open (issue 7)."""
    if session.in_transaction():
        await run_in_threadpool(_end, session, commit)
    else:
        session.close()  # no transaction, so no connection: nothing here waits on the database


def end_transaction(session: Session) -> None:
    """Commit the request's transaction now and give the connection back, in the route's own
    worker thread, instead of a thread hop of its own after the route (issue 7: on SQLite a
    write holds the process's write queue across every hop).

    For writing routes whose answer is complete before the commit; the commit still comes
    before the answer is sent, and a failed commit is still the request's error.
    """
    _end(session, True)


def _end(session: Session, commit: bool) -> None:
    """Commit (or roll back) and give the connection back, in the calling worker thread."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_now() -> datetime:
    """The clock, as a dependency: tests override it instead of monkeypatching time.

    `async` because FastAPI runs a plain `def` dependency in a worker thread: one thread hop
    per request for a clock read (issue 7; on SQLite a write holds the write queue meanwhile).
    """
    return utcnow()


NowDep = Annotated[datetime, Depends(get_now)]


async def get_calendar(session: SessionDep) -> WorkCalendar:
    """The working-day calendar: from the in-process cache on the event loop, and only when
    that has expired from the database, in a worker thread."""
    cal = cached_calendar()
    if cal is not None:
        return cal
    return await run_in_threadpool(load_calendar, session)


CalendarDep = Annotated[WorkCalendar, Depends(get_calendar)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def record_failure_aside(session: Session, keys: list[str], now: datetime) -> None:
    """Count a failed login or PIN in its own transaction, since the request's will roll back.

    The request's transaction is ended first: on SQLite it may hold the write lock, and a
    second writer in the same thread would wait for itself.
    """
    session.rollback()
    with session_scope() as s:
        record_failure(s, keys, now)


def _refresh(request: Request, session: Session, session_id: str, due: bool, now: datetime) -> None:
    """Move a session's idle timer: in the request's own transaction when it writes anyway,
    in a short one of its own for a read-only GET. (A second writer inside a writing request
    would wait for itself on SQLite.)"""
    if not due:
        return
    if request.method in ("GET", "HEAD"):
        with session_scope() as s:
            touch_session(s, session_id, now)
    else:
        touch_session(session, session_id, now)


def api_principal(request: Request, session: SessionDep, now: NowDep) -> Principal:
    """Staff with a bearer token, or another system with an `X-API-Key`."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        try:
            user, row = resolve_session(session, auth[7:].strip(), now, kind="api")
        except Unauthorized as exc:
            exc.headers["WWW-Authenticate"] = "Bearer"
            raise
        _refresh(request, session, row.id, needs_touch(row, now), now)
        request.state.principal_key = f"user:{user.id}"
        return Principal(user=user)
    key = request.headers.get("x-api-key")
    if key:
        api_key = resolve_api_key(session, key.strip())
        request.state.principal_key = f"key:{api_key.id}"
        return Principal(api_key=api_key)
    raise Unauthorized("Cần đăng nhập: gửi 'Authorization: Bearer <token>' hoặc 'X-API-Key'.",
                       headers={"WWW-Authenticate": "Bearer"})


ApiPrincipal = Annotated[Principal, Depends(api_principal)]



class LoginRequired(Exception):
    """Raised by page dependencies; the handler redirects to the login page."""


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    full_name: str
    role: str
    unit_id: int | None


def optional_page_user(request: Request, session: SessionDep, now: NowDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        user, row = resolve_session(session, token, now, kind="web")
    except Unauthorized:
        return None
    _refresh(request, session, row.id, needs_touch(row, now), now)
    # A detached copy for templates: error pages render after the transaction rolled back.
    request.state.user = UserView(id=user.id or 0, username=user.username, full_name=user.full_name,
                                  role=user.role, unit_id=user.unit_id)
    request.state.csrf_token = row.csrf_token
    # The bell on every staff page: one count on ix_notification_user_read.
    from workflows.notifications import unread_count

    request.state.unread = unread_count(session, user.id or 0)
    return user


def page_user(user: Annotated[User | None, Depends(optional_page_user)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


PageUser = Annotated[User, Depends(page_user)]
OptionalPageUser = Annotated[User | None, Depends(optional_page_user)]


def page_principal(user: PageUser) -> Principal:
    return Principal(user=user)


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def csrf_token_for(request: Request) -> str:
    """The token to put in forms: the session's when logged in, else the cookie's."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return str(token)
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Every state-changing form carries a token that a foreign site cannot read."""
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    expected = getattr(request.state, "csrf_token", None)
    if expected is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            # Logged in: bind the token to the server-side session.
            from sqlmodel import select

            from models import StaffSession

            with session_scope(readonly=True) as s:
                row = s.exec(select(StaffSession).where(StaffSession.id == token_digest(token))).first()
                expected = row.csrf_token if row else None
        if expected is None:
            expected = request.cookies.get(CSRF_COOKIE)
    if not sent or not expected or not secrets.compare_digest(sent, str(expected)):
        raise Forbidden("Phiên làm việc của biểu mẫu không hợp lệ hoặc đã hết hạn. Vui lòng tải lại trang và thử lại.")


CsrfChecked = Depends(verify_csrf)


async def form_data(request: Request) -> FormData:
    """The parsed form (cached by Starlette), so that sync routes can read it."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "vi"
    return lang if lang in ("vi", "en") else "vi"
