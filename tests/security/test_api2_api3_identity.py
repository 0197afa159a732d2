"""OWASP API2:2023 Broken Authentication and API3:2023 Broken Object Property Level
Authorization: sessions, throttling, password storage, mass assignment, and the
denunciator's identity (Luật Tố cáo 2018 art. 47) in every response, export, log and mail."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import EmailOutbox, Notification, User
from tests.conftest import PASSWORD, FixedClock, Org, auth, csrf_of, intake_body, page_login
from tests.security.conftest import SECRETS, World, fill, routes, text_of


class TestAuthentication:
    def test_session_id_is_rotated_at_login(self, client: TestClient, org: Org) -> None:
        client.cookies.set("donthu_session", "fixated-by-attacker")
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": "office", "password": PASSWORD, "csrf_token": token},
                        follow_redirects=False)
        issued = re.search(r"donthu_session=([^;]+)", r.headers["set-cookie"])
        assert issued is not None
        assert issued.group(1) != "fixated-by-attacker"
        fresh = TestClient(client.app, base_url="http://testserver")
        fresh.cookies.set("donthu_session", "fixated-by-attacker")
        assert fresh.get("/inbox", follow_redirects=False).status_code == 303

    def test_logout_kills_the_session_on_the_server(self, client: TestClient, org: Org) -> None:
        page_login(client, "office")
        stolen = client.cookies.get("donthu_session")
        page = client.get("/inbox")
        client.post("/logout", data={"csrf_token": csrf_of(page.text)})
        replay = TestClient(client.app, base_url="http://testserver")
        replay.cookies.set("donthu_session", stolen or "")
        assert replay.get("/inbox", follow_redirects=False).status_code == 303

    def test_bearer_token_idles_out(self, client: TestClient, org: Org, clock: FixedClock) -> None:
        h = auth(client, "office")
        assert client.get("/api/v1/cases", headers=h).status_code == 200
        clock.now += timedelta(minutes=31)
        r = client.get("/api/v1/cases", headers=h)
        assert r.status_code == 401
        assert r.headers.get("www-authenticate") == "Bearer"

    def test_absolute_timeout_even_when_active(self, client: TestClient, org: Org, clock: FixedClock) -> None:
        h = auth(client, "office")
        start = clock.now
        for _ in range(13 * 3):  # keep it busy every 20 minutes for 13 hours
            clock.now += timedelta(minutes=20)
            r = client.get("/api/v1/cases", headers=h)
            if r.status_code == 401:
                break
        assert r.status_code == 401
        assert clock.now - start > timedelta(hours=12)  # it lived until the absolute limit, not less

    def test_garbage_and_missing_tokens_are_401(self, client: TestClient, org: Org) -> None:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic b2ZmaWNlOng="},
                        {"X-API-Key": "dt_fake"}):
            r = client.get("/api/v1/cases", headers=headers)
            assert r.status_code == 401, headers
            assert "detail" in r.json()

    def test_login_is_throttled_per_address_across_accounts(self, client: TestClient, org: Org) -> None:
        for name in ("office", "director", "reception", "head.cn", "head.tm"):
            client.post("/api/v1/auth/token", data={"username": name, "password": "wrong"})
        r = client.post("/api/v1/auth/token", data={"username": "officer.tm", "password": PASSWORD})
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0

    def test_passwords_are_stored_as_argon2id(self, client: TestClient, org: Org, session: Session) -> None:
        from workflows.auth import create_user

        create_user(session, username="new.user", password="mat-khau-moi-1", full_name="Người Mới", role="office")
        session.commit()
        hashes = session.exec(select(User.password_hash)).all()
        assert hashes
        assert all(h.startswith("$argon2id$") for h in hashes)
        assert not any("mat-khau-moi-1" in h for h in hashes)


class TestObjectProperties:
    def test_mass_assignment_is_ignored(self, client: TestClient, org: Org) -> None:
        body = intake_body(status="closed", unit="QLTM", officer="officer.tm", version=99, tracking_code="26AAAAAA",
                           pin_hash="x", created_by_id=1, event_count=7)
        r = client.post("/api/v1/cases", json=body, headers=auth(client, "reception"))
        assert r.status_code in (201, 422)
        if r.status_code == 201:
            case = r.json()
            assert case["status"] == "received"
            assert case["unit"] is None
            assert case["officer"] is None
            assert case["version"] == 1
            assert case["tracking_code"] != "26AAAAAA"

    def test_pin_is_shown_once_and_never_read_back(self, client: TestClient, org: Org) -> None:
        h = auth(client, "office")
        created = client.post("/api/v1/cases", json=intake_body(), headers=h).json()
        detail = client.get(f"/api/v1/cases/{created['tracking_code']}", headers=h)
        assert "pin" not in detail.json()
        assert "pin_hash" not in detail.text


class TestDenunciatorIdentity:
    """Officers and unit heads handle the case but never see who denounced (DESIGN.md §6)."""

    def test_absent_from_every_response_for_the_handling_unit(self, client: TestClient, app: Any,
                                                              world: World) -> None:
        for username in ("officer.cn", "head.cn"):
            bearer = auth(client, username)
            for method, path, _route in routes(app, pages=False):
                if method != "GET":
                    continue
                for query in ("", "?format=csv", "?format=xlsx"):
                    r = client.get(fill(path, world.cn_code, world.cn_attachment) + query, headers=bearer)
                    body = text_of(r.content)
                    for secret in SECRETS:
                        assert secret not in body, f"{username} GET {path}{query} shows {secret}"
            page_login(client, username)
            for method, path, _route in routes(app, pages=True):
                if method != "GET":
                    continue
                for query in ("", "?format=csv", "?format=xlsx"):
                    r = client.get(fill(path, world.cn_code, world.cn_attachment) + query, follow_redirects=False)
                    body = text_of(r.content)
                    for secret in SECRETS:
                        assert secret not in body, f"{username} page {path}{query} shows {secret}"
            client.cookies.clear()

    def test_the_handling_unit_sees_the_case_itself(self, client: TestClient, world: World) -> None:
        r = client.get(f"/api/v1/cases/{world.cn_code}", headers=auth(client, "officer.cn"))
        assert r.status_code == 200
        assert r.json()["petitioner"]["full_name"] == "[bảo mật]"
        # The office may see it, and that view is logged.
        r = client.get(f"/api/v1/cases/{world.cn_code}", headers=auth(client, "office"))
        assert r.json()["petitioner"]["full_name"] == SECRETS[0]

    def test_confidential_scans_are_hidden_from_the_unit(self, client: TestClient, world: World) -> None:
        r = client.get(f"/api/v1/cases/{world.cn_code}/attachments/{world.cn_attachment}",
                       headers=auth(client, "officer.cn"))
        assert r.status_code == 404

    def test_absent_from_logs_notifications_and_mail(self, client: TestClient, org: Org, world: World,
                                                    caplog: pytest.LogCaptureFixture, session: Session) -> None:
        logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
        with caplog.at_level(logging.DEBUG):
            for username in ("officer.cn", "head.cn", "office", "director"):
                h = auth(client, username)
                client.get(f"/api/v1/cases/{world.cn_code}", headers=h)
                client.get("/api/v1/cases", params={"q": "hoi lo"}, headers=h)
                client.get(f"/api/v1/cases/{world.cn_code}/events", headers=h)
            office = auth(client, "office")
            case = client.get(f"/api/v1/cases/{world.cn_code}", headers=office).json()
            client.post(f"/api/v1/cases/{world.cn_code}/actions/reassign",
                        json={"version": case["version"], "officer": "head.cn"}, headers=office)
            client.get("/api/v1/cases/BOOM!!", headers=office)
        logged = caplog.text + "".join(str(r.args) for r in caplog.records)
        for secret in SECRETS:
            assert secret not in logged
        mail = session.exec(select(EmailOutbox)).all()
        notes = session.exec(select(Notification)).all()
        dumped = " ".join(str(m.model_dump()) for m in [*mail, *notes])
        for secret in SECRETS:
            assert secret not in dumped

    def test_search_by_the_denunciators_name_finds_nothing_for_the_unit(self, client: TestClient,
                                                                        world: World) -> None:
        for q in ("Lê Thị Tố Cáo", "le thi to cao", "0909111222", "079201001234"):
            r = client.get("/api/v1/cases", params={"q": q}, headers=auth(client, "officer.cn"))
            assert r.json()["total"] == 0, q
