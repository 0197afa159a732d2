"""The bell, the notifications list (page and API) and the admin's ladder page."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import AuditLog, EscalationRule, Notification
from models.db import new_session
from tests.conftest import FixedClock, Org, auth, csrf_of, make_case, page_login
from tests.escalation_helpers import at
from workflows.escalation import sweep

DAY = date(2026, 11, 30)


def _two_warnings(client: TestClient, clock: FixedClock) -> list[str]:
    """Two cases due today on 30/11: the office gets one notification for each."""
    clock.set(date(2026, 11, 18))
    rec = auth(client, "reception")
    codes = [make_case(client, rec, received_on="2026-11-18", subject=f"Khiếu nại số {i}")["tracking_code"]
             for i in range(2)]
    sweep(at(DAY), DAY)
    clock.set(DAY)
    return codes


class TestApi:
    def test_list_links_each_notification_to_its_case_and_marks_read(
            self, client: TestClient, org: Org, clock: FixedClock) -> None:
        codes = _two_warnings(client, clock)
        office = auth(client, "office")
        body = client.get("/api/v1/notifications", headers=office).json()
        assert (body["total"], body["unread"]) == (2, 2)
        assert {n["tracking_code"] for n in body["items"]} == set(codes)
        assert {n["url"] for n in body["items"]} == {f"/cases/{c}" for c in codes}
        assert all(n["level"] == "due_today" and "Đến hạn hôm nay" in n["title"] for n in body["items"])
        first = body["items"][0]["id"]
        assert client.post(f"/api/v1/notifications/{first}/read", headers=office).status_code == 204
        body = client.get("/api/v1/notifications?unread=true", headers=office).json()
        assert (body["total"], body["unread"]) == (1, 1)
        assert client.post("/api/v1/notifications/read-all", headers=office).json() == {"marked": 1}
        assert client.get("/api/v1/notifications", headers=office).json()["unread"] == 0

    def test_someone_elses_notification_is_not_found(self, client: TestClient, org: Org, clock: FixedClock) -> None:
        _two_warnings(client, clock)
        office = auth(client, "office")
        nid = client.get("/api/v1/notifications", headers=office).json()["items"][0]["id"]
        officer = auth(client, "officer.tm")
        assert client.get("/api/v1/notifications", headers=officer).json()["total"] == 0
        r = client.post(f"/api/v1/notifications/{nid}/read", headers=officer)
        assert r.status_code == 404
        assert r.json()["detail"] == "Không tìm thấy thông báo."
        assert client.get("/api/v1/notifications").status_code == 401


class TestPages:
    def test_bell_shows_unread_count_and_mark_all_needs_csrf(
            self, client: TestClient, org: Org, clock: FixedClock) -> None:
        codes = _two_warnings(client, clock)
        page_login(client, "office")
        inbox = client.get("/inbox").text
        assert '<span class="badge">2</span>' in inbox
        page = client.get("/notifications")
        assert page.status_code == 200
        for code in codes:
            assert f'href="/cases/{code}"' in page.text
        assert client.post("/notifications/read-all", data={"csrf_token": "sai"}).status_code == 403
        r = client.post("/notifications/read-all", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
        assert r.status_code == 303
        assert 'class="badge"' not in client.get("/inbox").text

    def test_mark_one_read_and_open_the_case(self, client: TestClient, org: Org, clock: FixedClock,
                                            session: Session) -> None:
        codes = _two_warnings(client, clock)
        page_login(client, "office")
        page = client.get("/notifications").text
        nid = session.exec(select(Notification.id).order_by(Notification.id)).first()
        session.rollback()
        r = client.post(f"/notifications/{nid}/read?next=/cases/{codes[0]}", data={"csrf_token": csrf_of(page)},
                        follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, f"/cases/{codes[0]}")
        r = client.post(f"/notifications/{nid}/read?next=https://evil.example/", data={"csrf_token": csrf_of(page)},
                        follow_redirects=False)
        assert r.headers["location"] == "/notifications"
        assert '<span class="badge">1</span>' in client.get("/inbox").text


class TestLadderPage:
    def test_only_the_admin_edits_the_ladder(self, client: TestClient, org: Org) -> None:
        page_login(client, "office")
        assert client.get("/admin/ladder").status_code == 403

    def test_admin_changes_threshold_and_recipients_and_the_sweep_follows(
            self, client: TestClient, org: Org, clock: FixedClock) -> None:
        page_login(client, "admin")
        page = client.get("/admin/ladder")
        assert page.status_code == 200
        assert "Thang cảnh báo thời hạn" in page.text
        token = csrf_of(page.text)
        assert client.post("/admin/ladder/due_soon", data={"threshold": "5", "notify": ["director"], "email": "1",
                                                           "active": "1"}).status_code == 403
        r = client.post("/admin/ladder/due_soon", data={"csrf_token": token, "threshold": "99", "notify": ["director"],
                                                        "active": "1"})
        assert r.status_code == 422
        assert "Ngưỡng phải từ 1 đến 30" in r.text
        r = client.post("/admin/ladder/due_soon", data={"csrf_token": token, "threshold": "5", "notify": ["director"],
                                                        "active": "1"}, follow_redirects=False)
        assert r.status_code == 303
        with new_session(readonly=True) as s:
            rule = s.exec(select(EscalationRule).where(EscalationRule.level == "due_soon")).one()
            assert (rule.threshold, rule.notify, rule.email) == (5, "director", False)
            assert s.exec(select(AuditLog).where(AuditLog.action == "escalation_rule.update")).first() is not None
        client.post("/logout", data={"csrf_token": token})
        clock.set(date(2026, 11, 18))
        make_case(client, auth(client, "reception"), received_on="2026-11-18")  # due 30/11
        # Six working days left on 19/11, five on 20/11 (20, 23, 25, 26, 27, 30 less the 24/11 holiday).
        assert sweep(at(date(2026, 11, 19)), date(2026, 11, 19)).total_fired == 0
        result = sweep(at(date(2026, 11, 20)), date(2026, 11, 20))
        assert (result.fired["due_soon"], result.emails) == (1, 0)
        with new_session(readonly=True) as s:
            users = s.exec(select(Notification.user_id)).all()
        assert users == [org.director.id]
