"""The whole story of a complaint, in a real headless Chromium against the real app (issue 5).

reception logs it with an attachment and prints the receipt → the office accepts and assigns
it to a unit → the unit head assigns an officer from the inbox → the officer reports → the
director resolves → the citizen looks it up with code and PIN (and rates it, when the survey
page exists) → the dashboard and the report count it (when those pages exist). Along the way:
an officer of another unit gets the 404 page, and the English switch works.
Screenshots of the key pages go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import LiveServer, login, shot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PHONE = "0987654321"


def _api_case(server: LiveServer) -> str:
    """An earlier petition from the same person, so that the intake form suggests it."""
    with httpx.Client(base_url=server.url) as http:
        token = http.post("/api/v1/auth/token", data={"username": "reception", "password": server.password})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        r = http.post("/api/v1/cases", headers=headers, json={
            "kind": "feedback", "channel": "phone", "subject": "Phản ánh tiếng ồn của xưởng cơ khí",
            "content": "Xưởng cơ khí hoạt động ban đêm gây ồn.",
            "petitioner": {"full_name": "Bùi Văn Dân", "phone": PHONE}})
        assert r.status_code == 201, r.text
        return str(r.json()["tracking_code"])


def _act(page: Any, action: str, fields: dict[str, str] | None = None, selects: dict[str, str] | None = None) -> None:
    box = page.locator(f'details.action[data-action="{action}"]')
    box.locator("summary").click()
    for name, value in (fields or {}).items():
        box.locator(f'[name="{name}"]').fill(value)
    for name, value in (selects or {}).items():
        box.locator(f'select[name="{name}"]').select_option(value)
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    assert page.locator(".alert[role=alert]").count() == 0, page.locator(".alert[role=alert]").inner_text()


def test_the_whole_story(live_server: LiveServer, new_page: Any, tmp_path: Path) -> None:
    pw = live_server.password
    earlier = _api_case(live_server)

    # 1. Reception logs a complaint with an attachment, sees the duplicate hint, prints the receipt.
    desk = new_page()
    login(desk, "reception", pw)
    desk.goto("/reception/new")
    desk.select_option("select[name=kind]", "complaint")
    desk.fill("input[name=full_name]", "Bùi Văn Dân")
    desk.fill("input[name=id_number]", "001085099999")
    desk.fill("input[name=phone]", PHONE)
    desk.fill("input[name=subject]", "Khiếu nại quyết định xử phạt về an toàn hoá chất")
    desk.fill("textarea[name=content]", "Tôi không đồng ý với Quyết định số 45/QĐ-XPHC ngày 10/11/2026.")
    scan = tmp_path / "quyet-dinh-45.pdf"
    scan.write_bytes(PDF)
    desk.set_input_files("input[name=files]", str(scan))
    hint = desk.locator("#duplicates a.code")
    hint.first.wait_for()
    assert earlier in hint.all_inner_texts()
    assert "%" in desk.locator("#duplicates .score").first.inner_text()
    shot(desk, "01-reception-intake")
    with desk.expect_navigation():
        desk.click("#intake-form button[type=submit]")
    codes = desk.locator(".receipt dd.code").all_inner_texts()
    assert len(codes) == 2, desk.content()
    code, pin = codes[0].strip(), codes[1].strip()
    assert re.fullmatch(r"\d{6}", pin)
    assert desk.locator(".receipt .qr img").evaluate("img => img.complete && img.naturalWidth > 0")
    desk.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    desk.click("button[data-print]")
    assert desk.evaluate("() => window.__printed") == 1
    shot(desk, "02-receipt")
    desk.emulate_media(media="print")
    assert not desk.locator("header.top").is_visible()
    assert desk.locator(".receipt").is_visible()
    shot(desk, "02-receipt-print")
    desk.emulate_media(media="screen")
    desk.goto("/reception")
    assert code in desk.locator("table.list").inner_text()

    # 2. The office accepts it and assigns it to the Industry division.
    office = new_page()
    login(office, "office", pw)
    office.goto(f"/cases/{code}")
    assert office.locator("ul.attachments a", has_text="quyet-dinh-45.pdf").count() == 1
    _act(office, "accept")
    assert "Đã thụ lý" in office.locator(".case-head .status").inner_text()
    _act(office, "assign", selects={"unit": "QLCN"})
    assert "Đang xác minh" in office.locator(".case-head .status").inner_text()
    shot(office, "03-case-office")

    # An officer of another unit cannot open it: the 404 page, so codes cannot be probed.
    stranger = new_page()
    login(stranger, "officer.tm", pw)
    response = stranger.goto(f"/cases/{code}")
    assert response is not None
    assert response.status == 404
    assert "Không tìm thấy" in stranger.locator("h1").inner_text()
    shot(stranger, "04-other-unit-404")

    # 3. The unit head assigns an officer from the inbox.
    head = new_page()
    login(head, "head.cn", pw)
    head.goto("/inbox")
    row = head.locator("table.list tr", has=head.locator(f'a.code:text-is("{code}")'))
    row.locator("select[name=officer]").select_option("officer.cn")
    shot(head, "05-inbox-unit-head")
    with head.expect_navigation():
        row.locator("form.assign-form button").click()
    assert "/inbox" in head.url
    row = head.locator("table.list tr", has=head.locator(f'a.code:text-is("{code}")'))
    assert "Đỗ Chuyên Viên" in row.inner_text()

    # 4. The officer reports the findings.
    officer = new_page()
    login(officer, "officer.cn", pw)
    officer.goto("/inbox")
    with officer.expect_navigation():
        officer.click(f'a.code:text-is("{code}")')
    _act(officer, "report", fields={"result": "Quyết định xử phạt đúng quy định; đề nghị giữ nguyên."})
    assert "Đã báo cáo" in officer.locator(".case-head .status").inner_text()

    # 5. The director resolves it.
    director = new_page()
    login(director, "director", pw)
    director.goto(f"/cases/{code}")
    _act(director, "resolve", fields={"decision_number": "120/QĐ-SCT",
                                      "result": "Giữ nguyên Quyết định số 45/QĐ-XPHC."})
    assert "Đã giải quyết" in director.locator(".case-head .status").inner_text()
    timeline = director.locator("ol.timeline").inner_text()
    for step in ("Tiếp nhận đơn", "Thụ lý", "Giao xác minh", "Giao lại", "Báo cáo kết quả xác minh",
                 "Ban hành quyết định / kết luận"):
        assert step in timeline, step
    shot(director, "06-case-resolved")

    # 6. The citizen looks it up with code and PIN, and rates it when the survey exists.
    citizen = new_page({"width": 390, "height": 844})
    citizen.goto("/lookup")
    citizen.fill("input[name=code]", code)
    citizen.fill("input[name=pin]", pin)
    with citizen.expect_navigation():
        citizen.click("form[action='/lookup'] button")
    body = citizen.locator("main").inner_text()
    assert "Đã giải quyết" in body
    assert "Bùi Văn Dân" not in body
    assert PHONE not in body
    shot(citizen, "07-citizen-lookup")
    _maybe_answer_survey(citizen)

    # 7. The dashboard and the report count it, when those pages exist.
    _maybe_check_counts(office, code)


def _maybe_answer_survey(page: Any) -> None:
    """The survey page is another helper's; answer it through whatever link the lookup offers."""
    link = page.locator("a[href*='survey']")
    if link.count() == 0:
        warnings.warn("browser story: no survey link on the public case page yet; survey step not run", stacklevel=2)
        return
    with page.expect_navigation():
        link.first.click()
    if page.locator("form").count() == 0:
        warnings.warn("browser story: the survey page has no form; survey step not run", stacklevel=2)
        return
    form = page.locator("form", has=page.locator("input[type=radio], select")).first
    for name in set(form.locator("input[type=radio]").evaluate_all("els => els.map(e => e.name)")):
        form.locator(f'input[type=radio][name="{name}"]').last.check()
    for select in form.locator("select").all():
        options = select.locator("option").evaluate_all("els => els.map(e => e.value).filter(Boolean)")
        if options:
            select.select_option(options[-1])
    if form.locator("textarea").count():
        form.locator("textarea").first.fill("Cán bộ tiếp nhận nhiệt tình, giải quyết đúng hạn.")
    with page.expect_navigation():
        form.locator("button[type=submit], button:not([type])").first.click()
    assert page.locator(".alert[role=alert]").count() == 0
    shot(page, "08-citizen-survey")


def _maybe_check_counts(page: Any, code: str) -> None:
    response = page.goto("/dashboard")
    if response is None or response.status == 404:
        warnings.warn("browser story: /dashboard does not exist yet; dashboard step not run", stacklevel=2)
    else:
        assert response.status == 200
        assert page.locator("main").inner_text().strip()
        shot(page, "09-dashboard")
    response = page.goto("/reports")
    if response is None or response.status == 404:
        warnings.warn("browser story: /reports does not exist yet; report step not run", stacklevel=2)
        return
    assert response.status == 200
    text = page.locator("main").inner_text()
    assert re.search(r"\b[1-9]\d*\b", text), "the report shows no figure at all"
    shot(page, "10-report")


def test_english_switch(live_server: LiveServer, new_page: Any) -> None:
    page = new_page()
    page.goto("/lookup")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Tra cứu hồ sơ" in page.locator("h1").inner_text()
    page.click("header.top .lang a")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Look up a case" in page.locator("h1").inner_text()
    login(page, "office", live_server.password)
    page.goto("/inbox?kind=complaint")
    assert page.locator("html").get_attribute("lang") == "en"  # remembered in a cookie
    assert page.locator("h1").inner_text() == "Inbox"
    assert page.locator("select[name=kind]").input_value() == "complaint"
    page.click("header.top .lang a")  # back to Vietnamese, keeping the filter
    assert page.locator("h1").inner_text() == "Hộp việc"
    assert page.locator("select[name=kind]").input_value() == "complaint"
    shot(page, "11-inbox-vi")


def test_layout_fits_a_phone_and_a_laptop(live_server: LiveServer, new_page: Any) -> None:
    for name, viewport in (("phone", {"width": 390, "height": 844}), ("laptop", {"width": 1366, "height": 768})):
        page = new_page(viewport)
        login(page, "reception", live_server.password)
        page.goto("/reception/new")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: the intake form scrolls sideways ({width}px)"
        shot(page, f"12-intake-{name}")
