"""Staff accounts, server-side sessions, throttling and system API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, Table, bindparam, delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import ApiKey, LoginAttempt, Role, StaffSession, User
from models.settings import get_settings
from workflows.errors import Invalid, TooMany, Unauthorized

# argon2id with pwdlib's recommended parameters.
_hasher = PasswordHash((Argon2Hasher(time_cost=get_settings().argon2_time_cost,
                                      memory_cost=get_settings().argon2_memory_kib),))
_DUMMY_HASH = _hasher.hash("timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bool(_hasher.verify(password, hashed))
    except Exception:
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_hash(value: str) -> str:
    """HMAC with the server secret: fast enough for every public look-up, useless without the key."""
    return hmac.new(get_settings().secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: a staff member or another system's API key."""

    user: User | None = None
    api_key: ApiKey | None = None

    @property
    def role(self) -> str:
        return self.user.role if self.user else "system"

    @property
    def key(self) -> str:
        if self.user:
            return f"user:{self.user.id}"
        return f"key:{self.api_key.id if self.api_key else 0}"

    def has_scope(self, scope: str) -> bool:
        if self.user:
            return self.user.role != Role.admin or scope.startswith("admin")
        return bool(self.api_key and scope in self.api_key.scope_set)


# --- throttling -----------------------------------------------------------------------


def check_throttle(session: Session, keys: list[str], *, limit: int, now: datetime) -> None:
    """Refuse when any key has `limit` failures in the window (per account, per address)."""
    window = timedelta(minutes=get_settings().login_window_minutes)
    for key in keys:
        count = session.exec(
            select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.key == key, LoginAttempt.at > now - window
            )
        ).one()
        if count >= limit:
            retry = int(window.total_seconds())
            raise TooMany(
                "Bạn đã thử sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
                headers={"Retry-After": str(retry)},
            )


def record_failure(session: Session, keys: list[str], now: datetime) -> None:
    for key in keys:
        session.add(LoginAttempt(key=key, at=now))
    session.flush()


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.key) == key))


def login_keys(username: str, address: str) -> list[str]:
    return [f"login:user:{username.lower()}", f"login:addr:{address}"]


def authenticate(session: Session, username: str, password: str, address: str, now: datetime) -> User:
    """Check a password, throttled per account and per address (OWASP API2)."""
    settings = get_settings()
    keys = login_keys(username, address)
    check_throttle(session, keys, limit=settings.login_max_failures, now=now)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        verify_password(password, _DUMMY_HASH)  # same time as a wrong password
    if user is None or not user.active or not verify_password(password, user.password_hash):
        # The caller records the failure in its own transaction: this one will roll back.
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.")
    clear_failures(session, keys[0])
    return user


# --- sessions ---------------------------------------------------------------------------


def open_session(session: Session, user: User, now: datetime, kind: str = "web") -> tuple[str, StaffSession]:
    """A fresh session with a new id: login always rotates the id (no session fixation)."""
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        id=token_digest(token),
        user_id=user.id or 0,
        kind=kind,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return token, row


def close_session(session: Session, token: str) -> None:
    row = session.get(StaffSession, token_digest(token))
    if row is not None:
        session.delete(row)
        session.flush()


# Built once: this runs on every authenticated request (issue 7).
# Columns, not entities: loading two ORM objects through the session cost three times the
# query itself on every authenticated request (issue 7).
_STAFF_SESSION: Table = StaffSession.__table__  # type: ignore[attr-defined]
_USER: Table = User.__table__  # type: ignore[attr-defined]
_SESSION_USER = (
    sa_select(*_STAFF_SESSION.c, *_USER.c)
    .join_from(_STAFF_SESSION, _USER, _USER.c.id == _STAFF_SESSION.c.user_id)
    .where(_STAFF_SESSION.c.id == bindparam("id"))
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)
_SESSION_KEYS = tuple(c.key for c in _STAFF_SESSION.c)
_USER_KEYS = tuple(c.key for c in _USER.c)


def resolve_session(session: Session, token: str, now: datetime, kind: str | None = None) -> tuple[User, StaffSession]:
    """The user behind a token, enforcing the idle and absolute timeouts.

    It only reads: callers refresh `last_seen_at` with `touch_session` in a write
    transaction of their own, so that a GET stays a read-only transaction. The user and
    session handed back are read-only copies, in no session: code that changes a user loads
    it with `session.get` (as `orgadmin` does).
    """
    settings = get_settings()
    # One query for the session and its user: this runs on every authenticated request.
    found = session.connection().execute(_SESSION_USER, {"id": token_digest(token)}).first()
    if found is None:
        raise Unauthorized("Phiên đăng nhập không hợp lệ hoặc đã hết hạn.")
    n = len(_SESSION_KEYS)
    row = StaffSession.model_construct(**dict(zip(_SESSION_KEYS, found[:n], strict=True)))
    user = User.model_construct(**dict(zip(_USER_KEYS, found[n:], strict=True)))
    if kind and row.kind != kind:
        raise Unauthorized("Phiên đăng nhập không hợp lệ hoặc đã hết hạn.")
    idle = timedelta(minutes=settings.session_idle_minutes)
    absolute = timedelta(hours=settings.session_absolute_hours)
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        raise Unauthorized("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.")
    if user is None or not user.active:
        raise Unauthorized("Tài khoản không còn hoạt động.")
    return user, row


def needs_touch(row: StaffSession, now: datetime) -> bool:
    """Refresh the idle timer at most once a minute so that reads rarely turn into writes."""
    return now - row.last_seen_at > timedelta(minutes=1)


def touch_session(session: Session, session_id: str, now: datetime) -> None:
    row = session.get(StaffSession, session_id)
    if row is not None:
        row.last_seen_at = now
        session.add(row)


# --- users and keys ---------------------------------------------------------------------


def create_user(
    session: Session, *, username: str, password: str, full_name: str, role: str,
    unit_id: int | None = None, email: str = "",
) -> User:
    if role not in Role.__members__:
        raise Invalid(f"Vai trò không hợp lệ: {role}. Chọn một trong: {', '.join(Role)}.")
    if len(password) < 8:
        raise Invalid("Mật khẩu phải có ít nhất 8 ký tự.")
    if session.exec(select(User).where(User.username == username)).first():
        raise Invalid(f"Tên đăng nhập '{username}' đã tồn tại.")
    if role in (Role.officer, Role.unit_head) and unit_id is None:
        raise Invalid("Chuyên viên và lãnh đạo phòng phải thuộc một đơn vị.")
    user = User(
        username=username, full_name=full_name, role=role, unit_id=unit_id, email=email,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


KNOWN_SCOPES = ("cases:read", "cases:write", "reports:read")


def create_api_key(session: Session, name: str, scopes: list[str]) -> tuple[str, ApiKey]:
    """A new key; the plain key is returned once and only its hash is kept."""
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if unknown:
        raise Invalid(f"Phạm vi không hợp lệ: {', '.join(unknown)}. Cho phép: {', '.join(KNOWN_SCOPES)}.")
    plain = "dtk_" + secrets.token_urlsafe(30)
    key = ApiKey(name=name, prefix=plain[:10], key_hash=token_digest(plain), scopes=",".join(scopes))
    session.add(key)
    session.flush()
    return plain, key


def resolve_api_key(session: Session, plain: str) -> ApiKey:
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == token_digest(plain))).first()
    if key is None or key.revoked_at is not None:
        raise Unauthorized("Khoá API không hợp lệ hoặc đã bị thu hồi.")
    return key


def revoke_api_key(session: Session, key_id: int, now: datetime) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise Invalid("Không tìm thấy khoá API.")
    key.revoked_at = now
    session.add(key)
    session.flush()
    return key
