"""A small department for the browser tests, written straight into the server's database.

Run as `python -m tests.browser.seed` with DONTHU_DATABASE_URL pointing at the server's
database (after `python -m api.cli migrate`). One password hash is shared by every account,
so seeding takes a fraction of a second instead of eight argon2 rounds.
"""

from __future__ import annotations

from models import Category, Role, Unit, User
from models.db import session_scope
from workflows.auth import hash_password
from workflows.defaults import ensure_defaults

PASSWORD = "trinh-duyet-12345"

ACCOUNTS = [
    ("reception", "Nguyễn Thị Tiếp", Role.reception, "VP"),
    ("office", "Trần Văn Phòng", Role.office, "VP"),
    ("director", "Lê Giám Đốc", Role.director, None),
    ("admin", "Quản Trị Viên", Role.admin, None),
    ("head.cn", "Phạm Trưởng Phòng", Role.unit_head, "QLCN"),
    ("officer.cn", "Đỗ Chuyên Viên", Role.officer, "QLCN"),
    ("head.tm", "Vũ Trưởng Phòng", Role.unit_head, "QLTM"),
    ("officer.tm", "Hoàng Chuyên Viên", Role.officer, "QLTM"),
]


def main() -> None:
    with session_scope() as s:
        ensure_defaults(s)
        units = {code: Unit(code=code, name=name) for code, name in (
            ("VP", "Văn phòng Sở"), ("QLCN", "Phòng Quản lý Công nghiệp"), ("QLTM", "Phòng Quản lý Thương mại"))}
        s.add_all(units.values())
        s.flush()
        s.add(Category(code="CN", name="Công nghiệp, an toàn hoá chất", default_unit_id=units["QLCN"].id))
        hashed = hash_password(PASSWORD)
        for username, name, role, unit in ACCOUNTS:
            s.add(User(username=username, full_name=name, role=role, password_hash=hashed,
                       unit_id=units[unit].id if unit else None, email=f"{username}@so-congthuong.test"))


if __name__ == "__main__":
    main()
