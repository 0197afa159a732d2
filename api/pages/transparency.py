"""Công khai: the public transparency page (no login, no personal data at all).

Publishing the results of handling petitions is part of the PAPI plan (transparency and
vertical accountability) and of Luật Tiếp công dân 2013 art. 14 on public information.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import NowDep, SessionDep
from api.templating import render
from workflows import transparency as pub
from workflows.calendar import vn_today
from workflows.reports import satisfaction

router = APIRouter()


@router.get("/transparency")
def transparency(request: Request, session: SessionDep, now: NowDep, year: int | None = None) -> Response:
    today = vn_today(now)
    year = year if year and 2000 <= year <= today.year else today.year
    counts = pub.public_counts(session, year)
    return render(request, "public/transparency.html", {
        "year": year, "years": list(range(today.year, today.year - 5, -1)), "counts": counts,
        "total": {k: sum(c[k] for c in counts.values()) for k in ("received", "finished", "open")},
        "by_unit": pub.resolution_rate_by_unit(session, year),
        "by_quarter": pub.resolution_rate_by_quarter(session, year),
        "results": pub.public_results(session),
        "satisfaction": satisfaction(session, date(year, 1, 1), date(year, 12, 31)),
    })
