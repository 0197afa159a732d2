"""A person's own data, for the office (Law 91/2025/QH15: the data subject's right to know
and to obtain the personal data an agency holds)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlmodel import col, select

from api.deps import ApiPrincipal, NowDep, SessionDep
from api.v1.common import errors
from models import Case, IdentityView, Kind, Role
from models.db import session_scope
from workflows.errors import Forbidden
from workflows.privacy import person_data, person_xlsx

router = APIRouter(tags=["privacy"])
ALLOWED = {Role.office, Role.director}


@router.get("/privacy/person", responses={200: {"content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}, **errors(401, 403, 422)})
def person(
    session: SessionDep,
    principal: ApiPrincipal,
    now: NowDep,
    id_number: Annotated[str, Query(max_length=20, description="Số định danh cá nhân")] = "",
    phone: Annotated[str, Query(max_length=20, description="Số điện thoại")] = "",
    format: Annotated[Literal["json", "xlsx"], Query(description="json hoặc xlsx")] = "json",  # noqa: A002
) -> Response:
    """Dữ liệu cá nhân hệ thống đang lưu về một người (theo số định danh hoặc điện thoại).
    Chỉ Văn phòng Sở và Lãnh đạo Sở; mỗi lần xem hồ sơ tố cáo đều được ghi nhật ký."""
    if principal.user is None or principal.role not in ALLOWED:
        raise Forbidden("Chỉ Văn phòng Sở và Lãnh đạo Sở được trích xuất dữ liệu cá nhân.")
    data = person_data(session, id_number=id_number, phone=phone)
    codes = [c["tracking_code"] for c in data["cases"] if c["kind"] == Kind.denunciation]
    if codes:
        ids = session.exec(select(Case.id).where(col(Case.tracking_code).in_(codes))).all()
        with session_scope() as s:  # a GET runs read-only; the view log is written aside
            for case_id in ids:
                s.add(IdentityView(case_id=case_id or 0, user_id=principal.user.id or 0, at=now,
                                   context="privacy-export"))
    if format == "xlsx":
        return Response(person_xlsx(data), media_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            headers={"Content-Disposition": 'attachment; filename="du-lieu-ca-nhan.xlsx"'})
    body: Any = jsonable_encoder(data)
    return JSONResponse(body)
