"""Reports (báo cáo định kỳ) with CSV/XLSX exports, and the two books as XLSX.

The page, the CSV, the XLSX and `GET /api/v1/reports/summary` all print `workflows.reports.summary`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from api.deps import NowDep, PagePrincipal, SessionDep
from api.templating import render
from models import ALL_CASES_ROLES, Role, Unit
from models.settings import get_settings
from workflows import exports
from workflows import reports as rep
from workflows.calendar import vn_today
from workflows.errors import Forbidden
from workflows.i18n import label
from workflows.visits import book

router = APIRouter()
FromQ = Annotated[date | None, Query(alias="from", description="Ngày bắt đầu kỳ (YYYY-MM-DD)")]
ToQ = Annotated[date | None, Query(alias="to", description="Ngày kết thúc kỳ (YYYY-MM-DD)")]


def default_period(today: date, start: date | None, end: date | None) -> tuple[date, date]:
    """Without a period, the current quarter up to today (reports are due quarterly)."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return start or quarter_start, end or today


def _require_reports(principal: PagePrincipal) -> None:
    if principal.role not in ALL_CASES_ROLES:
        raise Forbidden("Báo cáo dành cho Văn phòng Sở và Lãnh đạo Sở.")


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _summary(session: SessionDep, now: NowDep, start: date | None, end: date | None, unit: str) -> rep.Summary:
    today = vn_today(now)
    start, end = default_period(today, start, end)
    return rep.summary(session, start, end, unit_code=unit or None, today=today)


@router.get("/reports")
def reports_page(request: Request, principal: PagePrincipal, session: SessionDep, now: NowDep,
                 start: FromQ = None, end: ToQ = None, unit: str = "") -> Response:
    _require_reports(principal)
    s = _summary(session, now, start, end, unit)
    header, body = rep.table(s, lambda k: label("kind", k))
    sat_header, sat_body = rep.satisfaction_table(s)
    units = session.exec(select(Unit).where(col(Unit.active).is_(True)).order_by(col(Unit.code))).all()
    qs = f"from={s.start.isoformat()}&to={s.end.isoformat()}" + (f"&unit={s.unit_code}" if s.unit_code else "")
    return render(request, "staff/reports.html", {
        "s": s, "header": header, "body": body, "sat_header": sat_header, "sat_body": sat_body, "units": units,
        "qs": qs, "kinds": [r.kind for r in s.rows],
    })


@router.get("/reports/summary.csv")
def summary_csv(principal: PagePrincipal, session: SessionDep, now: NowDep, start: FromQ = None, end: ToQ = None,
                unit: str = "") -> Response:
    _require_reports(principal)
    s = _summary(session, now, start, end, unit)
    return _download(exports.summary_csv(s), "text/csv; charset=utf-8",
                     f"bao-cao-{s.start.isoformat()}-{s.end.isoformat()}.csv")


@router.get("/reports/summary.xlsx")
def summary_xlsx(principal: PagePrincipal, session: SessionDep, now: NowDep, start: FromQ = None, end: ToQ = None,
                 unit: str = "") -> Response:
    _require_reports(principal)
    s = _summary(session, now, start, end, unit)
    return _download(exports.summary_xlsx(s, get_settings().agency_name), exports.XLSX_TYPE,
                     f"bao-cao-{s.start.isoformat()}-{s.end.isoformat()}.xlsx")


@router.get("/reports/reception-book.xlsx")
def reception_book(principal: PagePrincipal, session: SessionDep, now: NowDep, start: FromQ = None,
                   end: ToQ = None) -> Response:
    """Sổ tiếp công dân for the period."""
    start, end = default_period(vn_today(now), start, end)
    rep.check_period(start, end)
    lines = book(session, principal, start, end, limit=exports.MAX_BOOK_ROWS)
    return _download(exports.reception_book_xlsx(lines, start, end, get_settings().agency_name), exports.XLSX_TYPE,
                     f"so-tiep-cong-dan-{start.isoformat()}-{end.isoformat()}.xlsx")


@router.get("/reports/petition-book.xlsx")
def petition_book(principal: PagePrincipal, session: SessionDep, now: NowDep, start: FromQ = None,
                  end: ToQ = None, unit: str = "") -> Response:
    """Sổ theo dõi xử lý đơn: every reader gets the cases in their scope, identity by role."""
    if principal.role == Role.admin:
        raise Forbidden("Quản trị hệ thống không xem nội dung hồ sơ.")
    start, end = default_period(vn_today(now), start, end)
    rep.check_period(start, end)
    lines = exports.petition_lines(session, principal, start, end, rep.unit_id_of(session, unit))
    return _download(exports.petition_book_xlsx(lines, start, end, get_settings().agency_name), exports.XLSX_TYPE,
                     f"so-theo-doi-xu-ly-don-{start.isoformat()}-{end.isoformat()}.xlsx")
