"""Test harness: a real database built by the migrations, SQLite by default or PostgreSQL
when DONTHU_TEST_DATABASE_URL is set (`make test` runs both).

Each test starts from empty tables plus the default policy table and ladder, and time is
fixed through the `now` dependency instead of monkeypatching the clock.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="donthu-test-"))
TEST_DB_URL = os.environ.get("DONTHU_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
os.environ["DONTHU_DATABASE_URL"] = TEST_DB_URL
os.environ["DONTHU_ATTACHMENT_DIR"] = str(_TMP / "attachments")
os.environ.setdefault("DONTHU_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
os.environ["DONTHU_ENV"] = "development"
os.environ["DONTHU_DEMO"] = "0"
# Still argon2id, at a cost that lets a suite of a few hundred logins run quickly.
os.environ.setdefault("DONTHU_ARGON2_TIME_COST", "1")
os.environ.setdefault("DONTHU_ARGON2_MEMORY_KIB", "1024")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from api.cli import run_migrations  # noqa: E402
from models import Category, Role, Unit, User  # noqa: E402
from models.db import get_engine, new_session  # noqa: E402
from workflows.calendar import invalidate_calendar  # noqa: E402
from workflows.defaults import ensure_defaults  # noqa: E402
from workflows.hotcache import clear_all as clear_view_caches  # noqa: E402

IS_PG = TEST_DB_URL.startswith("postgresql")
PASSWORD = "matkhau-12345"
_PASSWORD_HASH: str | None = None


def pytest_report_header(config: Any) -> str:
    return f"DonThu test database: {'PostgreSQL' if IS_PG else 'SQLite'} ({TEST_DB_URL.split('@')[-1]})"


@pytest.fixture(scope="session", autouse=True)
def _schema() -> Iterator[None]:
    engine = get_engine()
    if IS_PG:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    run_migrations()
    yield
    engine.dispose()


def _wipe() -> None:
    engine = get_engine()
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if IS_PG:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
    with new_session() as s:
        ensure_defaults(s)
        s.commit()
    invalidate_calendar()
    clear_view_caches()


@pytest.fixture(autouse=True)
def _clean_db() -> None:
    _wipe()


@pytest.fixture
def session() -> Iterator[Session]:
    s = new_session()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


class FixedClock:
    """The time the app sees; tests move it explicitly."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date, hour: int = 3) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))  # 10:00 in Hà Nội


@pytest.fixture
def app(clock: FixedClock) -> Any:
    from api.app import create_app
    from api.deps import get_now

    application = create_app()
    application.dependency_overrides[get_now] = clock
    return application


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        from workflows.auth import hash_password

        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_user(session: Session, username: str, role: str, unit: Unit | None = None, **kw: Any) -> User:
    user = User(username=username, full_name=kw.pop("full_name", username.title()), role=role,
                unit_id=unit.id if unit else None, password_hash=password_hash(),
                email=kw.pop("email", f"{username}@example.test"), **kw)
    session.add(user)
    session.flush()
    return user


class Org:
    """A small department: two units with a head and an officer each, and the other roles."""

    def __init__(self, session: Session) -> None:
        self.vp = Unit(code="VP", name="Văn phòng Sở")
        self.cn = Unit(code="QLCN", name="Phòng Quản lý Công nghiệp")
        self.tm = Unit(code="QLTM", name="Phòng Quản lý Thương mại")
        session.add_all([self.vp, self.cn, self.tm])
        session.flush()
        self.category = Category(code="TM", name="Thương mại, chợ, siêu thị", default_unit_id=self.tm.id)
        session.add(self.category)
        self.reception = make_user(session, "reception", Role.reception, self.vp)
        self.office = make_user(session, "office", Role.office, self.vp)
        self.director = make_user(session, "director", Role.director)
        self.admin = make_user(session, "admin", Role.admin)
        self.head_cn = make_user(session, "head.cn", Role.unit_head, self.cn)
        self.officer_cn = make_user(session, "officer.cn", Role.officer, self.cn)
        self.head_tm = make_user(session, "head.tm", Role.unit_head, self.tm)
        self.officer_tm = make_user(session, "officer.tm", Role.officer, self.tm)
        session.commit()


@pytest.fixture
def org(session: Session) -> Org:
    return Org(session)


_TOKENS: dict[tuple[int, str], str] = {}


def auth(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def intake_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "complaint",
        "channel": "walk_in",
        "subject": "Khiếu nại quyết định xử phạt vi phạm hành chính",
        "content": "Tôi không đồng ý với quyết định xử phạt số 12/QĐ-XPHC về niêm yết giá.",
        "petitioner": {"full_name": "Nguyễn Văn An", "id_number": "001085012345", "phone": "0912345678",
                       "email": "an@example.test", "address": "Phường Đống Đa"},
    }
    body.update(overrides)
    return body


def make_case(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    r = client.post("/api/v1/cases", json=intake_body(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def act(client: TestClient, headers: dict[str, str], code: str, action: str, version: int,
        expect: int = 200, **fields: Any) -> dict[str, Any]:
    r = client.post(f"/api/v1/cases/{code}/actions/{action}", json={"version": version, **fields}, headers=headers)
    assert r.status_code == expect, r.text
    return dict(r.json())


def page_login(client: TestClient, username: str) -> None:
    """Log in through the real form, CSRF token included."""
    import re

    r = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token, "login form has no CSRF token"
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def csrf_of(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF token"
    return m.group(1)
