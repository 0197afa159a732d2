"""The office dashboard, the reception book and the leaders' schedule, through the test client."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import event

from models.db import get_engine
from tests.conftest import FixedClock, Org, act, csrf_of, make_case, page_login
from tests.test_reports import auth


def _num(html: str, element_id: str) -> int:
    m = re.search(rf'id="{element_id}">(\d+)<', html)
    assert m, f"no figure {element_id}"
    return int(m.group(1))


def _inbox_total(client: TestClient, url: str) -> int:
    r = client.get(url)
    assert r.status_code == 200, r.text
    m = re.search(r'data-total="(\d+)"', r.text)
    assert m, "inbox shows no total"
    return int(m.group(1))


def _links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/inbox\?[^"]+)"', html)]


def _seed(client: TestClient, clock: FixedClock) -> dict[str, Any]:
    reception, office = auth(client, "reception"), auth(client, "office")
    clock.set(date(2026, 9, 15))
    old = make_case(client, reception, kind="recommendation", subject="Kiến nghị cũ")  # overdue, >10 wd: risk
    clock.set(date(2026, 11, 23))
    group = make_case(client, reception, kind="feedback", subject="Phản ánh của tổ dân phố", signatories=7)
    clock.set(date(2026, 11, 26))
    fresh = make_case(client, reception, subject="Khiếu nại mới")
    accepted = act(client, office, fresh["tracking_code"], "accept", fresh["version"])
    act(client, office, fresh["tracking_code"], "assign", accepted["version"], unit="QLTM", officer="officer.tm")
    return {"old": old, "group": group, "fresh": fresh}


class TestDashboard:
    def test_figures_match_the_lists_they_link_to(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        seeded = _seed(client, clock)
        page_login(client, "office")
        r = client.get("/dashboard")
        assert r.status_code == 200, r.text
        html = r.text
        assert _num(html, "n-overdue") == 1
        assert _num(html, "n-risk") == 2  # overdue by 10+ working days, and a group petition
        assert _num(html, "n-received") == 2
        assert _num(html, "n-overdue") == _inbox_total(client, "/inbox?clock_state=overdue")
        assert _num(html, "n-risk") == _inbox_total(client, "/inbox?risk=1")
        assert _num(html, "n-due-soon") == _inbox_total(client, "/inbox?clock_state=due_soon")
        assert _num(html, "n-due-today") == _inbox_total(client, "/inbox?clock_state=due_today")
        # Every weekly cell links to the inbox filtered on that kind and week, with the same count.
        week = re.search(r'href="(/inbox\?kind=feedback&amp;received_from=2026-11-23&amp;received_to=2026-11-29)">'
                         r"(\d+)</a>", html)
        assert week, "no link for this week's feedback"
        assert int(week.group(2)) == 1 == _inbox_total(client, week.group(1).replace("&amp;", "&"))
        risks = re.search(r'<table class="list" id="risks">(.*?)</table>', html, re.S)
        assert risks, "no risk list"
        assert seeded["old"]["tracking_code"] in risks.group(1)
        assert "Quá hạn từ 10 ngày làm việc trở lên" in risks.group(1)
        assert "Đơn đông người" in risks.group(1)
        assert "<svg" in html
        assert "<script>" not in html
        assert " style=" not in html
        for link in _links(html):
            assert client.get(link).status_code == 200

    def test_unit_rates_count_what_the_inbox_lists(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        from tests.test_reports import resolve_case

        resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 11, 10))
        clock.set(date(2026, 11, 26))
        page_login(client, "director")
        html = client.get("/dashboard").text
        row = re.search(r"<tr><td>Phòng Quản lý Thương mại</td>(.*?)</tr>", html, re.S)
        assert row, "no row for the unit"
        cells = re.findall(r'<a href="([^"]+)">(\d+)</a>', row.group(1))
        for href, n in cells:
            assert int(n) == _inbox_total(client, href.replace("&amp;", "&"))
        # overdue, met, met late: a finished case counts by its last clock (here, resolution)
        assert [int(n) for _, n in cells] == [0, 1, 1]
        assert "50.0 %" in row.group(1)

    def test_unit_rates_follow_a_move_at_once(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        """The unit rates are kept a few seconds per process, keyed on the newest event: a move made
        right after a view must show on the next view, not after the cache expires."""
        from tests.test_reports import resolve_case

        resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        clock.set(date(2026, 11, 26))
        page_login(client, "director")

        def met_cells() -> list[int]:
            row = re.search(r"<tr><td>Phòng Quản lý Thương mại</td>(.*?)</tr>", client.get("/dashboard").text, re.S)
            assert row, "no row for the unit"
            return [int(n) for _, n in re.findall(r'<a href="([^"]+)">(\d+)</a>', row.group(1))]

        assert met_cells() == [0, 1, 0]
        resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 11, 10))
        clock.set(date(2026, 11, 26))
        page_login(client, "director")
        assert met_cells() == [0, 1, 1]

    def test_missing_reception_month_is_flagged_until_scheduled(self, client: TestClient, org: Org) -> None:
        page_login(client, "office")
        html = client.get("/dashboard").text
        assert "Chưa có lịch Lãnh đạo Sở tiếp công dân trong tháng 11/2026" in html
        assert "12/2026" in html
        token = csrf_of(client.get("/schedule").text)
        r = client.post("/schedule", data={"csrf_token": token, "held_on": "2026-11-30",
                                           "leader_name": "Nguyễn Văn Hải", "leader_title": "Giám đốc Sở",
                                           "location": "Trụ sở tiếp công dân"},
                        follow_redirects=False)
        assert r.status_code == 303
        html = client.get("/dashboard").text
        assert "tháng 11/2026" not in html
        assert "tháng 12/2026" in html

    def test_only_office_and_director(self, client: TestClient, org: Org) -> None:
        page_login(client, "head.tm")
        assert client.get("/dashboard").status_code == 403

    def test_query_count_does_not_grow_with_cases(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        """Aggregates only: the dashboard runs as many statements for 3 cases as for 9."""
        page_login(client, "office")

        def statements() -> int:
            seen: list[str] = []

            def count(*args: Any) -> None:
                seen.append(args[2])

            event.listen(get_engine(), "before_cursor_execute", count)
            try:
                assert client.get("/dashboard").status_code == 200
            finally:
                event.remove(get_engine(), "before_cursor_execute", count)
            return len(seen)

        h = auth(client, "reception")
        for _ in range(3):
            make_case(client, h)
        few = statements()
        for kind in ("denunciation", "feedback", "recommendation") * 2:
            make_case(client, h, kind=kind)
        assert statements() == few


class TestReceptionBook:
    def test_visit_without_petition_is_logged_and_a_case_linked(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"), kind="denunciation",
                         petitioner={"full_name": "Phạm Thị Dung", "address": "Phường Vĩnh Hải"})
        page_login(client, "reception")
        page = client.get("/visits")
        assert page.status_code == 200
        token = csrf_of(page.text)
        for name, content in (("Phạm Thị Dung", "Tố cáo cán bộ thu tiền chợ"),
                              ("Hoàng Văn Em", "Hỏi thủ tục cấp phép bán lẻ rượu")):
            r = client.post("/visits", data={"csrf_token": token, "visited_on": "2026-11-26", "visitor_name": name,
                                             "headcount": "2", "content": content,
                                             "guidance": "Hướng dẫn nộp hồ sơ tại Trung tâm phục vụ hành chính công"},
                            follow_redirects=False)
            assert r.status_code == 303, r.text
        visit_id = int(re.findall(r'action="/visits/(\d+)/cases"', client.get("/visits").text)[0])
        r = client.post(f"/visits/{visit_id}/cases", data={"csrf_token": token, "tracking_code": case["tracking_code"]},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        html = client.get("/visits").text
        assert "Hoàng Văn Em" in html
        assert f'href="/cases/{case["tracking_code"]}"' in html

        r = client.get("/reports/reception-book.xlsx", params={"from": "2026-11-01", "to": "2026-11-30"})
        assert r.status_code == 200
        rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        assert rows[3][0] == "SỔ TIẾP CÔNG DÂN"
        header_at = next(i for i, row in enumerate(rows) if row[0] == "STT")
        assert list(rows[header_at][:8]) == ["STT", "Ngày tiếp", "Họ tên", "Địa chỉ", "Số người", "Nội dung vụ việc",
                                             "Hướng dẫn, kết quả tiếp", "Hồ sơ tạo ra"]
        lines = rows[header_at + 2:]
        assert [line[0] for line in lines] == [1, 2]
        assert lines[0][2] == "Phạm Thị Dung"  # reception may see a denunciator (DESIGN.md §6)
        assert lines[0][7] == case["tracking_code"]
        assert lines[1][4] == 2

    def test_visit_form_errors_are_shown_in_vietnamese(self, client: TestClient, org: Org) -> None:
        page_login(client, "reception")
        token = csrf_of(client.get("/visits").text)
        r = client.post("/visits", data={"csrf_token": token, "visited_on": "2026-12-30", "visitor_name": "A",
                                         "headcount": "1", "content": "x"})
        assert r.status_code == 422
        assert "tương lai" in r.text

    def test_units_cannot_read_the_book(self, client: TestClient, org: Org) -> None:
        page_login(client, "officer.cn")
        assert client.get("/visits").status_code == 403
        assert client.get("/reports/reception-book.xlsx").status_code == 403


class TestSchedule:
    def test_admin_publishes_and_citizens_read_it(self, client: TestClient, org: Org) -> None:
        page_login(client, "admin")
        token = csrf_of(client.get("/schedule").text)
        r = client.post("/schedule", data={"csrf_token": token, "held_on": "2026-12-15", "leader_name": "Lê Thị Hoa",
                                           "leader_title": "Phó Giám đốc Sở", "location": "Phòng tiếp công dân"},
                        follow_redirects=False)
        assert r.status_code == 303
        client.cookies.clear()
        public = client.get("/reception-schedule")
        assert public.status_code == 200
        assert "Lê Thị Hoa" in public.text
        assert "15/12/2026" in public.text

    def test_reception_cannot_edit_the_schedule(self, client: TestClient, org: Org) -> None:
        page_login(client, "reception")
        assert client.get("/schedule").status_code == 403
        token = csrf_of(client.get("/visits").text)
        r = client.post("/schedule", data={"csrf_token": token, "held_on": "2026-12-15", "leader_name": "X"})
        assert r.status_code == 403
