"""Periodic figures for the office's reports (báo cáo định kỳ công tác tiếp công dân, xử lý đơn,
giải quyết khiếu nại, tố cáo) and the satisfaction survey averages.

Every figure is one aggregate query grouped by kind or unit: the page, the CSV and XLSX
exports and `GET /api/v1/reports/summary` all read `summary(...)`, so they cannot disagree.
Nothing here walks the cases one by one.

Definitions (the period is [start, end], both days included, Asia/Ho_Chi_Minh dates):
- received: logged with a receipt date in the period;
- carried over (kỳ trước chuyển sang): received before the period and still open on its first day,
  i.e. the last event dated before the period left the case in an open status;
- accepted (thụ lý), refused (không thụ lý), forwarded (chuyển đơn + hướng dẫn): the move's
  legal date falls in the period;
- resolved on time / late: the resolution clock stopped in the period, on or before / after its
  due date (the due date includes extensions granted by decision);
- overdue now: open today with the running clock past its due date (not bound to the period);
- average days to resolve: calendar days from acceptance to the decision, for the cases resolved
  in the period.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import OPEN_STATUSES, Case, CaseClock, CaseEvent, ClockName, Kind, SurveyResponse, Unit
from workflows.calendar import VN_TZ
from workflows.errors import Invalid

KINDS: tuple[str, ...] = tuple(k.value for k in Kind)
_OPEN = [s.value for s in OPEN_STATUSES]
#: The longest period one report may cover; a year of a department's petitions is the usual ask.
MAX_PERIOD_DAYS = 366 * 5

FIGURES: tuple[tuple[str, str], ...] = (
    ("received", "Tiếp nhận trong kỳ"),
    ("carried_over", "Kỳ trước chuyển sang"),
    ("accepted", "Thụ lý"),
    ("refused", "Không thụ lý"),
    ("forwarded", "Chuyển đơn, hướng dẫn"),
    ("resolved_on_time", "Giải quyết đúng hạn"),
    ("resolved_late", "Giải quyết quá hạn"),
    ("overdue_now", "Đang quá hạn"),
    ("avg_days_to_resolve", "Số ngày giải quyết trung bình"),
)
SATISFACTION: tuple[tuple[str, str], ...] = (
    ("responses", "Số phiếu"),
    ("timeliness", "Thời gian"),
    ("attitude", "Thái độ"),
    ("result", "Kết quả"),
    ("overall", "Chung"),
)


@dataclass
class KindRow:
    kind: str
    received: int = 0
    carried_over: int = 0
    accepted: int = 0
    refused: int = 0
    forwarded: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    overdue_now: int = 0
    avg_days_to_resolve: float | None = None


@dataclass
class UnitSatisfaction:
    unit_code: str
    unit_name: str
    responses: int
    timeliness: float
    attitude: float
    result: float
    overall: float


@dataclass
class Summary:
    start: date
    end: date
    unit_code: str | None
    today: date
    rows: list[KindRow]
    total: KindRow
    satisfaction: list[UnitSatisfaction] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "unit": self.unit_code,
            "as_of": self.today.isoformat(),
            "kinds": [asdict(r) for r in self.rows], "total": asdict(self.total),
            "satisfaction": [asdict(s) for s in self.satisfaction],
        }


def check_period(start: date, end: date) -> None:
    if end < start:
        raise Invalid("Ngày kết thúc kỳ báo cáo phải sau hoặc bằng ngày bắt đầu.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise Invalid("Kỳ báo cáo dài tối đa 5 năm.")


def unit_id_of(session: Session, code: str | None) -> int | None:
    """The unit's id, or a 422 when the code is unknown (a silent 'all units' would mislead)."""
    if not code:
        return None
    unit_id = session.exec(select(col(Unit.id)).where(col(Unit.code) == code.strip())).first()
    if unit_id is None:
        raise Invalid(f"Không có đơn vị mã '{code}'.")
    return unit_id


def by_index(column: Any) -> Any:
    """`column || ''`: the same value, but SQLite's planner no longer walks the column's own index
    (`ix_case_kind`) to avoid a sort, which reads every case; it takes the date range's covering
    index instead and groups four kinds in memory. PostgreSQL plans it the same either way."""
    return column.concat("")


def _by_kind(session: Session, stmt: Any) -> dict[str, int]:
    return {k: int(n) for k, n in session.execute(stmt).all()}


def days_between(session: Session, later: Any, earlier: Any) -> Any:
    """`later - earlier` in days, as SQL; date arithmetic differs between SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier


def status_on(day: date) -> Any:
    """The case's status at the start of `day`: the `to_status` of its last event dated before it.

    Legal dates of events never go backwards (lifecycle `_legal_date`), so the highest `seq`
    before `day` is the state the case was in.

    One correlated lookup walking the `(case_id, seq, on, to_status)` index backwards from the
    newest event: no second subquery, no read of the event row.
    """
    return (
        sa_select(col(CaseEvent.to_status))
        .where(col(CaseEvent.case_id) == col(Case.id), col(CaseEvent.on) < day)
        .order_by(col(CaseEvent.seq).desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def maybe_open_on(day: date) -> Any:
    """A cheap superset of the cases open on `day`, so that `status_on` runs on few rows.

    A case that is finished now but was open on `day` was finished by an event dated on or
    after `day`; that event was recorded on or after `day` (legal dates are never in the
    future), and recording it moved `updated_at`. So: open now, or updated since `day`.
    """
    return or_(col(Case.status).in_(_OPEN), col(Case.updated_at) >= day_bounds(day, day)[0])


def summary(session: Session, start: date, end: date, *, unit_code: str | None = None, today: date) -> Summary:
    """The report's figures per kind of petition, plus satisfaction per unit."""
    check_period(start, end)
    unit_id = unit_id_of(session, unit_code)

    def scoped(stmt: Any) -> Any:
        return stmt.where(col(Case.unit_id) == unit_id) if unit_id is not None else stmt

    kind = by_index(col(Case.kind))
    received = _by_kind(session, scoped(
        sa_select(kind, func.count()).where(col(Case.received_on) >= start, col(Case.received_on) <= end)
        .group_by(kind)))
    carried = _by_kind(session, scoped(
        sa_select(kind, func.count())
        .where(col(Case.received_on) < start, maybe_open_on(start), status_on(start).in_(_OPEN))
        .group_by(kind)))

    moves = (
        sa_select(
            kind,
            func.sum(when((col(CaseEvent.action) == "accept", 1), else_=0)),
            func.sum(when((col(CaseEvent.action) == "reject", 1), else_=0)),
            func.sum(when((col(CaseEvent.action).in_(["transfer", "guide"]), 1), else_=0)),
        )
        .join(Case, col(Case.id) == col(CaseEvent.case_id))
        .where(col(CaseEvent.on) >= start, col(CaseEvent.on) <= end,
               col(CaseEvent.action).in_(["accept", "reject", "transfer", "guide"]))
        .group_by(kind)
    )
    move_rows = {k: (int(a or 0), int(r or 0), int(f or 0)) for k, a, r, f in session.execute(scoped(moves)).all()}

    stopped = col(CaseClock.stopped_on)
    resolved = (
        sa_select(
            kind,
            func.sum(when((stopped <= col(CaseClock.due_on), 1), else_=0)),
            func.sum(when((stopped > col(CaseClock.due_on), 1), else_=0)),
            func.avg(days_between(session, stopped, col(CaseClock.starts_on))),
        )
        .join(Case, col(Case.id) == col(CaseClock.case_id))
        .where(col(CaseClock.name) == ClockName.resolution, stopped >= start, stopped <= end)
        .group_by(kind)
    )
    resolved_rows = {k: (int(a or 0), int(b or 0), None if avg is None else round(float(avg), 1))
                     for k, a, b, avg in session.execute(scoped(resolved)).all()}

    overdue = _by_kind(session, scoped(
        sa_select(kind, func.count())
        .where(col(Case.status).in_(_OPEN), col(Case.current_due_on) < today)
        .group_by(kind)))

    rows = []
    for k in KINDS:
        acc, ref, fwd = move_rows.get(k, (0, 0, 0))
        on_time, late, avg = resolved_rows.get(k, (0, 0, None))
        rows.append(KindRow(kind=k, received=received.get(k, 0), carried_over=carried.get(k, 0), accepted=acc,
                            refused=ref, forwarded=fwd, resolved_on_time=on_time, resolved_late=late,
                            overdue_now=overdue.get(k, 0), avg_days_to_resolve=avg))
    return Summary(start=start, end=end, unit_code=unit_code or None, today=today, rows=rows,
                   total=_total(rows), satisfaction=satisfaction(session, start, end, unit_id=unit_id))


def _total(rows: list[KindRow]) -> KindRow:
    total = KindRow(kind="total")
    for name, _ in FIGURES[:-1]:
        setattr(total, name, sum(getattr(r, name) for r in rows))
    # The overall average weights each kind by the number of cases it resolved.
    weighted = [(r.avg_days_to_resolve, r.resolved_on_time + r.resolved_late) for r in rows
                if r.avg_days_to_resolve is not None]
    count = sum(n for _, n in weighted)
    total.avg_days_to_resolve = round(sum(a * n for a, n in weighted) / count, 1) if count else None
    return total


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of [start 00:00, end+1 00:00) in Asia/Ho_Chi_Minh, for timestamp columns."""
    return (datetime.combine(start, time(), VN_TZ), datetime.combine(end + timedelta(days=1), time(), VN_TZ))


def satisfaction(session: Session, start: date, end: date, *, unit_id: int | None = None) -> list[UnitSatisfaction]:
    """Average survey scores per handling unit, for answers given in the period."""
    lo, hi = day_bounds(start, end)
    stmt = (
        sa_select(col(Unit.code), col(Unit.name), func.count(), func.avg(col(SurveyResponse.timeliness)),
                  func.avg(col(SurveyResponse.attitude)), func.avg(col(SurveyResponse.result)),
                  func.avg(col(SurveyResponse.overall)))
        .join(Case, col(Case.id) == col(SurveyResponse.case_id))
        .join(Unit, col(Unit.id) == col(Case.unit_id))
        .where(col(SurveyResponse.created_at) >= lo, col(SurveyResponse.created_at) < hi)
        .group_by(col(Unit.code), col(Unit.name))
        .order_by(col(Unit.code))
    )
    if unit_id is not None:
        stmt = stmt.where(col(Case.unit_id) == unit_id)
    return [UnitSatisfaction(unit_code=c, unit_name=n, responses=int(cnt), timeliness=round(float(t), 2),
                             attitude=round(float(a), 2), result=round(float(r), 2), overall=round(float(o), 2))
            for c, n, cnt, t, a, r, o in session.execute(stmt).all()]


def table(s: Summary, kind_label: Any) -> tuple[list[str], list[list[Any]]]:
    """The report as a header and rows: the CSV, the XLSX and the page print the same cells."""
    header = ["Loại đơn"] + [name for _, name in FIGURES]
    body = [[kind_label(r.kind)] + [getattr(r, key) for key, _ in FIGURES] for r in s.rows]
    body.append(["Tổng cộng"] + [getattr(s.total, key) for key, _ in FIGURES])
    return header, body


def satisfaction_table(s: Summary) -> tuple[list[str], list[list[Any]]]:
    header = ["Đơn vị"] + [name for _, name in SATISFACTION]
    return header, [[u.unit_name] + [getattr(u, key) for key, _ in SATISFACTION] for u in s.satisfaction]

