"""Public look-up by tracking code and PIN: no login, no personal data."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import CalendarDep, NowDep, SessionDep, client_address, record_failure_aside
from api.v1.common import errors
from models.schemas import PublicCaseOut
from workflows.calendar import vn_today
from workflows.errors import NotFound
from workflows.hotcache import public_views, row_key
from workflows.public import find_by_pin, pin_keys, public_view

router = APIRouter(tags=["public"])


@router.get("/public/cases/{tracking_code}", response_model=PublicCaseOut, responses=errors(404, 422, 429))
def lookup(
    request: Request,
    tracking_code: Annotated[str, Path(max_length=20, description="Mã hồ sơ trên giấy biên nhận")],
    pin: Annotated[str, Query(min_length=1, max_length=12, description="Mã PIN trên giấy biên nhận")],
    session: SessionDep,
    now: NowDep,
    cal: CalendarDep,
) -> Response:
    """Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã PIN."""
    address = client_address(request)
    try:
        case = find_by_pin(session, tracking_code, pin, address, now)
    except NotFound:
        record_failure_aside(session, pin_keys(address), now)
        raise
    # The PIN check above runs on every request; only the rendering is cached, keyed by the row.
    key = row_key(case, vn_today(now), cal)
    body: bytes | None = public_views.get(key)
    if body is None:
        view = PublicCaseOut.model_validate(public_view(session, case, now, cal)).model_dump(mode="json")
        body = json.dumps(view, ensure_ascii=False, separators=(",", ":")).encode()
        public_views.put(key, body)
    return Response(body, media_type="application/json")
