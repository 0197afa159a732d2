"""Periodic figures for the office's reports (báo cáo định kỳ công tác tiếp công dân, xử lý đơn,
giải quyết khiếu nại, tố cáo) and the satisfaction survey averages.

The page, the CSV and XLSX exports and `GET /api/v1/reports/summary` all read `summary(...)`,
so they cannot disagree. The figures are sums over the running counts by day
(workflows/tally.py): at most one row per day, unit, kind and figure, so a yearly report at a
million cases reads some 34,000 small rows instead of the cases, clocks and events.

Definitions (the period is [start, end], both days included, Asia/Ho_Chi_Minh dates):
- received: logged with a receipt date in the period;
- carried over (kỳ trước chuyển sang): received before the period and not finished before its
  first day (a withdrawn denunciation that the office continued counts as never finished);
- accepted (thụ lý), refused (không thụ lý), forwarded (chuyển đơn + hướng dẫn): the move's
  legal date falls in the period;
- resolved on time / late: the resolution clock stopped in the period, on or before / after its
  due date (the due date includes extensions granted by decision);
- the unit filter keeps the cases handled by that unit now (a case moves with its unit);
- overdue now: open today with the running clock past its due date (not bound to the period);
- average days to resolve: calendar days from the resolution clock's start (acceptance, or the
  resumption after a suspension) to its stop, for the cases resolved in the period.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import OPEN_STATUSES, Case, DayCount, Kind, SurveyResponse, Unit
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
    """`column || ''`: the same value, but no index on the column can serve it, so SQLite's planner
    takes the query's other index (a date range, a due-date walk) instead of one that would read
    every case to save a sort. PostgreSQL plans it the same either way."""
    return column.concat("")


def _by_kind(session: Session, stmt: Any) -> dict[str, int]:
    return {k: int(n) for k, n in session.execute(stmt).all()}


def _daily(session: Session, measures: list[str], start: date | None, end: date,
           unit_id: int | None) -> dict[tuple[str, str], tuple[int, int]]:
    """(measure, kind) → (cases, days) from the running counts, for days in [start, end]."""
    day, measure, kind = col(DayCount.day), col(DayCount.measure), col(DayCount.kind)
    stmt = (sa_select(measure, kind, func.sum(col(DayCount.n)), func.sum(col(DayCount.days)))
            .where(measure.in_(measures), day <= end).group_by(measure, kind))
    if start is not None:
        stmt = stmt.where(day >= start)
    if unit_id is not None:
        stmt = stmt.where(col(DayCount.unit_key) == unit_id)
    return {(m, k): (int(n or 0), int(d or 0)) for m, k, n, d in session.execute(stmt).all()}


def summary(session: Session, start: date, end: date, *, unit_code: str | None = None, today: date) -> Summary:
    """The report's figures per kind of petition, plus satisfaction per unit.

    Every figure but "overdue now" is a sum over the running counts by day (workflows/tally.py),
    at most one row per day, unit and kind, whatever the number of cases; carried over is everything
    received before the period less everything finished before it.
    """
    check_period(start, end)
    unit_id = unit_id_of(session, unit_code)
    period = _daily(session, ["received", "accepted", "refused", "forwarded", "resolved_on_time", "resolved_late"],
                    start, end, unit_id)
    before = _daily(session, ["received", "finished"], None, start - timedelta(days=1), unit_id)

    kind = by_index(col(Case.kind))  # one expression object: PostgreSQL matches GROUP BY by its bound parameter
    overdue_stmt = (sa_select(kind, func.count())
                    .where(col(Case.status).in_(_OPEN), col(Case.current_due_on) < today)
                    .group_by(kind))
    if unit_id is not None:
        overdue_stmt = overdue_stmt.where(col(Case.unit_id) == unit_id)
    overdue = _by_kind(session, overdue_stmt)

    def n(key: str, kind: str, source: dict[tuple[str, str], tuple[int, int]] = period) -> int:
        return source.get((key, kind), (0, 0))[0]

    rows = []
    for k in KINDS:
        on_time, late = n("resolved_on_time", k), n("resolved_late", k)
        days = period.get(("resolved_on_time", k), (0, 0))[1] + period.get(("resolved_late", k), (0, 0))[1]
        rows.append(KindRow(
            kind=k, received=n("received", k), carried_over=n("received", k, before) - n("finished", k, before),
            accepted=n("accepted", k), refused=n("refused", k), forwarded=n("forwarded", k),
            resolved_on_time=on_time, resolved_late=late, overdue_now=overdue.get(k, 0),
            avg_days_to_resolve=round(days / (on_time + late), 1) if on_time + late else None))
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

