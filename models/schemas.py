"""API input and output shapes, kept apart from the tables (STYLE.md: model families).

Descriptions and examples feed the OpenAPI document, in Vietnamese first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.enums import Channel, Kind


class PetitionerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field("", max_length=200, description="Họ và tên người gửi đơn", examples=["Nguyễn Văn An"])
    id_number: str = Field("", max_length=20, description="Số CCCD/định danh cá nhân", examples=["001085012345"])
    phone: str = Field("", max_length=20, description="Số điện thoại", examples=["0912345678"])
    email: str = Field("", max_length=200, description="Thư điện tử")
    address: str = Field("", max_length=500, description="Địa chỉ liên hệ", examples=["Phường Đống Đa, Hà Nội"])
    representatives: str = Field("", max_length=1000, description="Người đại diện (đơn đông người)")


class CaseCreate(BaseModel):
    """A petition to log (tiếp nhận đơn)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind = Field(description="Loại đơn: complaint (khiếu nại), denunciation (tố cáo), "
                       "recommendation (kiến nghị), feedback (phản ánh)", examples=["complaint"])
    round: int = Field(1, ge=1, le=2, description="Lần khiếu nại: 1 (lần đầu) hoặc 2 (lần hai); chỉ cho khiếu nại")
    channel: Channel = Field(Channel.walk_in, description="Kênh tiếp nhận", examples=["walk_in"])
    received_on: date | None = Field(None, description="Ngày nhận đơn; mặc định hôm nay; không được ở tương lai")
    subject: str = Field(min_length=1, max_length=300, description="Trích yếu nội dung",
                         examples=["Khiếu nại quyết định xử phạt vi phạm hành chính"])
    content: str = Field(min_length=1, max_length=20000, description="Nội dung đơn",
                         examples=["Tôi không đồng ý với quyết định xử phạt số 12/QĐ-XPHC ngày 01/10/2026."])
    category: str | None = Field(None, max_length=32, description="Mã lĩnh vực", examples=["QLTT"])
    petitioner: PetitionerCreate = Field(default_factory=PetitionerCreate, description="Người gửi đơn")
    anonymous: bool = Field(False, description="Đơn nặc danh (không rõ người gửi)")
    signatories: int = Field(1, ge=1, le=100000, description="Số người ký đơn; từ 5 người là đơn đông người")
    remote_area: bool = Field(False, description="Vùng sâu, vùng xa đi lại khó khăn")
    several_places: bool = Field(False, description="Tố cáo cần kiểm tra, xác minh ở nhiều địa điểm")
    forwarded_by: str = Field("", max_length=300, description="Cơ quan cấp trên chuyển đơn đến (nếu có)")
    contested_decision_on: date | None = Field(None, description="Ngày của quyết định, hành vi bị khiếu nại")


class ActionBody(BaseModel):
    """One move of the lifecycle: `POST /api/v1/cases/{code}/actions/{action}`."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="Phiên bản hồ sơ bạn đang xem (chống ghi đè)", examples=[1])
    on: date | None = Field(None, description="Ngày của quyết định; mặc định hôm nay; không ở tương lai")
    note: str = Field("", max_length=5000, description="Ghi chú")
    reason: str = Field("", max_length=5000, description="Lý do (không thụ lý, lưu đơn, rút đơn, trả lại...)")
    unit: str = Field("", max_length=32, description="Mã đơn vị được giao", examples=["QLCN"])
    officer: str = Field("", max_length=64, description="Tên đăng nhập của chuyên viên được giao")
    target_agency: str = Field("", max_length=300, description="Cơ quan có thẩm quyền (chuyển đơn, hướng dẫn)")
    decision_number: str = Field("", max_length=100, description="Số quyết định, văn bản",
                                 examples=["125/QĐ-SCT"])
    result: str = Field("", max_length=20000, description="Kết quả xác minh hoặc giải quyết")
    master: str = Field("", max_length=20, description="Mã hồ sơ gốc (đơn trùng)")
    complex: bool = Field(False, description="Vụ việc phức tạp")
    especially_complex: bool = Field(False, description="Vụ việc đặc biệt phức tạp (tố cáo)")


class ClockOut(BaseModel):
    name: str = Field(description="acceptance (thụ lý) hoặc resolution (giải quyết)")
    state: str = Field(description="on_track, due_soon, due_today, overdue, met, met_late, paused")
    starts_on: date = Field(description="Ngày bắt đầu tính")
    due_on: date = Field(description="Hạn (hết 23:59:59 giờ Việt Nam)")
    working_days_left: int | None = Field(None, description="Số ngày làm việc còn lại")
    period: int = Field(0, description="Thời hạn")
    unit: str = Field("", description="working_days hoặc calendar_days")
    basis: str = Field("", description="Căn cứ pháp lý")
    paused_on: date | None = Field(None, description="Ngày tạm dừng")
    stopped_on: date | None = Field(None, description="Ngày hoàn thành")


class PetitionerOut(BaseModel):
    full_name: str = Field(description="Họ tên, hoặc [bảo mật]")
    id_number: str = Field(description="Số định danh, hoặc [bảo mật]")
    phone: str = Field(description="Điện thoại, hoặc [bảo mật]")
    email: str = Field(description="Thư điện tử, hoặc [bảo mật]")
    address: str = Field(description="Địa chỉ, hoặc [bảo mật]")
    representatives: str = Field(description="Người đại diện, hoặc [bảo mật]")


class CaseOut(BaseModel):
    tracking_code: str = Field(description="Mã hồ sơ", examples=["26K7M3QX"])
    kind: str = Field(description="Loại đơn")
    round: int = Field(description="Lần khiếu nại")
    channel: str = Field(description="Kênh tiếp nhận")
    status: str = Field(description="Trạng thái")
    subject: str = Field(description="Trích yếu")
    category: str | None = Field(None, description="Mã lĩnh vực")
    category_name: str | None = Field(None, description="Tên lĩnh vực")
    received_on: date = Field(description="Ngày nhận đơn")
    unit: str | None = Field(None, description="Mã đơn vị xử lý")
    unit_name: str | None = Field(None, description="Tên đơn vị xử lý")
    officer: str | None = Field(None, description="Chuyên viên được giao")
    officer_name: str | None = Field(None, description="Họ tên chuyên viên")
    anonymous: bool = Field(description="Đơn nặc danh")
    signatories: int = Field(description="Số người ký")
    group: bool = Field(description="Đơn đông người")
    remote_area: bool = Field(description="Vùng sâu, vùng xa")
    forwarded_by: str | None = Field(None, description="Cơ quan cấp trên chuyển đến")
    complex: bool = Field(description="Vụ việc phức tạp")
    especially_complex: bool = Field(description="Vụ việc đặc biệt phức tạp")
    extension_count: int = Field(description="Số lần gia hạn")
    resubmitted: int = Field(description="Số lần công dân gửi lại")
    limitation_warning: bool = Field(description="Quá thời hiệu khiếu nại 90 ngày (cảnh báo)")
    version: int = Field(description="Phiên bản, gửi lại khi thực hiện thao tác")
    clocks: list[ClockOut] = Field(description="Các thời hạn")
    due_on: date | None = Field(None, description="Hạn của thời hạn đang chạy")
    clock_state: str | None = Field(None, description="Tình trạng thời hạn hiện tại")
    escalation_risk: bool = Field(description="Nguy cơ vượt cấp")
    risk_reasons: list[str] = Field(description="Lý do nguy cơ")
    updated_at: datetime = Field(description="Cập nhật lần cuối")
    content: str | None = Field(None, description="Nội dung đơn")
    contested_decision_on: date | None = Field(None, description="Ngày quyết định bị khiếu nại")
    target_agency: str | None = Field(None, description="Cơ quan được chuyển đơn / hướng dẫn")
    result: str | None = Field(None, description="Kết quả")
    decision_number: str | None = Field(None, description="Số quyết định")
    decided_on: date | None = Field(None, description="Ngày ban hành")
    duplicate_of: str | None = Field(None, description="Hồ sơ gốc nếu là đơn trùng")
    previous_case: str | None = Field(None, description="Hồ sơ lần đầu (khiếu nại lần hai)")
    petitioner: PetitionerOut | None = Field(None, description="Người gửi đơn (che theo quyền)")
    allowed_actions: list[str] | None = Field(None, description="Các thao tác bạn được làm lúc này")


class CaseCreated(CaseOut):
    pin: str = Field(description="Mã PIN tra cứu; chỉ hiển thị một lần", examples=["482913"])


class CaseList(BaseModel):
    total: int = Field(description="Tổng số hồ sơ khớp bộ lọc")
    limit: int = Field(description="Số dòng mỗi trang (tối đa 200)")
    offset: int = Field(description="Vị trí bắt đầu")
    items: list[CaseOut] = Field(description="Các hồ sơ")


class EventOut(BaseModel):
    seq: int = Field(description="Số thứ tự")
    at: datetime = Field(description="Thời điểm ghi")
    on: date = Field(description="Ngày pháp lý")
    actor: str = Field(description="Người thực hiện")
    action: str = Field(description="Thao tác")
    from_status: str = Field(description="Từ trạng thái")
    to_status: str = Field(description="Sang trạng thái")
    note: str = Field(description="Ghi chú")
    public: bool = Field(description="Công khai cho công dân")
    data: dict[str, Any] = Field(description="Chi tiết, gồm các hạn sau thao tác")


class UnitOut(BaseModel):
    id: int = Field(description="Mã số")
    code: str = Field(description="Mã đơn vị")
    name: str = Field(description="Tên đơn vị")
    parent: str | None = Field(None, description="Mã đơn vị cấp trên")


class CategoryOut(BaseModel):
    code: str = Field(description="Mã lĩnh vực (cũng là service_code trong Open311)", examples=["TM"])
    name: str = Field(description="Tên lĩnh vực", examples=["Thương mại, chợ, siêu thị"])
    name_en: str = Field(description="Tên tiếng Anh", examples=["Trade, markets and supermarkets"])
    description: str = Field(description="Mô tả")
    default_unit: str | None = Field(None, description="Mã đơn vị xử lý mặc định", examples=["QLTM"])


class TokenOut(BaseModel):
    access_token: str = Field(description="Mã truy cập")
    token_type: str = Field("bearer", description="Luôn là bearer")


class AttachmentOut(BaseModel):
    id: int = Field(description="Mã số tệp")
    original_name: str = Field(description="Tên tệp")
    content_type: str = Field(description="Loại tệp (theo nội dung)")
    size: int = Field(description="Dung lượng (byte)")
    sha256: str = Field(description="Mã băm SHA-256")
    uploaded_at: datetime = Field(description="Thời điểm tải lên")


class PublicEventOut(BaseModel):
    on: date = Field(description="Ngày")
    action: str = Field(description="Thao tác")
    status: str = Field(description="Trạng thái sau thao tác")


class PublicClockOut(BaseModel):
    name: str = Field(description="Tên thời hạn")
    state: str = Field(description="Tình trạng")
    starts_on: date = Field(description="Ngày bắt đầu")
    due_on: date = Field(description="Hạn")


class PublicCaseOut(BaseModel):
    tracking_code: str = Field(description="Mã hồ sơ")
    kind: str = Field(description="Loại đơn")
    status: str = Field(description="Trạng thái")
    received_on: date = Field(description="Ngày nhận")
    unit_name: str | None = Field(None, description="Đơn vị xử lý")
    clocks: list[PublicClockOut] = Field(description="Các thời hạn")
    result: str | None = Field(None, description="Kết quả")
    decision_number: str | None = Field(None, description="Số quyết định")
    target_agency: str | None = Field(None, description="Cơ quan có thẩm quyền")
    events: list[PublicEventOut] = Field(description="Các bước công khai")
