"""Webhook subscriptions for API keys: `POST/GET/DELETE /api/v1/webhooks`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from api.deps import ApiPrincipal, NowDep, SessionDep
from api.v1.common import errors, idempotent_write
from models import ApiKey, WebhookDelivery, WebhookSubscription
from workflows.auth import Principal
from workflows.cases import clamp
from workflows.errors import Forbidden, NotFound
from workflows.webhooks import SIGNATURE_HEADER, subscribe, subscriptions_of, unsubscribe

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=500, description="Địa chỉ nhận thông báo (POST JSON)",
                     examples=["https://cong-dich-vu-cong.tinh.gov.vn/donthu/webhook"])
    secret: str | None = Field(None, min_length=16, max_length=100,
                               description="Khoá ký HMAC-SHA256; bỏ trống để hệ thống tự tạo")


class WebhookOut(BaseModel):
    id: int = Field(description="Mã số đăng ký")
    url: str = Field(description="Địa chỉ nhận thông báo")
    created_at: datetime = Field(description="Thời điểm đăng ký")


class WebhookCreated(WebhookOut):
    secret: str = Field(description=f"Khoá ký; chỉ hiển thị một lần. Tiêu đề {SIGNATURE_HEADER}: "
                        "sha256=<HMAC-SHA256 của thân yêu cầu, dạng hex>")


class DeliveryOut(BaseModel):
    id: int = Field(description="Mã số lần gửi (tiêu đề X-DonThu-Delivery)")
    event_id: int = Field(description="Mã sự kiện của hồ sơ (event_id trong nội dung)")
    attempts: int = Field(description="Số lần đã thử gửi")
    next_attempt_at: datetime = Field(description="Lần thử tiếp theo")
    delivered_at: datetime | None = Field(None, description="Thời điểm gửi thành công")
    failed_at: datetime | None = Field(None, description="Thời điểm bỏ cuộc sau nhiều lần thất bại")
    last_status: int | None = Field(None, description="Mã HTTP máy nhận trả về lần gần nhất", examples=[200])
    last_error: str = Field(description="Lỗi lần gần nhất", examples=["HTTP 503"])


def _key(principal: Principal) -> ApiKey:
    """Subscriptions belong to a system's key: its own cases' status changes reach it."""
    if principal.api_key is None:
        raise Forbidden("Chỉ hệ thống dùng khoá API mới đăng ký nhận thông báo.")
    if not principal.has_scope("cases:read"):
        raise Forbidden("Khoá API không có phạm vi 'cases:read'.")
    return principal.api_key


@router.post("", status_code=201, response_model=WebhookCreated, responses=errors(401, 403, 422, 429))
def create(request: Request, body: WebhookCreate, session: SessionDep, principal: ApiPrincipal,
           now: NowDep) -> Response:
    """Đăng ký nhận thông báo khi trạng thái các hồ sơ do hệ thống của bạn gửi thay đổi.

    Mỗi thông báo là một POST JSON (không có dữ liệu cá nhân), ký bằng HMAC-SHA256 trong tiêu đề
    `X-DonThu-Signature`; gửi lại với độ trễ tăng dần nếu máy nhận không trả lời 2xx."""
    key = _key(principal)

    def produce() -> dict[str, Any]:
        sub = subscribe(session, key, body.url, body.secret, now)
        return {"id": sub.id, "url": sub.url, "created_at": sub.created_at, "secret": sub.secret}

    return idempotent_write(request, session, principal, body, 201, produce)


@router.get("", response_model=list[WebhookOut], responses=errors(401, 403, 429))
def list_(session: SessionDep, principal: ApiPrincipal) -> list[dict[str, Any]]:
    """Các đăng ký đang hoạt động của khoá API này."""
    key = _key(principal)
    return [{"id": s.id, "url": s.url, "created_at": s.created_at} for s in subscriptions_of(session, key)]


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut], responses=errors(401, 403, 404, 422, 429))
def deliveries(
    webhook_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="Mã số đăng ký", examples=[1])],
    session: SessionDep, principal: ApiPrincipal,
    limit: Annotated[int, Query(description="Số dòng (tối đa 200)")] = 50,
    offset: Annotated[int, Query(description="Bỏ qua bao nhiêu dòng")] = 0,
) -> list[WebhookDelivery]:
    """Nhật ký gửi thông báo của một đăng ký, mới nhất trước."""
    key = _key(principal)
    sub = session.get(WebhookSubscription, webhook_id)
    if sub is None or sub.api_key_id != key.id:
        raise NotFound("Không tìm thấy đăng ký nhận thông báo.")
    limit, offset = clamp(limit, offset)
    return list(session.exec(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
        .order_by(col(WebhookDelivery.id).desc()).limit(limit).offset(offset)
    ).all())


@router.delete("/{webhook_id}", status_code=204, responses=errors(401, 403, 404, 422, 429))
def delete(webhook_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="Mã số đăng ký", examples=[1])],
           session: SessionDep, principal: ApiPrincipal) -> Response:
    """Huỷ một đăng ký (các lần gửi còn chờ sẽ không được gửi nữa)."""
    unsubscribe(session, _key(principal), webhook_id)
    return Response(status_code=204)


__all__ = ["router"]
