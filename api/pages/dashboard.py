"""The office and director dashboard (bảng điều hành): what is late, what is at risk, who is on time."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import CalendarDep, NowDep, PagePrincipal, SessionDep
from api.pages.charts import KIND_COLOURS, intake_chart, rate_chart
from api.templating import render
from models import ALL_CASES_ROLES
from workflows import dashboard as dash
from workflows.calendar import vn_today
from workflows.errors import Forbidden
from workflows.i18n import label
from workflows.reports import KINDS
from workflows.risk import REASON_LABELS

router = APIRouter()


@router.get("/dashboard")
def dashboard(request: Request, principal: PagePrincipal, session: SessionDep, now: NowDep,
              cal: CalendarDep) -> Response:
    if principal.role not in ALL_CASES_ROLES:
        raise Forbidden("Bảng điều hành dành cho Văn phòng Sở và Lãnh đạo Sở.")
    today = vn_today(now)
    units = dash.unit_rates(session, today, cal)
    weeks = dash.intake_by_week(session, today)
    kind_label = {k: label("kind", k) for k in KINDS}
    return render(request, "staff/dashboard.html", {
        "today": today, "h": dash.headline(session, today, cal), "units": units, "weeks": weeks,
        "intake_chart": intake_chart(weeks, kind_label), "rate_chart": rate_chart(units),
        "kinds": KINDS, "colours": KIND_COLOURS,
        "missing_months": dash.months_without_reception(session, today),
        "risks": dash.risk_list(session, today, cal), "reason_labels": REASON_LABELS,
    })
