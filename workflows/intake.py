"""Intake (tiếp nhận đơn): log a petition, give it a code and PIN, start its first clock."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel, col, select

from models import Case, CaseClock, CaseEvent, Category, ClockName, Kind, Petitioner, Status
from models.schemas import CaseCreate
from workflows import clocks, tally
from workflows.audit import build_event
from workflows.auth import Principal, keyed_hash
from workflows.calendar import WorkCalendar, vn_today
from workflows.errors import Invalid
from workflows.policy import acceptance_variant, find_rule
from workflows.serialize import Related
from workflows.text import fold

# No 0/O, 1/I/L: codes are read aloud over the phone and copied by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

# Built once: building a statement costs about as much as running it on the intake path.
_PETITIONER: Table = Petitioner.__table__  # type: ignore[attr-defined]
_CASE: Table = Case.__table__  # type: ignore[attr-defined]
_CODE_TAKEN = sa_select(_CASE.c.id).where(_CASE.c.tracking_code == bindparam("code"))
_CLOCK: Table = CaseClock.__table__  # type: ignore[attr-defined]
_EVENT: Table = CaseEvent.__table__  # type: ignore[attr-defined]
_INSERTS = {t.name: t.insert() for t in (_PETITIONER, _CASE, _CLOCK, _EVENT)}
# The event's hash covers the case id, which exists only after the case's INSERT: the audit
# head follows in this UPDATE of two columns by primary key.
_SET_HEAD = (
    _CASE.update().where(_CASE.c.id == bindparam("case_pk"))
    .values(event_count=bindparam("new_count"), head_hash=bindparam("new_head"))
)


def new_tracking_code(today: date) -> str:
    """Year prefix plus six random characters: ~887 million codes a year, never sequential."""
    return f"{today:%y}" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def validate(data: CaseCreate, today: date) -> None:
    """Field rules a form or API client can fix; messages in Vietnamese."""
    errors: list[str] = []
    if data.kind == Kind.complaint and data.round not in (1, 2):
        errors.append("Khiếu nại chỉ có lần đầu (1) hoặc lần hai (2).")
    if data.kind != Kind.complaint and data.round != 1:
        errors.append("Chỉ đơn khiếu nại mới có lần giải quyết thứ hai.")
    if data.received_on and data.received_on > today:
        errors.append("Ngày nhận đơn không được ở tương lai.")
    if not data.subject.strip():
        errors.append("Vui lòng nhập trích yếu nội dung đơn.")
    if not data.content.strip():
        errors.append("Vui lòng nhập nội dung đơn.")
    if data.signatories < 1:
        errors.append("Số người ký đơn phải từ 1 trở lên.")
    if not data.anonymous and not data.petitioner.full_name.strip():
        errors.append("Vui lòng nhập họ tên người gửi đơn, hoặc đánh dấu đơn nặc danh.")
    if data.contested_decision_on:
        if data.kind != Kind.complaint:
            errors.append("Ngày của quyết định bị khiếu nại chỉ áp dụng cho đơn khiếu nại.")
        elif data.contested_decision_on > (data.received_on or today):
            errors.append("Ngày của quyết định bị khiếu nại không được sau ngày nhận đơn.")
    if errors:
        raise Invalid(" ".join(errors))


def search_text(case: Case, category: Category | None) -> str:
    """What `q` matches, without diacritics. Personal data stays out, so a search cannot
    reveal who filed a denunciation."""
    return search_text_of(case.tracking_code, case.subject, case.content, category)


def search_text_of(tracking_code: str, subject: str, content: str, category: Category | None) -> str:
    return fold(" ".join([tracking_code, subject, content, category.name if category else ""]))


def create_case(
    session: Session, principal: Principal, data: CaseCreate, *, now: datetime, cal: WorkCalendar
) -> tuple[Case, str]:
    """Log a petition; returns the case and its PIN (shown once, stored hashed)."""
    logged = log_petition(session, principal, data, now=now, cal=cal)
    # The rows were written with Core statements. The case and its clock join the session as
    # if just loaded, so that callers who go on changing them (a second round, attachments)
    # write through the ORM as before.
    case = Case(**logged.case.model_dump())
    attached: list[SQLModel] = [case]
    attached += [CaseClock(**c.model_dump()) for c in logged.related.clocks[case.id or 0]]
    for obj in attached:
        make_transient_to_detached(obj)
        session.add(obj)
    return case, logged.pin


@dataclass
class Logged:
    """A new case with its PIN and the rows made with it, ready to serialise without a re-read.

    The case, clock and petitioner are read-only copies (`model_construct`, not in any session):
    serialise them, never change or add them (`create_case` hands out ORM objects)."""

    case: Case
    pin: str
    related: Related


def log_petition(
    session: Session, principal: Principal, data: CaseCreate, *, now: datetime, cal: WorkCalendar
) -> Logged:
    """`create_case`, also handing back the petitioner, category and clock it wrote, so that
    the API answer needs no second round of queries (issue 7: intake throughput).

    Every row is written by a Core INSERT from a plain dict, not by an ORM flush: building the
    ORM objects and the unit of work cost more than the SQL itself on this path (issue 7).
    """
    today = vn_today(now)
    validate(data, today)
    received_on = data.received_on or today
    category = None
    if data.category:
        category = session.exec(select(Category).where(Category.code == data.category)).first()
        if category is None or not category.active:
            raise Invalid(f"Không có lĩnh vực mã '{data.category}'.")
    p = data.petitioner
    pet: dict[str, Any] = {
        "full_name": p.full_name.strip(), "id_number": p.id_number.strip(), "phone": p.phone.strip(),
        "email": p.email.strip(), "address": p.address.strip(), "representatives": p.representatives.strip(),
        "purged_at": None,
    }
    pet_id = _insert(session, _PETITIONER, pet)

    conn = session.connection()
    while True:
        code = new_tracking_code(received_on)
        if conn.execute(_CODE_TAKEN, {"code": code}).first() is None:
            break
    pin = new_pin()
    limitation = find_rule(session, kind=Kind.complaint, clock="limitation", round=0, variant="normal",
                           on=received_on) if data.contested_decision_on else None
    kind = data.kind
    round_ = data.round if kind == Kind.complaint else 1
    subject, content = data.subject.strip(), data.content.strip()
    user, api_key = principal.user, principal.api_key
    rule = find_rule(
        session, kind=kind, clock=ClockName.acceptance, round=round_,
        variant=acceptance_variant(kind=kind, several_places=data.several_places), on=received_on,
    )
    clock = clocks.new_clock_row(0, ClockName.acceptance, received_on, rule, cal)
    # Every column the INSERT sets; the rest take their column defaults, the same as the model's.
    row: dict[str, Any] = {
        "tracking_code": code,
        "pin_hash": keyed_hash(f"{code}:{pin}"),
        "kind": kind,
        "round": round_,
        "channel": data.channel,
        "status": Status.received,
        "category_id": category.id if category else None,
        "subject": subject,
        "content": content,
        "received_on": received_on,
        "received_at": now,
        "contested_decision_on": data.contested_decision_on,
        "limitation_warning": bool(
            limitation and data.contested_decision_on
            and (received_on - data.contested_decision_on).days > limitation.period
        ),
        "anonymous": data.anonymous,
        "signatories": data.signatories,
        "remote_area": data.remote_area,
        "several_places": data.several_places,
        "forwarded_by": data.forwarded_by.strip(),
        "petitioner_id": pet_id,
        "created_by_id": user.id if user else None,
        "api_key_id": api_key.id if api_key else None,
        # The running clock is on the row from its INSERT, so the UPDATE after it carries
        # only the audit head.
        "current_clock": clock["name"],
        "current_due_on": clock["due_on"],
        "search_text": search_text_of(code, subject, content, category),
        "updated_at": now,
    }
    case_id = clock["case_id"] = _insert(session, _CASE, row)
    clock_id = _insert(session, _CLOCK, clock)
    # The first link of the hash chain (DESIGN.md §3), hashed as `append_event` does.
    ev = build_event(
        case_id, 1, "", now=now, on=received_on, action="receive", actor_id=user.id if user else None,
        actor_label=user.full_name if user else (api_key.name if api_key else ""), to_status=Status.received,
        public=True, note="Tiếp nhận đơn", data={"channel": data.channel, "clocks": {clock["name"]: clock["due_on"]}},
    )
    conn.execute(_INSERTS[_EVENT.name], ev)
    conn.execute(_SET_HEAD, {"case_pk": case_id, "new_count": ev["seq"], "new_head": ev["hash"]})
    rel = Related(petitioners={pet_id: Petitioner.model_construct(id=pet_id, **pet)},
                  categories={category.id or 0: category} if category else {})
    rel.clocks[case_id].append(CaseClock.model_construct(id=clock_id, **clock))
    case = Case.model_construct(id=case_id, event_count=ev["seq"], head_hash=ev["hash"], **row)
    tally.record(session, None, tally.facts(case))
    return Logged(case, pin, rel)


def _insert(session: Session, table: Table, row: dict[str, Any]) -> int:
    """One prebuilt Core INSERT; the new id. Cheaper than an ORM flush on the intake path (issue 7)."""
    key = session.connection().execute(_INSERTS[table.name], row).inserted_primary_key
    if key is None:  # pragma: no cover - every dialect DonThu runs on reports it
        raise RuntimeError(f"the database did not report the new {table.name}'s id")
    return int(key[0])


def clocks_of(session: Session, case_id: int) -> list[CaseClock]:
    return list(session.exec(select(CaseClock).where(CaseClock.case_id == case_id).order_by(col(CaseClock.id))).all())
