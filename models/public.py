"""What citizens give back and the reception books the law asks agencies to keep."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class SurveyResponse(SQLModel, table=True):
    """Satisfaction with a resolved case; one per case."""

    __tablename__ = "survey_response"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True)
    timeliness: int
    attitude: int
    result: int
    overall: int
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReceptionVisit(SQLModel, table=True):
    """A line of the citizen reception book (sổ tiếp công dân), petition or not."""

    __tablename__ = "reception_visit"

    id: int | None = Field(default=None, primary_key=True)
    visited_on: date = Field(index=True)
    received_by_id: int | None = Field(default=None, foreign_key="user.id")
    visitor_name: str = Field(max_length=200)
    id_number: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=500)
    headcount: int = 1
    content: str = Field(sa_column=Column(Text, nullable=False))
    guidance: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReceptionSchedule(SQLModel, table=True):
    """The leaders' reception schedule (lịch tiếp công dân; Luật Tiếp công dân art. 18)."""

    __tablename__ = "reception_schedule"

    id: int | None = Field(default=None, primary_key=True)
    held_on: date = Field(index=True)
    leader_name: str = Field(max_length=200)
    leader_title: str = Field(default="", max_length=200)
    location: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=1000)
