"""Holiday overrides move the due dates of open cases, in one transaction, with an event each."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import AuditLog, HolidayOverride
from tests.conftest import FixedClock, Org, auth, csrf_of, make_case, page_login


def _acceptance_due(client: TestClient, headers: dict[str, str], code: str) -> str:
    case = client.get(f"/api/v1/cases/{code}", headers=headers).json()
    return next(k["due_on"] for k in case["clocks"] if k["name"] == "acceptance")


def _add_override(client: TestClient, day: str, working: str, name: str) -> str:
    r = client.get("/admin/calendar")
    assert r.status_code == 200
    r = client.post("/admin/calendar/overrides", data={"csrf_token": csrf_of(r.text), "day": day,
                                                       "working": working, "name": name}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


class TestHolidayOverrideAddedAfterIntake:
    def test_a_day_off_moves_the_due_date_logs_the_event_and_removing_it_moves_it_back(
        self, client: TestClient, org: Org, clock: FixedClock, session: Session,
    ) -> None:
        clock.set(date(2026, 12, 1))
        office = auth(client, "office")
        case = make_case(client, auth(client, "reception"), received_on="2026-12-01")
        code = case["tracking_code"]
        # 7 working days from Tuesday 01/12 (Nghị định 155/2026 period): Thursday 10/12.
        assert _acceptance_due(client, office, code) == "2026-12-10"
        other = make_case(client, auth(client, "reception"), received_on="2026-11-02",
                          subject="Kiến nghị về chợ", content="Đề nghị sửa chữa mái chợ trung tâm.")

        page_login(client, "admin")
        location = _add_override(client, "2026-12-03", "0", "Ngày nghỉ địa phương")
        assert "1%20h%E1%BB%93%20s%C6%A1" in location  # "1 hồ sơ" were recomputed

        assert _acceptance_due(client, office, code) == "2026-12-11"
        assert _acceptance_due(client, office, other["tracking_code"]) == "2026-11-11"  # untouched
        after = client.get(f"/api/v1/cases/{code}", headers=office).json()
        assert after["version"] == case["version"] + 1
        events = client.get(f"/api/v1/cases/{code}/events", headers=office).json()
        assert events[-1]["action"] == "calendar_changed"
        assert events[-1]["data"]["clocks"]["acceptance"] == "2026-12-11"
        untouched = client.get(f"/api/v1/cases/{other['tracking_code']}/events", headers=office).json()
        assert [e["action"] for e in untouched] == ["receive"]
        inbox = client.get("/api/v1/cases?clock_state=on_track", headers=office).json()
        assert code in {c["tracking_code"] for c in inbox["items"]}

        r = client.get("/admin/calendar")
        assert 'data-override="2026-12-03"' in r.text
        delete = re.search(r'action="(/admin/calendar/overrides/\d+/delete)"', r.text)
        assert delete
        r = client.post(delete.group(1), data={"csrf_token": csrf_of(r.text)},
                        follow_redirects=False)
        assert r.status_code == 303
        assert _acceptance_due(client, office, code) == "2026-12-10"
        events = client.get(f"/api/v1/cases/{code}/events", headers=office).json()
        assert [e["action"] for e in events] == ["receive", "calendar_changed", "calendar_changed"]
        actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]
        assert actions == ["holiday_override.add", "holiday_override.remove"]

    def test_a_working_saturday_shortens_a_running_period(self, client: TestClient, org: Org,
                                                          clock: FixedClock) -> None:
        clock.set(date(2026, 12, 1))
        office = auth(client, "office")
        code = make_case(client, auth(client, "reception"), received_on="2026-12-01")["tracking_code"]
        page_login(client, "admin")
        _add_override(client, "2026-12-05", "1", "Làm bù")
        assert _acceptance_due(client, office, code) == "2026-12-09"

    def test_a_finished_case_keeps_its_due_date(self, client: TestClient, org: Org, clock: FixedClock) -> None:
        clock.set(date(2026, 12, 1))
        office = auth(client, "office")
        case = make_case(client, auth(client, "reception"), received_on="2026-12-01")
        r = client.post(f"/api/v1/cases/{case['tracking_code']}/actions/reject",
                        json={"version": case["version"], "reason": "Không thuộc thẩm quyền"}, headers=office)
        assert r.status_code == 200
        page_login(client, "admin")
        _add_override(client, "2026-12-03", "0", "Ngày nghỉ địa phương")
        assert _acceptance_due(client, office, case["tracking_code"]) == "2026-12-10"


    def test_the_recompute_event_does_not_block_a_back_dated_decision(self, client: TestClient, org: Org,
                                                                       clock: FixedClock) -> None:
        clock.set(date(2026, 12, 1))
        case = make_case(client, auth(client, "reception"), received_on="2026-11-30")
        page_login(client, "admin")
        _add_override(client, "2026-12-03", "0", "Ngày nghỉ địa phương")
        office = auth(client, "office")
        version = client.get(f"/api/v1/cases/{case['tracking_code']}", headers=office).json()["version"]
        r = client.post(f"/api/v1/cases/{case['tracking_code']}/actions/accept",
                        json={"version": version, "on": "2026-11-30"}, headers=office)
        assert r.status_code == 200, r.text


class TestHolidayOverrideRefusals:
    def test_an_override_that_changes_nothing_is_refused(self, client: TestClient, org: Org) -> None:
        page_login(client, "admin")
        r = client.get("/admin/calendar")
        r = client.post("/admin/calendar/overrides", data={"csrf_token": csrf_of(r.text), "day": "2026-12-06",
                                                           "working": "0", "name": "Chủ nhật"})
        assert r.status_code == 409
        assert "vốn đã là ngày nghỉ" in r.text

    def test_without_csrf_token_nothing_is_written(self, client: TestClient, org: Org, session: Session) -> None:
        page_login(client, "admin")
        r = client.post("/admin/calendar/overrides", data={"day": "2026-12-03", "working": "0", "name": "x"})
        assert r.status_code == 403
        assert session.exec(select(HolidayOverride)).first() is None

    def test_other_roles_are_refused_in_vietnamese(self, client: TestClient, org: Org) -> None:
        page_login(client, "director")
        for path in ("/admin/calendar", "/admin/policies", "/admin/policies/preview"):
            r = client.get(path)
            assert r.status_code == 403
            assert "chỉ dành cho quản trị viên" in r.text

    def test_upcoming_days_off_list_national_day_and_culture_day(self, client: TestClient, org: Org,
                                                                 clock: FixedClock) -> None:
        clock.set(date(2026, 8, 1))
        page_login(client, "admin")
        r = client.get("/admin/calendar")
        for day in ("2026-08-22", "2026-08-31", "2026-09-01", "2026-09-02", "2026-11-24"):
            assert f'data-day="{day}"' in r.text
