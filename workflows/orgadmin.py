"""Keeping the organisation up to date: staff accounts, units and categories.

The administrator (quản trị) manages who works here and how petitions are routed, but sees
no case content (DESIGN.md §6). Every change is written to `audit_log`, because an account
change is how a leak or a lost file would begin.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from models import AuditLog, Category, Role, StaffSession, Unit, User
from workflows.auth import hash_password
from workflows.errors import Invalid, NotFound

CODE_RE = re.compile(r"^[A-Z0-9_.-]{1,32}$")
#: Roles that must belong to a unit: their case scope is the unit's (workflows/access.py).
UNIT_ROLES = frozenset({Role.officer, Role.unit_head})


def audit(session: Session, actor: User | None, action: str, now: datetime, **detail: Any) -> None:
    session.add(AuditLog(at=now, user_id=actor.id if actor else None, action=action,
                         detail=json.dumps(detail, ensure_ascii=False, default=str)))


def _end_sessions(session: Session, user_id: int) -> None:
    """A deactivated account or a reset password must not keep a logged-in browser."""
    session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user_id))


def _unit_id(session: Session, code: str) -> int | None:
    if not code:
        return None
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise Invalid(f"Không có đơn vị mã '{code}'.")
    return unit.id


def _check_role(role: str, unit_id: int | None) -> None:
    if role not in Role.__members__:
        raise Invalid(f"Vai trò không hợp lệ: {role}.")
    if role in UNIT_ROLES and unit_id is None:
        raise Invalid("Chuyên viên và lãnh đạo phòng phải thuộc một đơn vị.")


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return user


def update_user(session: Session, actor: User, user_id: int, *, full_name: str, email: str, role: str,
                unit_code: str, now: datetime) -> User:
    user = get_user(session, user_id)
    unit_id = _unit_id(session, unit_code)
    _check_role(role, unit_id)
    if user.id == actor.id and role != Role.admin:
        raise Invalid("Không thể tự bỏ vai trò quản trị của chính mình.")
    if not full_name.strip():
        raise Invalid("Vui lòng nhập họ và tên.")
    before = {"role": user.role, "unit_id": user.unit_id}
    user.full_name, user.email, user.role, user.unit_id = full_name.strip(), email.strip(), role, unit_id
    session.add(user)
    if before != {"role": role, "unit_id": unit_id}:
        _end_sessions(session, user_id)  # a new scope starts with a new login
    audit(session, actor, "user.update", now, user=user.username, before=before, role=role, unit_id=unit_id)
    session.flush()
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool, now: datetime) -> User:
    user = get_user(session, user_id)
    if user.id == actor.id and not active:
        raise Invalid("Không thể tự khoá tài khoản đang dùng.")
    user.active = active
    session.add(user)
    if not active:
        _end_sessions(session, user_id)
    audit(session, actor, "user.activate" if active else "user.deactivate", now, user=user.username)
    session.flush()
    return user


def reset_password(session: Session, actor: User, user_id: int, now: datetime) -> tuple[User, str]:
    """A temporary password, shown once to the administrator; the user's sessions end."""
    user = get_user(session, user_id)
    temporary = secrets.token_urlsafe(9)
    user.password_hash = hash_password(temporary)
    session.add(user)
    _end_sessions(session, user_id)
    audit(session, actor, "user.reset_password", now, user=user.username)
    session.flush()
    return user, temporary


def save_unit(session: Session, actor: User, *, unit_id: int | None, code: str, name: str, name_en: str,
              email: str, active: bool, now: datetime) -> Unit:
    code = code.strip().upper()
    if not name.strip():
        raise Invalid("Vui lòng nhập tên đơn vị.")
    if unit_id is None:
        if not CODE_RE.match(code):
            raise Invalid("Mã đơn vị chỉ gồm chữ in hoa không dấu, số, dấu gạch (tối đa 32 ký tự).")
        if session.exec(select(Unit).where(Unit.code == code)).first():
            raise Invalid(f"Mã đơn vị '{code}' đã tồn tại.")
        unit = Unit(code=code, name=name.strip())
    else:
        found = session.get(Unit, unit_id)
        if found is None:
            raise NotFound("Không tìm thấy đơn vị.")
        unit = found
    unit.name, unit.name_en, unit.email, unit.active = name.strip(), name_en.strip(), email.strip(), active
    session.add(unit)
    session.flush()
    audit(session, actor, "unit.save", now, unit=unit.code, active=active)
    return unit


def save_category(session: Session, actor: User, *, category_id: int | None, code: str, name: str,
                  name_en: str, default_unit: str, active: bool, now: datetime) -> Category:
    code = code.strip().upper()
    if not name.strip():
        raise Invalid("Vui lòng nhập tên lĩnh vực.")
    if category_id is None:
        if not CODE_RE.match(code):
            raise Invalid("Mã lĩnh vực chỉ gồm chữ in hoa không dấu, số, dấu gạch (tối đa 32 ký tự).")
        if session.exec(select(Category).where(Category.code == code)).first():
            raise Invalid(f"Mã lĩnh vực '{code}' đã tồn tại.")
        cat = Category(code=code, name=name.strip())
    else:
        found = session.get(Category, category_id)
        if found is None:
            raise NotFound("Không tìm thấy lĩnh vực.")
        cat = found
    cat.name, cat.name_en, cat.active = name.strip(), name_en.strip(), active
    cat.default_unit_id = _unit_id(session, default_unit)
    session.add(cat)
    session.flush()
    audit(session, actor, "category.save", now, category=cat.code, active=active)
    return cat
