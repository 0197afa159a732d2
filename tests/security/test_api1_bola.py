"""OWASP API1:2023 Broken Object Level Authorization.

Another unit's case must be indistinguishable from a case that does not exist, through every
route that names a case: JSON API, pages, attachments, exports and notifications. The routes
are read from the app's route table, so routes added later are covered too.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import auth, csrf_of, page_login
from tests.security.conftest import GHOST, PDF, World, fill, routes, text_of

WRITE = {"POST", "PUT", "PATCH", "DELETE"}


def _call(client: TestClient, method: str, url: str, headers: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> Any:
    if method in WRITE and "/attachments" in url and method == "POST":
        files = {"file": ("x.pdf", PDF, "application/pdf")}
        return client.request(method, url, files=files, data=form, headers=headers, follow_redirects=False)
    if method in WRITE and form is not None:
        return client.request(method, url, data=form, headers=headers, follow_redirects=False)
    if method in WRITE:
        body = {"version": 1, "reason": "x", "unit": "QLCN", "result": "x", "decision_number": "1"}
        return client.request(method, url, json=body, headers=headers, follow_redirects=False)
    return client.request(method, url, headers=headers, follow_redirects=False)


class TestOtherUnitsCaseIsNotFound:
    def test_every_api_route_with_a_case_code_answers_404(self, client: TestClient, app: Any, world: World) -> None:
        officer = auth(client, "officer.cn")
        checked = 0
        for method, path, _route in routes(app, pages=False):
            if "{tracking_code}" not in path:
                continue
            other = _call(client, method, fill(path, world.tm_code, world.tm_attachment), officer)
            ghost = _call(client, method, fill(path, GHOST, world.tm_attachment), officer)
            assert other.status_code == ghost.status_code, f"{method} {path}: {other.status_code}/{ghost.status_code}"
            assert other.status_code not in (200, 201, 204, 403), f"{method} {path} leaks: {other.status_code}"
            assert world.tm_code not in other.text
            checked += 1
        assert checked >= 6  # detail, actions, events, attachments list/upload/download at least

    def test_the_owning_unit_does_see_it(self, client: TestClient, world: World) -> None:
        # The control: the same request by the owning unit succeeds, so the 404 above is scoping.
        r = client.get(f"/api/v1/cases/{world.tm_code}", headers=auth(client, "officer.tm"))
        assert r.status_code == 200
        r = client.get(f"/api/v1/cases/{world.tm_code}/attachments/{world.tm_attachment}",
                       headers=auth(client, "officer.tm"))
        assert r.status_code == 200

    def test_acting_on_it_changes_nothing(self, client: TestClient, world: World) -> None:
        officer = auth(client, "officer.cn")
        for action in ("report", "reassign", "withdraw", "accept"):
            r = client.post(f"/api/v1/cases/{world.tm_code}/actions/{action}",
                            json={"version": world.tm_version - 1, "result": "x", "reason": "x"}, headers=officer)
            assert r.status_code == 404
        r = client.post(f"/api/v1/cases/{world.tm_code}/attachments",
                        files={"file": ("x.pdf", PDF, "application/pdf")}, headers=officer)
        assert r.status_code == 404
        mine = auth(client, "officer.tm")
        case = client.get(f"/api/v1/cases/{world.tm_code}", headers=mine).json()
        assert case["status"] == "assigned"
        assert len(client.get(f"/api/v1/cases/{world.tm_code}/attachments", headers=mine).json()) == 1

    def test_another_units_attachment_through_my_own_case_is_404(self, client: TestClient, world: World) -> None:
        # Object ids in a path must belong to the case in the same path.
        r = client.get(f"/api/v1/cases/{world.cn_code}/attachments/{world.tm_attachment}",
                       headers=auth(client, "officer.cn"))
        assert r.status_code == 404

    def test_every_page_route_with_a_case_code_answers_404(self, client: TestClient, app: Any, world: World) -> None:
        page_login(client, "officer.cn")
        token = csrf_of(client.get(f"/cases/{world.cn_code}").text)
        checked = 0
        for method, path, _route in routes(app, pages=True):
            if "{tracking_code}" not in path:
                continue
            form = {"csrf_token": token, "version": "1", "reason": "x"} if method in WRITE else None
            other = _call(client, method, fill(path, world.tm_code, world.tm_attachment), form=form)
            ghost = _call(client, method, fill(path, GHOST, world.tm_attachment), form=form)
            assert other.status_code == ghost.status_code, f"{method} {path}"
            # 403 only where the role may not use the page at all (the same for any code).
            assert other.status_code in (403, 404), f"{method} {path}: {other.status_code}"
            assert world.tm_code not in other.text
            checked += 1
        assert checked >= 3

    def test_no_list_export_or_notification_mentions_it(self, client: TestClient, app: Any, world: World) -> None:
        """Every GET route without path parameters (lists, exports, notifications, dashboards,
        reports), in JSON and as pages, read by another unit's officer and head."""
        for username in ("officer.cn", "head.cn"):
            bearer = auth(client, username)
            for method, path, _route in routes(app, pages=False):
                if method != "GET" or "{" in path:
                    continue
                for query in ("", "?format=csv", "?format=xlsx", "?limit=200"):
                    r = client.get(path + query, headers=bearer)
                    assert world.tm_code not in text_of(r.content), f"{username}: GET {path}{query}"
            page_login(client, username)
            for method, path, _route in routes(app, pages=True):
                if method != "GET" or "{" in path:
                    continue
                for query in ("", "?format=csv", "?format=xlsx"):
                    r = client.get(path + query, follow_redirects=False)
                    assert world.tm_code not in text_of(r.content), f"{username}: page {path}{query}"
            client.cookies.clear()
        # The control: their own unit's case does show up in their inbox.
        listed = client.get("/api/v1/cases", headers=auth(client, "officer.cn")).json()
        assert [c["tracking_code"] for c in listed["items"]] == [world.cn_code]

    def test_admin_sees_no_case_content(self, client: TestClient, world: World) -> None:
        admin = auth(client, "admin")
        assert client.get("/api/v1/cases", headers=admin).json()["total"] == 0
        assert client.get(f"/api/v1/cases/{world.tm_code}", headers=admin).status_code == 404
