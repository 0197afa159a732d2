"""Admin pages for deadline policies, the holiday calendar and the due-date preview (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import CalendarDep, CsrfChecked, FormDep, NowDep, PageUser, SessionDep
from api.templating import render
from models import Kind, Role, User
from workflows.calendar import vn_today
from workflows.calendar_admin import add_override, list_overrides, remove_override
from workflows.errors import DomainError, Forbidden, Invalid
from workflows.policy_admin import add_rule_version, list_rules, preview

router = APIRouter()
UPCOMING_DAYS = 400


def admin_user(user: PageUser) -> User:
    if user.role != Role.admin:
        raise Forbidden("Trang này chỉ dành cho quản trị viên hệ thống (chính sách thời hạn, lịch ngày nghỉ).")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Invalid(f"{name} không hợp lệ (định dạng ngày/tháng/năm).") from None


def _int(value: Any, name: str) -> int:
    try:
        return int(str(value or "").strip())
    except ValueError:
        raise Invalid(f"{name} phải là số nguyên.") from None


def _done(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?message={quote(message)}", status_code=303)


@router.get("/admin/policies")
def policies_page(request: Request, user: AdminUser, session: SessionDep, now: NowDep, message: str = "",
                  error: str = "", status_code: int = 200) -> Response:
    return render(request, "admin/policies.html", {
        "rules": list_rules(session), "today": vn_today(now).isoformat(), "message": message[:200], "error": error,
    }, status_code=status_code)


@router.post("/admin/policies", dependencies=[CsrfChecked])
def add_policy_version(request: Request, form: FormDep, user: AdminUser, session: SessionDep,
                       now: NowDep) -> Response:
    try:
        add_rule_version(session, user, _int(form.get("base_id"), "Quy định"),
                         period=_int(form.get("period"), "Thời hạn"),
                         effective_from=_date(form.get("effective_from"), "Ngày hiệu lực"),
                         basis=str(form.get("basis") or ""), unit=str(form.get("unit") or "") or None, now=now)
    except DomainError as exc:
        session.rollback()
        return policies_page(request, user, session, now, error=str(exc.detail), status_code=exc.status)
    return _done("/admin/policies", "Đã thêm phiên bản mới của quy định.")


@router.get("/admin/calendar")
def calendar_page(request: Request, user: AdminUser, session: SessionDep, now: NowDep, cal: CalendarDep,
                  message: str = "", error: str = "", status_code: int = 200) -> Response:
    today = vn_today(now)
    overrides = list_overrides(session)
    names = {o.day: o.name for o in overrides}
    upcoming = [(day, names.get(day, name)) for day, name in cal.off_days(today, today + timedelta(days=UPCOMING_DAYS))]
    return render(request, "admin/calendar.html", {
        "overrides": overrides,
        "upcoming": upcoming,
        "today": today.isoformat(), "message": message[:200], "error": error,
    }, status_code=status_code)


@router.post("/admin/calendar/overrides", dependencies=[CsrfChecked])
def add_calendar_override(request: Request, form: FormDep, user: AdminUser, session: SessionDep, now: NowDep,
                          cal: CalendarDep) -> Response:
    try:
        moved = add_override(session, user, day=_date(form.get("day"), "Ngày"),
                             working=form.get("working") == "1", name=str(form.get("name") or ""), now=now)
    except DomainError as exc:
        session.rollback()
        return calendar_page(request, user, session, now, cal, error=str(exc.detail), status_code=exc.status)
    return _done("/admin/calendar", f"Đã lưu ngày điều chỉnh; {len(moved)} hồ sơ được tính lại hạn.")


@router.post("/admin/calendar/overrides/{override_id}/delete", dependencies=[CsrfChecked])
def delete_calendar_override(request: Request, override_id: int, user: AdminUser, session: SessionDep,
                             now: NowDep) -> Response:
    moved = remove_override(session, user, override_id, now=now)
    return _done("/admin/calendar", f"Đã xoá ngày điều chỉnh; {len(moved)} hồ sơ được tính lại hạn.")


@router.get("/admin/policies/preview")
def preview_page(request: Request, user: AdminUser, session: SessionDep, now: NowDep, cal: CalendarDep,
                 kind: str = "", round: str = "1", received_on: str = "", accepted_on: str = "",
                 complex: str = "", remote_area: str = "", several_places: str = "") -> Response:
    form = {"kind": kind, "round": round, "received_on": received_on or vn_today(now).isoformat(),
            "accepted_on": accepted_on, "complex": bool(complex), "remote_area": bool(remote_area),
            "several_places": bool(several_places)}
    result, error, status = None, "", 200
    if kind:
        try:
            p = preview(session, cal, kind=kind, round=_int(round, "Lần khiếu nại"),
                        received_on=_date(received_on, "Ngày nhận đơn"),
                        accepted_on=_date(accepted_on, "Ngày thụ lý") if accepted_on else None,
                        complex_=bool(complex), remote_area=bool(remote_area),
                        several_places=bool(several_places))
            result = asdict(p)
        except DomainError as exc:
            error, status = str(exc.detail), exc.status
    return render(request, "admin/preview.html", {"form": form, "kinds": list(Kind), "result": result,
                                                  "error": error}, status_code=status)
