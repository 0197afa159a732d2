"""Webhooks: other systems subscribe to status changes of the cases they submitted."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from models import Case, CaseEvent, WebhookDelivery, WebhookSubscription


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
        session.add(WebhookDelivery(subscription_id=sub.id or 0, event_id=ev.id or 0, payload=payload_for(case, ev)))
    if subs:
        session.flush()
    return len(subs)
