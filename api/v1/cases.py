"""Cases: intake, lists, one case, actions, events and attachments."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Path, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlmodel import select

from api.deps import ApiPrincipal, CalendarDep, NowDep, SessionDep, end_transaction
from api.v1.common import errors, idempotent_write
from models import Attachment, ClockState, Kind, Status
from models.db import session_scope
from models.schemas import ActionBody, AttachmentOut, CaseCreate, CaseCreated, CaseList, CaseOut, EventOut
from workflows import attachments as att
from workflows.access import can_see_identity, get_readable_case
from workflows.auth import Principal
from workflows.calendar import WorkCalendar, vn_today
from workflows.cases import CaseFilter, events_of, list_cases
from workflows.duplicates import find_candidates
from workflows.errors import Forbidden, NotFound
from workflows.hotcache import row_key, staff_views
from workflows.intake import log_petition
from workflows.lifecycle import MOVES, allowed_actions, perform
from workflows.serialize import case_dict, load_related, log_identity_view

router = APIRouter(tags=["cases"])
CodePath = Annotated[str, Path(max_length=20, description="Mã hồ sơ", examples=["26K7M3QX"])]
INTAKE_ROLES = {"reception", "office", "director"}


def _require_write(principal: Principal) -> None:
    if principal.api_key is not None:
        if not principal.has_scope("cases:write"):
            raise Forbidden("Khoá API không có phạm vi 'cases:write'.")
    elif principal.role not in INTAKE_ROLES:
        raise Forbidden("Vai trò của bạn không được tiếp nhận đơn.")


def _require_read(principal: Principal) -> None:
    if principal.api_key is not None and not principal.has_scope("cases:read"):
        raise Forbidden("Khoá API không có phạm vi 'cases:read'.")


def _unit_of(principal: Principal) -> int | None:
    return principal.user.unit_id if principal.user else None


def case_out(session: Any, principal: Principal, case: Any, now: Any, cal: WorkCalendar) -> dict[str, Any]:
    today = vn_today(now)
    rel = load_related(session, [case])
    out = case_dict(principal, case, rel, today, cal, detail=True)
    out["allowed_actions"] = allowed_actions(principal, case) if principal.user else []
    return out


@router.post("/cases", status_code=201, response_model=CaseCreated, responses=errors(401, 403, 409, 422, 429))
def intake(request: Request, body: CaseCreate, session: SessionDep, principal: ApiPrincipal, now: NowDep,
           cal: CalendarDep) -> Response:
    """Tiếp nhận đơn. Trả về mã hồ sơ và mã PIN (chỉ một lần), các thời hạn đã tính."""
    _require_write(principal)

    def produce() -> dict[str, Any]:
        logged = log_petition(session, principal, body, now=now, cal=cal)
        out = case_dict(principal, logged.case, logged.related, vn_today(now), cal, detail=True)
        out["allowed_actions"] = allowed_actions(principal, logged.case) if principal.user else []
        out["pin"] = logged.pin
        return out

    response = idempotent_write(request, session, principal, body, 201, produce)
    end_transaction(session)
    return response


@router.get("/cases", response_model=CaseList, responses=errors(401, 403, 422))
def list_(
    session: SessionDep,
    principal: ApiPrincipal,
    now: NowDep,
    cal: CalendarDep,
    status: Annotated[list[Status] | None, Query(description="Lọc theo trạng thái (lặp lại được)")] = None,
    kind: Annotated[Kind | None, Query(description="Lọc theo loại đơn")] = None,
    unit: Annotated[str | None, Query(max_length=32, description="Mã đơn vị")] = None,
    officer: Annotated[str | None, Query(max_length=64, description="Tên đăng nhập chuyên viên")] = None,
    clock_state: Annotated[ClockState | None, Query(description="Tình trạng thời hạn")] = None,
    risk: Annotated[bool | None, Query(description="Chỉ hồ sơ có nguy cơ vượt cấp")] = None,
    received_from: Annotated[date | None, Query(alias="from", description="Nhận từ ngày")] = None,
    received_to: Annotated[date | None, Query(alias="to", description="Nhận đến ngày")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Tìm kiếm, có hoặc không dấu",
                                   examples=["khieu nai"])] = None,
    limit: Annotated[int, Query(description="Số dòng (tối đa 200)")] = 50,
    offset: Annotated[int, Query(description="Bỏ qua bao nhiêu dòng")] = 0,
) -> dict[str, Any]:
    """Danh sách hồ sơ trong phạm vi được xem, khẩn cấp nhất trước."""
    _require_read(principal)
    today = vn_today(now)
    f = CaseFilter(status=[s.value for s in status] if status else None, kind=kind.value if kind else None,
                   unit=unit, officer=officer, clock_state=clock_state.value if clock_state else None, risk=risk,
                   received_from=received_from, received_to=received_to, q=q)
    total, rows = list_cases(session, principal, f, today=today, cal=cal, limit=limit, offset=offset)
    rel = load_related(session, rows, petitioners=False)
    limit_c = max(1, min(limit, 200))
    return {
        "total": total, "limit": limit_c, "offset": max(0, offset),
        "items": [case_dict(principal, c, rel, today, cal) for c in rows],
    }


@router.get("/cases/duplicates", responses=errors(401, 403, 422))
def duplicates(
    session: SessionDep,
    principal: ApiPrincipal,
    now: NowDep,
    subject: Annotated[str, Query(max_length=300, description="Trích yếu")] = "",
    content: Annotated[str, Query(max_length=5000, description="Nội dung")] = "",
    id_number: Annotated[str, Query(max_length=20, description="Số định danh")] = "",
    phone: Annotated[str, Query(max_length=20, description="Điện thoại")] = "",
) -> list[dict[str, Any]]:
    """Đơn có thể trùng: cùng người gửi hoặc nội dung tương tự, kèm điểm số. Chỉ dành cho cán bộ tiếp nhận."""
    if principal.api_key is not None:
        # Searching by ID number or phone would tell a system who filed which petition.
        raise Forbidden("Chỉ cán bộ tiếp nhận mới tra cứu đơn trùng.")
    _require_write(principal)
    found = find_candidates(session, today=vn_today(now), subject=subject, content=content,
                            id_number=id_number, phone=phone)
    return [c.__dict__ for c in found]


@router.get("/cases/{tracking_code}", response_model=CaseOut, responses=errors(304, 401, 403, 404))
def read(request: Request, tracking_code: CodePath, session: SessionDep, principal: ApiPrincipal, now: NowDep,
         cal: CalendarDep) -> Response:
    """Một hồ sơ với các thời hạn; danh tính người tố cáo bị che nếu bạn không có quyền."""
    _require_read(principal)
    case = get_readable_case(session, principal, tracking_code)
    # The scope check above runs on every request; the rendering is cached by row and viewer.
    key = (*row_key(case, vn_today(now), cal), principal.key, principal.role, _unit_of(principal))
    cached: tuple[bytes, str] | None = staff_views.get(key)
    if cached is None:
        out = case_out(session, principal, case, now, cal)
        rendered = bytes(JSONResponse(jsonable_encoder(out)).body)
        cached = (rendered, '"' + hashlib.sha256(rendered).hexdigest()[:32] + '"')
        staff_views.put(key, cached)
    body, etag = cached
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    if case.kind == Kind.denunciation and can_see_identity(principal, case):
        with session_scope() as s:
            log_identity_view(s, principal, case, "api", now)
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.post("/cases/{tracking_code}/actions/{action}", response_model=CaseOut,
             responses=errors(401, 403, 404, 409, 422, 429))
def act(
    request: Request,
    tracking_code: CodePath,
    action: Annotated[str, Path(max_length=40, description="Thao tác: " + ", ".join(MOVES))],
    body: Annotated[ActionBody, Body(openapi_examples={
        "accept": {"summary": "Thụ lý", "value": {"version": 1, "note": "Đủ điều kiện thụ lý"}},
        "assign": {"summary": "Giao xác minh", "value": {"version": 2, "unit": "QLCN", "officer": "officer.cn"}},
    })],
    session: SessionDep,
    principal: ApiPrincipal,
    now: NowDep,
    cal: CalendarDep,
) -> Response:
    """Thực hiện một bước của quy trình. Thao tác không hợp lệ: 409; phiên bản cũ: 409."""
    if principal.user is None:
        raise Forbidden("Chỉ cán bộ mới thực hiện thao tác trên hồ sơ.")

    def produce() -> dict[str, Any]:
        result = perform(session, principal, tracking_code, action, body, now=now, cal=cal)
        out = case_out(session, principal, result.case, now, cal)
        if result.pin:
            out["pin"] = result.pin
        return out

    return idempotent_write(request, session, principal, body, 200, produce)


@router.get("/cases/{tracking_code}/events", response_model=list[EventOut], responses=errors(401, 403, 404))
def events(tracking_code: CodePath, session: SessionDep, principal: ApiPrincipal) -> list[dict[str, Any]]:
    """Lịch sử hồ sơ (chuỗi sự kiện có mã băm, chỉ ghi thêm)."""
    _require_read(principal)
    case = get_readable_case(session, principal, tracking_code)
    evs = events_of(session, case, public_only=principal.user is None)
    return [
        {"seq": e.seq, "at": e.at, "on": e.on, "actor": e.actor if principal.user else "", "action": e.action,
         "from_status": e.from_status, "to_status": e.to_status, "note": e.note if principal.user else "",
         "public": e.public, "data": e.data if principal.user else {}}
        for e in evs
    ]


@router.post("/cases/{tracking_code}/attachments", status_code=201, response_model=AttachmentOut,
             tags=["attachments"], responses=errors(401, 403, 404, 413, 415, 422))
def upload(request: Request, tracking_code: CodePath, session: SessionDep, principal: ApiPrincipal, now: NowDep,
           file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, DOCX, XLSX hoặc ODT; tối đa 20 MB")]
           ) -> Response:
    """Đính kèm tệp; loại tệp được kiểm tra theo nội dung."""
    if principal.user is None:
        _require_write(principal)
    case = get_readable_case(session, principal, tracking_code)
    if principal.api_key is not None and case.api_key_id != principal.api_key.id:
        raise NotFound()  # systems attach files to the petitions they submitted

    def produce() -> dict[str, Any]:
        row = att.add_attachment(session, case, file.filename or "", file.file, actor=principal.user, now=now)
        return AttachmentOut.model_validate(row, from_attributes=True).model_dump()

    return idempotent_write(request, session, principal, {"file": file.filename, "size": file.size}, 201, produce)


@router.get("/cases/{tracking_code}/attachments", response_model=list[AttachmentOut], tags=["attachments"],
            responses=errors(401, 403, 404))
def attachments(tracking_code: CodePath, session: SessionDep, principal: ApiPrincipal) -> list[Attachment]:
    """Các tệp đính kèm của hồ sơ."""
    _require_read(principal)
    case = get_readable_case(session, principal, tracking_code)
    rows = session.exec(select(Attachment).where(Attachment.case_id == case.id)).all()
    return [a for a in rows if not a.confidential or can_see_identity(principal, case)]


@router.get("/cases/{tracking_code}/attachments/{attachment_id}", tags=["attachments"],
            responses={200: {"content": {"application/octet-stream": {}}, "description": "Tệp"},
                       **errors(401, 403, 404)})
def download(tracking_code: CodePath,
             attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="Mã số tệp", examples=[1])],
             session: SessionDep, principal: ApiPrincipal) -> Response:
    """Tải tệp về (luôn dưới dạng tệp tải xuống)."""
    _require_read(principal)
    case = get_readable_case(session, principal, tracking_code)
    row = session.get(Attachment, attachment_id)
    if row is None or row.case_id != case.id or (row.confidential and not can_see_identity(principal, case)):
        raise NotFound("Không tìm thấy tệp đính kèm.")
    return FileResponse(att.path_of(row), media_type=row.content_type, filename=row.original_name,
                        content_disposition_type="attachment")
