"""The mail outbox against a real SMTP server (aiosmtpd): retries, permanent failures, the digest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from models import EmailOutbox
from models.db import new_session, session_scope
from tests.conftest import FixedClock, Org, auth, make_case
from tests.escalation_helpers import at, smtp_server
from workflows.escalation import sweep
from workflows.mailer import BACKOFF_BASE, LEASE, queue_digest, queue_digest_once, send_due
from workflows.scheduler import Scheduler

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 30)


def _queue(*addresses: str) -> list[int]:
    with session_scope() as s:
        rows = [EmailOutbox(dedupe_key=f"test:{a}", to_addr=a, subject="[DonThu] Thử nghiệm gửi thư",
                            body=f"Kính gửi {a}: hồ sơ 26ABCDEF sắp đến hạn.", next_attempt_at=at(DAY))
                for a in addresses]
        s.add_all(rows)
        s.flush()
        return [r.id or 0 for r in rows]


def _rows() -> list[EmailOutbox]:
    with new_session(readonly=True) as s:
        return list(s.exec(select(EmailOutbox).order_by(col(EmailOutbox.id))).all())


class TestRetries:
    def test_a_refused_mail_is_retried_after_the_backoff_and_sent_once(self, org: Org) -> None:
        _queue("a@example.test", "b@example.test")
        with smtp_server() as (box, settings):
            box.refuse.append("451 4.3.0 Máy chủ bận, thử lại sau")
            first = send_due(at(DAY), settings=settings)
            assert (first.sent, first.retried, first.failed) == (1, 1, 0)
            refused = next(r for r in _rows() if r.sent_at is None)
            assert refused.attempts == 1
            assert "451" in refused.last_error
            assert refused.next_attempt_at == at(DAY) + BACKOFF_BASE
            # Not due yet: nothing is sent again, and the mail already sent is never resent.
            assert send_due(at(DAY) + BACKOFF_BASE / 2, settings=settings).sent == 0
            again = send_due(at(DAY) + BACKOFF_BASE, settings=settings)
            assert (again.sent, again.retried) == (1, 0)
            assert send_due(at(DAY) + timedelta(days=1), settings=settings).sent == 0
        assert box.refused == 1
        assert sorted(m["To"] for m in box.messages) == ["a@example.test", "b@example.test"]
        assert all(r.sent_at is not None and r.failed_at is None for r in _rows())
        assert sorted(r.attempts for r in _rows()) == [1, 2]

    def test_a_permanent_refusal_is_recorded_and_not_retried(self, org: Org, caplog: object) -> None:
        _queue("nobody@example.test")
        with smtp_server() as (box, settings):
            box.refuse.append("550 5.1.1 Hộp thư không tồn tại")
            result = send_due(at(DAY), settings=settings)
            assert (result.sent, result.failed) == (0, 1)
            assert send_due(at(DAY) + timedelta(days=2), settings=settings).sent == 0
        (row,) = _rows()
        assert row.failed_at == at(DAY)
        assert "550" in row.last_error
        assert box.messages == []
        assert "không gửi được" in caplog.text  # type: ignore[attr-defined]

    def test_server_down_counts_as_temporary(self, org: Org) -> None:
        _queue("a@example.test")
        with smtp_server() as (_box, settings):
            pass  # stopped: the port refuses connections
        result = send_due(at(DAY), settings=settings)
        assert result.retried == 1
        (row,) = _rows()
        assert row.sent_at is None
        assert row.failed_at is None
        assert row.next_attempt_at == at(DAY) + BACKOFF_BASE

    def test_a_claimed_row_is_hidden_from_other_senders(self, org: Org) -> None:
        from workflows.mailer import claim

        _queue("a@example.test", "b@example.test")
        with session_scope() as s:
            mine = claim(s, at(DAY))
        with session_scope() as s:
            assert claim(s, at(DAY)) == []  # a second sender finds nothing to take
        with session_scope() as s:
            assert len(claim(s, at(DAY) + LEASE)) == len(mine) == 2  # back after the lease if never recorded


class TestDigest:
    def test_daily_digest_goes_to_office_and_director_once_a_day(
            self, client: TestClient, org: Org, clock: FixedClock) -> None:
        clock.set(date(2026, 11, 18))
        rec = auth(client, "reception")
        overdue = make_case(client, rec, received_on="2026-11-10", subject="Khiếu nại về giá điện")
        soon = make_case(client, rec, received_on="2026-11-18", kind="feedback", subject="Phản ánh chợ tạm")
        group = make_case(client, rec, received_on="2026-11-18", signatories=9, subject="Đơn đông người")
        with smtp_server() as (box, settings):
            assert queue_digest_once(at(DAY)) == 2
            assert queue_digest_once(at(DAY) + timedelta(hours=3)) == 0
            with session_scope() as s:
                assert queue_digest(s, at(DAY), DAY) == 0
            assert send_due(at(DAY), settings=settings).sent == 2
        assert sorted(m["To"] for m in box.messages) == ["director@example.test", "office@example.test"]
        text = box.texts()[0]
        assert "Tổng hợp ngày 30/11/2026" in text
        _, rest = text.split("Hồ sơ quá hạn:")
        overdue_part, rest = rest.split("Hồ sơ đến hạn trong 7 ngày tới:")
        week_part, risk_part = rest.split("Hồ sơ có nguy cơ vượt cấp:")
        assert overdue["tracking_code"] in overdue_part
        assert soon["tracking_code"] in week_part
        assert group["tracking_code"] in risk_part
        assert f"/cases/{overdue['tracking_code']}" in text


class TestScheduler:
    def test_one_round_sweeps_and_sends(self, client: TestClient, org: Org, clock: FixedClock) -> None:
        clock.set(date(2026, 11, 18))
        make_case(client, auth(client, "reception"), received_on="2026-11-18")
        with smtp_server() as (box, settings):
            Scheduler(60, settings=settings).round(at(DAY, hour=2))  # 09:00 in Hà Nội: the digest is due too
        subjects = sorted(str(m["Subject"]) for m in box.messages)
        assert any("Đến hạn hôm nay" in s for s in subjects)
        assert any("Tổng hợp ngày 30/11/2026" in s for s in subjects)

    def test_the_scheduler_process_stops_cleanly_on_sigterm(self, org: Org) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DONTHU_SMTP_PORT": "8139", "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", "scheduler", "--interval", "3600"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "Bộ lập lịch đang chạy" in line
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, out
        assert "Bộ lập lịch đã dừng" in out


def test_sweep_queues_mail_only_when_the_rung_says_so(client: TestClient, org: Org, clock: FixedClock,
                                                      session: Session) -> None:
    from models import EscalationRule

    rule = session.exec(select(EscalationRule).where(EscalationRule.level == "due_today")).one()
    rule.email = False
    session.add(rule)
    session.commit()
    clock.set(date(2026, 11, 18))
    make_case(client, auth(client, "reception"), received_on="2026-11-18")
    result = sweep(at(DAY), DAY)
    assert (result.fired["due_today"], result.notifications, result.emails) == (1, 1, 0)


def test_a_scheduler_round_delivers_due_webhooks(client: TestClient, org: Org, clock: FixedClock) -> None:
    """The scheduler calls `workflows.webhooks.deliver_due`: a real receiver on 127.0.0.1 gets the POST."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from models import CaseEvent, WebhookDelivery, WebhookSubscription
    from tests.escalation_helpers import free_port
    from workflows.auth import create_api_key

    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    clock.set(date(2026, 11, 18))
    case = make_case(client, auth(client, "reception"), received_on="2026-11-18")
    with session_scope() as s:
        _plain, key = create_api_key(s, "Cổng dịch vụ công", ["cases:read"])
        ev = s.exec(select(CaseEvent)).first()
        assert ev is not None
        port = free_port()
        sub = WebhookSubscription(api_key_id=key.id or 0, url=f"http://127.0.0.1:{port}/hook", secret="s" * 32)
        s.add(sub)
        s.flush()
        s.add(WebhookDelivery(subscription_id=sub.id or 0, event_id=ev.id or 0, next_attempt_at=at(DAY),
                              payload=f'{{"tracking_code": "{case["tracking_code"]}"}}'))
    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with smtp_server() as (_box, settings):
            Scheduler(60, settings=settings).round(at(DAY))
    finally:
        server.shutdown()
        server.server_close()
    assert len(received) == 1
    assert case["tracking_code"].encode() in received[0]
    with new_session(readonly=True) as s:
        assert s.exec(select(WebhookDelivery)).one().delivered_at is not None
