"""Editing the deadline policy and previewing what it gives (DESIGN.md §4).

Policy rows are never rewritten: a change is a new row with a later `effective_from`,
because the rule in force on the date of receipt keeps applying to the cases received
under it. The preview answers "what is the due date for X received on D" with the same
functions the cases use, so what the admin sees is what a case would get.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from models import AuditLog, ClockName, Kind, PeriodUnit, PolicyRule, User
from workflows.calendar import WorkCalendar
from workflows.errors import Conflict, Invalid, NotFound
from workflows.policy import acceptance_variant, find_rule, resolution_variant

CLOCKS = ("acceptance", "resolution", "extension", "limitation")


def list_rules(session: Session) -> list[PolicyRule]:
    """All versions, grouped by what they govern and newest first inside each group."""
    stmt = select(PolicyRule).order_by(
        col(PolicyRule.kind), col(PolicyRule.clock), col(PolicyRule.round), col(PolicyRule.variant),
        col(PolicyRule.effective_from).desc(),
    )
    return list(session.exec(stmt).all())


def add_rule_version(
    session: Session, actor: User, base_id: int, *, period: int, effective_from: date, basis: str, now: datetime,
    unit: str | None = None,
) -> PolicyRule:
    """A new version of the rule `base_id` governs, in force from `effective_from`."""
    base = session.get(PolicyRule, base_id)
    if base is None:
        raise NotFound("Không tìm thấy quy định thời hạn.")
    if not 1 <= period <= 365:
        raise Invalid("Thời hạn phải từ 1 đến 365 ngày.")
    unit = unit or base.unit
    if unit not in {u.value for u in PeriodUnit}:
        raise Invalid("Đơn vị tính phải là ngày làm việc hoặc ngày (theo lịch).")
    basis = basis.strip()
    if not basis:
        raise Invalid("Vui lòng nêu căn cứ pháp lý của quy định.")
    newest = session.exec(
        select(col(PolicyRule.effective_from)).where(
            PolicyRule.kind == base.kind, PolicyRule.clock == base.clock, PolicyRule.round == base.round,
            PolicyRule.variant == base.variant,
        ).order_by(col(PolicyRule.effective_from).desc()).limit(1)
    ).first()
    if newest is not None and effective_from <= newest:
        raise Conflict(
            f"Ngày hiệu lực phải sau {newest:%d/%m/%Y}, ngày hiệu lực của phiên bản mới nhất; "
            "không sửa lại quy định đã áp dụng cho các hồ sơ đã nhận."
        )
    row = PolicyRule(kind=base.kind, clock=base.clock, round=base.round, variant=base.variant, period=period,
                     unit=unit, effective_from=effective_from, basis=basis[:500])
    session.add(row)
    session.add(AuditLog(at=now, user_id=actor.id, action="policy_rule.add", detail=(
        f"{base.kind}/{base.clock}/lần {base.round}/{base.variant}: {period} {unit} "
        f"từ {effective_from.isoformat()} ({basis[:200]})")))
    session.flush()
    return row


@dataclass(frozen=True)
class PreviewClock:
    name: str
    starts_on: date
    due_on: date
    period: int
    unit: str
    basis: str
    effective_from: date


@dataclass(frozen=True)
class Preview:
    kind: str
    round: int
    received_on: date
    accepted_on: date | None
    acceptance: PreviewClock
    resolution: PreviewClock | None
    extensions: list[PreviewClock]
    limitation_until: date | None


def preview(
    session: Session, cal: WorkCalendar, *, kind: str, round: int, received_on: date, accepted_on: date | None = None,
    complex_: bool = False, remote_area: bool = False, several_places: bool = False,
    contested_decision_on: date | None = None,
) -> Preview:
    """The due dates a case with these facts would get, by the rules in force on receipt."""
    if kind not in {k.value for k in Kind}:
        raise Invalid("Loại đơn không hợp lệ.")
    round = round if kind == Kind.complaint else 1
    if round not in (1, 2):
        raise Invalid("Khiếu nại chỉ có lần đầu (1) hoặc lần hai (2).")
    if accepted_on is not None and accepted_on < received_on:
        raise Invalid("Ngày thụ lý không được trước ngày nhận đơn.")

    def clock(name: str, rule: PolicyRule, start: date) -> PreviewClock:
        return PreviewClock(name, start, cal.add_period(start, rule.period, rule.unit), rule.period, rule.unit,
                            rule.basis, rule.effective_from)

    acc_rule = find_rule(session, kind=kind, clock=ClockName.acceptance, round=round,
                         variant=acceptance_variant(kind=kind, several_places=several_places), on=received_on)
    acceptance = clock(ClockName.acceptance, acc_rule, received_on)
    resolution = None
    extensions: list[PreviewClock] = []
    if accepted_on is not None:
        res_rule = find_rule(session, kind=kind, clock=ClockName.resolution, round=round,
                             variant=resolution_variant(kind=kind, complex_=complex_, remote=remote_area),
                             on=received_on)
        resolution = clock(ClockName.resolution, res_rule, accepted_on)
        if kind == Kind.denunciation:
            # Luật Tố cáo 2018 art. 30: +30 once (complex), twice (especially complex).
            ext = find_rule(session, kind=kind, clock="extension", round=0, variant="normal", on=received_on)
            for n in (1, 2):
                total = res_rule.period + n * ext.period
                extensions.append(PreviewClock(f"extension_{n}", accepted_on,
                                               cal.add_period(accepted_on, total, res_rule.unit), total,
                                               res_rule.unit, ext.basis, ext.effective_from))
    limitation_until = None
    if kind == Kind.complaint and contested_decision_on is not None:
        lim = find_rule(session, kind=kind, clock="limitation", round=0, variant="normal", on=received_on)
        limitation_until = contested_decision_on + timedelta(days=lim.period)
    return Preview(kind, round, received_on, accepted_on, acceptance, resolution, extensions, limitation_until)
