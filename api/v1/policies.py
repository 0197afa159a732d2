"""Reference data: the deadline policy table and the due-date preview (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ApiPrincipal, CalendarDep, SessionDep
from api.v1.common import errors
from models import Kind
from workflows.errors import NotFound
from workflows.policy import NoRuleInForce
from workflows.policy_admin import list_rules, preview

router = APIRouter(tags=["reference"])


class PolicyRuleOut(BaseModel):
    id: int = Field(description="Mã quy định")
    kind: str = Field(description="Loại đơn: complaint, denunciation, recommendation, feedback")
    clock: str = Field(description="Thời hạn: acceptance (thụ lý), resolution (giải quyết), extension (gia hạn), "
                                   "limitation (thời hiệu khiếu nại)")
    round: int = Field(description="Lần khiếu nại (1 hoặc 2); 0 là áp dụng cho mọi lần")
    variant: str = Field(description="Trường hợp: normal, complex, remote, remote_complex, several_places, forward")
    period: int = Field(description="Độ dài thời hạn")
    unit: str = Field(description="Đơn vị: working_days (ngày làm việc) hoặc calendar_days (ngày theo lịch)")
    effective_from: date = Field(description="Áp dụng cho đơn nhận từ ngày này")
    basis: str = Field(description="Căn cứ pháp lý")


class PreviewClockOut(BaseModel):
    name: str = Field(description="acceptance, resolution, extension_1 hoặc extension_2 (tố cáo gia hạn lần 1, 2)")
    starts_on: date = Field(description="Ngày bắt đầu tính (ngày đầu không tính)")
    due_on: date = Field(description="Hạn, hết 23:59:59 giờ Việt Nam")
    period: int = Field(description="Độ dài thời hạn (gồm cả gia hạn)")
    unit: str = Field(description="working_days hoặc calendar_days")
    basis: str = Field(description="Căn cứ pháp lý")
    effective_from: date = Field(description="Ngày hiệu lực của phiên bản quy định được áp dụng")


class PreviewOut(BaseModel):
    kind: str = Field(description="Loại đơn")
    round: int = Field(description="Lần khiếu nại (1 cho loại đơn khác)")
    received_on: date = Field(description="Ngày nhận đơn: quyết định phiên bản quy định áp dụng")
    accepted_on: date | None = Field(description="Ngày thụ lý, nếu có")
    acceptance: PreviewClockOut = Field(description="Thời hạn thụ lý (xử lý đơn)")
    resolution: PreviewClockOut | None = Field(description="Thời hạn giải quyết, khi có ngày thụ lý")
    extensions: list[PreviewClockOut] = Field(description="Tố cáo: hạn sau gia hạn lần 1 và lần 2")
    limitation_until: date | None = Field(description="Khiếu nại: hết thời hiệu 90 ngày kể từ quyết định bị khiếu nại")


@router.get("/policies", response_model=list[PolicyRuleOut], responses=errors(401))
def policies(session: SessionDep, principal: ApiPrincipal) -> list[Any]:
    """Bảng chính sách thời hạn, mọi phiên bản (phiên bản áp dụng là phiên bản có hiệu lực vào ngày nhận đơn)."""
    return list_rules(session)


@router.get("/policies/preview", response_model=PreviewOut, responses=errors(401, 404, 422))
def policies_preview(
    session: SessionDep,
    principal: ApiPrincipal,
    cal: CalendarDep,
    kind: Annotated[Kind, Query(description="Loại đơn")],
    received_on: Annotated[date, Query(description="Ngày nhận đơn", examples=["2026-02-13"])],
    round: Annotated[int, Query(ge=1, le=2, description="Lần khiếu nại (1 hoặc 2)")] = 1,
    accepted_on: Annotated[date | None, Query(description="Ngày thụ lý (để tính hạn giải quyết)")] = None,
    complex: Annotated[bool, Query(description="Vụ việc phức tạp")] = False,
    remote_area: Annotated[bool, Query(description="Vùng sâu, vùng xa đi lại khó khăn")] = False,
    several_places: Annotated[bool, Query(description="Tố cáo: phải kiểm tra ở nhiều địa điểm")] = False,
    contested_decision_on: Annotated[date | None, Query(description="Khiếu nại: ngày của quyết định bị khiếu nại")
                                     ] = None,
) -> dict[str, Any]:
    """Xem trước: đơn loại X nhận ngày D (thụ lý ngày A) có hạn vào ngày nào, theo lịch làm việc hiện hành."""
    try:
        p = preview(session, cal, kind=kind.value, round=round, received_on=received_on, accepted_on=accepted_on,
                    complex_=complex, remote_area=remote_area, several_places=several_places,
                    contested_decision_on=contested_decision_on)
    except NoRuleInForce as exc:
        raise NotFound(exc.detail) from None  # no rule in force then: nothing to preview
    return asdict(p)
