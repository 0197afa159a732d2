"""Administration pages: staff accounts, units, categories and API keys (admin role only).

The administrator never sees case content (DESIGN.md §6): nothing here reads a case.
Policies, holidays and the escalation ladder have their own pages (/admin/policies,
/admin/holidays, /admin/ladder). Every form carries the CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import CsrfChecked, FormDep, NowDep, PageUser, SessionDep
from api.pages.forms import checkbox
from api.templating import render
from models import ApiKey, Category, Role, Unit, User
from workflows import orgadmin
from workflows.auth import KNOWN_SCOPES, create_api_key, create_user, revoke_api_key
from workflows.errors import DomainError, Forbidden

router = APIRouter(prefix="/admin")


def admin_user(user: PageUser) -> User:
    if user.role != Role.admin:
        raise Forbidden("Chỉ quản trị hệ thống được dùng trang này.")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def _text(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return str(value).strip()[:limit] if isinstance(value, str) else ""


def _units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(col(Unit.name))).all())


def _done(path: str, message: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(f"{path}?message={quote(message)}", status_code=303)


def _attempt(request: Request, session: Session, page: Callable[..., Response],
             work: Callable[[], Response]) -> Response:
    """Run a change; on a rule's refusal show the same page again with the message."""
    try:
        return work()
    except DomainError as exc:
        session.rollback()
        return page(error=str(exc.detail), status_code=exc.status)


@router.get("")
def home(request: Request, admin: AdminUser) -> Response:
    return render(request, "admin/home.html")


# --- users ---------------------------------------------------------------------------------


@router.get("/users")
def users(request: Request, admin: AdminUser, session: SessionDep, message: str = "") -> Response:
    return _users_page(request, session, message=message[:200])


def _users_page(request: Request, session: Session, *, status_code: int = 200, **extra: Any) -> Response:
    rows = session.exec(select(User).order_by(col(User.active).desc(), col(User.username))).all()
    units = _units(session)
    names = {u.id: u.name for u in units}
    return render(request, "admin/users.html", {
        "rows": rows, "units": units, "unit_names": names, "roles": list(Role), **extra,
    }, status_code=status_code)


@router.post("/users", dependencies=[CsrfChecked])
def user_create(request: Request, form: FormDep, admin: AdminUser, session: SessionDep, now: NowDep) -> Response:
    def work() -> Response:
        unit_code = _text(form, "unit", 32)
        user = create_user(
            session, username=_text(form, "username", 64), password=_text(form, "password", 200),
            full_name=_text(form, "full_name"), role=_text(form, "role", 20),
            unit_id=orgadmin._unit_id(session, unit_code), email=_text(form, "email"),
        )
        orgadmin.audit(session, admin, "user.create", now, user=user.username, role=user.role)
        return _done("/admin/users", f"Đã tạo tài khoản {user.username}.")

    return _attempt(request, session, lambda **kw: _users_page(request, session, form=dict(form), **kw), work)


@router.post("/users/{user_id}", dependencies=[CsrfChecked])
def user_update(request: Request, user_id: int, form: FormDep, admin: AdminUser, session: SessionDep,
                now: NowDep) -> Response:
    def work() -> Response:
        user = orgadmin.update_user(session, admin, user_id, full_name=_text(form, "full_name"),
                                    email=_text(form, "email"), role=_text(form, "role", 20),
                                    unit_code=_text(form, "unit", 32), now=now)
        return _done("/admin/users", f"Đã cập nhật tài khoản {user.username}.")

    return _attempt(request, session, lambda **kw: _users_page(request, session, **kw), work)


@router.post("/users/{user_id}/active", dependencies=[CsrfChecked])
def user_active(request: Request, user_id: int, form: FormDep, admin: AdminUser, session: SessionDep,
                now: NowDep) -> Response:
    def work() -> Response:
        active = checkbox(form, "active")
        user = orgadmin.set_active(session, admin, user_id, active, now)
        verb = "Đã mở lại" if active else "Đã khoá"
        return _done("/admin/users", f"{verb} tài khoản {user.username}.")

    return _attempt(request, session, lambda **kw: _users_page(request, session, **kw), work)


@router.post("/users/{user_id}/password", dependencies=[CsrfChecked])
def user_password(request: Request, user_id: int, admin: AdminUser, session: SessionDep, now: NowDep) -> Response:
    def work() -> Response:
        user, temporary = orgadmin.reset_password(session, admin, user_id, now)
        # Rendered, not redirected: the temporary password must not travel in a URL.
        return _users_page(request, session, reset_user=user.username, temporary=temporary)

    return _attempt(request, session, lambda **kw: _users_page(request, session, **kw), work)


# --- units and categories -----------------------------------------------------------------


def _units_page(request: Request, session: Session, *, status_code: int = 200, **extra: Any) -> Response:
    return render(request, "admin/units.html", {"rows": _units(session), **extra}, status_code=status_code)


@router.get("/units")
def units(request: Request, admin: AdminUser, session: SessionDep, message: str = "") -> Response:
    return _units_page(request, session, message=message[:200])


@router.post("/units", dependencies=[CsrfChecked])
@router.post("/units/{unit_id}", dependencies=[CsrfChecked])
def unit_save(request: Request, form: FormDep, admin: AdminUser, session: SessionDep, now: NowDep,
              unit_id: int | None = None) -> Response:
    def work() -> Response:
        unit = orgadmin.save_unit(session, admin, unit_id=unit_id, code=_text(form, "code", 32),
                                  name=_text(form, "name"), name_en=_text(form, "name_en"),
                                  email=_text(form, "email"),
                                  active=checkbox(form, "active") if unit_id else True, now=now)
        return _done("/admin/units", f"Đã lưu đơn vị {unit.name}.")

    return _attempt(request, session, lambda **kw: _units_page(request, session, form=dict(form), **kw), work)


def _categories_page(request: Request, session: Session, *, status_code: int = 200, **extra: Any) -> Response:
    rows = session.exec(select(Category).order_by(col(Category.name))).all()
    units = _units(session)
    return render(request, "admin/categories.html", {
        "rows": rows, "units": units, "unit_codes": {u.id: u.code for u in units}, **extra,
    }, status_code=status_code)


@router.get("/categories")
def categories(request: Request, admin: AdminUser, session: SessionDep, message: str = "") -> Response:
    return _categories_page(request, session, message=message[:200])


@router.post("/categories", dependencies=[CsrfChecked])
@router.post("/categories/{category_id}", dependencies=[CsrfChecked])
def category_save(request: Request, form: FormDep, admin: AdminUser, session: SessionDep, now: NowDep,
                  category_id: int | None = None) -> Response:
    def work() -> Response:
        cat = orgadmin.save_category(session, admin, category_id=category_id, code=_text(form, "code", 32),
                                     name=_text(form, "name"), name_en=_text(form, "name_en"),
                                     default_unit=_text(form, "default_unit", 32),
                                     active=checkbox(form, "active") if category_id else True, now=now)
        return _done("/admin/categories", f"Đã lưu lĩnh vực {cat.name}.")

    return _attempt(request, session, lambda **kw: _categories_page(request, session, form=dict(form), **kw), work)


# --- API keys -------------------------------------------------------------------------------


def _keys_page(request: Request, session: Session, *, status_code: int = 200, **extra: Any) -> Response:
    rows = session.exec(select(ApiKey).order_by(col(ApiKey.revoked_at).is_not(None), col(ApiKey.id).desc())).all()
    return render(request, "admin/api_keys.html", {"rows": rows, "scopes": KNOWN_SCOPES, **extra},
                  status_code=status_code)


@router.get("/api-keys")
def api_keys(request: Request, admin: AdminUser, session: SessionDep, message: str = "") -> Response:
    return _keys_page(request, session, message=message[:200])


@router.post("/api-keys", dependencies=[CsrfChecked])
def api_key_create(request: Request, form: FormDep, admin: AdminUser, session: SessionDep, now: NowDep) -> Response:
    def work() -> Response:
        name = _text(form, "name")
        if not name:
            from workflows.errors import Invalid

            raise Invalid("Vui lòng đặt tên cho khoá API (hệ thống nào dùng khoá này).")
        scopes = [str(s) for s in form.getlist("scopes")]
        plain, key = create_api_key(session, name, scopes)
        orgadmin.audit(session, admin, "api_key.create", now, name=name, prefix=key.prefix, scopes=scopes)
        session.flush()
        # Rendered, not redirected: the key is shown this once and never stored in clear.
        return _keys_page(request, session, new_key=plain, new_key_name=name)

    return _attempt(request, session, lambda **kw: _keys_page(request, session, **kw), work)


@router.post("/api-keys/{key_id}/revoke", dependencies=[CsrfChecked])
def api_key_revoke(request: Request, key_id: int, admin: AdminUser, session: SessionDep, now: NowDep) -> Response:
    def work() -> Response:
        key = revoke_api_key(session, key_id, now)
        orgadmin.audit(session, admin, "api_key.revoke", now, name=key.name, prefix=key.prefix)
        return _done("/admin/api-keys", f"Đã thu hồi khoá {key.name}.")

    return _attempt(request, session, lambda **kw: _keys_page(request, session, **kw), work)
