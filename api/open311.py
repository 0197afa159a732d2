"""Open311 GeoReport v2 under /open311/v2 (DESIGN.md §7; http://wiki.open311.org/GeoReport_v2).

Services are our categories (lĩnh vực); a service request is a case, identified by its
tracking code. Answers carry status facts only and never personal data: no name, no
contact, no address, not even the petition's text, since a subject or content can name the
denunciator (Luật Tố cáo 2018, art. 47). Reads are public, as in the specification; a
write needs an API key with the `cases:write` scope.

Errors follow the specification, `[{"code": ..., "description": ...}]`: 404 for an unknown
resource, 403 for a bad key and 400 otherwise (the app's error handlers call `error_response`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import CalendarDep, FormDep, NowDep, SessionDep
from models import OPEN_STATUSES, Case, CaseClock, CaseEvent, Category, Channel, Kind, Unit
from models.schemas import CaseCreate, PetitionerCreate
from models.settings import get_settings
from workflows.auth import Principal, resolve_api_key
from workflows.calendar import VN_TZ, end_of_day
from workflows.errors import DomainError, Forbidden, Invalid, NotFound, Unauthorized
from workflows.i18n import KIND, label
from workflows.idempotency import remember, replay, request_hash
from workflows.intake import create_case

PREFIX = "/open311/v2"
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_PAGE = 200
MAX_IDS = 200
#: The specification's default and widest search window.
WINDOW_DAYS = 90

router = APIRouter(prefix=PREFIX, tags=["open311"])
Fmt = Annotated[Literal["json", "xml"], Path(description="Định dạng trả về: json hoặc xml", examples=["json"])]


# --- shapes (documentation; the routes build plain dicts) -------------------------------


class O311Error(BaseModel):
    code: int = Field(description="Mã lỗi HTTP", examples=[404])
    description: str = Field(description="Mô tả lỗi bằng tiếng Việt", examples=["Không tìm thấy hồ sơ."])


class O311Endpoint(BaseModel):
    specification: str = Field(description="Đặc tả được hỗ trợ", examples=[SPEC_URL])
    url: str = Field(description="Địa chỉ gốc của dịch vụ")
    changeset: str = Field(description="Thời điểm thay đổi gần nhất")
    type: str = Field(description="production hoặc test", examples=["production"])
    formats: list[str] = Field(description="Các định dạng hỗ trợ")


class O311Discovery(BaseModel):
    changeset: str = Field(description="Thời điểm thay đổi gần nhất")
    contact: str = Field(description="Liên hệ", examples=["Sở Công Thương"])
    key_service: str = Field(description="Cách xin khoá API")
    endpoints: list[O311Endpoint] = Field(description="Các điểm truy cập")


class O311Service(BaseModel):
    service_code: str = Field(description="Mã lĩnh vực", examples=["TM"])
    service_name: str = Field(description="Tên lĩnh vực (tiếng Việt)", examples=["Thương mại, chợ, siêu thị"])
    description: str = Field(description="Mô tả lĩnh vực")
    metadata: bool = Field(description="Luôn true: có định nghĩa thuộc tính")
    type: str = Field(description="Luôn realtime", examples=["realtime"])
    keywords: str = Field(description="Từ khoá")
    group: str = Field(description="Nhóm", examples=["Đơn thư"])


class O311Value(BaseModel):
    key: str = Field(description="Giá trị gửi lên", examples=["complaint"])
    name: str = Field(description="Tên hiển thị", examples=["Khiếu nại"])


class O311Attribute(BaseModel):
    variable: bool = Field(description="true: người gửi nhập giá trị")
    code: str = Field(description="Mã thuộc tính; gửi lên dạng attribute[code]", examples=["kind"])
    datatype: str = Field(description="string, number, datetime, text, singlevaluelist, multivaluelist")
    required: bool = Field(description="Bắt buộc hay không")
    datatype_description: str = Field(description="Hướng dẫn nhập")
    order: int = Field(description="Thứ tự hiển thị")
    description: str = Field(description="Câu hỏi hiển thị cho người gửi", examples=["Loại đơn"])
    values: list[O311Value] = Field(description="Các giá trị cho phép (với danh sách chọn)")


class O311ServiceDefinition(BaseModel):
    service_code: str = Field(description="Mã lĩnh vực", examples=["TM"])
    attributes: list[O311Attribute] = Field(description="Các thuộc tính")


class O311Request(BaseModel):
    service_request_id: str = Field(description="Mã hồ sơ", examples=["26K7M3QX"])
    status: str = Field(description="open (đang xử lý) hoặc closed (đã kết thúc)", examples=["open"])
    status_notes: str = Field(description="Trạng thái bằng tiếng Việt và ghi chú công khai gần nhất",
                              examples=["Đã thụ lý. Đủ điều kiện thụ lý"])
    service_name: str = Field(description="Tên lĩnh vực")
    service_code: str = Field(description="Mã lĩnh vực")
    description: str = Field(description="Loại đơn (không kèm nội dung đơn, để bảo vệ người gửi)",
                             examples=["Khiếu nại"])
    agency_responsible: str = Field(description="Đơn vị xử lý", examples=["Phòng Quản lý Thương mại"])
    service_notice: str = Field(description="Lưu ý")
    requested_datetime: str = Field(description="Thời điểm tiếp nhận (ISO 8601)")
    updated_datetime: str = Field(description="Thời điểm của sự kiện gần nhất (ISO 8601)")
    expected_datetime: str | None = Field(description="Hạn giải quyết (hết ngày, giờ Việt Nam)")
    address: str = Field(description="Luôn trống: không công bố địa chỉ")
    address_id: str = Field(description="Luôn trống")
    zipcode: str = Field(description="Luôn trống")
    lat: float | None = Field(description="Luôn null: không công bố vị trí")
    long: float | None = Field(description="Luôn null: không công bố vị trí")
    media_url: str = Field(description="Luôn trống")


class O311Created(BaseModel):
    service_request_id: str = Field(description="Mã hồ sơ mới", examples=["26K7M3QX"])
    service_notice: str = Field(description="Lưu ý, gồm mã PIN tra cứu (chỉ hiển thị một lần)")
    account_id: str | None = Field(description="Không dùng")
    pin: str = Field(description="Mã PIN tra cứu cho công dân; chỉ hiển thị một lần", examples=["482913"])


class O311Token(BaseModel):
    service_request_id: str = Field(description="Mã hồ sơ")
    token: str = Field(description="Mã tạm (ở đây trùng mã hồ sơ: hồ sơ có mã ngay khi gửi)")


def _docs(model: Any, *codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Yêu cầu không hợp lệ", 403: "Khoá API không hợp lệ hoặc thiếu phạm vi",
            404: "Không tìm thấy", 429: "Quá nhiều yêu cầu; xem Retry-After"}
    out: dict[int | str, dict[str, Any]] = {
        200: {"model": model, "description": "Thành công (JSON hoặc XML theo phần mở rộng)",
              "content": {"text/xml": {"schema": {"type": "string"}}}},
    }
    for c in codes:
        out[c] = {"model": list[O311Error], "description": text[c],
                  "content": {"text/xml": {"schema": {"type": "string"}}}}
    return out


# --- rendering ---------------------------------------------------------------------------

#: Tag of the items of each list-valued field, for XML.
_ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_value(el, k, v)
    elif isinstance(value, list):
        for item in value:
            _xml_value(el, _ITEM_TAGS.get(tag, "item"), item)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    top = ET.Element(root)
    if item is None:
        for k, v in data.items():
            _xml_value(top, k, v)
    else:
        for row in data:
            _xml_value(top, item, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode").encode()


def render(fmt: str, data: Any, root: str, item: str | None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, item, data), status_code=status, media_type="text/xml; charset=utf-8")
    return Response(json.dumps(data, ensure_ascii=False).encode(), status_code=status,
                    media_type="application/json")


def errors_xml(errs: list[tuple[int, str]]) -> bytes:
    return to_xml("errors", "error", [{"code": c, "description": d} for c, d in errs])


def spec_status(status: int) -> int:
    """The specification knows 404 (unknown), 403 (bad key) and 400 (anything else)."""
    if status in (404, 403, 429) or status >= 500:
        return status
    return 403 if status == 401 else 400


def error_response(path: str, status: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    """An error in the specification's shape, in the format the path asked for."""
    if isinstance(detail, list):  # validation errors: one line per field
        text = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in detail)
        message = f"Tham số không hợp lệ: {text}"
    else:
        message = str(detail)
    code = spec_status(status)
    if path.endswith(".xml"):
        return Response(errors_xml([(code, message)]), status_code=code, media_type="text/xml; charset=utf-8",
                        headers=headers)
    return Response(json.dumps([{"code": code, "description": message}], ensure_ascii=False).encode(),
                    status_code=code, media_type="application/json", headers=headers)


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


def _end_of_day(d: date | None) -> str | None:
    """A due date ends at 23:59:59 in Hà Nội (DESIGN.md §4)."""
    return end_of_day(d).isoformat() if d is not None else None


# --- reading -----------------------------------------------------------------------------


def _principal(session: Session, key: str | None, *, scope: str | None) -> Principal | None:
    if not key:
        if scope:
            raise Forbidden("Cần khoá API (tham số api_key).")
        return None
    try:
        api_key = resolve_api_key(session, key.strip())
    except Unauthorized as exc:
        raise Forbidden(exc.detail) from None
    principal = Principal(api_key=api_key)
    if scope and not principal.has_scope(scope):
        raise Forbidden(f"Khoá API không có phạm vi '{scope}'.")
    return principal


def _category(session: Session, code: str) -> Category:
    cat = session.exec(select(Category).where(Category.code == code, col(Category.active).is_(True))).first()
    if cat is None:
        raise NotFound(f"Không có dịch vụ (lĩnh vực) mã '{code}'.")
    return cat


def requests_of(session: Session, cases: list[Case]) -> list[dict[str, Any]]:
    """The Open311 view of a page of cases, in five IN queries whatever the page size."""
    ids = [c.id for c in cases if c.id is not None]
    if not ids:
        return []
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_({c.unit_id for c in cases})))}
    cats = {k.id: k for k in session.exec(select(Category).where(col(Category.id).in_({c.category_id for c in cases})))}
    due: dict[int, date] = dict(session.exec(select(col(CaseClock.case_id), col(CaseClock.due_on)).where(
            col(CaseClock.case_id).in_(ids), col(CaseClock.name) == "resolution")).all())
    last: dict[int, datetime] = dict(session.exec(select(col(CaseEvent.case_id), func.max(col(CaseEvent.at))).where(
            col(CaseEvent.case_id).in_(ids)).group_by(col(CaseEvent.case_id))).all())
    latest_public = (
        select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
        .where(col(CaseEvent.case_id).in_(ids), col(CaseEvent.public).is_(True))
        .group_by(col(CaseEvent.case_id)).subquery()
    )
    notes = dict(session.exec(
        select(col(CaseEvent.case_id), col(CaseEvent.note)).join(
            latest_public, (col(CaseEvent.case_id) == latest_public.c.case_id)
            & (col(CaseEvent.seq) == latest_public.c.seq))
    ).all())
    out = []
    for c in cases:
        cat = cats.get(c.category_id)
        unit = units.get(c.unit_id)
        notes_text = label("status", c.status)
        # A staff note on a denunciation could point at the denunciator: the status alone is published.
        note = (notes.get(c.id or 0) or "").strip() if c.kind != Kind.denunciation else ""
        if note:
            notes_text += ". " + note
        out.append({
            "service_request_id": c.tracking_code,
            "status": "open" if c.status in OPEN_STATUSES else "closed",
            "status_notes": notes_text,
            "service_name": cat.name if cat else "",
            "service_code": cat.code if cat else "",
            "description": label("kind", c.kind),
            "agency_responsible": unit.name if unit else get_settings().agency_name,
            "service_notice": "",
            "requested_datetime": _iso(c.received_at),
            "updated_datetime": _iso(last.get(c.id or 0) or c.updated_at),
            "expected_datetime": _end_of_day(due.get(c.id or 0)),
            "address": "",
            "address_id": "",
            "zipcode": "",
            "lat": None,
            "long": None,
            "media_url": "",
        })
    return out


def _aware(dt: datetime | None) -> datetime | None:
    """W3C datetimes without an offset are read as UTC."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# --- routes ------------------------------------------------------------------------------


@router.get("/discovery.{format}", responses=_docs(O311Discovery, 400, 429))
def discovery(request: Request, format: Fmt) -> Response:
    """Khám phá dịch vụ: đặc tả, địa chỉ gốc và định dạng hỗ trợ."""
    settings = get_settings()
    changeset = "2026-11-26T00:00:00Z"
    data = {
        "changeset": changeset,
        "contact": settings.agency_name,
        "key_service": "Liên hệ quản trị hệ thống để được cấp khoá API (lệnh donthu apikey create).",
        "endpoints": [{
            "specification": SPEC_URL,
            "url": settings.base_url.rstrip("/") + PREFIX,
            "changeset": changeset,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }
    return render(format, data, "discovery", None)


@router.get("/services.{format}", responses=_docs(list[O311Service], 400, 429))
def services(
    format: Fmt, session: SessionDep,
    jurisdiction_id: Annotated[str | None, Query(max_length=100, description="Không dùng (một cơ quan)")] = None,
) -> Response:
    """Danh sách dịch vụ: mỗi lĩnh vực tiếp nhận đơn là một dịch vụ."""
    rows = session.exec(select(Category).where(col(Category.active).is_(True)).order_by(col(Category.code))).all()
    data = [{
        "service_code": c.code, "service_name": c.name,
        "description": c.description or f"Đơn thư thuộc lĩnh vực {c.name}", "metadata": True,
        "type": "realtime", "keywords": "khiếu nại, tố cáo, kiến nghị, phản ánh", "group": "Đơn thư",
    } for c in rows]
    return render(format, data, "services", "service")


def service_definition(code: str) -> dict[str, Any]:
    kinds = [{"key": k, "name": v} for k, v in KIND.items()]
    return {
        "service_code": code,
        "attributes": [
            {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": True,
             "datatype_description": "Chọn một loại đơn", "order": 1, "description": "Loại đơn", "values": kinds},
            {"variable": True, "code": "subject", "datatype": "string", "required": False,
             "datatype_description": "Tối đa 300 ký tự; mặc định là dòng đầu của mô tả", "order": 2,
             "description": "Trích yếu nội dung đơn", "values": []},
            {"variable": True, "code": "signatories", "datatype": "number", "required": False,
             "datatype_description": "Số nguyên từ 1; từ 5 người là đơn đông người", "order": 3,
             "description": "Số người ký đơn", "values": []},
            {"variable": False, "code": "location_note", "datatype": "text", "required": False,
             "datatype_description": "", "order": 4,
             "description": "Địa chỉ và toạ độ (address_string, lat, long) không bắt buộc đối với dịch vụ này.",
             "values": []},
        ],
    }


@router.get("/services/{service_code}.{format}", responses=_docs(O311ServiceDefinition, 400, 404, 429))
def service(
    service_code: Annotated[str, Path(max_length=32, description="Mã lĩnh vực", examples=["TM"])],
    format: Fmt, session: SessionDep,
    jurisdiction_id: Annotated[str | None, Query(max_length=100, description="Không dùng (một cơ quan)")] = None,
) -> Response:
    """Định nghĩa dịch vụ: các thuộc tính gửi kèm (loại đơn, trích yếu, số người ký).
    Địa chỉ, toạ độ không bắt buộc."""
    cat = _category(session, service_code)
    return render(format, service_definition(cat.code), "service_definition", None)


@router.get("/requests.{format}", responses=_docs(list[O311Request], 400, 403, 429))
def list_requests(
    format: Fmt, session: SessionDep, now: NowDep,
    service_request_id: Annotated[str | None, Query(
        max_length=4200, pattern=r"^[A-Za-z0-9]{1,20}(,[A-Za-z0-9]{1,20}){0,199}$",
        description="Các mã hồ sơ, cách nhau bởi dấu phẩy (bỏ qua các bộ lọc khác)",
        examples=["26K7M3QX,26ABCDEF"])] = None,
    service_code: Annotated[str | None, Query(max_length=500, description="Các mã lĩnh vực, cách nhau bởi dấu phẩy",
                                              examples=["TM"])] = None,
    start_date: Annotated[datetime | None, Query(description="Nhận từ (W3C, ví dụ 2026-11-01T00:00:00Z)",
                                                 examples=["2026-11-01T00:00:00Z"])] = None,
    end_date: Annotated[datetime | None, Query(description="Nhận đến (W3C); cả khoảng tối đa 90 ngày",
                                               examples=["2026-11-30T23:59:59Z"])] = None,
    status: Annotated[str | None, Query(max_length=20, pattern=r"^(open|closed)(,(open|closed))?$",
                                        description="open, closed hoặc open,closed", examples=["open"])] = None,
    page: Annotated[int, Query(ge=1, le=100000, description="Trang (bắt đầu từ 1)")] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000, description="Số hồ sơ mỗi trang (tối đa 200)")] = 50,
    api_key: Annotated[str | None, Query(max_length=200, description="Khoá API (không bắt buộc khi đọc)")] = None,
    jurisdiction_id: Annotated[str | None, Query(max_length=100, description="Không dùng (một cơ quan)")] = None,
) -> Response:
    """Danh sách yêu cầu (hồ sơ), mới nhất trước, không có dữ liệu cá nhân.

    Mặc định là 90 ngày gần nhất; khoảng thời gian không quá 90 ngày, lọc theo ngày nhận đơn
    (giờ Việt Nam). Phân trang bằng `page` và `page_size` (tối đa 200)."""
    _principal(session, api_key, scope=None)
    stmt = select(Case)
    if service_request_id:
        ids = [s.strip().upper() for s in service_request_id.split(",") if s.strip()][:MAX_IDS]
        stmt = stmt.where(col(Case.tracking_code).in_(ids))
    else:
        start, end = _aware(start_date), _aware(end_date)
        if end is None:
            end = start + timedelta(days=WINDOW_DAYS) if start else now
        if start is None:
            start = end - timedelta(days=WINDOW_DAYS)
        # The specification caps the span at 90 days: a wider one is cut to the first 90 days.
        end = min(end, start + timedelta(days=WINDOW_DAYS))
        # Bounded by the receipt-date index (ix_case_received): never a scan of the register.
        stmt = stmt.where(Case.received_on >= start.astimezone(VN_TZ).date(),
                          Case.received_on <= end.astimezone(VN_TZ).date())
        if service_code:
            codes = [s.strip() for s in service_code.split(",") if s.strip()]
            cat_ids = session.exec(select(Category.id).where(col(Category.code).in_(codes))).all()
            stmt = stmt.where(col(Case.category_id).in_(list(cat_ids) or [-1]))
        if status:
            wanted = {s.strip().lower() for s in status.split(",") if s.strip()}
            if wanted == {"open"}:
                stmt = stmt.where(col(Case.status).in_(list(OPEN_STATUSES)))
            elif wanted == {"closed"}:
                stmt = stmt.where(col(Case.status).not_in(list(OPEN_STATUSES)))
    size = min(page_size, MAX_PAGE)
    rows = list(session.exec(
        stmt.order_by(col(Case.received_on).desc(), col(Case.id).desc()).limit(size).offset((page - 1) * size)
    ).all())
    return render(format, requests_of(session, rows), "service_requests", "request")


@router.get("/requests/{service_request_id}.{format}", responses=_docs(list[O311Request], 400, 404, 429))
def one_request(
    service_request_id: Annotated[str, Path(max_length=20, description="Mã hồ sơ", examples=["26K7M3QX"])],
    format: Fmt, session: SessionDep,
    jurisdiction_id: Annotated[str | None, Query(max_length=100, description="Không dùng (một cơ quan)")] = None,
) -> Response:
    """Một yêu cầu theo mã hồ sơ; luôn trả về một mảng (theo đặc tả)."""
    case = session.exec(select(Case).where(Case.tracking_code == service_request_id.strip().upper())).first()
    if case is None:
        raise NotFound(f"Không tìm thấy hồ sơ mã {service_request_id}.")
    return render(format, requests_of(session, [case]), "service_requests", "request")


@router.get("/tokens/{token}.{format}", responses=_docs(list[O311Token], 400, 404, 429))
def token(
    token: Annotated[str, Path(max_length=20, description="Mã tạm nhận khi gửi yêu cầu", examples=["26K7M3QX"])],
    format: Fmt, session: SessionDep,
    jurisdiction_id: Annotated[str | None, Query(max_length=100, description="Không dùng (một cơ quan)")] = None,
) -> Response:
    """Đổi mã tạm lấy mã hồ sơ. Hồ sơ có mã ngay khi gửi, nên mã tạm chính là mã hồ sơ."""
    code = token.strip().upper()
    if session.exec(select(Case.id).where(Case.tracking_code == code)).first() is None:
        raise NotFound(f"Không tìm thấy mã {token}.")
    return render(format, [{"service_request_id": code, "token": code}], "service_requests", "request")


POST_FORM = {
    "application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["service_code", "description"],
        "properties": {
            "api_key": {"type": "string", "description": "Khoá API có phạm vi cases:write (hoặc gửi trong query)"},
            "service_code": {"type": "string", "description": "Mã lĩnh vực", "example": "TM"},
            "description": {"type": "string", "description": "Nội dung đơn",
                            "example": "Chợ Đồng Xuân niêm yết giá không đúng quy định."},
            "first_name": {"type": "string", "description": "Tên người gửi", "example": "An"},
            "last_name": {"type": "string", "description": "Họ người gửi", "example": "Nguyễn Văn"},
            "email": {"type": "string", "description": "Thư điện tử người gửi"},
            "phone": {"type": "string", "description": "Điện thoại người gửi", "example": "0912345678"},
            "address_string": {"type": "string", "description": "Địa điểm (không bắt buộc)"},
            "lat": {"type": "number", "description": "Vĩ độ (không bắt buộc)"},
            "long": {"type": "number", "description": "Kinh độ (không bắt buộc)"},
            "attribute[kind]": {"type": "string", "enum": list(KIND), "description": "Loại đơn",
                                "example": "feedback"},
            "attribute[subject]": {"type": "string", "description": "Trích yếu"},
            "attribute[signatories]": {"type": "integer", "description": "Số người ký đơn"},
        },
    }},
}


def _field(form: Any, name: str, limit: int) -> str:
    value = str(form.get(name) or "").strip()
    if len(value) > limit:
        raise Invalid(f"{name} dài quá {limit} ký tự.")
    return value


@router.post("/requests.{format}", responses=_docs(list[O311Created], 400, 403, 429),
             openapi_extra={"requestBody": {"required": True, "content": POST_FORM}})
def post_request(
    request: Request, format: Fmt, form: FormDep, session: SessionDep, now: NowDep, cal: CalendarDep,
    api_key: Annotated[str | None, Query(max_length=200, description="Khoá API (hoặc gửi trong biểu mẫu)")] = None,
) -> Response:
    """Gửi một đơn (biểu mẫu application/x-www-form-urlencoded). Cần khoá API có phạm vi `cases:write`.
    Họ tên, liên hệ, địa điểm được lưu bảo mật và không bao giờ xuất hiện trong Open311.
    Gửi kèm tiêu đề `Idempotency-Key` để gửi lại an toàn: lần gửi lại nhận kết quả đầu tiên."""
    principal = _principal(session, api_key or str(form.get("api_key") or ""), scope="cases:write")
    assert principal is not None
    code = _field(form, "service_code", 32)
    if not code:
        raise Invalid("Thiếu service_code.")
    try:
        cat = _category(session, code)
    except NotFound as exc:
        raise Invalid(exc.detail) from None
    description = _field(form, "description", 20000)
    if not description:
        raise Invalid("Thiếu description (nội dung đơn).")
    kind = _field(form, "attribute[kind]", 20)
    if kind not in KIND:
        raise Invalid(f"attribute[kind] phải là một trong: {', '.join(KIND)}.")
    subject = _field(form, "attribute[subject]", 300) or description.splitlines()[0][:300]
    signatories_raw = _field(form, "attribute[signatories]", 6) or "1"
    if not signatories_raw.isdigit() or int(signatories_raw) < 1:
        raise Invalid("attribute[signatories] phải là số nguyên từ 1.")
    location = ", ".join(x for x in (_field(form, "address_string", 300),
                                     " ".join(_field(form, k, 30) for k in ("lat", "long")).strip()) if x)
    content = description + (f"\n\nĐịa điểm: {location}" if location else "")
    name = " ".join(x for x in (_field(form, "last_name", 100), _field(form, "first_name", 100)) if x)
    try:
        data = CaseCreate(
            kind=Kind(kind), channel=Channel.web, subject=subject, content=content, category=cat.code,
            petitioner=PetitionerCreate(full_name=name, email=_field(form, "email", 200),
                                        phone=_field(form, "phone", 20)),
            anonymous=not name, signatories=int(signatories_raw),
        )
    except ValueError as exc:
        raise Invalid(f"Dữ liệu không hợp lệ: {exc}") from None
    # A 311 app that retries on a timeout sends the same Idempotency-Key: it gets the first answer.
    idem_key = request.headers.get("idempotency-key")
    req_hash = request_hash("POST", PREFIX + "/requests", {k: str(v) for k, v in form.items() if k != "api_key"})
    if idem_key:
        first = replay(session, principal.key, idem_key, req_hash)
        if first is not None:
            return render(format, json.loads(first.body), "service_requests", "request")
    case, pin = create_case(session, principal, data, now=now, cal=cal)
    notice = (f"Đã tiếp nhận đơn. Mã hồ sơ {case.tracking_code}, mã PIN tra cứu {pin} "
              "(chỉ hiển thị một lần; hãy chuyển cho người gửi đơn).")
    out = [{"service_request_id": case.tracking_code, "service_notice": notice, "account_id": None, "pin": pin}]
    if idem_key:
        remember(session, principal.key, idem_key, req_hash, 200, json.dumps(out, ensure_ascii=False))
    return render(format, out, "service_requests", "request")


__all__ = ["DomainError", "error_response", "errors_xml", "router"]
