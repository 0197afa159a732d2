"""Webhooks: other systems subscribe to status changes of the cases they submitted.

Deliveries are queued in the same transaction as the event (an outbox), then sent by
`deliver_due` from the CLI (`donthu webhooks deliver`) or the scheduler, never inside a request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select

from models import ApiKey, Case, CaseEvent, WebhookDelivery, WebhookSubscription
from models.settings import get_settings
from workflows.errors import Invalid, NotFound

log = logging.getLogger("donthu.webhooks")


def payload_for(case: Case, ev: CaseEvent) -> str:
    """What a subscriber receives: status facts only, never personal data."""
    return json.dumps(
        {
            "event": "case.status_changed",
            "event_id": ev.id,
            "tracking_code": case.tracking_code,
            "action": ev.action,
            "from_status": ev.from_status,
            "status": ev.to_status,
            "on": ev.on.isoformat(),
            "at": ev.at.isoformat(),
            "resolution_due_on": case.current_due_on.isoformat() if case.current_due_on else None,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def enqueue_for_event(session: Session, case: Case, ev: CaseEvent) -> int:
    """Queue one delivery per active subscription of the system that submitted the case."""
    if case.api_key_id is None or not ev.public:
        return 0
    subs = session.exec(
        select(WebhookSubscription).where(
            WebhookSubscription.api_key_id == case.api_key_id, col(WebhookSubscription.active).is_(True)
        )
    ).all()
    for sub in subs:
        # Due from the event's own time: domain code never reads the clock (STYLE.md rule 5).
        session.add(WebhookDelivery(subscription_id=sub.id or 0, event_id=ev.id or 0, payload=payload_for(case, ev),
                                    next_attempt_at=ev.at))
    if subs:
        session.flush()
    return len(subs)


# --- delivery ----------------------------------------------------------------------------

SIGNATURE_HEADER = "X-DonThu-Signature"
MAX_ATTEMPTS = 8
#: 30 s, 1 min, 2 min, ... capped at 6 h: a receiver that is down for a night still gets its events.
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
#: A claimed delivery is not retried by another worker before this; longer than the HTTP timeout.
LEASE = timedelta(minutes=5)
TIMEOUT = 10.0
BATCH = 100


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex>` over the raw body, as GitHub and Stripe do; receivers compare in constant time."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    return min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(session: Session, row: WebhookDelivery, now: datetime) -> bool:
    """Compare-and-set on `attempts`: of several workers, exactly one wins a delivery."""
    result = session.exec(  # type: ignore[call-overload]
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == row.id, col(WebhookDelivery.attempts) == row.attempts,
               col(WebhookDelivery.next_attempt_at) <= now,
               col(WebhookDelivery.delivered_at).is_(None), col(WebhookDelivery.failed_at).is_(None))
        .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1)
    )
    session.commit()
    return bool(result.rowcount == 1)


def deliver_due(session: Session, now: datetime, *, client: httpx.Client | None = None) -> DeliveryReport:
    """POST every due delivery, signed with its subscription's secret.

    It commits on its own, once per delivery, because it does network I/O: no lock is held
    while a receiver answers. A delivery is claimed before it is sent and marked after, so two
    workers never send it twice; if the process dies between the send and the mark, the lease
    runs out and it is sent again (at-least-once, like every webhook system): receivers dedupe
    on the `X-DonThu-Delivery` header or the payload's `event_id`.
    """
    report = DeliveryReport()
    due = session.exec(
        select(WebhookDelivery)
        .where(col(WebhookDelivery.delivered_at).is_(None), col(WebhookDelivery.failed_at).is_(None),
               col(WebhookDelivery.next_attempt_at) <= now)
        .order_by(col(WebhookDelivery.next_attempt_at)).limit(BATCH)
    ).all()
    todo = [d.id for d in due]
    session.commit()
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        for delivery_id in todo:
            row = session.get(WebhookDelivery, delivery_id)
            if row is None or not _claim(session, row, now):
                continue
            session.refresh(row)
            sub = session.get(WebhookSubscription, row.subscription_id)
            body = row.payload.encode()
            status: int | None = None
            error = ""
            if sub is None or not sub.active:
                error = "đăng ký đã bị huỷ"
                row.attempts = MAX_ATTEMPTS
            else:
                try:
                    resp = http.post(sub.url, content=body, headers={
                        "Content-Type": "application/json; charset=utf-8",
                        SIGNATURE_HEADER: sign(sub.secret, body),
                        "X-DonThu-Event": "case.status_changed",
                        "X-DonThu-Delivery": str(row.id),
                        "User-Agent": "DonThu-Webhooks/1.0",
                    })
                    status = resp.status_code
                    if not 200 <= status < 300:
                        error = f"HTTP {status}"
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"[:1000]
            row.last_status = status
            row.last_error = error
            if not error:
                row.delivered_at = now
                report.delivered += 1
            elif row.attempts >= MAX_ATTEMPTS:
                row.failed_at = now
                report.failed += 1
                log.warning("webhook delivery %s to subscription %s failed permanently after %s attempts: %s",
                            row.id, row.subscription_id, row.attempts, error)
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                report.retrying += 1
                log.info("webhook delivery %s failed (%s); retry at %s", row.id, error, row.next_attempt_at)
            session.add(row)
            session.commit()
    finally:
        if own:
            http.close()
    return report


# --- subscriptions -----------------------------------------------------------------------


def subscribe(session: Session, api_key: ApiKey, url: str, secret: str | None, now: datetime) -> WebhookSubscription:
    """A system subscribes a URL to status changes of the cases it submitted."""
    parsed = urlsplit(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise Invalid("URL phải bắt đầu bằng http:// hoặc https:// và có tên máy chủ.")
    if get_settings().is_production and parsed.scheme != "https":
        raise Invalid("Trong môi trường chính thức, URL nhận thông báo phải dùng https://.")
    sub = WebhookSubscription(api_key_id=api_key.id or 0, url=url.strip(),
                              secret=secret or secrets.token_urlsafe(32), created_at=now)
    session.add(sub)
    session.flush()
    return sub


def subscriptions_of(session: Session, api_key: ApiKey) -> list[WebhookSubscription]:
    return list(session.exec(
        select(WebhookSubscription).where(WebhookSubscription.api_key_id == api_key.id,
                                          col(WebhookSubscription.active).is_(True))
        .order_by(col(WebhookSubscription.id))
    ).all())


def unsubscribe(session: Session, api_key: ApiKey, sub_id: int) -> None:
    """Deactivate (rows stay: the delivery log refers to them). Another key's id is not found."""
    sub = session.get(WebhookSubscription, sub_id)
    if sub is None or sub.api_key_id != api_key.id or not sub.active:
        raise NotFound("Không tìm thấy đăng ký nhận thông báo.")
    sub.active = False
    session.add(sub)
    session.flush()
