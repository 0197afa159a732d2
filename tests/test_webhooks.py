"""Webhooks: subscriptions per API key, signed deliveries to a real HTTP server on 127.0.0.1,
retries with backoff, permanent failure, never twice, and no personal data."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import WebhookDelivery
from tests.conftest import FixedClock, Org, act, auth, make_case
from tests.test_api_systems import make_key
from tests.test_open311 import SECRETS
from workflows.webhooks import MAX_ATTEMPTS, SIGNATURE_HEADER, deliver_due

PORT = 8185


class Receiver(ThreadingHTTPServer):
    """A subscriber: records what arrives and answers with `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", PORT), Handler)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def subscribe(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:{PORT}/donthu"}, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def submitted_denunciation(client: TestClient, key: dict[str, str]) -> dict[str, Any]:
    """A denunciation sent by the system, then accepted by the office (a public status change)."""
    case = make_case(
        client, key, kind="denunciation", subject="Tố cáo ông Lê Văn Cường nhận hối lộ",
        content="Ông Lê Văn Cường nhận hối lộ.",
        petitioner={"full_name": "Trần Thị Bình", "id_number": "079190001234", "phone": "0987654321",
                    "email": "binh@example.test", "address": "Phường Bến Nghé"},
    )
    return act(client, auth(client, "office"), case["tracking_code"], "accept", case["version"],
               note="Đã làm việc với bà Trần Thị Bình")


def pending(session: Session) -> list[WebhookDelivery]:
    session.rollback()
    rows = list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).all())
    session.rollback()
    return rows


class TestSubscriptions:
    def test_subscribe_list_and_delete(self, client: TestClient, session: Session, org: Org) -> None:
        mine, theirs = make_key(session, "cases:read"), make_key(session, "cases:read", name="Khác")
        sub = subscribe(client, mine)
        assert len(sub["secret"]) >= 32
        listed = client.get("/api/v1/webhooks", headers=mine).json()
        assert [s["id"] for s in listed] == [sub["id"]]
        assert "secret" not in listed[0]
        assert client.get("/api/v1/webhooks", headers=theirs).json() == []
        assert client.delete(f"/api/v1/webhooks/{sub['id']}", headers=theirs).status_code == 404
        assert client.delete(f"/api/v1/webhooks/{sub['id']}", headers=mine).status_code == 204
        assert client.get("/api/v1/webhooks", headers=mine).json() == []

    def test_staff_and_unscoped_keys_cannot_subscribe(self, client: TestClient, session: Session, org: Org) -> None:
        body = {"url": "https://example.test/hook"}
        assert client.post("/api/v1/webhooks", json=body, headers=auth(client, "office")).status_code == 403
        assert client.post("/api/v1/webhooks", json=body, headers=make_key(session, "cases:write")).status_code == 403
        reader = make_key(session, "cases:read")
        bad = client.post("/api/v1/webhooks", json={"url": "ftp://example.test/x"}, headers=reader)
        assert bad.status_code == 422
        assert "http" in bad.json()["detail"]


class TestDelivery:
    def test_signed_once_and_without_personal_data(self, client: TestClient, session: Session, org: Org,
                                                   clock: FixedClock, receiver: Receiver) -> None:
        key = make_key(session, "cases:read", "cases:write")
        sub = subscribe(client, key)
        other = make_key(session, "cases:read", name="Hệ thống khác")
        subscribe(client, other)  # subscribed, but the case is not theirs
        case = submitted_denunciation(client, key)
        assert len(pending(session)) == 1

        report = deliver_due(session, clock.now)
        assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
        assert len(receiver.received) == 1
        headers, body = receiver.received[0]
        expected = "sha256=" + hmac.new(sub["secret"].encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers[SIGNATURE_HEADER.lower()], expected)
        payload = json.loads(body)
        assert payload["tracking_code"] == case["tracking_code"]
        assert (payload["from_status"], payload["status"]) == ("received", "accepted")
        text = body.decode()
        assert not [s for s in SECRETS if s.lower() in text.lower()]

        # A second run, and a later one, send nothing again.
        assert deliver_due(session, clock.now).delivered == 0
        assert deliver_due(session, clock.now + timedelta(days=1)).delivered == 0
        assert len(receiver.received) == 1
        assert pending(session)[0].delivered_at is not None

    def test_failures_back_off_then_fail_permanently(self, client: TestClient, session: Session, org: Org,
                                                     clock: FixedClock, receiver: Receiver) -> None:
        key = make_key(session, "cases:read", "cases:write")
        subscribe(client, key)
        submitted_denunciation(client, key)
        receiver.status = 500
        now = clock.now
        delays = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = deliver_due(session, now)
            row = pending(session)[0]
            assert row.attempts == attempt
            assert row.last_status == 500
            if attempt < MAX_ATTEMPTS:
                assert report.retrying == 1
                assert deliver_due(session, now).retrying == 0  # not due again yet
                delays.append(row.next_attempt_at - now)
                now = row.next_attempt_at
            else:
                assert report.failed == 1
                assert row.failed_at is not None
        assert delays == sorted(delays)
        assert delays[0] < delays[-1]
        assert len(receiver.received) == MAX_ATTEMPTS
        assert deliver_due(session, now + timedelta(days=7)).retrying == 0
        assert len(receiver.received) == MAX_ATTEMPTS

    def test_recovers_after_a_failure(self, client: TestClient, session: Session, org: Org,
                                      clock: FixedClock, receiver: Receiver) -> None:
        key = make_key(session, "cases:read", "cases:write")
        subscribe(client, key)
        submitted_denunciation(client, key)
        receiver.status = 503
        assert deliver_due(session, clock.now).retrying == 1
        receiver.status = 204
        row = pending(session)[0]
        assert deliver_due(session, row.next_attempt_at).delivered == 1
        assert len(receiver.received) == 2
        assert pending(session)[0].delivered_at is not None


class TestLogAndCli:
    def test_cli_delivers_and_the_log_shows_it(self, client: TestClient, session: Session, org: Org,
                                               receiver: Receiver) -> None:
        from typer.testing import CliRunner

        from api.cli import app

        key = make_key(session, "cases:read", "cases:write")
        sub = subscribe(client, key)
        submitted_denunciation(client, key)
        out = CliRunner().invoke(app, ["webhooks", "deliver"])
        assert out.exit_code == 0, out.output
        assert "Đã gửi 1" in out.output
        assert len(receiver.received) == 1
        log = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=key).json()
        assert [(d["attempts"], d["last_status"]) for d in log] == [(1, 200)]
        assert log[0]["delivered_at"] is not None
        other = make_key(session, "cases:read", name="Khác")
        assert client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=other).status_code == 404
