"""Personal data: retention, purge and a person's own export (Law 91/2025/QH15 on personal
data protection; Nghị định 13/2023/NĐ-CP before it).

What is personal here: the petitioner row (name, ID number, phone, e-mail, address,
representatives), the letter itself (`case.content`), attachments (scans carry handwriting and
signatures), the log of who viewed a denunciator's identity, and the reception book's
visitor columns. What stays after the retention period: the case row's anonymous facts
(code, kind, round, channel, status, dates, unit, category, clocks, flags, decision number)
and its events, so the statistics and the reports for the Provincial People's Committee do
not change when old files are purged.

Events are hash-chained and never updated (DESIGN.md §3), so the purge never touches them.
They carry no petitioner field by construction: intake writes the channel and due dates,
moves write the actor (a staff member), the states and the staff's note. Two residues are
known and documented rather than edited away: an `attachment_added` event keeps the
uploaded file's (sanitised) name, and staff notes are free text of the agency's own record.
`donthu audit verify` therefore stays green after a purge (tests/test_privacy.py checks it).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from models import FINISHED_STATUSES, Attachment, Case, Category, IdentityView, Petitioner, Unit
from models.public import ReceptionVisit
from models.settings import get_settings
from workflows.errors import Invalid
from workflows.text import fold

PERSONAL_FIELDS = ("full_name", "id_number", "phone", "email", "address", "representatives")
PURGED_CONTENT = "[đã xoá dữ liệu cá nhân theo thời hạn lưu trữ]"
BATCH = 500


@dataclass
class PurgeResult:
    cases: int = 0
    attachments: int = 0
    files: int = 0
    identity_views: int = 0
    visits: int = 0


def cutoff(today: date, retention_days: int | None = None) -> date:
    """Files finished on or before this day are past retention."""
    days = get_settings().retention_days if retention_days is None else retention_days
    if days < 0:
        raise Invalid("Thời hạn lưu trữ phải là số ngày không âm.")
    return today - timedelta(days=days)


def due_for_purge(session: Session, today: date, retention_days: int | None = None) -> list[int]:
    """Ids of finished cases past retention whose personal data is still there.

    A case is finished in any state outside OPEN_STATUSES; its end is `closed_on`, or for
    the other final states (rejected, transferred, guided, archived, withdrawn) the last time
    the row changed. Open cases are never purged, however old.
    """
    last = cutoff(today, retention_days)
    last_moment = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    stmt = (
        select(Case.id)
        .join(Petitioner, col(Petitioner.id) == col(Case.petitioner_id))
        .where(col(Case.status).in_(FINISHED_STATUSES), col(Petitioner.purged_at).is_(None))
        .where(or_(col(Case.closed_on) <= last,
                   (col(Case.closed_on).is_(None)) & (col(Case.updated_at) < last_moment)))
        .order_by(col(Case.id))
    )
    return [int(i or 0) for i in session.exec(stmt).all()]


def purge(session: Session, *, now: datetime, today: date, retention_days: int | None = None,
          progress: Callable[[int], None] | None = None) -> PurgeResult:
    """Remove personal data past retention, in batches; the caller's transaction commits.

    Files are deleted after the rows are flushed; a file whose row survives a rollback
    would be lost, so callers commit per run and the files go last (see `remove_files`).
    """
    result = PurgeResult()
    ids = due_for_purge(session, today, retention_days)
    files: list[Path] = []
    folder = Path(get_settings().attachment_dir)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        cases = list(session.exec(select(Case).where(col(Case.id).in_(chunk))))
        pet_ids = [c.petitioner_id for c in cases if c.petitioner_id]
        for pet in session.exec(select(Petitioner).where(col(Petitioner.id).in_(pet_ids))):
            for f in PERSONAL_FIELDS:
                setattr(pet, f, "")
            pet.purged_at = now
            session.add(pet)
        for case in cases:
            case.content = PURGED_CONTENT
            case.search_text = fold(f"{case.tracking_code} {case.subject}")
            case.updated_at = now  # cached renderings of the case are keyed by the row
            session.add(case)
        atts = list(session.exec(select(Attachment).where(col(Attachment.case_id).in_(chunk))))
        files += [folder / a.stored_name for a in atts]
        result.attachments += len(atts)
        session.exec(delete(Attachment).where(col(Attachment.case_id).in_(chunk)))
        views = session.exec(delete(IdentityView).where(col(IdentityView.case_id).in_(chunk)))
        result.identity_views += views.rowcount or 0
        result.cases += len(cases)
        session.flush()
        if progress:
            progress(len(cases))
    last = cutoff(today, retention_days)
    visits = list(session.exec(select(ReceptionVisit).where(col(ReceptionVisit.visited_on) <= last,
                                                            col(ReceptionVisit.visitor_name) != "")))
    for v in visits:
        v.visitor_name, v.id_number, v.address = "", "", ""
        session.add(v)
    result.visits = len(visits)
    session.flush()
    result.files = len(files)
    session.info.setdefault("purge_files", []).extend(files)
    return result


def remove_files(session: Session) -> int:
    """Delete the purged cases' files once their rows are gone for good (after commit)."""
    removed = 0
    for path in session.info.pop("purge_files", []):
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


# --- a person's own data (quyền của chủ thể dữ liệu: được biết, được truy cập) ------------------


def _norm(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum())


def person_data(session: Session, *, id_number: str = "", phone: str = "") -> dict[str, Any]:
    """Everything held about one person, found by ID number or phone, for the office to hand
    over on a data subject's request. The caller checks the role and logs the view."""
    id_number, phone = _norm(id_number), _norm(phone)
    if not id_number and not phone:  # nothing asked, nothing found: never "everyone"
        return {"query": {"id_number": "", "phone": ""}, "retention_days": get_settings().retention_days,
                "cases": [], "reception_visits": []}
    conds = []
    if id_number:
        conds.append(col(Petitioner.id_number) == id_number)
    if phone:
        conds.append(col(Petitioner.phone) == phone)
    pets = list(session.exec(select(Petitioner).where(or_(*conds)).order_by(col(Petitioner.id))))
    by_pet = {p.id: p for p in pets}
    cases = list(session.exec(select(Case).where(col(Case.petitioner_id).in_(list(by_pet) or [-1]))
                              .order_by(col(Case.received_on), col(Case.id))))
    case_ids = [c.id for c in cases]
    units = {u.id: u for u in session.exec(select(Unit))}
    cats = {k.id: k for k in session.exec(select(Category))}
    atts: dict[int, list[Attachment]] = {}
    for a in session.exec(select(Attachment).where(col(Attachment.case_id).in_(case_ids or [-1]))):
        atts.setdefault(a.case_id, []).append(a)
    visit_conds = [col(ReceptionVisit.id_number) == id_number] if id_number else []
    visits = list(session.exec(select(ReceptionVisit).where(or_(*visit_conds)))) if visit_conds else []
    out_cases = []
    for c in cases:
        p = by_pet[c.petitioner_id]
        unit = units.get(c.unit_id)
        cat = cats.get(c.category_id)
        out_cases.append({
            "tracking_code": c.tracking_code, "kind": c.kind, "status": c.status, "received_on": c.received_on,
            "channel": c.channel, "subject": c.subject, "content": c.content,
            "category": cat.name if cat else None, "unit": unit.name if unit else None,
            "petitioner": {f: getattr(p, f) for f in PERSONAL_FIELDS}, "purged_at": p.purged_at,
            "attachments": [{"name": a.original_name, "type": a.content_type, "size": a.size,
                             "uploaded_at": a.uploaded_at} for a in atts.get(c.id or 0, [])],
        })
    return {
        "query": {"id_number": id_number, "phone": phone},
        "retention_days": get_settings().retention_days,
        "cases": out_cases,
        "reception_visits": [{"visited_on": v.visited_on, "visitor_name": v.visitor_name,
                              "id_number": v.id_number, "address": v.address, "content": v.content}
                             for v in visits],
    }


def person_xlsx(data: dict[str, Any]) -> bytes:
    """The same export as a workbook: one sheet of cases, one of reception visits."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Hồ sơ"
    ws.append(["Mã hồ sơ", "Loại đơn", "Trạng thái", "Ngày nhận", "Kênh", "Trích yếu", "Nội dung", "Lĩnh vực",
               "Đơn vị", "Họ tên", "Số định danh", "Điện thoại", "Email", "Địa chỉ", "Người đại diện", "Tệp đính kèm"])
    for c in data["cases"]:
        p = c["petitioner"]
        ws.append([c["tracking_code"], c["kind"], c["status"], c["received_on"], c["channel"], c["subject"],
                   c["content"], c["category"], c["unit"], *(p[f] for f in PERSONAL_FIELDS),
                   ", ".join(a["name"] for a in c["attachments"])])
    ws2 = wb.create_sheet("Tiếp công dân")
    ws2.append(["Ngày", "Họ tên", "Số định danh", "Địa chỉ", "Nội dung"])
    for v in data["reception_visits"]:
        ws2.append([v["visited_on"], v["visitor_name"], v["id_number"], v["address"], v["content"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
