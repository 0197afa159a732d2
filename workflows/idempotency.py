"""`Idempotency-Key`: a retried write returns the first answer and creates nothing new."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session, select

from models import IdempotencyRecord
from workflows.errors import Invalid


def request_hash(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, body], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def replay(session: Session, principal: str, key: str, req_hash: str) -> IdempotencyRecord | None:
    """The stored answer for this key, or None; the same key with another body is refused."""
    if len(key) > 200:
        raise Invalid("Idempotency-Key dài quá 200 ký tự.")
    row = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
    ).first()
    if row is not None and row.request_hash != req_hash:
        raise Invalid("Idempotency-Key này đã được dùng cho một yêu cầu khác.")
    return row


def remember(session: Session, principal: str, key: str, req_hash: str, status: int, body: str) -> None:
    """Stored in the same transaction as the write, so both land or neither does."""
    session.add(IdempotencyRecord(principal=principal, key=key, request_hash=req_hash, status_code=status, body=body))
    session.flush()
