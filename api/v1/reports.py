"""Figures for other systems and the provincial reports: `GET /api/v1/reports/summary`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ApiPrincipal, NowDep, SessionDep
from api.v1.common import errors
from models import ALL_CASES_ROLES
from workflows import reports as rep
from workflows.calendar import vn_today
from workflows.errors import Forbidden

router = APIRouter(tags=["reports"])


class KindFigures(BaseModel):
    kind: str = Field(description="Loại đơn (complaint, denunciation, recommendation, feedback) hoặc 'total'")
    received: int = Field(description="Tiếp nhận trong kỳ")
    carried_over: int = Field(description="Kỳ trước chuyển sang (còn mở vào ngày đầu kỳ)")
    accepted: int = Field(description="Thụ lý trong kỳ")
    refused: int = Field(description="Không thụ lý trong kỳ")
    forwarded: int = Field(description="Chuyển đơn và hướng dẫn trong kỳ")
    resolved_on_time: int = Field(description="Giải quyết đúng hạn trong kỳ")
    resolved_late: int = Field(description="Giải quyết quá hạn trong kỳ")
    overdue_now: int = Field(description="Đang quá hạn tại ngày lập báo cáo")
    avg_days_to_resolve: float | None = Field(description="Số ngày trung bình từ thụ lý đến ra quyết định")


class UnitSatisfactionOut(BaseModel):
    unit_code: str = Field(description="Mã đơn vị")
    unit_name: str = Field(description="Tên đơn vị")
    responses: int = Field(description="Số phiếu đánh giá")
    timeliness: float = Field(description="Điểm thời gian (1-5)")
    attitude: float = Field(description="Điểm thái độ (1-5)")
    result: float = Field(description="Điểm kết quả (1-5)")
    overall: float = Field(description="Điểm chung (1-5)")


class SummaryOut(BaseModel):
    from_: date = Field(alias="from", description="Ngày bắt đầu kỳ")
    to: date = Field(description="Ngày kết thúc kỳ")
    unit: str | None = Field(description="Mã đơn vị, hoặc null cho toàn cơ quan")
    as_of: date = Field(description="Ngày lập báo cáo (cho số đang quá hạn)")
    kinds: list[KindFigures] = Field(description="Số liệu theo loại đơn")
    total: KindFigures = Field(description="Tổng cộng")
    satisfaction: list[UnitSatisfactionOut] = Field(description="Mức độ hài lòng theo đơn vị")


@router.get("/reports/summary", response_model=SummaryOut, response_model_by_alias=True,
            responses=errors(401, 403, 422))
def summary(principal: ApiPrincipal, session: SessionDep, now: NowDep,
            start: Annotated[date, Query(alias="from", description="Ngày bắt đầu kỳ (YYYY-MM-DD)")],
            end: Annotated[date, Query(alias="to", description="Ngày kết thúc kỳ (YYYY-MM-DD)")],
            unit: Annotated[str | None, Query(max_length=32, description="Mã đơn vị")] = None) -> Any:
    """Số liệu báo cáo theo kỳ, cùng số liệu với trang Báo cáo và tệp XLSX.

    Dành cho Văn phòng Sở, Lãnh đạo Sở, hoặc khoá API có phạm vi `reports:read`.
    """
    if principal.user is not None:
        if principal.role not in ALL_CASES_ROLES:
            raise Forbidden("Báo cáo dành cho Văn phòng Sở và Lãnh đạo Sở.")
    elif not principal.has_scope("reports:read"):
        raise Forbidden("Khoá API không có phạm vi 'reports:read'.")
    return rep.summary(session, start, end, unit_code=unit, today=vn_today(now)).as_dict()
