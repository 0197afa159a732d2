"""Staff pages through the app's own client: inbox filters and assignment, the reception
day list, the admin pages, and the rule that no page carries inline script or style."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import ApiKey, AuditLog, User
from tests.conftest import PASSWORD, Org, act, csrf_of, make_case, page_login
from tests.conftest import auth as _login_for_token


def auth(client: TestClient, username: str) -> dict[str, str]:
    """Bearer headers, one argon2 login per user and test (the client lives for one test)."""
    tokens: dict[str, dict[str, str]] = client.__dict__.setdefault("_ui_tokens", {})
    if username not in tokens:
        tokens[username] = _login_for_token(client, username)
    return tokens[username]


def _accepted_and_assigned(client: TestClient, unit: str = "QLCN", **fields: object) -> dict:
    office = auth(client, "office")
    case = make_case(client, auth(client, "reception"), **fields)
    c = act(client, office, case["tracking_code"], "accept", case["version"])
    return act(client, office, case["tracking_code"], "assign", c["version"], unit=unit)


def _codes(html: str) -> list[str]:
    return re.findall(r'class="code" href="/cases/([A-Z0-9-]+)"', html)


class TestInbox:
    def test_search_finds_with_or_without_diacritics(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        wanted = make_case(client, h, subject="Khiếu nại về giá điện sinh hoạt")["tracking_code"]
        other = make_case(client, h, subject="Phản ánh chợ tạm", content="Chợ tạm lấn chiếm lòng đường.",
                          petitioner={"full_name": "Trần Thị Bình", "id_number": "001190000001"})["tracking_code"]
        page_login(client, "office")
        for q in ("giá điện", "gia dien", "GIA ĐIỆN"):
            html = client.get("/inbox", params={"q": q}).text
            assert wanted in _codes(html), q
            assert other not in _codes(html), q

    def test_filters_by_kind_unit_officer_and_dates(self, client: TestClient, org: Org) -> None:
        cn = _accepted_and_assigned(client, "QLCN")["tracking_code"]
        tm = _accepted_and_assigned(client, "QLTM", kind="feedback", received_on="2026-11-20")["tracking_code"]
        page_login(client, "office")
        assert _codes(client.get("/inbox", params={"unit": "QLCN"}).text) == [cn]
        assert _codes(client.get("/inbox", params={"kind": "feedback"}).text) == [tm]
        assert _codes(client.get("/inbox", params={"from": "2026-11-25"}).text) == [cn]
        assert _codes(client.get("/inbox", params={"to": "2026-11-21"}).text) == [tm]
        assert _codes(client.get("/inbox", params={"from": "nonsense"}).text).__len__() == 2

    def test_sorted_by_urgency_with_traffic_lights(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        fresh = make_case(client, h)["tracking_code"]
        late = make_case(client, h, received_on="2026-10-01", subject="Đơn cũ",
                         petitioner={"full_name": "Lê Văn Cường", "id_number": "001190000002"})["tracking_code"]
        page_login(client, "office")
        html = client.get("/inbox").text
        assert _codes(html) == [late, fresh]
        row = re.search(r'<tr class="light-(\w+)">\s*<td><span class="dot"[^>]*></span></td>\s*'
                        rf'<td[^>]*><a class="code" href="/cases/{late}"', html)
        assert row
        assert row.group(1) == "overdue"

    def test_empty_state_explains_itself(self, client: TestClient, org: Org) -> None:
        page_login(client, "officer.cn")
        html = client.get("/inbox").text
        assert "Chưa có hồ sơ nào trong hộp việc" in html
        assert "đơn vị của bạn" in html
        html = client.get("/inbox", params={"q": "không có gì"}).text
        assert "Không có hồ sơ nào khớp bộ lọc" in html

    def test_pagination_keeps_the_filters(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        for i in range(27):
            make_case(client, h, subject=f"Phản ánh số {i}", petitioner={"full_name": f"Người {i}",
                                                                          "id_number": f"0011900001{i:02d}"})
        page_login(client, "office")
        first = client.get("/inbox", params={"kind": "complaint"}).text
        assert len(_codes(first)) == 25
        nxt = re.search(r'href="\?([^"]+)">Trang sau', first)
        assert nxt
        assert "kind=complaint" in nxt.group(1)
        second = client.get("/inbox?" + nxt.group(1).replace("&amp;", "&")).text
        assert len(_codes(second)) == 2
        assert not set(_codes(second)) & set(_codes(first))

    def test_unit_head_assigns_an_officer_from_the_inbox(self, client: TestClient, org: Org) -> None:
        case = _accepted_and_assigned(client, "QLCN")
        page_login(client, "head.cn")
        html = client.get("/inbox").text
        form = re.search(rf'action="/cases/{case["tracking_code"]}/actions/reassign".*?</form>', html, re.S)
        assert form, "the unit head has no assign form in the inbox"
        assert 'value="officer.tm"' not in form.group(0)  # only the unit's own officers
        version = re.search(r'name="version" value="(\d+)"', form.group(0)).group(1)  # type: ignore[union-attr]
        r = client.post(f"/cases/{case['tracking_code']}/actions/reassign",
                        data={"csrf_token": csrf_of(html), "version": version, "officer": "officer.cn",
                              "next": "/inbox"}, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/inbox"
        got = client.get(f"/api/v1/cases/{case['tracking_code']}", headers=auth(client, "office")).json()
        assert got["officer"] == "officer.cn"
        # The same form posted again from the stale page is refused with a clear message.
        r = client.post(f"/cases/{case['tracking_code']}/actions/reassign",
                        data={"csrf_token": csrf_of(html), "version": version, "officer": "officer.cn"})
        assert r.status_code == 409
        assert "tải lại" in r.text

    def test_officers_do_not_get_the_assign_form(self, client: TestClient, org: Org) -> None:
        _accepted_and_assigned(client, "QLCN")
        page_login(client, "officer.cn")
        assert "actions/reassign" not in client.get("/inbox").text


class TestReceptionToday:
    def test_lists_what_was_logged_today(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        today = make_case(client, h)["tracking_code"]
        older = make_case(client, h, received_on="2026-11-20", subject="Đơn gửi qua bưu điện",
                          petitioner={"full_name": "Phạm Thu", "id_number": "001190000003"})["tracking_code"]
        page_login(client, "reception")
        html = client.get("/reception").text
        assert today in html
        assert older not in html
        assert f"/reception/receipt/{today}" in html

    def test_empty_day_says_so(self, client: TestClient, org: Org) -> None:
        page_login(client, "reception")
        assert "Hôm nay chưa tiếp nhận đơn nào" in client.get("/reception").text


class TestAdmin:
    def test_only_admin_may_open_admin_pages(self, client: TestClient, org: Org) -> None:
        page_login(client, "director")
        for path in ("/admin", "/admin/users", "/admin/units", "/admin/categories", "/admin/api-keys"):
            assert client.get(path).status_code == 403, path
        page_login(client, "admin")
        home = client.get("/admin").text
        for link in ("/admin/users", "/admin/units", "/admin/categories", "/admin/api-keys", "/admin/policies",
                     "/admin/holidays", "/admin/ladder"):
            assert f'href="{link}"' in home

    def test_admin_sees_no_case_content(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        page_login(client, "admin")
        assert client.get(f"/cases/{case['tracking_code']}").status_code == 404
        for path in ("/admin", "/admin/users", "/admin/units", "/admin/categories"):
            assert "Khiếu nại quyết định xử phạt" not in client.get(path).text

    def test_create_user_then_log_in(self, client: TestClient, org: Org, session: Session) -> None:
        page_login(client, "admin")
        token = csrf_of(client.get("/admin/users").text)
        r = client.post("/admin/users", data={"csrf_token": token, "username": "officer.nl", "full_name": "Đỗ Minh",
                                              "password": "mat-khau-moi-1", "role": "officer", "unit": "QLCN"},
                        follow_redirects=False)
        assert r.status_code == 303
        r = client.post("/api/v1/auth/token", data={"username": "officer.nl", "password": "mat-khau-moi-1"})
        assert r.status_code == 200
        assert session.exec(select(AuditLog).where(AuditLog.action == "user.create")).first() is not None

    def test_officer_without_unit_is_refused_in_vietnamese(self, client: TestClient, org: Org) -> None:
        page_login(client, "admin")
        token = csrf_of(client.get("/admin/users").text)
        r = client.post("/admin/users", data={"csrf_token": token, "username": "x.y", "full_name": "X",
                                              "password": "mat-khau-moi-1", "role": "officer", "unit": ""})
        assert r.status_code == 422
        assert "phải thuộc một đơn vị" in r.text

    def test_change_role_and_unit_ends_the_old_session(self, client: TestClient, org: Org,
                                                       session: Session) -> None:
        h = auth(client, "officer.cn")
        page_login(client, "admin")
        token = csrf_of(client.get("/admin/users").text)
        r = client.post(f"/admin/users/{org.officer_cn.id}", data={
            "csrf_token": token, "full_name": "Officer Cn", "email": "", "role": "unit_head", "unit": "QLTM"},
            follow_redirects=False)
        assert r.status_code == 303
        session.expire_all()
        user = session.get(User, org.officer_cn.id)
        assert user is not None
        assert (user.role, user.unit_id) == ("unit_head", org.tm.id)
        session.rollback()
        assert client.get("/api/v1/cases", headers=h).status_code == 401

    def test_deactivate_and_reset_password(self, client: TestClient, org: Org) -> None:
        page_login(client, "admin")
        token = csrf_of(client.get("/admin/users").text)
        r = client.post(f"/admin/users/{org.officer_tm.id}/active", data={"csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303
        r = client.post("/api/v1/auth/token", data={"username": "officer.tm", "password": PASSWORD})
        assert r.status_code == 401
        client.post(f"/admin/users/{org.officer_tm.id}/active", data={"csrf_token": token, "active": "1"})
        r = client.post(f"/admin/users/{org.officer_tm.id}/password", data={"csrf_token": token})
        temporary = re.search(r'id="temporary-password">([^<]+)<', r.text)
        assert temporary
        assert client.post("/api/v1/auth/token", data={"username": "officer.tm", "password": PASSWORD}
                           ).status_code == 401
        assert client.post("/api/v1/auth/token", data={"username": "officer.tm", "password": temporary.group(1)}
                           ).status_code == 200

    def test_admin_cannot_lock_themselves_out(self, client: TestClient, org: Org) -> None:
        page_login(client, "admin")
        token = csrf_of(client.get("/admin/users").text)
        r = client.post(f"/admin/users/{org.admin.id}/active", data={"csrf_token": token})
        assert r.status_code == 422
        assert client.get("/admin").status_code == 200

    def test_forms_need_csrf(self, client: TestClient, org: Org) -> None:
        page_login(client, "admin")
        r = client.post("/admin/units", data={"code": "QLNL", "name": "Phòng Quản lý Năng lượng"})
        assert r.status_code == 403

    def test_units_and_categories(self, client: TestClient, org: Org) -> None:
        page_login(client, "admin")
        token = csrf_of(client.get("/admin/units").text)
        r = client.post("/admin/units", data={"csrf_token": token, "code": "QLNL",
                                              "name": "Phòng Quản lý Năng lượng"}, follow_redirects=False)
        assert r.status_code == 303
        assert "Phòng Quản lý Năng lượng" in client.get("/admin/units").text
        r = client.post("/admin/units", data={"csrf_token": token, "code": "QLNL", "name": "Trùng"})
        assert r.status_code == 422
        assert "đã tồn tại" in r.text
        r = client.post("/admin/categories", data={"csrf_token": token, "code": "DIEN", "name": "Điện lực",
                                                   "default_unit": "QLNL"}, follow_redirects=False)
        assert r.status_code == 303
        cats = client.get("/api/v1/categories", headers=auth(client, "office"))
        if cats.status_code == 200:
            assert any(c.get("code") == "DIEN" for c in cats.json())
        assert "Điện lực" in client.get("/admin/categories").text
        # Deactivate the category: it leaves the intake form.
        cat_id = re.search(r'action="/admin/categories/(\d+)"', client.get("/admin/categories").text)
        assert cat_id
        ids = re.findall(r'action="/admin/categories/(\d+)"[^>]*>.*?name="name" value="([^"]+)"',
                         client.get("/admin/categories").text, re.S)
        dien = next(i for i, name in ids if name == "Điện lực")
        client.post(f"/admin/categories/{dien}", data={"csrf_token": token, "name": "Điện lực",
                                                       "default_unit": "QLNL"})
        page_login(client, "reception")
        assert "Điện lực" not in client.get("/reception/new").text

    def test_api_key_is_shown_once_and_can_be_revoked(self, client: TestClient, org: Org,
                                                       session: Session) -> None:
        page_login(client, "admin")
        token = csrf_of(client.get("/admin/api-keys").text)
        r = client.post("/admin/api-keys", data={"csrf_token": token, "name": "Cổng dịch vụ công",
                                                 "scopes": ["cases:read"]})
        key = re.search(r'id="new-key">([^<]+)<', r.text)
        assert key
        plain = key.group(1)
        assert client.get("/api/v1/cases", headers={"X-API-Key": plain}).status_code == 200
        listing = client.get("/admin/api-keys").text
        assert plain not in listing
        assert "Cổng dịch vụ công" in listing
        key_id = session.exec(select(ApiKey.id).where(ApiKey.name == "Cổng dịch vụ công")).one()
        session.rollback()  # end the test's transaction before the app writes
        r = client.post(f"/admin/api-keys/{key_id}/revoke", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert client.get("/api/v1/cases", headers={"X-API-Key": plain}).status_code == 401
        r = client.post("/admin/api-keys", data={"csrf_token": token, "name": "X", "scopes": ["root"]})
        assert r.status_code == 422


class TestNoInlineCode:
    """The CSP forbids inline script and style attributes, so no page may rely on them."""

    def test_pages_have_no_inline_script_or_style(self, client: TestClient, org: Org) -> None:
        case = _accepted_and_assigned(client, "QLCN")
        pages = {"reception": ["/reception/new", "/reception"], "office": ["/inbox", f"/cases/{case['tracking_code']}"],
                 "admin": ["/admin", "/admin/users", "/admin/units", "/admin/categories", "/admin/api-keys"]}
        for username, paths in pages.items():
            page_login(client, username)
            for path in paths:
                html = client.get(path).text
                assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
                assert " style=" not in html, path
                assert "<style" not in html, path
                assert "http://" not in html.replace("http://testserver", ""), path

    def test_static_assets_are_served(self, client: TestClient) -> None:
        css = client.get("/static/css/app.css")
        assert css.status_code == 200
        for cls in ("light-on_track", "light-due_soon", "light-due_today", "light-overdue", "light-met",
                    "light-met_late", "light-paused", "@media print"):
            assert cls in css.text
        js = client.get("/static/js/app.js")
        assert js.status_code == 200
        assert "/reception/duplicates" in js.text


class TestCasePage:
    def test_header_clocks_actions_and_timeline(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"), forwarded_by="Thanh tra tỉnh")
        page_login(client, "office")
        html = client.get(f"/cases/{case['tracking_code']}").text
        assert "Nguy cơ vượt cấp" in html
        assert "Đơn do cơ quan cấp trên chuyển đến" in html
        # 7 working days from 26/11/2026: due 07/12/2026, shown dd/mm/yyyy with days left.
        assert "07/12/2026" in html
        assert "ngày làm việc" in html
        actions = re.findall(r'<details class="action" data-action="(\w+)">', html)
        assert set(actions) == {"accept", "reject", "transfer", "archive", "mark_duplicate", "withdraw", "guide"}
        reject = re.search(r'data-action="reject">.*?</details>', html, re.S)
        assert reject
        assert "Lý do" in reject.group(0)
        assert "data-confirm=" in reject.group(0)
        assert "Tiếp nhận đơn" in html
        assert "đến hết ngày 07/12/2026" in html

    def test_denunciator_is_hidden_from_the_unit(self, client: TestClient, org: Org) -> None:
        case = _accepted_and_assigned(client, "QLCN", kind="denunciation")
        page_login(client, "officer.cn")
        html = client.get(f"/cases/{case['tracking_code']}").text
        assert "[bảo mật]" in html
        assert "Nguyễn Văn An" not in html
        assert "001085012345" not in html
        page_login(client, "officer.tm")
        r = client.get(f"/cases/{case['tracking_code']}")
        assert r.status_code == 404
        assert "Không tìm thấy" in r.text

    def test_english_labels(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        page_login(client, "office")
        html = client.get(f"/cases/{case['tracking_code']}", params={"lang": "en"}).text
        assert '<html lang="en">' in html
        assert "Complaint" in html
        assert "Processing history" in html
        assert "Lịch sử xử lý" not in html
        # remembered in a cookie
        assert "Processing history" in client.get(f"/cases/{case['tracking_code']}").text
