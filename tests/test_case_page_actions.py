"""The case page offers exactly the moves the table allows, and its forms make them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models import Case, User
from models.db import new_session
from tests.conftest import FixedClock, Org, csrf_of, page_login
from tests.flows import Flow
from workflows.auth import Principal
from workflows.lifecycle import allowed_actions


@pytest.fixture
def flow(client: TestClient, clock: FixedClock, org: Org) -> Flow:
    return Flow(client, clock)


def _offered(html: str) -> set[str]:
    return set(re.findall(r'<details class="action" data-action="([a-z_]+)"', html))


def _table_allows(username: str, code: str) -> set[str]:
    with new_session(readonly=True) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
        return set(allowed_actions(Principal(user=user), case))


class TestCasePageOffersExactlyTheAllowedActions:
    @pytest.mark.parametrize(("state", "kind", "users"), [
        ("received", "complaint", ("reception", "office", "director")),
        ("assigned", "complaint", ("office", "director", "head.cn", "officer.cn")),
        ("suspended", "complaint", ("office", "director")),
        ("resolved", "complaint", ("reception", "office", "head.cn")),
        ("withdrawn", "denunciation", ("reception", "office", "director")),
    ])
    def test_each_role_sees_the_table_s_actions(self, flow: Flow, state: str, kind: str,
                                                users: tuple[str, ...]) -> None:
        code = flow.to(state, kind=kind)["tracking_code"]
        seen = []
        for username in users:
            page_login(flow.client, username)
            r = flow.client.get(f"/cases/{code}")
            assert r.status_code == 200, r.text
            expected = _table_allows(username, code)
            assert _offered(r.text) == expected, username
            seen.append(expected)
        assert any(seen), "at least one role can act in this state"

    def test_a_role_without_moves_is_told_so(self, flow: Flow) -> None:
        code = flow.to("reported")["tracking_code"]
        page_login(flow.client, "head.cn")
        r = flow.client.get(f"/cases/{code}")
        assert _offered(r.text) == set()
        assert "Bạn không có thao tác nào" in r.text


class TestCasePageActionForm:
    def test_accepting_through_the_form_saves_and_redirects(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 8, 3))
        case = flow.new(received_on="2026-07-28")
        page_login(flow.client, "office")
        page = flow.client.get(f"/cases/{case['tracking_code']}").text
        r = flow.client.post(f"/cases/{case['tracking_code']}/actions/accept", data={
            "csrf_token": csrf_of(page), "version": str(case["version"]), "on": "2026-08-03", "note": "Đủ điều kiện",
        }, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith(f"/cases/{case['tracking_code']}?message=")
        after = flow.get(case["tracking_code"])
        assert (after["status"], flow.clock_of(after, "resolution")["due_on"]) == ("accepted", "2026-09-03")

    def test_a_stale_form_shows_the_vietnamese_reload_message_and_writes_nothing(self, flow: Flow) -> None:
        case = flow.new()
        page_login(flow.client, "office")
        page = flow.client.get(f"/cases/{case['tracking_code']}").text
        flow.act(case, "accept", "director")  # someone else saves first
        r = flow.client.post(f"/cases/{case['tracking_code']}/actions/reject", data={
            "csrf_token": csrf_of(page), "version": str(case["version"]), "reason": "Không thuộc thẩm quyền",
        })
        assert r.status_code == 409
        assert "Hồ sơ đã được người khác cập nhật" in r.text
        assert "Vui lòng tải lại trang" in r.text
        assert flow.get(case["tracking_code"])["status"] == "accepted"
        assert [e["action"] for e in flow.events(case["tracking_code"])] == ["receive", "accept"]

    def test_a_missing_field_is_shown_on_the_page(self, flow: Flow) -> None:
        case = flow.new()
        page_login(flow.client, "office")
        page = flow.client.get(f"/cases/{case['tracking_code']}").text
        r = flow.client.post(f"/cases/{case['tracking_code']}/actions/reject", data={
            "csrf_token": csrf_of(page), "version": str(case["version"]), "reason": "",
        })
        assert r.status_code == 422
        assert "Thiếu thông tin bắt buộc" in r.text
