"""Personal data past retention is purged, statistics and the audit chain stay; a person's
own data can be exported by the office (Law 91/2025/QH15; issue 7)."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import Attachment, Case, CaseClock, CaseEvent, IdentityView, Petitioner
from models.settings import ROOT, get_settings
from tests.conftest import FixedClock, Org, act, auth, make_case
from workflows.audit import verify
from workflows.calendar import vn_today
from workflows.privacy import PURGED_CONTENT, purge, remove_files

PDF = b"%PDF-1.4\n%%EOF\n"
OLD = {"full_name": "Đỗ Văn Cũ", "id_number": "001070000111", "phone": "0900000111", "email": "cu@example.test",
       "address": "Xã Cũ"}
NEW = {"full_name": "Vũ Thị Mới", "id_number": "001099000222", "phone": "0900000222", "email": "moi@example.test",
       "address": "Phường Mới"}


def _archived(client: TestClient, h: dict[str, str], petitioner: dict[str, str], **kw: object) -> str:
    case = make_case(client, h, petitioner=petitioner, **kw)
    code = case["tracking_code"]
    r = client.post(f"/api/v1/cases/{code}/attachments", files={"file": ("don.pdf", PDF, "application/pdf")},
                    headers=h)
    assert r.status_code == 201
    act(client, h, code, "archive", case["version"] + 1, reason="Đơn đã được giải quyết trước đây")
    return code


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


class TestPurge:
    def _world(self, client: TestClient, clock: FixedClock) -> dict[str, str]:
        clock.set(date(2020, 3, 2))
        h = auth(client, "office")
        old = _archived(client, h, OLD)
        old_denunciation = _archived(client, h, OLD, kind="denunciation")
        client.get(f"/api/v1/cases/{old_denunciation}", headers=h)  # logs an identity view
        old_open = make_case(client, h, petitioner=OLD)["tracking_code"]
        clock.set(date(2026, 11, 26))
        h = auth(client, "office")
        recent = _archived(client, h, NEW)
        return {"old": old, "old_denunciation": old_denunciation, "old_open": old_open, "recent": recent}

    def test_purge_removes_personal_data_and_keeps_statistics(self, client: TestClient, org: Org,
                                                              clock: FixedClock, session: Session) -> None:
        codes = self._world(client, clock)
        events_before = session.exec(select(func.count()).select_from(CaseEvent)).one()
        clocks_before = session.exec(select(func.count()).select_from(CaseClock)).one()
        files = [get_settings().attachment_dir / a.stored_name for a in session.exec(select(Attachment))]
        assert all(f.is_file() for f in files)
        assert session.exec(select(func.count()).select_from(IdentityView)).one() == 1
        session.rollback()

        result = purge(session, now=clock.now, today=vn_today(clock.now), retention_days=5 * 365)
        session.commit()
        assert remove_files(session) == 2
        assert result.cases == 2

        def case(code: str) -> Case:
            return session.exec(select(Case).where(Case.tracking_code == code)).one()

        for code in (codes["old"], codes["old_denunciation"]):
            c = case(code)
            pet = session.get(Petitioner, c.petitioner_id)
            assert pet is not None
            assert pet.purged_at is not None
            assert (pet.full_name, pet.id_number, pet.phone, pet.email, pet.address) == ("", "", "", "", "")
            assert c.content == PURGED_CONTENT
            assert (c.kind, c.status, c.received_on) in {("complaint", "archived", date(2020, 3, 2)),
                                                         ("denunciation", "archived", date(2020, 3, 2))}
            assert session.exec(select(Attachment).where(Attachment.case_id == c.id)).all() == []
        for code in (codes["old_open"], codes["recent"]):  # open or within retention: untouched
            pet = session.get(Petitioner, case(code).petitioner_id)
            assert pet is not None
            assert pet.purged_at is None
            assert pet.full_name
        assert sum(f.is_file() for f in files) == 1  # only the recent case's file is left
        assert session.exec(select(func.count()).select_from(IdentityView)).one() == 0
        assert session.exec(select(func.count()).select_from(CaseEvent)).one() == events_before
        assert session.exec(select(func.count()).select_from(CaseClock)).one() == clocks_before
        assert session.exec(select(func.count()).select_from(Case)).one() == 4
        assert verify(session) is None  # the hash chain is intact: events were never touched
        session.rollback()  # SQLite: end this session's write transaction before the app writes
        shown = client.get(f"/api/v1/cases/{codes['old']}", headers=auth(client, "office")).json()
        assert shown["petitioner"]["full_name"] == ""
        assert shown["status"] == "archived"

    def test_events_never_carry_the_petitioner(self, client: TestClient, org: Org, clock: FixedClock,
                                               session: Session) -> None:
        self._world(client, clock)
        for ev in session.exec(select(CaseEvent)):
            text = f"{ev.actor} {ev.note} {ev.data}"
            for value in (*OLD.values(), *NEW.values()):
                assert value not in text

    def test_cli_reports_then_purges_with_now(self, client: TestClient, org: Org, clock: FixedClock,
                                              session: Session) -> None:
        self._world(client, clock)
        dry = _cli("purge")
        assert dry.returncode == 0, dry.stderr
        assert "2 hồ sơ" in dry.stdout
        assert session.exec(select(func.count()).select_from(Petitioner)
                            .where(Petitioner.purged_at.is_not(None))).one() == 0  # type: ignore[union-attr]
        session.rollback()
        done = _cli("purge", "--now")
        assert done.returncode == 0, done.stderr
        assert "Đã xoá dữ liệu cá nhân của 2 hồ sơ" in done.stdout
        session.expire_all()
        assert session.exec(select(func.count()).select_from(Petitioner)
                            .where(Petitioner.purged_at.is_not(None))).one() == 2  # type: ignore[union-attr]
        session.rollback()
        again = _cli("purge", "--now")
        assert "của 0 hồ sơ" in again.stdout
        audit = _cli("audit", "verify")
        assert audit.returncode == 0, audit.stdout


class TestPersonExport:
    def test_office_gets_everything_about_one_person(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        mine = [make_case(client, h, petitioner=OLD)["tracking_code"],
                make_case(client, h, petitioner=OLD | {"phone": "0911999888"}, kind="denunciation")["tracking_code"]]
        other = make_case(client, h, petitioner=NEW)["tracking_code"]
        office = auth(client, "office")
        r = client.get("/api/v1/privacy/person", params={"id_number": OLD["id_number"]}, headers=office)
        assert r.status_code == 200, r.text
        data = r.json()
        assert sorted(c["tracking_code"] for c in data["cases"]) == sorted(mine)
        assert other not in r.text
        assert data["cases"][0]["petitioner"]["full_name"] == OLD["full_name"]
        by_phone = client.get("/api/v1/privacy/person", params={"phone": "0911 999 888"}, headers=office).json()
        assert [c["tracking_code"] for c in by_phone["cases"]] == [mine[1]]

    def test_xlsx_export(self, client: TestClient, org: Org) -> None:
        make_case(client, auth(client, "reception"), petitioner=OLD)
        r = client.get("/api/v1/privacy/person", params={"id_number": OLD["id_number"], "format": "xlsx"},
                       headers=auth(client, "director"))
        assert r.status_code == 200
        assert r.headers["content-disposition"].startswith("attachment")
        with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
            xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".xml"))
        assert OLD["full_name"] in xml

    def test_only_office_and_director(self, client: TestClient, org: Org, session: Session) -> None:
        from workflows.auth import create_api_key

        make_case(client, auth(client, "reception"), petitioner=OLD)
        for username in ("reception", "officer.cn", "head.cn", "admin"):
            r = client.get("/api/v1/privacy/person", params={"id_number": OLD["id_number"]},
                           headers=auth(client, username))
            assert r.status_code == 403, username
            assert OLD["full_name"] not in r.text
        plain, _ = create_api_key(session, "Hệ thống", ["cases:read"])
        session.commit()
        r = client.get("/api/v1/privacy/person", params={"id_number": OLD["id_number"]}, headers={"X-API-Key": plain})
        assert r.status_code == 403

    def test_denunciation_exports_are_logged_and_no_query_finds_nobody(self, client: TestClient, org: Org,
                                                                     session: Session) -> None:
        make_case(client, auth(client, "reception"), petitioner=OLD, kind="denunciation")
        office = auth(client, "office")
        nothing = client.get("/api/v1/privacy/person", headers=office)
        assert nothing.status_code == 200
        assert nothing.json()["cases"] == []  # no criteria never means everyone
        assert OLD["full_name"] not in nothing.text
        client.get("/api/v1/privacy/person", params={"id_number": OLD["id_number"]}, headers=office)
        views = session.exec(select(IdentityView).where(IdentityView.context == "privacy-export")).all()
        session.rollback()
        assert len(views) == 1


def test_attachment_dir_is_outside_any_served_folder() -> None:
    assert (ROOT / "static") not in Path(get_settings().attachment_dir).resolve().parents
