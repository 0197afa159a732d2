"""The JSON API for other systems: API keys and scopes, rate limits, idempotent writes,
conditional reads and list filters (issue 6, DESIGN.md §7)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from models import ApiKey, Attachment, Case, CaseEvent, WebhookSubscription
from tests.conftest import FixedClock, Org, act, auth, make_case
from workflows.auth import create_api_key

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_key(session: Session, *scopes: str, name: str = "Cổng dịch vụ công tỉnh") -> dict[str, str]:
    plain, _key = create_api_key(session, name, list(scopes))
    session.commit()
    return {"X-API-Key": plain}


def count(session: Session, model: Any) -> int:
    """Rows the app committed. The test session ends its transaction right after: a write
    session on SQLite begins IMMEDIATE and would hold the app's writers off."""
    session.rollback()
    n = int(session.exec(select(func.count()).select_from(model)).one())
    session.rollback()
    return n


class TestApiKeyCli:
    def test_create_prints_the_key_once_and_stores_only_its_hash(self, session: Session) -> None:
        from api.cli import app

        runner = CliRunner()
        out = runner.invoke(app, ["apikey", "create", "--name", "Cổng DVC", "--scopes",
                                  "cases:read,cases:write,reports:read"])
        assert out.exit_code == 0, out.output
        plain = next(line for line in out.output.splitlines() if line.startswith("dtk_"))
        session.rollback()
        key = session.exec(select(ApiKey)).one()
        session.rollback()
        assert key.key_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert plain not in (key.prefix, key.key_hash, key.name, key.scopes)
        assert key.scope_set == {"cases:read", "cases:write", "reports:read"}
        listing = runner.invoke(app, ["apikey", "list"])
        assert listing.exit_code == 0
        assert key.prefix in listing.output
        assert plain not in listing.output

    def test_unknown_scope_is_refused(self, session: Session) -> None:
        from api.cli import app

        out = CliRunner().invoke(app, ["apikey", "create", "--name", "X", "--scopes", "cases:delete"])
        assert out.exit_code == 2
        assert "Phạm vi không hợp lệ" in out.output
        assert count(session, ApiKey) == 0

    def test_revoked_key_is_refused_with_401(self, client: TestClient, session: Session, org: Org) -> None:
        from api.cli import app

        headers = make_key(session, "cases:read")
        assert client.get("/api/v1/cases", headers=headers).status_code == 200
        key_id = session.exec(select(ApiKey.id)).one()
        session.rollback()
        out = CliRunner().invoke(app, ["apikey", "revoke", str(key_id)])
        assert out.exit_code == 0, out.output
        r = client.get("/api/v1/cases", headers=headers)
        assert r.status_code == 401
        assert "thu hồi" in r.json()["detail"]
        assert client.get("/api/v1/cases", headers={"X-API-Key": "dtk_khong-ton-tai"}).status_code == 401


class TestScopes:
    def test_read_only_key_cannot_write(self, client: TestClient, session: Session, org: Org) -> None:
        headers = make_key(session, "cases:read")
        r = client.post("/api/v1/cases", json={"kind": "feedback", "subject": "a", "content": "b", "anonymous": True},
                        headers=headers)
        assert r.status_code == 403
        assert "cases:write" in r.json()["detail"]
        assert count(session, Case) == 0

    def test_write_only_key_cannot_read(self, client: TestClient, session: Session, org: Org) -> None:
        headers = make_key(session, "cases:write")
        code = make_case(client, headers)["tracking_code"]
        for path in ("/api/v1/cases", f"/api/v1/cases/{code}", f"/api/v1/cases/{code}/events",
                     f"/api/v1/cases/{code}/attachments"):
            r = client.get(path, headers=headers)
            assert r.status_code == 403, path
            assert "cases:read" in r.json()["detail"]

    def test_systems_cannot_move_cases_through_the_lifecycle(self, client: TestClient, session: Session,
                                                             org: Org) -> None:
        headers = make_key(session, "cases:read", "cases:write")
        case = make_case(client, headers)
        r = client.post(f"/api/v1/cases/{case['tracking_code']}/actions/accept", json={"version": 1},
                        headers=headers)
        assert r.status_code == 403

    def test_a_system_sees_status_but_not_the_petitioner(self, client: TestClient, session: Session,
                                                         org: Org) -> None:
        headers = make_key(session, "cases:read", "cases:write")
        code = make_case(client, headers)["tracking_code"]
        r = client.get(f"/api/v1/cases/{code}", headers=headers)
        assert r.status_code == 200
        assert set(r.json()["petitioner"].values()) == {"[bảo mật]"}
        assert "Nguyễn Văn An" not in r.text
        assert "0912345678" not in r.text

    def test_systems_cannot_search_duplicates_by_person(self, client: TestClient, session: Session,
                                                        org: Org) -> None:
        headers = make_key(session, "cases:read", "cases:write")
        make_case(client, auth(client, "reception"))
        r = client.get("/api/v1/cases/duplicates", params={"id_number": "001085012345"}, headers=headers)
        assert r.status_code == 403
        assert "001085012345" not in r.text

    def test_category_detail(self, client: TestClient, session: Session, org: Org) -> None:
        headers = make_key(session, "cases:read")
        r = client.get("/api/v1/categories/TM", headers=headers)
        assert r.status_code == 200
        assert r.json() == {"code": "TM", "name": "Thương mại, chợ, siêu thị", "name_en": "", "description": "",
                            "default_unit": "QLTM"}
        assert client.get("/api/v1/categories/KHONG", headers=headers).json()["detail"].startswith("Không có")

    def test_no_credentials_is_401_in_vietnamese(self, client: TestClient, org: Org) -> None:
        r = client.get("/api/v1/cases")
        assert r.status_code == 401
        assert r.json()["detail"].startswith("Cần đăng nhập")


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class TestRateLimit:
    def test_key_past_its_limit_gets_429_with_retry_after(self, app: Any, client: TestClient, session: Session,
                                                          org: Org) -> None:
        limiter = app.state.rate_limiter
        limiter.clock = tick = FakeMonotonic()
        limiter.key_rate = 3
        first, second = make_key(session, "cases:read"), make_key(session, "cases:read", name="Báo chí")
        for _ in range(3):
            assert client.get("/api/v1/units", headers=first).status_code == 200
        r = client.get("/api/v1/units", headers=first)
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["detail"].startswith("Quá nhiều yêu cầu")
        assert client.get("/api/v1/units", headers=second).status_code == 200  # one bucket per key
        tick.t += 121  # two windows later the old requests no longer count
        assert client.get("/api/v1/units", headers=first).status_code == 200

    def test_anonymous_calls_are_limited_per_address(self, app: Any, client: TestClient, org: Org) -> None:
        limiter = app.state.rate_limiter
        limiter.clock = FakeMonotonic()
        limiter.anon_rate = 2
        for _ in range(2):
            assert client.get("/open311/v2/services.json").status_code == 200
        r = client.get("/open311/v2/services.json")
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()[0]["code"] == 429  # Open311's own error shape
        r = client.get("/open311/v2/services.xml")
        assert r.status_code == 429
        assert b"<errors><error><code>429</code>" in r.content

    def test_sliding_window_weights_the_previous_minute(self) -> None:
        from api.ratelimit import RateLimiter

        tick = FakeMonotonic()
        limiter = RateLimiter(key_rate=10, anon_rate=10, clock=tick)
        assert all(limiter.hit("k", 10) == 0 for _ in range(10))
        assert limiter.hit("k", 10) > 0
        tick.t += 90  # half of the previous window still overlaps the last 60 s: 5 of 10 count
        assert all(limiter.hit("k", 10) == 0 for _ in range(5))
        assert limiter.hit("k", 10) > 0


class TestIdempotency:
    def test_intake_retry_returns_the_first_answer(self, client: TestClient, session: Session, org: Org) -> None:
        from tests.conftest import intake_body

        headers = {**auth(client, "reception"), "Idempotency-Key": "intake-42"}
        first = client.post("/api/v1/cases", json=intake_body(), headers=headers)
        again = client.post("/api/v1/cases", json=intake_body(), headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert count(session, Case) == 1
        other = client.post("/api/v1/cases", json=intake_body(subject="Khác"), headers=headers)
        assert other.status_code == 422
        assert "Idempotency-Key" in other.json()["detail"]

    def test_action_retry_moves_the_case_once(self, client: TestClient, session: Session, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        headers = {**auth(client, "office"), "Idempotency-Key": "accept-1"}
        path = f"/api/v1/cases/{case['tracking_code']}/actions/accept"
        first = client.post(path, json={"version": case["version"]}, headers=headers)
        again = client.post(path, json={"version": case["version"]}, headers=headers)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        assert count(session, CaseEvent) == 2  # receive + accept, not a second accept

    def test_attachment_retry_stores_one_file(self, client: TestClient, session: Session, org: Org) -> None:
        headers = auth(client, "reception")
        code = make_case(client, headers)["tracking_code"]
        headers["Idempotency-Key"] = "scan-1"
        for _ in range(2):
            r = client.post(f"/api/v1/cases/{code}/attachments", headers=headers,
                            files={"file": ("don.pdf", io.BytesIO(PDF), "application/pdf")})
            assert r.status_code == 201
        assert count(session, Attachment) == 1

    def test_webhook_subscription_retry_creates_one(self, client: TestClient, session: Session, org: Org) -> None:
        headers = {**make_key(session, "cases:read"), "Idempotency-Key": "sub-1"}
        body = {"url": "https://dvc.example.test/hook"}
        first = client.post("/api/v1/webhooks", json=body, headers=headers)
        again = client.post("/api/v1/webhooks", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert count(session, WebhookSubscription) == 1


class TestConditionalRead:
    def test_etag_then_304_then_a_new_etag_after_a_change(self, client: TestClient, org: Org) -> None:
        headers = auth(client, "office")
        case = make_case(client, headers)
        path = f"/api/v1/cases/{case['tracking_code']}"
        r = client.get(path, headers=headers)
        etag = r.headers["ETag"]
        again = client.get(path, headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["ETag"] == etag
        act(client, headers, case["tracking_code"], "accept", case["version"])
        changed = client.get(path, headers={**headers, "If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag


class TestListFilters:
    @pytest.fixture
    def cases(self, client: TestClient, org: Org, clock: FixedClock) -> dict[str, dict[str, Any]]:
        from datetime import date

        office = auth(client, "office")
        clock.set(date(2026, 11, 26))
        out = {
            "old": make_case(client, office, received_on="2026-09-01", subject="Niêm yết giá tại chợ Đồng Xuân"),
            "den": make_case(client, office, kind="denunciation", subject="Tố cáo cán bộ quản lý thị trường"),
            "group": make_case(client, office, kind="feedback", signatories=7, subject="Tiếng ồn nhà máy"),
            "cat": make_case(client, office, kind="recommendation", category="TM", subject="Kiến nghị mở chợ"),
        }
        acc = act(client, office, out["cat"]["tracking_code"], "accept", 1)
        out["cat"] = act(client, office, out["cat"]["tracking_code"], "assign", acc["version"], unit="QLTM")
        return out

    def _codes(self, client: TestClient, headers: dict[str, str], **params: Any) -> set[str]:
        r = client.get("/api/v1/cases", params=params, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["items"]) or body["total"] > body["limit"]
        return {c["tracking_code"] for c in body["items"]}

    def test_each_filter(self, client: TestClient, cases: dict[str, dict[str, Any]]) -> None:
        h = auth(client, "office")
        code = {k: v["tracking_code"] for k, v in cases.items()}
        assert self._codes(client, h, status="assigned") == {code["cat"]}
        assert self._codes(client, h, status=["assigned", "received"]) == set(code.values())
        assert self._codes(client, h, kind="denunciation") == {code["den"]}
        assert self._codes(client, h, unit="QLTM") == {code["cat"]}
        assert self._codes(client, h, clock_state="overdue") == {code["old"]}
        assert self._codes(client, h, risk="true") == {code["old"], code["group"]}  # 60 days unhandled; group
        assert self._codes(client, h, **{"from": "2026-11-01"}) == set(code.values()) - {code["old"]}
        assert self._codes(client, h, to="2026-10-01") == {code["old"]}
        assert self._codes(client, h, q="cho dong xuan") == {code["old"]}  # without diacritics
        assert self._codes(client, h, q="TIẾNG ỒN") == {code["group"]}

    def test_paging_clamps_and_counts(self, client: TestClient, cases: dict[str, dict[str, Any]]) -> None:
        h = auth(client, "office")
        r = client.get("/api/v1/cases", params={"limit": 1000}, headers=h).json()
        assert r["limit"] == 200
        assert r["total"] == 4
        assert len(r["items"]) == 4
        pages = [client.get("/api/v1/cases", params={"limit": 3, "offset": o}, headers=h).json() for o in (0, 3)]
        assert [len(p["items"]) for p in pages] == [3, 1]
        assert all(p["total"] == 4 for p in pages)
        assert {c["tracking_code"] for p in pages for c in p["items"]} == {c["tracking_code"] for c in cases.values()}
        assert client.get("/api/v1/cases", params={"offset": -5}, headers=h).json()["offset"] == 0


class TestDocs:
    def test_docs_are_served_offline_from_the_installed_package(self, client: TestClient) -> None:
        html = client.get("/docs").text
        assert "cdn" not in html.lower()
        assert "http" not in html.replace("http-equiv", "")
        for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
            assert asset in html
            assert client.get(asset).status_code == 200

    def test_every_parameter_and_field_is_described(self, client: TestClient) -> None:
        doc = client.get("/openapi.json").json()
        missing = []
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                assert op.get("tags"), f"{method} {path} has no tag"
                if path.startswith(("/api/", "/open311/")):
                    assert "Retry-After" in op["responses"]["429"]["headers"], f"{method} {path}: 429 undocumented"
                params = op.get("parameters", [])
                missing += [f"{method} {path} ?{p['name']}" for p in params if not p.get("description")]
        for name, schema in doc["components"]["schemas"].items():
            if name.startswith(("Body_", "HTTPValidationError", "ValidationError")):
                continue
            missing += [f"{name}.{f}" for f, s in schema.get("properties", {}).items() if not s.get("description")]
        assert not missing, missing
