"""Cases as the outside world sees them: one serializer step with redaction (STYLE.md rule 7).

Related rows for a page of cases are loaded in a handful of IN queries, never one query
per case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models import Case, CaseClock, Category, IdentityView, Kind, Petitioner, Unit, User
from workflows import clocks as clockmod
from workflows.access import REDACTED, can_see_identity
from workflows.auth import Principal
from workflows.calendar import WorkCalendar
from workflows.risk import risk_reasons

PUBLIC_CLOCK_FIELDS = ("name", "state", "starts_on", "due_on")
PERSONAL_FIELDS = ("full_name", "id_number", "phone", "email", "address", "representatives")


@dataclass
class Related:
    clocks: dict[int, list[CaseClock]] = field(default_factory=lambda: defaultdict(list))
    units: dict[int, Unit] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    petitioners: dict[int, Petitioner] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)


def load_related(session: Session, cases: Sequence[Case], *, petitioners: bool = True) -> Related:
    rel = Related()
    ids = [c.id for c in cases if c.id is not None]
    if not ids:
        return rel
    for clock in session.exec(select(CaseClock).where(col(CaseClock.case_id).in_(ids)).order_by(col(CaseClock.id))):
        rel.clocks[clock.case_id].append(clock)
    rel.units = _by_id(session, Unit, {c.unit_id for c in cases if c.unit_id})
    rel.users = _by_id(session, User, {c.officer_id for c in cases if c.officer_id})
    rel.categories = _by_id(session, Category, {c.category_id for c in cases if c.category_id})
    if petitioners:
        rel.petitioners = _by_id(session, Petitioner, {c.petitioner_id for c in cases if c.petitioner_id})
    linked = {i for c in cases for i in (c.duplicate_of_id, c.previous_case_id) if i}
    if linked:
        rel.codes = dict(
            session.exec(select(Case.id, Case.tracking_code).where(col(Case.id).in_(linked))).all()  # type: ignore[arg-type]
        )
    return rel


def _by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    """Rows by primary key in one query; a single id goes through the identity map, which
    costs no query at all when the row is already loaded (intake just created it)."""
    if not ids:
        return {}
    if len(ids) == 1:
        (one,) = ids
        row = session.get(model, one)
        return {one: row} if row is not None else {}
    return {r.id or 0: r for r in session.exec(select(model).where(col(model.id).in_(ids)))}


def petitioner_view(principal: Principal, case: Case, pet: Petitioner | None) -> dict[str, Any] | None:
    """The petitioner as this principal may see them; "[bảo mật]" otherwise."""
    if pet is None:
        return None
    if case.anonymous and not pet.full_name:
        return dict.fromkeys(PERSONAL_FIELDS, "")
    if can_see_identity(principal, case):
        return {f: getattr(pet, f) for f in PERSONAL_FIELDS}
    return dict.fromkeys(PERSONAL_FIELDS, REDACTED)


def log_identity_view(session: Session, principal: Principal, case: Case, context: str, now: datetime) -> None:
    """Each view of a denunciator's identity is logged (DESIGN.md §6)."""
    if case.kind == Kind.denunciation and principal.user and can_see_identity(principal, case) and not case.anonymous:
        session.add(IdentityView(case_id=case.id or 0, user_id=principal.user.id or 0, at=now, context=context))


def case_dict(
    principal: Principal, case: Case, rel: Related, today: date, cal: WorkCalendar, *, detail: bool = False
) -> dict[str, Any]:
    unit = rel.units.get(case.unit_id or 0)
    officer = rel.users.get(case.officer_id or 0)
    category = rel.categories.get(case.category_id or 0)
    views = [clockmod.view(c, today, cal) for c in rel.clocks.get(case.id or 0, [])]
    reasons = risk_reasons(case, today, cal)
    out: dict[str, Any] = {
        "tracking_code": case.tracking_code,
        "kind": case.kind,
        "round": case.round,
        "channel": case.channel,
        "status": case.status,
        "subject": case.subject,
        "category": category.code if category else None,
        "category_name": category.name if category else None,
        "received_on": case.received_on,
        "unit": unit.code if unit else None,
        "unit_name": unit.name if unit else None,
        "officer": officer.username if officer else None,
        "officer_name": officer.full_name if officer else None,
        "anonymous": case.anonymous,
        "signatories": case.signatories,
        "group": case.is_group,
        "remote_area": case.remote_area,
        "forwarded_by": case.forwarded_by or None,
        "complex": case.is_complex,
        "especially_complex": case.especially_complex,
        "extension_count": case.extension_count,
        "resubmitted": case.resubmitted,
        "limitation_warning": case.limitation_warning,
        "version": case.version,
        "clocks": [v.as_dict() for v in views],
        "due_on": case.current_due_on,
        "clock_state": next((v.state for v in views if v.stopped_on is None), views[-1].state if views else None),
        "escalation_risk": bool(reasons),
        "risk_reasons": reasons,
        "updated_at": case.updated_at,
    }
    if detail:
        out.update(
            content=case.content,
            contested_decision_on=case.contested_decision_on,
            target_agency=case.target_agency or None,
            result=case.result or None,
            decision_number=case.decision_number or None,
            decided_on=case.decided_on,
            duplicate_of=rel.codes.get(case.duplicate_of_id or 0),
            previous_case=rel.codes.get(case.previous_case_id or 0),
            petitioner=petitioner_view(principal, case, rel.petitioners.get(case.petitioner_id or 0)),
        )
    return out


def public_dict(case: Case, unit: Unit | None, clocks: list[CaseClock], events: list[dict[str, Any]],
                today: date, cal: WorkCalendar) -> dict[str, Any]:
    """What a citizen sees with code and PIN: no personal data at all (DESIGN.md §6)."""
    return {
        "tracking_code": case.tracking_code,
        "kind": case.kind,
        "status": case.status,
        "received_on": case.received_on,
        "unit_name": unit.name if unit else None,
        "clocks": [
            {k: v for k, v in clockmod.view(c, today, cal).as_dict().items() if k in PUBLIC_CLOCK_FIELDS}
            for c in clocks
        ],
        "result": case.result if case.status in ("resolved", "closed", "rejected", "transferred", "guided") else None,
        "decision_number": case.decision_number or None,
        "target_agency": case.target_agency or None,
        "events": events,
    }
