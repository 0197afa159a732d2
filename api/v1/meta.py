"""Health, reference data and the offline API documentation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlalchemy import text
from sqlmodel import col, select

from api.deps import ApiPrincipal, SessionDep
from api.v1.common import errors
from models import Category, Unit
from models.schemas import CategoryOut, UnitOut
from workflows.errors import NotFound

router = APIRouter()


@router.get("/health", tags=["system"], responses=errors(503))
def health(session: SessionDep) -> dict[str, Any]:
    """Dịch vụ và cơ sở dữ liệu hoạt động bình thường."""
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return {"status": "ok", "database": session.get_bind().dialect.name}


@router.get("/api/v1/units", tags=["reference"], response_model=list[UnitOut],
            responses=errors(401, 403, 429))
def units(session: SessionDep, principal: ApiPrincipal) -> list[dict[str, Any]]:
    """Các đơn vị của cơ quan."""
    rows = session.exec(select(Unit).where(col(Unit.active).is_(True)).order_by(col(Unit.id))).all()
    codes = {u.id: u.code for u in rows}
    return [{"id": u.id, "code": u.code, "name": u.name, "parent": codes.get(u.parent_id)} for u in rows]


def _category_out(c: Category, units: dict[int | None, str]) -> dict[str, Any]:
    return {"code": c.code, "name": c.name, "name_en": c.name_en, "description": c.description,
            "default_unit": units.get(c.default_unit_id)}


@router.get("/api/v1/categories", tags=["reference"], response_model=list[CategoryOut],
            responses=errors(401, 403, 429))
def categories(session: SessionDep, principal: ApiPrincipal) -> list[dict[str, Any]]:
    """Các lĩnh vực tiếp nhận đơn (cũng là các dịch vụ Open311)."""
    rows = session.exec(select(Category).where(col(Category.active).is_(True)).order_by(col(Category.code))).all()
    units = dict(session.exec(select(Unit.id, Unit.code)).all())  # type: ignore[arg-type]
    return [_category_out(c, units) for c in rows]


@router.get("/api/v1/categories/{code}", tags=["reference"], response_model=CategoryOut,
            responses=errors(401, 403, 404, 422, 429))
def category(
    code: Annotated[str, Path(max_length=32, description="Mã lĩnh vực", examples=["TM"])],
    session: SessionDep, principal: ApiPrincipal,
) -> dict[str, Any]:
    """Một lĩnh vực, với đơn vị xử lý mặc định."""
    row = session.exec(select(Category).where(Category.code == code, col(Category.active).is_(True))).first()
    if row is None:
        raise NotFound(f"Không có lĩnh vực mã '{code}'.")
    unit = session.get(Unit, row.default_unit_id) if row.default_unit_id else None
    return _category_out(row, {row.default_unit_id: unit.code} if unit else {})
