"""Health, reference data and the offline API documentation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text
from sqlmodel import col, select

from api.deps import ApiPrincipal, SessionDep
from api.v1.common import errors
from models import Category, Unit
from models.schemas import UnitOut

router = APIRouter()


@router.get("/health", tags=["system"], responses=errors(503))
def health(session: SessionDep) -> dict[str, Any]:
    """Dịch vụ và cơ sở dữ liệu hoạt động bình thường."""
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return {"status": "ok", "database": session.get_bind().dialect.name}


@router.get("/api/v1/units", tags=["reference"], response_model=list[UnitOut], responses=errors(401, 403))
def units(session: SessionDep, principal: ApiPrincipal) -> list[dict[str, Any]]:
    """Các đơn vị của cơ quan."""
    rows = session.exec(select(Unit).where(col(Unit.active).is_(True)).order_by(col(Unit.id))).all()
    codes = {u.id: u.code for u in rows}
    return [{"id": u.id, "code": u.code, "name": u.name, "parent": codes.get(u.parent_id)} for u in rows]


@router.get("/api/v1/categories", tags=["reference"], responses=errors(401, 403))
def categories(session: SessionDep, principal: ApiPrincipal) -> list[dict[str, Any]]:
    """Các lĩnh vực tiếp nhận đơn."""
    rows = session.exec(select(Category).where(col(Category.active).is_(True)).order_by(col(Category.code))).all()
    return [{"code": c.code, "name": c.name, "name_en": c.name_en, "description": c.description} for c in rows]
