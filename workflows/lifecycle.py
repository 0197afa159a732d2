"""The lifecycle of a case (DESIGN.md §3): one table of allowed moves, one function to make them.

A move is checked before anything is written: the state, the role, the kind, the fields
it needs, the version the user saw and the legal date. Then the clocks move, the status
changes and one hash-chained event is appended, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import (
    OPEN_STATUSES,
    Case,
    CaseClock,
    CaseEvent,
    ClockName,
    Kind,
    Petitioner,
    Role,
    Status,
    Unit,
    User,
)
from models.schemas import ActionBody, CaseCreate, PetitionerCreate
from workflows import clocks, tally
from workflows.access import get_readable_case, readable_cases
from workflows.audit import append_event
from workflows.auth import Principal
from workflows.calendar import WorkCalendar, vn_today
from workflows.duplicates import find_candidates
from workflows.errors import Conflict, Invalid
from workflows.i18n import label
from workflows.intake import create_case
from workflows.policy import acceptance_variant, find_rule, resolution_variant

S = Status
R = Role
_LEADERS = frozenset({R.office, R.director})
_OPEN = frozenset(OPEN_STATUSES)


@dataclass(frozen=True)
class Move:
    """One row of the table: from which states, to which state, by whom, needing what."""

    sources: frozenset[str]
    target: str | None  # None: stays, or returns to the held status
    roles: frozenset[str]
    requires: tuple[str, ...] = ()
    kinds: frozenset[str] | None = None
    public: bool = True
    label: str = ""


MOVES: dict[str, Move] = {
    # xử lý đơn: classify within the acceptance period (Luật Khiếu nại art. 27; Luật Tố cáo art. 24).
    "accept": Move(frozenset({S.received}), S.accepted, _LEADERS, label="Thụ lý"),
    "reject": Move(frozenset({S.received}), S.rejected, _LEADERS, ("reason",), label="Không thụ lý"),
    "transfer": Move(frozenset({S.received}), S.transferred, _LEADERS, ("target_agency",), label="Chuyển đơn"),
    "guide": Move(frozenset({S.received}), S.guided, _LEADERS | {R.reception}, ("target_agency",),
                  kinds=frozenset({Kind.complaint}), label="Hướng dẫn"),
    "archive": Move(frozenset({S.received}), S.archived, _LEADERS | {R.reception}, ("reason",), label="Lưu đơn"),
    "mark_duplicate": Move(frozenset({S.received}), S.archived, _LEADERS | {R.reception}, ("master",),
                           public=False, label="Đánh dấu đơn trùng"),
    # giao xác minh
    "assign": Move(frozenset({S.accepted}), S.assigned, _LEADERS, ("unit",), label="Giao xác minh"),
    "reassign": Move(frozenset({S.assigned}), S.assigned, _LEADERS | {R.unit_head}, public=False,
                     label="Giao lại"),
    "report": Move(frozenset({S.assigned}), S.reported, frozenset({R.officer, R.unit_head}), ("result",),
                   public=False, label="Báo cáo kết quả xác minh"),
    "return": Move(frozenset({S.reported}), S.assigned, _LEADERS, ("reason",), public=False,
                   label="Trả lại để xác minh thêm"),
    # ban hành quyết định, kết luận: the head of the agency signs (Luật Khiếu nại art. 31).
    "resolve": Move(frozenset({S.reported}), S.resolved, frozenset({R.director}), ("decision_number", "result"),
                    label="Ban hành quyết định / kết luận"),
    "close": Move(frozenset({S.resolved}), S.closed, _LEADERS, label="Kết thúc hồ sơ"),
    "withdraw": Move(_OPEN, S.withdrawn, _LEADERS | {R.reception}, ("reason",), label="Rút đơn"),
    # Luật Tố cáo art. 33(2): a withdrawn denunciation is still resolved if there are signs of violation.
    "continue": Move(frozenset({S.withdrawn}), None, _LEADERS, ("reason",), kinds=frozenset({Kind.denunciation}),
                     label="Tiếp tục giải quyết"),
    "suspend": Move(frozenset({S.accepted, S.assigned}), S.suspended, frozenset({R.director}),
                    ("decision_number", "reason"), label="Tạm đình chỉ"),
    "resume": Move(frozenset({S.suspended}), None, frozenset({R.director}), ("decision_number",),
                   label="Tiếp tục giải quyết"),
    "extend": Move(frozenset({S.accepted, S.assigned, S.reported}), None, frozenset({R.director}),
                   ("decision_number",), label="Gia hạn"),
    "open_second_round": Move(frozenset({S.resolved, S.closed}), None, _LEADERS | {R.reception},
                              kinds=frozenset({Kind.complaint}), label="Mở khiếu nại lần hai"),
}

FIELD_LABELS = {
    "reason": "lý do",
    "unit": "đơn vị",
    "officer": "chuyên viên",
    "target_agency": "cơ quan có thẩm quyền",
    "decision_number": "số văn bản, quyết định",
    "result": "kết quả",
    "master": "mã hồ sơ gốc",
}


@dataclass(frozen=True)
class ActionResult:
    case: Case
    pin: str | None = None  # the PIN of a new second-round case, shown once


#: Luật Tố cáo 2018 art. 25(2): a denunciation without a known denunciator is not accepted
#: (không thụ lý); it is filed, and its information kept for management follow-up.
ANONYMOUS_DENUNCIATION_ACTIONS = frozenset({"archive", "mark_duplicate"})
ANONYMOUS_REFUSAL = ("Đơn tố cáo nặc danh không được thụ lý hay giải quyết theo thủ tục tố cáo; chỉ có thể lưu đơn "
                     "để theo dõi, quản lý (Luật Tố cáo 2018, Điều 25).")


def _anonymous_denunciation(case: Case) -> bool:
    return case.kind == Kind.denunciation and case.anonymous


def allowed_actions(principal: Principal, case: Case) -> list[str]:
    """The moves this user may make now: the buttons on the case page."""
    role = principal.role
    out = []
    for name, move in MOVES.items():
        if case.status not in move.sources or role not in move.roles:
            continue
        if move.kinds is not None and case.kind not in move.kinds:
            continue
        if name == "open_second_round" and case.round != 1:
            continue
        if _anonymous_denunciation(case) and name not in ANONYMOUS_DENUNCIATION_ACTIONS:
            continue
        out.append(name)
    return out


def _check_move(principal: Principal, case: Case, action: str, data: ActionBody) -> Move:
    move = MOVES.get(action)
    if move is None:
        raise Invalid(f"Không có thao tác '{action}'. Các thao tác: {', '.join(MOVES)}.")
    if data.version != case.version:
        # Checked first: a stale page shows an old state, so other refusals would mislead.
        raise Conflict(
            f"Hồ sơ đã được người khác cập nhật (phiên bản {case.version}, bạn đang xem phiên bản "
            f"{data.version}). Vui lòng tải lại trang rồi thực hiện lại."
        )
    if _anonymous_denunciation(case) and action not in ANONYMOUS_DENUNCIATION_ACTIONS and case.status in move.sources:
        raise Conflict(ANONYMOUS_REFUSAL)
    if move.kinds is not None and case.kind not in move.kinds:
        raise Conflict(f"Thao tác «{move.label}» không áp dụng cho đơn {label('kind', case.kind).lower()}.")
    if case.status not in move.sources:
        allowed = allowed_actions(principal, case)
        hint = (" Có thể: " + ", ".join(f"{label('action', a)} ({a})" for a in allowed) + ".") if allowed else (
            " Bạn không có thao tác nào ở trạng thái này.")
        raise Conflict(f"Không thể «{move.label}» khi hồ sơ đang ở trạng thái «{label('status', case.status)}».{hint}")
    if principal.role not in move.roles:
        raise Conflict(f"Vai trò của bạn không được thực hiện «{move.label}».")
    missing = [FIELD_LABELS[f] for f in move.requires if not str(getattr(data, f)).strip()]
    if missing:
        raise Invalid(f"Thiếu thông tin bắt buộc cho «{move.label}»: {', '.join(missing)}.")
    return move


def _last_event_on(session: Session, case: Case) -> date | None:
    """The legal date of the last move. Bookkeeping events (a recomputed calendar, a
    re-submission, an attachment, a warning) carry the day they were written, not a
    decision date, so they do not stop a decision from being recorded back-dated."""
    return session.exec(
        select(func.max(CaseEvent.on)).where(CaseEvent.case_id == case.id,
                                             col(CaseEvent.action).in_([*MOVES, "receive"]))
    ).first()


def _legal_date(session: Session, case: Case, data: ActionBody, today: date) -> date:
    on = data.on or today
    if on > today:
        raise Invalid("Ngày của quyết định không được ở tương lai.")
    last = _last_event_on(session, case)
    if last and on < last:
        raise Invalid(f"Ngày của quyết định không được trước ngày của bước trước ({last:%d/%m/%Y}).")
    return on


def _clock(all_clocks: list[CaseClock], name: str) -> CaseClock | None:
    return next((c for c in all_clocks if c.name == name), None)


def _unit_by_code(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code.strip())).first()
    if unit is None or not unit.active:
        raise Invalid(f"Không có đơn vị mã '{code}'.")
    return unit


def _officer(session: Session, username: str, unit: Unit) -> User:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active or user.role not in (R.officer, R.unit_head):
        raise Invalid(f"Không có chuyên viên '{username}'.")
    if user.unit_id != unit.id:
        raise Invalid(f"Chuyên viên '{username}' không thuộc {unit.name}.")
    return user


def perform(
    session: Session,
    principal: Principal,
    tracking_code: str,
    action: str,
    data: ActionBody,
    *,
    now: datetime,
    cal: WorkCalendar,
) -> ActionResult:
    """Check and make one move; returns the case to show (the new one for a second round)."""
    case = get_readable_case(session, principal, tracking_code, for_update=True)
    move = _check_move(principal, case, action, data)
    counted = tally.facts(case)
    today = vn_today(now)
    on = _legal_date(session, case, data, today)
    all_clocks = list(session.exec(select(CaseClock).where(CaseClock.case_id == case.id)).all())
    acceptance = _clock(all_clocks, ClockName.acceptance)
    resolution = _clock(all_clocks, ClockName.resolution)
    before = case.status
    target = move.target or case.status
    event_data: dict[str, Any] = {}
    note = data.note.strip()
    result = ActionResult(case)

    if action == "accept":
        case.is_complex = case.is_complex or data.complex
        if acceptance:
            clocks.stop_clock(acceptance, on)
        rule = find_rule(
            session, kind=case.kind, clock=ClockName.resolution, round=case.round,
            variant=resolution_variant(kind=case.kind, complex_=case.is_complex, remote=case.remote_area),
            on=case.received_on,
        )
        resolution = clocks.start_clock(case, ClockName.resolution, on, rule, cal)
        session.add(resolution)
        all_clocks.append(resolution)
    elif action in ("reject", "transfer", "guide", "archive", "mark_duplicate"):
        if action == "transfer":
            _refuse_second_transfer(session, case, today)
            case.target_agency = data.target_agency.strip()
            if case.kind == Kind.denunciation and acceptance:
                # Luật Tố cáo art. 24(2): forwarding as not competent has its own, shorter period.
                fwd = find_rule(session, kind=case.kind, clock=ClockName.acceptance, round=0,
                                variant=acceptance_variant(kind=case.kind, several_places=False, forward=True),
                                on=case.received_on)
                acceptance.due_on = cal.add_period(acceptance.starts_on, fwd.period, fwd.unit)
                acceptance.basis = fwd.basis
        elif action == "guide":
            case.target_agency = data.target_agency.strip()
        elif action == "mark_duplicate":
            master = _mark_duplicate(session, principal, case, data.master, now=now, on=on)
            event_data["master"] = master.tracking_code
        case.result = data.reason.strip() or case.result
        if acceptance and acceptance.running:
            clocks.stop_clock(acceptance, on)
    elif action in ("assign", "reassign"):
        _assign(session, principal, case, data, action, event_data)
    elif action == "report":
        event_data["findings"] = data.result.strip()
    elif action == "resolve":
        case.decision_number = data.decision_number.strip()
        case.result = data.result.strip()
        case.decided_on = on
        if resolution and resolution.running:
            clocks.stop_clock(resolution, on)
    elif action == "close":
        case.closed_on = on
    elif action in ("withdraw", "suspend"):
        case.held_status = case.status
        # Only a withdrawn denunciation may come back (Luật Tố cáo art. 33(2)); other
        # withdrawn petitions are finished, so their clocks stop instead of pausing.
        keep = action == "suspend" or case.kind == Kind.denunciation
        for clock in all_clocks:
            if clock.running:
                if keep:
                    clocks.pause_clock(clock, on, cal)
                else:
                    clocks.stop_clock(clock, on)
    elif action in ("continue", "resume"):
        target = case.held_status or S.accepted
        case.held_status = ""
        for clock in all_clocks:
            if clock.paused_on is not None and clock.stopped_on is None:
                clocks.resume_clock(clock, on, cal)
    elif action == "extend":
        _extend(session, case, resolution, data, cal, event_data)
    elif action == "open_second_round":
        second, pin = open_second_round(session, principal, case, data, now=now, cal=cal, on=on)
        result = ActionResult(second, pin)
        event_data["second_round"] = second.tracking_code

    for f in ("reason", "target_agency", "decision_number", "result", "unit", "officer"):
        value = str(getattr(data, f)).strip()
        if value and f not in event_data:
            event_data[f] = value
    if data.complex:
        event_data["complex"] = True
    if data.especially_complex:
        event_data["especially_complex"] = True
    if action in tally.TRIAGE_MEASURES:
        case.triage, case.triaged_on = action, on
    if before in _OPEN and target not in _OPEN:
        case.finished_on = on
    elif target in _OPEN:
        case.finished_on = None
    case.status = target
    case.version += 1
    case.updated_at = now
    clocks.sync_current(case, all_clocks)
    tally.record(session, counted, tally.facts(case))
    for clock in all_clocks:
        session.add(clock)
    event_data["clocks"] = {c.name: c.due_on for c in all_clocks}
    ev = append_event(
        session, case, now=now, on=on, action=action, actor=principal.user, from_status=before,
        to_status=target, note=note or data.reason.strip(), public=move.public, data=event_data,
    )
    session.flush()
    from workflows.webhooks import enqueue_for_event  # late import: webhooks imports serializers

    enqueue_for_event(session, case, ev)
    return result


def _refuse_second_transfer(session: Session, case: Case, today: date) -> None:
    """Chuyển đơn chỉ một lần: the same content from the same person is not forwarded twice
    (Thông tư 05/2021/TT-TTCP)."""
    pet = session.get(Petitioner, case.petitioner_id) if case.petitioner_id else None
    same = find_candidates(
        session, today=today, subject=case.subject, content=case.content,
        id_number=pet.id_number if pet else "", phone=pet.phone if pet else "",
        exclude_id=case.id, statuses=frozenset({S.transferred}),
    )
    same = [c for c in same if c.score >= 85 and "cùng người gửi" in c.reasons] if pet and (
        pet.id_number or pet.phone) else [c for c in same if c.score >= 95]
    if same:
        raise Conflict(
            f"Đơn cùng nội dung đã được chuyển một lần (hồ sơ {same[0].tracking_code}); "
            "không chuyển lại lần thứ hai. Hãy lưu đơn hoặc đánh dấu đơn trùng."
        )


def _mark_duplicate(session: Session, principal: Principal, case: Case, master_code: str, *,
                    now: datetime, on: date) -> Case:
    # The reception desk spots repeats of petitions logged by colleagues, so it looks the
    # master up across the register; others within their scope.
    same_code = col(Case.tracking_code) == master_code.strip().upper()
    stmt: Any = select(Case) if principal.role == R.reception else readable_cases(principal)
    master: Case | None = session.exec(stmt.where(same_code)).first()
    if master is None:
        raise Invalid(f"Không tìm thấy hồ sơ gốc '{master_code}'.")
    if master.id == case.id or master.duplicate_of_id == case.id:
        raise Invalid("Hồ sơ gốc phải là một hồ sơ khác.")
    case.duplicate_of_id = master.id
    if master.status in OPEN_STATUSES:
        # A re-submission of an open case feeds its escalation risk (DESIGN.md §5).
        master.resubmitted += 1
        master.version += 1
        append_event(session, master, now=now, on=on, action="resubmitted", actor=principal.user,
                     from_status=master.status, to_status=master.status, public=False,
                     note=f"Công dân gửi lại đơn (hồ sơ {case.tracking_code})",
                     data={"duplicate": case.tracking_code, "resubmitted": master.resubmitted})
    return master


def _assign(session: Session, principal: Principal, case: Case, data: ActionBody, action: str,
            event_data: dict[str, Any]) -> None:
    user = principal.user
    if principal.role == R.unit_head and user is not None:
        # A unit head assigns inside the unit only.
        if data.unit and data.unit.strip() != _unit_code(session, user.unit_id):
            raise Conflict("Lãnh đạo phòng chỉ giao việc trong đơn vị mình.")
        unit = session.get(Unit, user.unit_id)
        if not data.officer.strip():
            raise Invalid("Thiếu thông tin bắt buộc cho «Giao lại»: chuyên viên.")
    elif data.unit.strip():
        unit = _unit_by_code(session, data.unit)
    elif action == "reassign" and data.officer.strip():
        unit = session.get(Unit, case.unit_id)
    else:
        raise Invalid("Thiếu thông tin bắt buộc: đơn vị hoặc chuyên viên.")
    assert unit is not None
    officer = _officer(session, data.officer, unit) if data.officer.strip() else None
    case.unit_id = unit.id
    case.officer_id = officer.id if officer else None
    event_data["unit_name"] = unit.name
    if officer:
        event_data["officer_name"] = officer.full_name


def _unit_code(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.code if unit else ""


def _extend(session: Session, case: Case, resolution: CaseClock | None, data: ActionBody, cal: WorkCalendar,
            event_data: dict[str, Any]) -> None:
    """Gia hạn by written decision: denunciations +30 days once (complex) or twice
    (especially complex), Luật Tố cáo 2018 art. 30; complaints move to the complex period,
    Luật Khiếu nại art. 28, 37."""
    if resolution is None or not resolution.running:
        raise Conflict("Chỉ gia hạn khi thời hạn giải quyết đang chạy.")
    if case.kind == Kind.denunciation:
        if not (data.complex or data.especially_complex):
            raise Invalid("Gia hạn tố cáo cần xác định vụ việc phức tạp hoặc đặc biệt phức tạp.")
        allowed = 2 if (data.especially_complex or case.especially_complex) else 1
        if case.extension_count >= allowed:
            raise Conflict(
                "Đã gia hạn tối đa: vụ việc phức tạp được gia hạn một lần, đặc biệt phức tạp hai lần, "
                "mỗi lần không quá 30 ngày (Luật Tố cáo 2018, Điều 30)."
            )
        rule = find_rule(session, kind=case.kind, clock="extension", round=0, variant="normal",
                         on=case.received_on)
        case.is_complex = True
        case.especially_complex = case.especially_complex or data.especially_complex
        clocks.extend_clock(resolution, rule.period, cal)
    elif case.kind == Kind.complaint:
        if case.is_complex:
            raise Conflict("Vụ việc đã áp dụng thời hạn của vụ việc phức tạp; Luật Khiếu nại không cho gia hạn thêm.")
        normal = find_rule(session, kind=case.kind, clock=ClockName.resolution, round=case.round,
                           variant=resolution_variant(kind=case.kind, complex_=False, remote=case.remote_area),
                           on=case.received_on)
        longer = find_rule(session, kind=case.kind, clock=ClockName.resolution, round=case.round,
                           variant=resolution_variant(kind=case.kind, complex_=True, remote=case.remote_area),
                           on=case.received_on)
        case.is_complex = True
        clocks.extend_clock(resolution, longer.period - normal.period, cal)
    else:
        raise Conflict("Kiến nghị, phản ánh không có quy định gia hạn.")
    case.extension_count += 1
    event_data["extension"] = case.extension_count


def open_second_round(session: Session, principal: Principal, first: Case, data: ActionBody, *,
                      now: datetime, cal: WorkCalendar, on: date) -> tuple[Case, str]:
    """Khiếu nại lần hai: a new complaint case linked to the first (Luật Khiếu nại art. 33)."""
    if first.kind != Kind.complaint or first.round != 1:
        raise Conflict("Chỉ mở khiếu nại lần hai từ một khiếu nại lần đầu đã giải quyết.")
    existing = session.exec(select(Case).where(Case.previous_case_id == first.id)).first()
    if existing is not None:
        raise Conflict(f"Đã có khiếu nại lần hai cho hồ sơ này ({existing.tracking_code}).")
    pet = session.get(Petitioner, first.petitioner_id) if first.petitioner_id else None
    petitioner = PetitionerCreate(
        full_name=pet.full_name if pet else "", id_number=pet.id_number if pet else "",
        phone=pet.phone if pet else "", email=pet.email if pet else "", address=pet.address if pet else "",
    )
    intake = CaseCreate(
        kind=Kind.complaint, round=2, channel=first.channel, received_on=on,
        subject=f"Khiếu nại lần hai: {first.subject}"[:300],
        content=data.note.strip() or data.reason.strip() or first.content,
        petitioner=petitioner, anonymous=first.anonymous, signatories=first.signatories,
        remote_area=first.remote_area,
    )
    second, pin = create_case(session, principal, intake, now=now, cal=cal)
    second.previous_case_id = first.id
    second.category_id = first.category_id
    session.add(second)
    return second, pin

