"""The append-only, hash-chained history of each case (DESIGN.md §3).

Each event stores the hash of the previous event of its case, and the case keeps the
newest hash and the count. An altered row breaks its own hash, a deleted or inserted
row breaks the chain, and a deleted last row no longer matches the case's head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session, col, select

from models import Case, CaseEvent, User


def _canonical(ev: CaseEvent) -> bytes:
    body = {
        "case_id": ev.case_id,
        "seq": ev.seq,
        "at": ev.at.isoformat(timespec="microseconds"),
        "on": ev.on.isoformat(),
        "actor_id": ev.actor_id,
        "actor": ev.actor,
        "action": ev.action,
        "from": ev.from_status,
        "to": ev.to_status,
        "note": ev.note,
        "public": ev.public,
        "data": ev.data,
        "prev": ev.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(ev: CaseEvent) -> str:
    return hashlib.sha256(_canonical(ev)).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def build_event(case_id: int, seq: int, prev_hash: str, *, now: datetime, on: date, action: str,
                actor_label: str, to_status: str, note: str = "", public: bool = False,
                data: dict[str, Any] | None = None, actor_id: int | None = None,
                from_status: str = "") -> dict[str, Any]:
    """The row of an event, hashed exactly as `append_event` does; `actor_label` is the acting
    user's full name when `actor_id` is given.

    For writers that insert with Core statements and then move the case's head themselves:
    the escalation sweep (many events in one statement) and intake (issue 7: throughput).
    """
    row: dict[str, Any] = {
        "case_id": case_id, "seq": seq, "at": now, "on": on, "actor_id": actor_id, "actor": actor_label,
        "action": action, "from_status": from_status, "to_status": to_status, "note": note, "public": public,
        "data": _jsonable(data or {}), "prev_hash": prev_hash, "hash": "",
    }
    # A plain namespace hashes like the model (same attributes) without the ORM's cost per row.
    row["hash"] = event_hash(SimpleNamespace(**row))  # type: ignore[arg-type]
    return row


def append_event(
    session: Session,
    case: Case,
    *,
    now: datetime,
    on: date,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append one event and move the case's head; the caller's transaction commits both."""
    ev = CaseEvent(
        case_id=case.id or 0,
        seq=case.event_count + 1,
        at=now,
        on=on,
        actor_id=actor.id if actor else None,
        actor=actor.full_name if actor else actor_label,
        action=action,
        from_status=from_status,
        to_status=to_status or case.status,
        note=note,
        public=public,
        data=_jsonable(data or {}),
        prev_hash=case.head_hash,
        hash="",
    )
    ev.hash = event_hash(ev)
    case.event_count = ev.seq
    case.head_hash = ev.hash
    case.updated_at = now
    session.add(ev)
    session.add(case)
    return ev


@dataclass(frozen=True)
class AuditProblem:
    case_id: int
    tracking_code: str
    seq: int
    event_id: int | None
    problem: str

    def describe(self) -> str:
        where = f"hồ sơ {self.tracking_code} (case_id={self.case_id}), sự kiện số {self.seq}"
        if self.event_id is not None:
            where += f" (case_event.id={self.event_id})"
        return f"{where}: {self.problem}"


def _cases(session: Session) -> Iterator[tuple[int, str, int, str]]:
    stmt = select(Case.id, Case.tracking_code, Case.event_count, Case.head_hash).order_by(col(Case.id))
    for row in session.exec(stmt.execution_options(yield_per=5000)):
        yield int(row[0] or 0), row[1], row[2], row[3]


def verify(session: Session, progress: Callable[[int], None] | None = None) -> AuditProblem | None:
    """Walk every chain in order of case and sequence; return the first problem found."""
    events = session.exec(
        select(CaseEvent).order_by(col(CaseEvent.case_id), col(CaseEvent.seq)).execution_options(yield_per=5000)
    )
    it = iter(events)
    pending: CaseEvent | None = next(it, None)
    for case_id, code, count, head in _cases(session):
        prev, seq = "", 0
        if pending is not None and pending.case_id < case_id:
            return AuditProblem(pending.case_id, "?", pending.seq, pending.id, "sự kiện của một hồ sơ không tồn tại")
        while pending is not None and pending.case_id == case_id:
            seq += 1
            ev = pending
            if ev.seq != seq or ev.prev_hash != prev:
                return AuditProblem(case_id, code, seq, ev.id, "chuỗi bị đứt: thiếu hoặc chèn thêm sự kiện")
            if event_hash(ev) != ev.hash:
                return AuditProblem(case_id, code, seq, ev.id, "nội dung sự kiện đã bị sửa")
            prev = ev.hash
            pending = next(it, None)
        if seq != count or prev != head:
            return AuditProblem(case_id, code, seq + 1, None, "sự kiện cuối đã bị xoá hoặc thay thế")
        if progress:
            progress(1)
    if pending is not None:
        return AuditProblem(pending.case_id, "?", pending.seq, pending.id, "sự kiện của một hồ sơ không tồn tại")
    return None
