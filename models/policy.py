"""Deadline policies, the holiday calendar's overrides and the escalation ladder."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class PolicyRule(SQLModel, table=True):
    """One row of the deadline table (DESIGN.md §4), versioned by `effective_from`.

    The rule in force on the date of receipt applies: the newest row with
    `effective_from <= received_on` for the same (kind, clock, round, variant).
    """

    __tablename__ = "policy_rule"
    __table_args__ = (
        UniqueConstraint("kind", "clock", "round", "variant", "effective_from"),
        Index("ix_policy_rule_lookup", "kind", "clock", "variant", "effective_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    clock: str = Field(max_length=20)  # acceptance | resolution | extension | limitation
    round: int = 0  # 0 = any round; 1 or 2 for complaints
    variant: str = Field(default="normal", max_length=30)
    period: int
    unit: str = Field(max_length=20)
    effective_from: date
    basis: str = Field(max_length=500)


class HolidayOverride(SQLModel, table=True):
    """The admin's change to the `holidays` package calendar: a day off or a working day."""

    __tablename__ = "holiday_override"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    working: bool  # True: a make-up working day; False: a day off
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EscalationRule(SQLModel, table=True):
    """One rung of the editable ladder (DESIGN.md §5)."""

    __tablename__ = "escalation_rule"

    id: int | None = Field(default=None, primary_key=True)
    level: str = Field(max_length=20, unique=True)
    threshold: int = 0  # working days (due_soon: left; escalation_risk: overdue by)
    notify: str = Field(max_length=200)  # comma list: assignee,unit_head,office,director
    email: bool = True
    active: bool = True
