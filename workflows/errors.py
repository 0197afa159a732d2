"""Domain errors carry an HTTP-ish status; one handler renders them as JSON, another as HTML."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, detail: Any, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail if isinstance(detail, str) else repr(detail))
        self.detail = detail
        self.headers = headers or {}


class NotFound(DomainError):
    status = 404

    def __init__(self, detail: Any = "Không tìm thấy hồ sơ.", **kw: Any) -> None:
        super().__init__(detail, **kw)


class Forbidden(DomainError):
    status = 403


class Unauthorized(DomainError):
    status = 401


class Conflict(DomainError):
    """An illegal move or a stale version: reload and try again."""

    status = 409


class Invalid(DomainError):
    status = 422


class TooLarge(DomainError):
    status = 413


class UnsupportedType(DomainError):
    status = 415


class TooMany(DomainError):
    status = 429


class Unavailable(DomainError):
    status = 503
