"""The escalation sweep: warn before a deadline is missed, exactly once (DESIGN.md §5).

The sweep walks the editable ladder of `escalation_rule` (due_soon, due_today, overdue,
escalation_risk) over the running clock of each open case. It is idempotent and safe
with several workers (STYLE.md rule 6):

1. Candidates come from indexed queries on `case(status, current_due_on)` and
   `case(received_on)`, reading a few columns only; rungs that already fired are dropped
   with one query on `escalation(case_id)` per chunk. It never loads every case.
2. Each chunk is handled in its own write transaction. On PostgreSQL the chunk's case rows
   are locked with `FOR UPDATE SKIP LOCKED` (a row another worker holds is that worker's
   job); on SQLite the IMMEDIATE transaction already serialises writers. The rows are
   re-read under the lock and the rungs re-checked.
3. Each firing inserts into `escalation` with ON CONFLICT DO NOTHING ... RETURNING: the
   unique key (case_id, clock, level) decides who fires, so a rung fires once even if two
   workers race or a day is replayed. Only the rows actually inserted get notifications,
   mails and an `escalated` case event, in the same transaction.

Who hears of a rung: the office owns the acceptance clock (it classifies and accepts), so
for that clock "assignee" and "unit_head" mean the office; the assigned officer and the
heads of the case's unit own the resolution clock.

Privacy: notifications and mails carry the tracking code, kind, clock and due date, and the
subject except for denunciations; never the petitioner (Luật Tố cáo 2018, art. 47).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, and_, exists, or_
from sqlalchemy import case as sql_case
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    EmailOutbox,
    Escalation,
    EscalationRule,
    Level,
    Notification,
    Role,
    Status,
    User,
)
from models.db import new_session
from models.settings import get_settings
from workflows.audit import build_event
from workflows.calendar import WorkCalendar, load_calendar, vn_today
from workflows.i18n import label
from workflows.risk import DISCIPLINARY_DAYS, REASON_LABELS, overdue_boundary

log = logging.getLogger("donthu.escalation")

#: A petition left unhandled for 45 days is a disciplinary matter (Nghị định 154/2026, art. 41).
#: It is flagged as its own rung so that it fires even after the case's risk rung fired.
DISCIPLINARY = "disciplinary"
#: The key of a risk that belongs to no running clock (a suspended case).
CASE_CLOCK = "case"
#: Cases per write transaction: large enough to amortise the commit, small enough to hold locks briefly.
CHUNK = 2000
SYSTEM_ACTOR = "Hệ thống cảnh báo thời hạn"

LEVEL_TITLES = {
    Level.due_soon.value: "Sắp đến hạn",
    Level.due_today.value: "Đến hạn hôm nay",
    Level.overdue.value: "Quá hạn",
    Level.escalation_risk.value: "Nguy cơ vượt cấp",
    DISCIPLINARY: "Để quá 45 ngày chưa xử lý",
}
RECIPIENT_KEYS = ("assignee", "unit_head", "office", "director")
_OPEN = [s.value for s in OPEN_STATUSES]
_FACTS = tuple(col(c) for c in (Case.id, Case.status, Case.current_clock, Case.current_due_on, Case.received_on,
                                  Case.forwarded_by, Case.resubmitted, Case.signatories))


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder as edited by the admin."""

    level: str
    threshold: int
    notify: tuple[str, ...]
    email: bool


@dataclass(frozen=True)
class Firing:
    clock: str
    level: str
    reasons: tuple[str, ...] = ()


@dataclass
class SweepResult:
    today: date
    candidates: int = 0
    fired: Counter[str] = field(default_factory=Counter)
    notifications: int = 0
    emails: int = 0
    skipped_locked: int = 0

    @property
    def total_fired(self) -> int:
        return sum(self.fired.values())

    def summary_vi(self) -> str:
        parts = [f"{LEVEL_TITLES.get(k, k)}: {v}" for k, v in sorted(self.fired.items())]
        head = (f"Quét thời hạn ngày {self.today:%d/%m/%Y}: xem xét {self.candidates} hồ sơ, "
                f"phát {self.total_fired} cảnh báo mới")
        tail = f"; {self.notifications} thông báo, {self.emails} thư điện tử."
        return head + (f" ({'; '.join(parts)})" if parts else "") + tail


def load_ladder(session: Session) -> dict[str, Rung]:
    rows = session.exec(select(EscalationRule).where(col(EscalationRule.active).is_(True))).all()
    return {
        r.level: Rung(r.level, r.threshold, tuple(x.strip() for x in r.notify.split(",") if x.strip()), r.email)
        for r in rows
    }


class _Limits:
    """The day boundaries of each rung for one `today`, computed once per sweep."""

    def __init__(self, today: date, cal: WorkCalendar, ladder: dict[str, Rung]) -> None:
        self.today = today
        soon = ladder.get(Level.due_soon.value)
        risk = ladder.get(Level.escalation_risk.value)
        # Due dates before `soon_before` have `threshold` working days or fewer left.
        self.soon_before = cal.add_working_days(today, soon.threshold + 1) if soon else today
        self.risk_on_or_before = overdue_boundary(today, cal, risk.threshold) if risk else None
        self.disciplinary_received = today - timedelta(days=DISCIPLINARY_DAYS)
        self.ladder = ladder


def firings_for(facts: Any, lim: _Limits) -> list[Firing]:
    """The rungs a case stands on today. `facts` is a Case or a row with the same fields."""
    if facts.status not in _OPEN:
        return []
    ladder, today, due = lim.ladder, lim.today, facts.current_due_on
    clock = facts.current_clock or CASE_CLOCK
    out: list[Firing] = []
    if due is not None:
        if Level.due_soon.value in ladder and today < due < lim.soon_before:
            out.append(Firing(clock, Level.due_soon.value))
        if Level.due_today.value in ladder and due == today:
            out.append(Firing(clock, Level.due_today.value))
        if Level.overdue.value in ladder and due < today:
            out.append(Firing(clock, Level.overdue.value))
    if Level.escalation_risk.value in ladder:
        reasons = []
        if due is not None and lim.risk_on_or_before is not None and due <= lim.risk_on_or_before:
            reasons.append("overdue_10")
        if facts.forwarded_by:
            reasons.append("forwarded")
        if facts.resubmitted > 0:
            reasons.append("resubmitted")
        if facts.signatories >= 5:
            reasons.append("group")
        if reasons:
            out.append(Firing(clock, Level.escalation_risk.value, tuple(reasons)))
        if facts.status == Status.received and facts.received_on <= lim.disciplinary_received:
            out.append(Firing(clock, DISCIPLINARY, ("unhandled_45",)))
    return out


def _has_fired(level: str) -> ColumnElement[bool]:
    """EXISTS a firing of `level` on the case's current clock (probes the unique key's index)."""
    clock_key = sql_case((col(Case.current_clock) == "", CASE_CLOCK), else_=col(Case.current_clock))
    return exists().where(col(Escalation.case_id) == col(Case.id), col(Escalation.clock) == clock_key,
                          col(Escalation.level) == level)


def candidate_rows(session: Session, lim: _Limits) -> list[Any]:
    """Open cases that may stand on a rung not yet fired, by index, as light rows.

    Three indexed selections: running clocks due before the due-soon boundary
    (ix_case_status_due), open cases with a risk flag (same index, by status), and
    petitions still `received` 45 days after receipt (ix_case_received). A case whose rung
    for today already fired is dropped in SQL by probing the unique key of `escalation`, so
    cases waiting between two rungs (and the backlog of long-overdue ones) are not read into
    Python again on every run.
    """
    seen: dict[int, Any] = {}
    open_ = col(Case.status).in_(_OPEN)
    due, today, ladder = col(Case.current_due_on), lim.today, lim.ladder
    # The rung each due date stands on today, unless it already fired on the current clock.
    pending = []
    if Level.due_soon.value in ladder:
        pending.append(and_(due > today, ~_has_fired(Level.due_soon.value)))
    if Level.due_today.value in ladder:
        pending.append(and_(due == today, ~_has_fired(Level.due_today.value)))
    if Level.overdue.value in ladder:
        pending.append(and_(due < today, ~_has_fired(Level.overdue.value)))
    if lim.risk_on_or_before is not None:
        pending.append(and_(due <= lim.risk_on_or_before, ~_has_fired(Level.escalation_risk.value)))
    # A case whose last rungs fired for this very due date (`escalated_due_on`) has nothing
    # left to fire: the long-overdue backlog is passed over on the index, without a probe.
    spent = col(Case.escalated_due_on)
    stmts = [core_select(*_FACTS).where(open_, due < lim.soon_before, or_(spent.is_(None), spent != due),
                                        or_(*pending))] if pending else []
    if Level.escalation_risk.value in ladder:
        stmts.append(core_select(*_FACTS).where(
            open_, or_(col(Case.forwarded_by) != "", col(Case.resubmitted) > 0, col(Case.signatories) >= 5),
            ~_has_fired(Level.escalation_risk.value),
        ))
        stmts.append(core_select(*_FACTS).where(
            col(Case.received_on) <= lim.disciplinary_received, col(Case.status) == Status.received.value,
            ~_has_fired(DISCIPLINARY),
        ))
    for stmt in stmts:
        for row in session.connection().execute(stmt):
            seen.setdefault(row.id, row)
    return list(seen.values())


def _fired_keys(session: Session, case_ids: Sequence[int]) -> set[tuple[int, str, str]]:
    rows = session.exec(select(Escalation.case_id, Escalation.clock, Escalation.level)
                        .where(col(Escalation.case_id).in_(case_ids))).all()
    return {(r[0], r[1], r[2]) for r in rows}


@dataclass(frozen=True)
class Person:
    """A detached copy of a user: the directory outlives the session that read it."""

    id: int
    full_name: str
    email: str


@dataclass
class _Directory:
    """Active staff who may be notified, loaded once per sweep (a department has few)."""

    by_id: dict[int, Person]
    office: list[Person]
    director: list[Person]
    heads: dict[int, list[Person]]

    @classmethod
    def load(cls, session: Session) -> _Directory:
        rows = session.execute(core_select(col(User.id), col(User.full_name), col(User.email), col(User.role),
                                           col(User.unit_id)).where(
            col(User.active).is_(True),
            col(User.role).in_([Role.officer.value, Role.unit_head.value, Role.office.value, Role.director.value]),
        ).order_by(col(User.id))).all()
        by_id: dict[int, Person] = {}
        heads: dict[int, list[Person]] = {}
        office: list[Person] = []
        director: list[Person] = []
        for uid, name, email, role, unit_id in rows:
            p = by_id[uid] = Person(uid, name, email)
            if role == Role.unit_head and unit_id is not None:
                heads.setdefault(unit_id, []).append(p)
            elif role == Role.office:
                office.append(p)
            elif role == Role.director:
                director.append(p)
        return cls(by_id=by_id, office=office, director=director, heads=heads)

    def recipients(self, case: Any, clock: str, keys: Iterable[str]) -> list[Person]:
        """The people a rung names, for this case's clock; each person once."""
        out: dict[int, Person] = {}
        resolution = clock == "resolution" and case.unit_id is not None
        for key in keys:
            if key == "office":
                group = self.office
            elif key == "director":
                group = self.director
            elif key == "unit_head":
                group = self.heads.get(case.unit_id or 0, []) if resolution else self.office
            elif key == "assignee":
                officer = self.by_id.get(case.officer_id or 0) if resolution else None
                if resolution:
                    group = [officer] if officer else self.heads.get(case.unit_id or 0, [])
                else:
                    group = self.office
            else:
                group = []
            for u in group:
                out.setdefault(u.id, u)
        return list(out.values())


def dialect_insert(session: Session, model: Any) -> Any:
    """INSERT with the dialect's ON CONFLICT support (SQLite and PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


def describe(case: Any, firing: Firing, today: date, cal: WorkCalendar) -> tuple[str, str]:
    """Title and body of a notification, in Vietnamese, without any personal data."""
    kind = label("kind", case.kind)
    clock_label = label("clock", firing.clock) if firing.clock != CASE_CLOCK else "Hồ sơ"
    title = f"{LEVEL_TITLES.get(firing.level, firing.level)}: hồ sơ {case.tracking_code} ({kind.lower()})"
    due = case.current_due_on
    lines: list[str] = []
    if firing.level == Level.due_soon.value and due:
        left = cal.working_days_between(today, due)
        lines.append(f"{clock_label}: còn {left} ngày làm việc, hạn cuối ngày {due:%d/%m/%Y}.")
    elif firing.level == Level.due_today.value and due:
        lines.append(f"{clock_label}: hôm nay ({due:%d/%m/%Y}) là ngày cuối cùng của thời hạn.")
    elif firing.level == Level.overdue.value and due:
        lines.append(f"{clock_label}: đã quá hạn từ ngày {due + timedelta(days=1):%d/%m/%Y} (hạn {due:%d/%m/%Y}).")
    elif firing.level == DISCIPLINARY:
        lines.append(f"Đơn tiếp nhận ngày {case.received_on:%d/%m/%Y} đã quá {DISCIPLINARY_DAYS} ngày mà chưa được "
                     "xử lý: có thể bị xem xét xử lý kỷ luật (Nghị định 154/2026/NĐ-CP, Điều 41).")
    if firing.level == Level.escalation_risk.value:
        lines.append("Hồ sơ có nguy cơ vượt cấp, kéo dài; cần Lãnh đạo Sở chỉ đạo. Lý do:")
        lines.extend(f"- {REASON_LABELS.get(r, r)}" for r in firing.reasons)
        if due:
            lines.append(f"{clock_label}: hạn {due:%d/%m/%Y}.")
    # The subject of a denunciation may point at the denunciator: it stays in the app.
    if case.kind != "denunciation":
        lines.append(f"Nội dung: {case.subject}")
    lines.append(f"Trạng thái: {label('status', case.status)}.")
    return title, "\n".join(lines)


def case_link(tracking_code: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/cases/{tracking_code}"


def mail_body(user: Person | User, body: str, tracking_code: str | None) -> str:
    agency = get_settings().agency_name
    link = f"\nXem hồ sơ: {case_link(tracking_code)}\n" if tracking_code else ""
    return (f"Kính gửi {user.full_name},\n\n{body}\n{link}\n--\nHệ thống quản lý đơn thư, {agency}.\n"
            "Thư được gửi tự động, vui lòng không trả lời thư này.\n")


_LOCK_COLS = tuple(col(c) for c in (
    Case.id, Case.tracking_code, Case.kind, Case.subject, Case.status, Case.current_clock, Case.current_due_on,
    Case.received_on, Case.forwarded_by, Case.resubmitted, Case.signatories, Case.unit_id, Case.officer_id,
    Case.event_count, Case.head_hash, Case.escalated_due_on))


def _table(model: Any) -> Table:
    """The Core table of a model, for bulk statements that skip the ORM's per-row work."""
    table: Table = model.__table__
    return table


def _placeholder(conn: Connection) -> str:
    """The driver's positional parameter mark: `?` for sqlite3, `%s` for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _write_rows(conn: Connection, model: Any, rows: Sequence[dict[str, Any]], *, suffix: str = "") -> None:
    """One INSERT executed for many rows straight through the driver (issue 4).

    A sweep writes tens of thousands of rows whose dates and instants are the same `now`
    and `today`: converting each value once per distinct value (by the column type's own bind
    processor, so SQLite and PostgreSQL store exactly what the ORM would) instead of once per
    row and column halves the sweep's Python time. `suffix` carries an ON CONFLICT clause.
    """
    if not rows:
        return
    table, dialect = _table(model), conn.dialect
    names = list(rows[0])
    columns: list[list[Any]] = []
    for name in names:
        values = [r[name] for r in rows]
        proc = table.c[name].type.bind_processor(dialect)
        if isinstance(values[0], dict | list):
            # JSON: SQLite's type serialises it; psycopg adapts it only through SQLAlchemy's own
            # statement path, so here it goes as JSON text, which PostgreSQL casts on insert.
            values = [proc(v) for v in values] if proc is not None else [json.dumps(v) for v in values]
        elif proc is not None:
            memo = {v: proc(v) for v in set(values) if v is not None}
            values = [memo.get(v) for v in values]
        columns.append(values)
    mark = _placeholder(conn)
    prep = dialect.identifier_preparer
    sql = (f"INSERT INTO {prep.format_table(table)} ({', '.join(prep.quote(n) for n in names)}) "
           f"VALUES ({', '.join(mark for _ in names)}){suffix}")
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _process_chunk(session: Session, ids: list[int], now: datetime, lim: _Limits, cal: WorkCalendar,
                   people: _Directory, result: SweepResult) -> None:
    """Lock, re-check and fire one chunk with bulk statements; the caller commits.

    Raises IntegrityError if another worker fired one of these rungs in between (possible only
    when it did not take the row locks); the caller then rolls back and retries the chunk.
    """
    conn = session.connection()
    stmt = core_select(*_LOCK_COLS).where(col(Case.id).in_(ids)).order_by(col(Case.id))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Case, skip_locked=True)
    cases = list(session.connection().execute(stmt).all())
    result.skipped_locked += len(ids) - len(cases)
    # Re-check under the lock: what fired since the candidates were read is not fired again.
    fired = _fired_keys(session, [c.id for c in cases])
    wanted = [(c, f) for c in cases for f in firings_for(c, lim) if (c.id, f.clock, f.level) not in fired]
    if not wanted:
        return
    # The unique key (case_id, clock, level) is the last word: a duplicate raises here.
    _write_rows(conn, Escalation, [
        {"case_id": c.id, "clock": f.clock, "level": f.level, "fired_on": lim.today, "created_at": now}
        for c, f in wanted])
    notes: list[dict[str, Any]] = []
    mails: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    heads: dict[int, tuple[int, str]] = {}
    for case, firing in wanted:
        rung = lim.ladder[Level.escalation_risk.value if firing.level == DISCIPLINARY else firing.level]
        title, body = describe(case, firing, lim.today, cal)
        people_list = people.recipients(case, firing.clock, rung.notify)
        for user in people_list:
            notes.append({"user_id": user.id, "case_id": case.id, "level": firing.level, "title": title,
                          "body": body, "created_at": now, "read_at": None})
            if rung.email and user.email:
                # The day leads the key so that one sweep's mails sit side by side in the key's
                # index; a rung fires on one day only (the escalation's unique key), so the day
                # adds nothing to what the key tells apart.
                mails.append({"dedupe_key": f"esc:{lim.today:%Y%m%d}:{case.id}:{firing.clock}:{firing.level}:{user.id}",
                              "to_addr": user.email, "subject": f"[DonThu] {title}",
                              "body": mail_body(user, body, case.tracking_code), "created_at": now,
                              "next_attempt_at": now, "attempts": 0, "sent_at": None, "failed_at": None,
                              "last_error": ""})
        seq, prev = heads.get(case.id, (case.event_count, case.head_hash))
        ev = build_event(case.id, seq + 1, prev, now=now, on=lim.today, action="escalated",
                         actor_label=SYSTEM_ACTOR, to_status=case.status, note=title, public=False,
                         data={"clock": firing.clock, "level": firing.level, "reasons": list(firing.reasons),
                               "notified": sorted(u.id for u in people_list)})
        events.append(ev)
        heads[case.id] = (ev["seq"], ev["hash"])
        result.fired[firing.level] += 1
    _write_rows(conn, CaseEvent, events)
    # The audit head moves, and the ladder is marked spent where overdue and risk have both
    # fired on the running clock; `updated_at` does not move: a warning is not a change to the
    # petition (and leaving it alone spares one index page per case in `ix_case_received`).
    now_fired = fired | {(c.id, f.clock, f.level) for c, f in wanted}
    date_proc = _table(Case).c.escalated_due_on.type.bind_processor(conn.dialect)

    def to_date(day: date) -> Any:
        return date_proc(day) if date_proc else day

    rows = []
    for case in {c.id: c for c, _ in wanted}.values():
        seq, head = heads[case.id]
        spent_on = case.escalated_due_on
        if case.current_clock and case.current_due_on is not None and all(
                (case.id, case.current_clock, lv) in now_fired
                for lv in (Level.overdue.value, Level.escalation_risk.value)):
            spent_on = case.current_due_on
        rows.append((seq, head, None if spent_on is None else to_date(spent_on), case.id))
    mark = _placeholder(conn)
    conn.exec_driver_sql(f'UPDATE "case" SET event_count = {mark}, head_hash = {mark}, escalated_due_on = {mark} '
                         f'WHERE id = {mark}', rows)
    _write_rows(conn, Notification, notes)
    result.notifications += len(notes)
    _write_rows(conn, EmailOutbox, mails, suffix=" ON CONFLICT (dedupe_key) DO NOTHING")
    result.emails += len(mails)


def sweep(now: datetime, today: date | None = None, *, engine: Engine | None = None,
          progress: Callable[[int, int], None] | None = None, chunk: int = CHUNK) -> SweepResult:
    """Run the ladder once for `today` (default: the Vietnamese date of `now`).

    `progress(done, total)` is told after each chunk. Each chunk commits on its own, so
    a crash loses at most one chunk, which the next run picks up.
    """
    today = today or vn_today(now)
    result = SweepResult(today=today)
    with new_session(readonly=True, engine=engine) as s:
        cal = load_calendar(s, fresh=True)
        ladder = load_ladder(s)
        lim = _Limits(today, cal, ladder)
        rows = candidate_rows(s, lim)
        result.candidates = len(rows)
        # What already fired was left out in SQL; each chunk re-checks under its lock anyway.
        todo = sorted(r.id for r in rows if firings_for(r, lim))
        people = _Directory.load(s) if todo else None
    if progress:
        progress(0, len(todo))
    for start in range(0, len(todo), chunk):
        ids = todo[start:start + chunk]
        assert people is not None
        for attempt in range(3):
            partial = SweepResult(today=today)
            with new_session(engine=engine) as s:
                try:
                    _process_chunk(s, ids, now, lim, cal, people, partial)
                    s.commit()
                except IntegrityError:
                    # Another worker fired a rung of this chunk first: re-read and fire the rest.
                    s.rollback()
                    if attempt == 2:
                        raise
                    continue
            result.fired.update(partial.fired)
            result.notifications += partial.notifications
            result.emails += partial.emails
            result.skipped_locked += partial.skipped_locked
            break
        if progress:
            progress(min(start + chunk, len(todo)), len(todo))
    log.info(result.summary_vi())
    return result


# --- the admin's ladder ------------------------------------------------------------------

#: Bounds that keep an edited rung meaningful: a warning more than a month ahead is noise.
THRESHOLD_MAX = 30


def ladder_rows(session: Session) -> list[EscalationRule]:
    order = {lv.value: i for i, lv in enumerate(Level)}
    rows = session.exec(select(EscalationRule)).all()
    return sorted(rows, key=lambda r: order.get(r.level, 99))


def update_rung(session: Session, level: str, *, threshold: int, notify: Iterable[str], email: bool, active: bool,
                actor: User, now: datetime) -> EscalationRule:
    """Change one rung; logged in `audit_log` since it changes who is warned of what."""
    from models import AuditLog
    from workflows.errors import Invalid, NotFound

    rule = session.exec(select(EscalationRule).where(EscalationRule.level == level)).first()
    if rule is None:
        raise NotFound("Không có mức cảnh báo này.")
    keys = [k for k in RECIPIENT_KEYS if k in set(notify)]
    unknown = set(notify) - set(RECIPIENT_KEYS)
    if unknown:
        raise Invalid(f"Người nhận không hợp lệ: {', '.join(sorted(unknown))}.")
    if level in (Level.due_soon.value, Level.escalation_risk.value) and not 1 <= threshold <= THRESHOLD_MAX:
        raise Invalid(f"Ngưỡng phải từ 1 đến {THRESHOLD_MAX} ngày làm việc.")
    if active and not keys:
        raise Invalid("Chọn ít nhất một người nhận cho mức cảnh báo đang bật.")
    before = f"{rule.threshold};{rule.notify};{rule.email};{rule.active}"
    if level in (Level.due_soon.value, Level.escalation_risk.value):
        rule.threshold = threshold
    rule.notify, rule.email, rule.active = ",".join(keys), email, active
    session.add(rule)
    session.add(AuditLog(at=now, user_id=actor.id, action="escalation_rule.update",
                         detail=f"{level}: {before} -> {rule.threshold};{rule.notify};{rule.email};{rule.active}"))
    session.flush()
    return rule
