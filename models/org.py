"""The organisation: units, staff, categories, sessions and system keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Unit(SQLModel, table=True):
    """A department of the agency (phòng, trung tâm); units may nest."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    email: str = Field(default="", max_length=200)
    active: bool = True


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=200)
    email: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=300)
    role: str = Field(max_length=20, index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True
    language: str = Field(default="vi", max_length=5)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Category(SQLModel, table=True):
    """A subject area (lĩnh vực); also an Open311 service."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=1000)
    default_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    active: bool = True


class StaffSession(SQLModel, table=True):
    """A server-side login session; the browser cookie and bearer tokens hold only its token.

    The row stores a hash of the token so that a copy of the database cannot be used to log in.
    """

    __tablename__ = "staff_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the token
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(default="web", max_length=10)  # web | api
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """Failed logins and PIN look-ups, counted per account and per address for throttling."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    """A key for another system; only a hash is stored, the key is shown once."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=12)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(default="", max_length=500)  # comma list: cases:read,cases:write,reports:read
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s.strip() for s in self.scopes.split(",") if s.strip())


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a write sent with an `Idempotency-Key`; retries get it back."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=100)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: str = Field(sa_column=Column(String, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditLog(SQLModel, table=True):
    """Administrative changes (users, policies, calendar) that are not events of one case."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=64)
    detail: str = Field(default="", sa_column=Column(String, nullable=False, server_default=""))
