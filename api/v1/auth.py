"""Staff bearer tokens: `POST /api/v1/auth/token` (OAuth2 password form)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from api.deps import NowDep, SessionDep, client_address, record_failure_aside
from api.v1.common import errors
from models.schemas import TokenOut
from workflows.auth import authenticate, login_keys, open_session
from workflows.errors import Unauthorized

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenOut, responses=errors(401, 422, 429))
def issue_token(
    request: Request,
    session: SessionDep,
    now: NowDep,
    username: Annotated[str, Form(min_length=1, max_length=64, description="Tên đăng nhập", examples=["office"])],
    password: Annotated[str, Form(min_length=1, max_length=200, description="Mật khẩu")],
) -> TokenOut:
    """Đăng nhập, nhận mã truy cập (bearer) cho API."""
    address = client_address(request)
    try:
        user = authenticate(session, username, password, address, now)
    except Unauthorized:
        # The failure must be counted even though this request's transaction rolls back.
        record_failure_aside(session, login_keys(username, address), now)
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", headers={"WWW-Authenticate": "Bearer"}) from None
    token, _row = open_session(session, user, now, kind="api")
    return TokenOut(access_token=token, token_type="bearer")

