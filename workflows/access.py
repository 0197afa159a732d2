"""The one place that decides who may see which case (DESIGN.md §6, STYLE.md rule 7).

Every list, look-up, export and API call starts from `readable_cases`. A case outside a
principal's scope is reported as not found (404), never as forbidden, so that tracking
codes cannot be probed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models import ALL_CASES_ROLES, IDENTITY_ROLES, Case, Kind, Role
from workflows.auth import Principal
from workflows.errors import NotFound

REDACTED = "[bảo mật]"


def scope_condition(principal: Principal) -> Any:
    """WHERE clause limiting `case` rows to what the principal may read."""
    if principal.api_key is not None:
        # Other systems read status and figures; personal data is redacted for them.
        return true() if principal.has_scope("cases:read") else false()
    user = principal.user
    if user is None or not user.active:
        return false()
    if user.role in ALL_CASES_ROLES:
        return true()
    if user.role in (Role.officer, Role.unit_head):
        return col(Case.unit_id) == user.unit_id
    if user.role == Role.reception:
        return col(Case.created_by_id) == user.id
    return false()  # admin: no case content by default


def readable_cases(principal: Principal) -> SelectOfScalar[Case]:
    return select(Case).where(scope_condition(principal))


def get_readable_case(session: Session, principal: Principal, tracking_code: str, *, for_update: bool = False) -> Case:
    stmt = readable_cases(principal).where(col(Case.tracking_code) == tracking_code.strip().upper())
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    case = session.exec(stmt).first()
    if case is None:
        raise NotFound()
    return case


def can_see_identity(principal: Principal, case: Case) -> bool:
    """A denunciator's identity is for reception, the office and the director only
    (Luật Tố cáo 2018 art. 47: bảo vệ người tố cáo; DESIGN.md §6)."""
    if principal.user is None:
        return False
    if case.kind == Kind.denunciation:
        return principal.user.role in IDENTITY_ROLES
    return principal.user.role != Role.admin

