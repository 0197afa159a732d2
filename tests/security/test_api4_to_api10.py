"""OWASP API4 (resource consumption), API5 (function level authorization), API6 (business
flows), API7 (SSRF), API8 (misconfiguration: headers, CSRF, errors, secrets), API9
(inventory) and API10 (unsafe consumption of other systems' data)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlmodel import Session

from models.settings import ROOT, get_settings
from tests.conftest import Org, act, auth, csrf_of, intake_body, make_case, page_login
from tests.security.conftest import GHOST, PDF, World, fill, routes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class TestResourceConsumption:
    @pytest.mark.parametrize(("params", "limit", "offset"), [
        ({"limit": 10**9}, 200, 0), ({"limit": 0}, 1, 0), ({"limit": -5}, 1, 0), ({"offset": -10}, 50, 0),
    ])
    def test_limit_and_offset_are_clamped(self, client: TestClient, org: Org, params: dict[str, int],
                                          limit: int, offset: int) -> None:
        r = client.get("/api/v1/cases", params=params, headers=auth(client, "office"))
        assert r.status_code == 200
        assert r.json()["limit"] == limit
        assert r.json()["offset"] == offset

    def test_oversized_search_and_codes_are_refused(self, client: TestClient, org: Org) -> None:
        h = auth(client, "office")
        assert client.get("/api/v1/cases", params={"q": "x" * 5000}, headers=h).status_code == 422
        assert client.get("/api/v1/cases/" + "A" * 500, headers=h).status_code in (404, 422)

    def test_oversized_upload_is_413_and_leaves_no_file(self, client: TestClient, org: Org) -> None:
        settings = get_settings()
        old = settings.max_upload_mb
        settings.max_upload_mb = 1
        try:
            h = auth(client, "office")
            code = make_case(client, h)["tracking_code"]
            before = _stored_files()
            r = client.post(f"/api/v1/cases/{code}/attachments",
                            files={"file": ("big.pdf", PDF + b"0" * (1 << 21), "application/pdf")}, headers=h)
            assert r.status_code == 413
            assert "detail" in r.json()
            assert _stored_files() == before
        finally:
            settings.max_upload_mb = old

    @pytest.mark.parametrize(("name", "data", "declared"), [
        ("anh.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("don.pdf", b"MZ\x90\x00\x03 windows executable", "application/pdf"),
        ("ve.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml"),
        ("bao-cao.docx", b"PK\x03\x04 not really a zip", "application/octet-stream"),
    ])
    def test_type_is_decided_by_content(self, client: TestClient, org: Org, name: str, data: bytes,
                                        declared: str) -> None:
        h = auth(client, "office")
        code = make_case(client, h)["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/attachments", files={"file": (name, data, declared)}, headers=h)
        assert r.status_code == 415

    @pytest.mark.parametrize("name", [
        "../../../etc/cron.d/x.png", "..\\..\\windows\\system32\\x.png", "/etc/passwd.png", "a\u202egnp.exe",
        "CON.png", "....//....//x.png", "%2e%2e%2fx.png",
    ])
    def test_path_tricks_never_leave_the_attachment_folder(self, client: TestClient, org: Org, session: Session,
                                                          name: str) -> None:
        from models import Attachment

        h = auth(client, "office")
        code = make_case(client, h)["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/attachments", files={"file": (name, PNG, "image/png")}, headers=h)
        assert r.status_code == 201, r.text
        row = session.get(Attachment, r.json()["id"])
        assert row is not None
        assert "/" not in row.original_name
        assert "\\" not in row.original_name
        assert "\u202e" not in row.original_name
        stored = (get_settings().attachment_dir / row.stored_name).resolve()
        assert stored.is_file()
        assert get_settings().attachment_dir.resolve() in stored.parents
        got = client.get(f"/api/v1/cases/{code}/attachments/{row.id}", headers=h)
        assert got.headers["content-disposition"].startswith("attachment")
        assert got.content == PNG


def _stored_files() -> set[Path]:
    folder = get_settings().attachment_dir
    return set(folder.rglob("*")) if folder.exists() else set()


class TestFunctionLevel:
    def test_officers_cannot_log_petitions(self, client: TestClient, org: Org) -> None:
        r = client.post("/api/v1/cases", json=intake_body(), headers=auth(client, "officer.cn"))
        assert r.status_code == 403

    def test_only_the_director_signs(self, client: TestClient, world: World) -> None:
        officer = auth(client, "officer.tm")
        case = client.get(f"/api/v1/cases/{world.tm_code}", headers=officer).json()
        case = act(client, officer, world.tm_code, "report", case["version"], result="Có cơ sở.")
        for username in ("officer.tm", "head.tm", "office", "reception"):
            r = client.post(f"/api/v1/cases/{world.tm_code}/actions/resolve",
                            json={"version": case["version"], "decision_number": "1/QĐ", "result": "x"},
                            headers=auth(client, username))
            assert r.status_code in (403, 404, 409), username
            assert r.status_code != 200
        r = client.post(f"/api/v1/cases/{world.tm_code}/actions/resolve",
                        json={"version": case["version"], "decision_number": "1/QĐ", "result": "x"},
                        headers=auth(client, "director"))
        assert r.status_code == 200

    def test_api_key_scopes_are_enforced(self, client: TestClient, org: Org, session: Session) -> None:
        from workflows.auth import create_api_key

        plain, _ = create_api_key(session, "Cổng dịch vụ công (chỉ đọc)", ["cases:read"])
        session.commit()
        r = client.post("/api/v1/cases", json=intake_body(), headers={"X-API-Key": plain})
        assert r.status_code == 403
        assert client.get("/api/v1/cases", headers={"X-API-Key": plain}).status_code == 200

    def test_systems_cannot_act_on_cases(self, client: TestClient, world: World, session: Session) -> None:
        from workflows.auth import create_api_key

        plain, _ = create_api_key(session, "Hệ thống khác", ["cases:read", "cases:write"])
        session.commit()
        r = client.post(f"/api/v1/cases/{world.tm_code}/actions/report", json={"version": 1, "result": "x"},
                        headers={"X-API-Key": plain})
        assert r.status_code == 403


class TestBusinessFlows:
    def test_pin_guessing_is_throttled_even_for_the_right_pin(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        for guess in range(10):
            client.get(f"/api/v1/public/cases/{case['tracking_code']}", params={"pin": f"{guess:06d}"})
        r = client.get(f"/api/v1/public/cases/{case['tracking_code']}", params={"pin": case["pin"]})
        assert r.status_code == 429

    def test_unknown_code_and_wrong_pin_are_indistinguishable(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        a = client.get(f"/api/v1/public/cases/{case['tracking_code']}", params={"pin": "000000"})
        b = client.get(f"/api/v1/public/cases/{GHOST}", params={"pin": "000000"})
        assert (a.status_code, a.json()) == (b.status_code, b.json()) == (404, b.json())


class TestServerSideRequests:
    def test_webhook_targets_must_be_http(self, client: TestClient, app: Any, org: Org) -> None:
        posts = [p for m, p, _ in routes(app, pages=False) if m == "POST" and "webhook" in p and "{" not in p]
        if not posts:
            pytest.skip("no webhook registration route in this build (webhooks.py only enqueues)")
        h = auth(client, "admin")
        for url in ("file:///etc/passwd", "gopher://127.0.0.1:25/x", "ftp://127.0.0.1/x"):
            r = client.post(posts[0], json={"url": url, "events": ["case.created"], "secret": "s" * 32}, headers=h)
            assert 400 <= r.status_code < 500, url


class TestSecurityHeaders:
    def _check(self, r: Any, path: str, https: bool) -> None:
        h = r.headers
        csp = h.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp, path
        script_src = next((p for p in csp.split(";") if p.strip().startswith("script-src")), "")
        if path not in ("/docs", "/redoc"):
            assert "'unsafe-inline'" not in script_src, path
            assert "'unsafe-eval'" not in script_src, path
        assert h.get("x-content-type-options") == "nosniff", path
        assert h.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), path
        if https:
            assert h.get("strict-transport-security", "").startswith("max-age="), path
        else:
            assert "strict-transport-security" not in h, path

    @pytest.mark.parametrize("base", ["http://testserver", "https://testserver"])
    def test_on_every_get_route_and_on_errors(self, app: Any, org: Org, world: World, base: str) -> None:
        with TestClient(app, base_url=base, raise_server_exceptions=False) as c:
            paths = {fill(p, world.tm_code, world.tm_attachment) for m, p, _ in routes(app) if m == "GET"}
            paths |= {"/does-not-exist", "/api/v1/nope", "/static/nope.css", "/api/v1/cases/" + GHOST}
            for path in sorted(paths):
                self._check(c.get(path, follow_redirects=False), path, base.startswith("https"))
            page_login(c, "office")
            for path in sorted(paths):
                self._check(c.get(path, follow_redirects=False), path, base.startswith("https"))
            self._check(c.post("/login", data={}), "/login", base.startswith("https"))

    def test_staff_answers_are_not_cached(self, client: TestClient, world: World) -> None:
        r = client.get(f"/api/v1/cases/{world.tm_code}", headers=auth(client, "office"))
        assert "no-store" in r.headers.get("cache-control", "")


class TestCsrf:
    def test_every_state_changing_form_needs_the_token(self, client: TestClient, app: Any, world: World) -> None:
        page_login(client, "office")
        good = csrf_of(client.get("/inbox").text)
        posts = [(m, p) for m, p, _ in routes(app, pages=True) if m in ("POST", "PUT", "PATCH", "DELETE")]
        assert posts
        for method, path in posts:
            url = fill(path, world.tm_code, world.tm_attachment)
            for token in (None, "forged-token", good[:-2] + "xx"):
                data = {"version": "1", "reason": "x"} | ({"csrf_token": token} if token else {})
                r = client.request(method, url, data=data, follow_redirects=False)
                assert r.status_code == 403, f"{method} {path} with token {token!r}: {r.status_code}"
        assert client.get("/inbox", follow_redirects=False).status_code == 200  # still logged in

    def test_session_cookie_is_http_only_and_same_site(self, client: TestClient, org: Org) -> None:
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": "office", "password": "matkhau-12345", "csrf_token": token},
                        follow_redirects=False)
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie or "samesite=strict" in cookie


class TestErrors:
    @pytest.fixture
    def boom(self, app: Any) -> TestClient:
        router = APIRouter()

        @router.get("/api/v1/_boom")
        def api_boom() -> None:
            raise RuntimeError("secret-internal-detail at /srv/donthu/models/db.py line 42")

        @router.get("/_boom")
        def page_boom() -> None:
            raise KeyError("secret-internal-detail")

        app.include_router(router)
        return TestClient(app, raise_server_exceptions=False)

    def test_no_stack_trace_on_any_error(self, boom: TestClient, org: Org) -> None:
        for path in ("/api/v1/_boom", "/_boom"):
            r = boom.get(path)
            assert r.status_code == 500
            assert "Traceback" not in r.text
            assert "secret-internal-detail" not in r.text
            assert ".py" not in r.text
        assert boom.get("/api/v1/_boom").json()["detail"]
        r = boom.post("/api/v1/cases", content=b"{not json", headers={**auth(boom, "office"),
                                                                       "Content-Type": "application/json"})
        assert r.status_code == 422
        assert "Traceback" not in r.text

    def test_production_refuses_default_secrets(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from api.app import create_app
        from models.settings import DEFAULT_SECRET

        monkeypatch.setenv("DONTHU_ENV", "production")
        try:
            for secret in (DEFAULT_SECRET, "short", ""):
                monkeypatch.setenv("DONTHU_SECRET_KEY", secret)
                get_settings.cache_clear()
                with pytest.raises(RuntimeError, match="DONTHU_SECRET_KEY"):
                    create_app()
            monkeypatch.setenv("DONTHU_SECRET_KEY", "a-real-random-production-secret-0123456789abcdef")
            get_settings.cache_clear()
            create_app()
        finally:
            get_settings.cache_clear()
        # And the operator's command: `donthu serve` stops before listening.
        env = {k: v for k, v in os.environ.items() if not k.startswith("DONTHU_")}
        env.update(DONTHU_ENV="production", DONTHU_DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", PYTHONPATH=str(ROOT))
        out = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--port", "8299"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        assert "DONTHU_SECRET_KEY" in out.stderr + out.stdout


class TestInventory:
    def test_every_json_route_is_documented(self, client: TestClient, app: Any) -> None:
        documented = {(m.upper(), p) for p, ops in client.get("/openapi.json").json()["paths"].items() for m in ops}
        for method, path, route in routes(app, pages=False):
            if path == "/openapi.json" or path.startswith("/api/v1/_"):
                continue
            assert route.include_in_schema, f"{method} {path} is hidden from the OpenAPI document"
            assert (method, path) in documented, f"{method} {path}"

    def test_docs_load_nothing_from_the_internet(self, client: TestClient) -> None:
        r = client.get("/docs")
        if r.status_code == 404:
            pytest.skip("no /docs page in this build")
        assert "cdn." not in r.text
        assert "https://" not in r.text.replace("https://testserver", "")


class TestUnsafeConsumption:
    def test_text_from_other_systems_is_escaped_in_pages(self, client: TestClient, org: Org,
                                                         session: Session) -> None:
        from workflows.auth import create_api_key

        plain, _ = create_api_key(session, "Cổng dịch vụ công", ["cases:read", "cases:write"])
        session.commit()
        evil = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
        r = client.post("/api/v1/cases", json=intake_body(subject=evil, content=evil,
                                                          petitioner={"full_name": evil}),
                        headers={"X-API-Key": plain})
        assert r.status_code == 201, r.text
        code = r.json()["tracking_code"]
        page_login(client, "office")
        for path in (f"/cases/{code}", "/inbox"):
            html = client.get(path).text
            assert "<script>alert" not in html
            assert "<img src=x" not in html
            assert "&lt;script&gt;" in html
