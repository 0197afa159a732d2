"""Duplicate and repeat petitions (đơn trùng, đơn gửi nhiều lần).

Candidates share the petitioner's ID number or phone, or have similar content, compared
with `rapidfuzz` on text without diacritics. Only recent and open cases are compared, so
the check stays bounded however large the register grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz
from sqlalchemy import or_
from sqlmodel import Session, col, select

from models import OPEN_STATUSES, Case, Petitioner
from workflows.text import fold

RECENT_DAYS = 365
MAX_COMPARED = 3000
MIN_SCORE = 60.0


@dataclass(frozen=True)
class Candidate:
    tracking_code: str
    subject: str
    status: str
    kind: str
    received_on: date
    score: float
    reasons: tuple[str, ...]


def find_candidates(
    session: Session,
    *,
    today: date,
    subject: str,
    content: str,
    id_number: str = "",
    phone: str = "",
    exclude_id: int | None = None,
    statuses: frozenset[str] | None = None,
    limit: int = 10,
) -> list[Candidate]:
    text = fold(f"{subject} {content}")
    since = today - timedelta(days=RECENT_DAYS)
    recent_or_open = or_(col(Case.received_on) >= since, col(Case.status).in_(list(OPEN_STATUSES)))
    found: dict[int, tuple[Case, float, list[str]]] = {}

    same_person = []
    if id_number.strip():
        same_person.append(col(Petitioner.id_number) == id_number.strip())
    if phone.strip():
        same_person.append(col(Petitioner.phone) == phone.strip())
    if same_person:
        stmt = (
            select(Case)
            .join(Petitioner, col(Petitioner.id) == col(Case.petitioner_id))
            .where(or_(*same_person), recent_or_open)
            .order_by(col(Case.received_on).desc())
            .limit(200)
        )
        for case in session.exec(stmt):
            score = fuzz.token_set_ratio(text, case.search_text) if text else 0.0
            found[case.id or 0] = (case, max(score, 70.0), ["cùng người gửi"])

    if len(text) >= 12:
        stmt = (
            select(Case)
            .where(col(Case.received_on) >= since)
            .order_by(col(Case.received_on).desc())
            .limit(MAX_COMPARED)
        )
        for case in session.exec(stmt):
            score = fuzz.token_set_ratio(text, case.search_text)
            if score >= MIN_SCORE:
                prev = found.get(case.id or 0)
                if prev:
                    found[case.id or 0] = (case, max(prev[1], score), [*prev[2], "nội dung tương tự"])
                else:
                    found[case.id or 0] = (case, score, ["nội dung tương tự"])

    results = [
        Candidate(c.tracking_code, c.subject, c.status, c.kind, c.received_on, round(s, 1), tuple(r))
        for cid, (c, s, r) in found.items()
        if cid != exclude_id and (statuses is None or c.status in statuses)
    ]
    results.sort(key=lambda c: (-c.score, c.tracking_code))
    return results[:limit]
