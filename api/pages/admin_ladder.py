"""/admin/ladder: the admin edits the escalation ladder (DESIGN.md §5: "the default ladder, editable")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import CsrfChecked, FormDep, NowDep, PageUser, SessionDep
from api.templating import render
from models import Role, User
from workflows.errors import DomainError, Forbidden
from workflows.escalation import RECIPIENT_KEYS, THRESHOLD_MAX, ladder_rows, update_rung

router = APIRouter()

RECIPIENT_LABELS = {
    "assignee": "Người được giao (chuyên viên; Văn phòng với thời hạn thụ lý)",
    "unit_head": "Lãnh đạo đơn vị (Văn phòng với thời hạn thụ lý)",
    "office": "Văn phòng Sở",
    "director": "Lãnh đạo Sở",
}
LEVEL_HELP = {
    "due_soon": "Còn từ ngưỡng ngày làm việc trở xuống đến hạn",
    "due_today": "Hôm nay là ngày cuối cùng của thời hạn",
    "overdue": "Đã quá hạn",
    "escalation_risk": "Quá hạn từ ngưỡng ngày làm việc trở lên, đơn cấp trên chuyển, đơn gửi lại, đơn đông người; "
                       "kèm cảnh báo để quá 45 ngày chưa xử lý (Nghị định 154/2026, Điều 41)",
}


def _require_admin(user: User) -> None:
    if user.role != Role.admin:
        raise Forbidden("Chỉ quản trị hệ thống được sửa thang cảnh báo.")


def _page(request: Request, session: SessionDep, error: str = "", status_code: int = 200) -> Response:
    return render(request, "admin/ladder.html", {
        "rows": ladder_rows(session), "keys": RECIPIENT_KEYS, "key_labels": RECIPIENT_LABELS,
        "level_help": LEVEL_HELP, "threshold_max": THRESHOLD_MAX, "error": error,
        "saved": request.query_params.get("saved") == "1",
    }, status_code=status_code)


@router.get("/admin/ladder")
def ladder_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    _require_admin(user)
    return _page(request, session)


@router.post("/admin/ladder/{level}", dependencies=[CsrfChecked])
def ladder_save(request: Request, level: str, form: FormDep, user: PageUser, session: SessionDep,
                now: NowDep) -> Response:
    _require_admin(user)
    try:
        threshold = int(str(form.get("threshold") or 0))
    except ValueError:
        threshold = -1
    try:
        update_rung(session, level, threshold=threshold, notify=[str(v) for v in form.getlist("notify")],
                    email=form.get("email") == "1", active=form.get("active") == "1", actor=user, now=now)
    except DomainError as exc:
        session.rollback()
        return _page(request, session, error=str(exc.detail), status_code=exc.status)
    return RedirectResponse("/admin/ladder?saved=1", status_code=303)
