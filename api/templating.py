"""Jinja2 pages: Vietnamese first, English through the gettext catalogue."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import CSRF_COOKIE, LANG_COOKIE, csrf_token_for, language
from models.settings import get_settings
from workflows.calendar import VN_TZ
from workflows.i18n import label, translations

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _fmt_date(value: date | datetime | str | None, lang: str = "vi") -> str:
    """dd/mm/yyyy, the way Vietnamese documents write dates; ISO strings (event data) too."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        local = value.astimezone(VN_TZ)
        return local.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


templates.env.filters["d"] = _fmt_date


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    tr = translations(lang)
    user = getattr(request.state, "user", None)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "_": tr.gettext,
        "L": lambda group, value: label(group, value, lang),
        "user": user,
        "csrf_token": csrf_token_for(request),
        "demo": get_settings().demo,
        "agency": get_settings().agency_name,
        "unread": getattr(request.state, "unread", 0),
        # The language switch keeps the page's own query (filters, page number).
        "lang_qs": lambda code: urlencode({**request.query_params, "lang": code}),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    if request.query_params.get("lang") in ("vi", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax",
                            secure=request.url.scheme == "https")
    return response
