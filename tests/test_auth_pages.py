"""Staff login with server-side sessions, CSRF, throttling, and the reception desk pages."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import User
from tests.conftest import PASSWORD, FixedClock, Org, auth, csrf_of, page_login

PDF = b"%PDF-1.4\n%%EOF\n"


class TestLogin:
    def test_login_sets_a_hardened_cookie_and_rotates_the_id(self, client: TestClient, org: Org) -> None:
        client.cookies.set("donthu_session", "attacker-chosen-id")
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": "office", "password": PASSWORD, "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        new_id = re.search(r"donthu_session=([^;]+)", cookie)
        assert new_id and new_id.group(1) != "attacker-chosen-id"

    def test_wrong_password_shows_vietnamese_error(self, client: TestClient, org: Org) -> None:
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": "office", "password": "sai", "csrf_token": token})
        assert r.status_code == 401 and "không đúng" in r.text

    def test_missing_csrf_token_is_refused(self, client: TestClient, org: Org) -> None:
        client.get("/login")
        r = client.post("/login", data={"username": "office", "password": PASSWORD})
        assert r.status_code == 403 and "Traceback" not in r.text

    def test_logged_in_form_needs_the_session_token(self, client: TestClient, org: Org) -> None:
        page_login(client, "reception")
        r = client.post("/reception/new", data={"kind": "complaint", "subject": "x", "content": "y",
                                                "full_name": "A", "csrf_token": "forged"})
        assert r.status_code == 403

    def test_login_is_throttled_per_account(self, client: TestClient, org: Org) -> None:
        for _ in range(5):
            client.post("/api/v1/auth/token", data={"username": "office", "password": "wrong"})
        r = client.post("/api/v1/auth/token", data={"username": "office", "password": PASSWORD})
        assert r.status_code == 429 and r.headers.get("Retry-After")

    def test_logout_ends_the_session(self, client: TestClient, org: Org) -> None:
        page_login(client, "office")
        page = client.get("/inbox")
        assert page.status_code == 200
        r = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
        assert r.status_code == 303
        assert client.get("/inbox", follow_redirects=False).status_code == 303

    def test_idle_timeout_logs_out(self, client: TestClient, org: Org, clock: FixedClock) -> None:
        page_login(client, "office")
        clock.now += timedelta(minutes=31)
        r = client.get("/inbox", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")

    def test_passwords_are_argon2id(self, session: Session, org: Org) -> None:
        user = session.exec(select(User).where(User.username == "office")).one()
        assert user.password_hash.startswith("$argon2id$")

    def test_bearer_token_for_the_api(self, client: TestClient, org: Org) -> None:
        r = client.post("/api/v1/auth/token", data={"username": "office", "password": PASSWORD})
        assert r.status_code == 200 and r.json()["token_type"] == "bearer"
        assert client.get("/api/v1/units", headers={"Authorization": "Bearer nope"}).status_code == 401


class TestReceptionDesk:
    def test_intake_form_prints_a_receipt_with_qr(self, client: TestClient, org: Org) -> None:
        page_login(client, "reception")
        form = client.get("/reception/new")
        assert form.status_code == 200 and "Loại đơn" in form.text
        r = client.post("/reception/new", data={
            "csrf_token": csrf_of(form.text), "kind": "complaint", "round": "1", "channel": "walk_in",
            "subject": "Khiếu nại xử phạt", "content": "Không đồng ý với quyết định.", "full_name": "Trần Thị Bình",
            "signatories": "1",
        }, files={"files": ("don.pdf", PDF, "application/pdf")})
        assert r.status_code == 200, r.text
        assert "GIẤY BIÊN NHẬN" in r.text and "data:image/svg+xml;base64," in r.text
        code = re.search(r'class="code">([A-Z0-9]{8})<', r.text)
        assert code
        case = client.get(f"/api/v1/cases/{code.group(1)}", headers=auth(client, "reception")).json()
        assert case["subject"] == "Khiếu nại xử phạt"
        atts = client.get(f"/api/v1/cases/{code.group(1)}/attachments", headers=auth(client, "reception")).json()
        assert len(atts) == 1

    def test_invalid_form_keeps_input_and_says_why_in_vietnamese(self, client: TestClient, org: Org) -> None:
        page_login(client, "reception")
        form = client.get("/reception/new")
        r = client.post("/reception/new", data={
            "csrf_token": csrf_of(form.text), "kind": "complaint", "subject": "Giữ lại trích yếu", "content": "x",
            "received_on": "2030-01-01", "full_name": "A",
        })
        assert r.status_code == 422 and "tương lai" in r.text and "Giữ lại trích yếu" in r.text

    def test_disguised_upload_writes_nothing(self, client: TestClient, org: Org) -> None:
        page_login(client, "reception")
        form = client.get("/reception/new")
        r = client.post("/reception/new", data={
            "csrf_token": csrf_of(form.text), "kind": "feedback", "subject": "S", "content": "C", "full_name": "A",
        }, files={"files": ("x.pdf", b"not a pdf", "application/pdf")})
        assert r.status_code == 415
        assert client.get("/api/v1/cases", headers=auth(client, "office")).json()["total"] == 0

    def test_other_units_officer_gets_404_on_the_case_page(self, client: TestClient, org: Org) -> None:
        from tests.conftest import make_case

        case = make_case(client, auth(client, "reception"))
        page_login(client, "officer.tm")
        r = client.get(f"/cases/{case['tracking_code']}")
        assert r.status_code == 404 and "Không tìm thấy" in r.text


class TestIdleTimerRefresh:
    def test_write_after_a_few_minutes_does_not_lock_the_database(self, client: TestClient, org: Org,
                                                                   clock: FixedClock) -> None:
        from tests.conftest import intake_body

        h = auth(client, "reception")
        clock.now += timedelta(minutes=5)  # the bearer session's idle timer is due for a refresh
        r = client.post("/api/v1/cases", json=intake_body(), headers=h)
        assert r.status_code == 201, r.text
        clock.now += timedelta(minutes=5)
        r = client.get("/api/v1/cases", headers=h)
        assert r.status_code == 200

    def test_page_post_after_a_few_minutes_works(self, client: TestClient, org: Org, clock: FixedClock) -> None:
        page_login(client, "reception")
        form = client.get("/reception/new")
        clock.now += timedelta(minutes=5)
        r = client.post("/reception/new", data={
            "csrf_token": csrf_of(form.text), "kind": "feedback", "subject": "Phản ánh", "content": "Nội dung",
            "full_name": "Lê Văn C"})
        assert r.status_code == 200 and "GIẤY BIÊN NHẬN" in r.text
