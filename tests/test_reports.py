"""Reports: the figures are right, and the page, CSV, XLSX and JSON API print the same ones."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.conftest import FixedClock, Org, act, make_case, page_login
from tests.conftest import auth as login
from workflows.auth import create_api_key

PERIOD = {"from": "2026-10-01", "to": "2026-11-30"}
FIGURES = ["received", "carried_over", "accepted", "refused", "forwarded", "resolved_on_time", "resolved_late",
           "overdue_now", "avg_days_to_resolve"]
KIND_ORDER = ["complaint", "denunciation", "recommendation", "feedback"]


def auth(client: TestClient, username: str) -> dict[str, str]:
    """Bearer headers, one login per user and moment of the test clock: argon2 is slow on purpose,
    and a session idle across a jump of the clock has expired."""
    from api.deps import get_now

    now = client.app.dependency_overrides[get_now]()  # type: ignore[attr-defined]
    cache: dict[tuple[str, object], dict[str, str]] = client.__dict__.setdefault("_donthu_tokens", {})
    if (username, now) not in cache:
        cache[(username, now)] = login(client, username)
    return cache[(username, now)]


def resolve_case(client: TestClient, clock: FixedClock, *, received: date, resolved: date, unit: str = "QLTM",
                 **fields: Any) -> dict[str, Any]:
    """A complaint received, accepted and assigned on `received`, reported and resolved on `resolved`."""
    clock.set(received)
    c = make_case(client, auth(client, "reception"), **fields)
    code, pin = c["tracking_code"], c["pin"]
    office = auth(client, "office")
    c = act(client, office, code, "accept", c["version"])
    officer = "officer.tm" if unit == "QLTM" else "officer.cn"
    c = act(client, office, code, "assign", c["version"], unit=unit, officer=officer)
    clock.set(resolved)
    c = act(client, auth(client, officer), code, "report", c["version"], result="Có cơ sở.")
    c = act(client, auth(client, "director"), code, "resolve", c["version"], decision_number="15/QĐ-SCT",
            result="Giữ nguyên quyết định.")
    c["pin"] = pin
    return c


@pytest.fixture
def scenario(client: TestClient, clock: FixedClock, org: Org) -> dict[str, Any]:
    """Known cases around the period 01/10–30/11/2026, seen on Thursday 26/11/2026."""
    reception, office = auth(client, "reception"), auth(client, "office")
    # Resolved before the period: neither received nor carried over.
    resolve_case(client, clock, received=date(2026, 9, 10), resolved=date(2026, 9, 25))
    # Open on 01/10 and resolved inside the period (15 days): carried over, and resolved on time.
    resolve_case(client, clock, received=date(2026, 9, 21), resolved=date(2026, 10, 6))
    # Still open from September (10 working days to reply, long past): carried over, overdue now.
    clock.set(date(2026, 9, 15))
    make_case(client, reception, kind="recommendation", subject="Kiến nghị về giá điện")
    # Resolved on time (19 days) and late (40 days; due 31/10 moved to Monday 02/11).
    on_time = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
    late = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 11, 10))
    # A denunciation refused and a feedback forwarded, in the period.
    clock.set(date(2026, 11, 2))
    d = make_case(client, reception, kind="denunciation", subject="Tố cáo cán bộ quản lý thị trường",
                  petitioner={"full_name": "Trần Thị Bình", "address": "Xã Ninh Hòa"})
    clock.set(date(2026, 11, 3))
    act(client, office, d["tracking_code"], "reject", d["version"], reason="Không thuộc thẩm quyền.")
    clock.set(date(2026, 11, 5))
    f = make_case(client, reception, kind="feedback", subject="Phản ánh chợ tạm")
    act(client, office, f["tracking_code"], "transfer", f["version"], target_agency="UBND thị xã Ninh Hòa")
    clock.set(date(2026, 11, 26))
    return {"on_time": on_time, "late": late, "denunciation": d}


EXPECTED = {
    "complaint": {"received": 2, "carried_over": 1, "accepted": 2, "refused": 0, "forwarded": 0,
                  "resolved_on_time": 2, "resolved_late": 1, "overdue_now": 0, "avg_days_to_resolve": 24.7},
    "denunciation": {"received": 1, "carried_over": 0, "accepted": 0, "refused": 1, "forwarded": 0,
                     "resolved_on_time": 0, "resolved_late": 0, "overdue_now": 0, "avg_days_to_resolve": None},
    "recommendation": {"received": 0, "carried_over": 1, "accepted": 0, "refused": 0, "forwarded": 0,
                       "resolved_on_time": 0, "resolved_late": 0, "overdue_now": 1, "avg_days_to_resolve": None},
    "feedback": {"received": 1, "carried_over": 0, "accepted": 0, "refused": 0, "forwarded": 1,
                 "resolved_on_time": 0, "resolved_late": 0, "overdue_now": 0, "avg_days_to_resolve": None},
}


def _json(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    r = client.get("/api/v1/reports/summary", params={**PERIOD, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _norm(value: Any) -> Any:
    """Cells as text: '' for no value, numbers without a trailing '.0'."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class TestSummaryFigures:
    def test_each_kind_has_the_expected_figures(self, client: TestClient, scenario: dict[str, Any]) -> None:
        body = _json(client, auth(client, "office"))
        got = {row["kind"]: {k: row[k] for k in FIGURES} for row in body["kinds"]}
        assert got == EXPECTED
        assert body["total"]["received"] == 4
        assert body["total"]["avg_days_to_resolve"] == 24.7  # (15 + 19 + 40) / 3
        assert body["from"] == "2026-10-01"
        assert body["as_of"] == "2026-11-26"

    def test_unit_filter_keeps_the_units_cases(self, client: TestClient, scenario: dict[str, Any]) -> None:
        body = _json(client, auth(client, "office"), unit="QLTM")
        complaint = next(r for r in body["kinds"] if r["kind"] == "complaint")
        assert complaint["resolved_on_time"] == 2
        assert complaint["resolved_late"] == 1
        assert body["total"]["received"] == 2  # the denunciation and feedback never reached a unit
        other = _json(client, auth(client, "office"), unit="QLCN")
        assert other["total"]["received"] == 0

    def test_unknown_unit_and_reversed_period_are_422(self, client: TestClient, org: Org) -> None:
        h = auth(client, "office")
        r = client.get("/api/v1/reports/summary", params={**PERIOD, "unit": "NOPE"}, headers=h)
        assert r.status_code == 422
        assert "đơn vị" in r.json()["detail"]
        r = client.get("/api/v1/reports/summary", params={"from": "2026-11-30", "to": "2026-10-01"}, headers=h)
        assert r.status_code == 422


class TestAccess:
    def test_officer_is_refused_and_office_director_allowed(self, client: TestClient, org: Org) -> None:
        assert client.get("/api/v1/reports/summary", params=PERIOD,
                          headers=auth(client, "officer.tm")).status_code == 403
        assert client.get("/api/v1/reports/summary", params=PERIOD,
                          headers=auth(client, "director")).status_code == 200
        assert client.get("/api/v1/reports/summary", params=PERIOD).status_code == 401

    def test_api_key_needs_reports_read(self, client: TestClient, session: Session, org: Org) -> None:
        good, _ = create_api_key(session, "Cổng báo cáo tỉnh", ["reports:read"])
        bad, _ = create_api_key(session, "Cổng dịch vụ công", ["cases:read"])
        session.commit()
        r = client.get("/api/v1/reports/summary", params=PERIOD, headers={"X-API-Key": good})
        assert r.status_code == 200, r.text
        r = client.get("/api/v1/reports/summary", params=PERIOD, headers={"X-API-Key": bad})
        assert r.status_code == 403
        assert "reports:read" in r.json()["detail"]

    def test_report_page_is_for_office_and_director(self, client: TestClient, org: Org) -> None:
        page_login(client, "head.tm")
        assert client.get("/reports").status_code == 403
        assert client.get("/reports/summary.xlsx").status_code == 403


def _page_cells(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)
    return [re.findall(r'data-value="([^"]*)"', row) for row in rows if "data-value" in row]


class TestExportsAgree:
    @pytest.mark.parametrize("unit", [{}, {"unit": "QLTM"}])
    def test_page_csv_xlsx_and_json_show_the_same_numbers(self, client: TestClient, scenario: dict[str, Any],
                                                         unit: dict[str, str]) -> None:
        params = {**PERIOD, **unit}
        api = _json(client, auth(client, "office"), **unit)
        from_api = [[_norm(r[k]) for k in FIGURES] for r in api["kinds"]] + [
            [_norm(api["total"][k]) for k in FIGURES]]
        assert [r["kind"] for r in api["kinds"]] == KIND_ORDER

        page_login(client, "office")
        page = client.get("/reports", params=params)
        assert page.status_code == 200
        assert "Giải quyết đúng hạn" in page.text
        from_page = _page_cells(page.text, "report")

        r = client.get("/reports/summary.csv", params=params)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Loại đơn")
        from_csv = [[_norm(v) for v in row[1:]] for row in rows[header_at + 1:header_at + 6]]

        r = client.get("/reports/summary.xlsx", params=params)
        assert r.status_code == 200
        assert r.headers["content-disposition"].startswith("attachment")
        ws = load_workbook(io.BytesIO(r.content)).active
        values = [list(row) for row in ws.iter_rows(values_only=True)]
        header_at = next(i for i, row in enumerate(values) if row[0] == "Loại đơn")
        data = values[header_at + 2:header_at + 7]  # after the (1), (2)… row
        from_xlsx = [[_norm(v) for v in row[1:len(FIGURES) + 1]] for row in data]
        assert [row[0] for row in data] == ["Khiếu nại", "Tố cáo", "Kiến nghị", "Phản ánh", "Tổng cộng"]

        assert from_api == from_page == from_csv == from_xlsx
        assert from_api[0] == ["2", "1", "2", "0", "0", "2", "1", "0", "24.7"]

    def test_satisfaction_agrees_on_page_and_api(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        from sqlmodel import select

        from models import Case, SurveyResponse
        from models.db import session_scope

        resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        clock.set(date(2026, 11, 20))
        with session_scope() as s:
            case = s.exec(select(Case)).one()
            s.add(SurveyResponse(case_id=case.id or 0, timeliness=4, attitude=5, result=3, overall=4,
                                 created_at=clock.now))
        api = _json(client, auth(client, "director"))
        assert api["satisfaction"] == [{"unit_code": "QLTM", "unit_name": "Phòng Quản lý Thương mại", "responses": 1,
                                        "timeliness": 4.0, "attitude": 5.0, "result": 3.0, "overall": 4.0}]
        page_login(client, "director")
        cells = _page_cells(client.get("/reports", params=PERIOD).text, "satisfaction")
        assert cells == [["Phòng Quản lý Thương mại", "1", "4.0", "5.0", "3.0", "4.0"]]


class TestBooks:
    def test_petition_book_redacts_denunciators_for_the_unit(self, client: TestClient,
                                                             scenario: dict[str, Any]) -> None:
        # Give the refused denunciation's unit a reader: assign a fresh denunciation to QLTM.
        office = auth(client, "office")
        d = make_case(client, auth(client, "reception"), kind="denunciation", subject="Tố cáo vi phạm",
                      petitioner={"full_name": "Lê Văn Cường", "address": "Phường Lộc Thọ"})
        d = act(client, office, d["tracking_code"], "accept", d["version"])
        act(client, office, d["tracking_code"], "assign", d["version"], unit="QLTM")

        page_login(client, "officer.tm")
        r = client.get("/reports/petition-book.xlsx", params=PERIOD)
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.content)).active
        text = [list(row) for row in ws.iter_rows(values_only=True)]
        assert text[3][0] == "SỔ THEO DÕI XỬ LÝ ĐƠN"
        header_at = next(i for i, row in enumerate(text) if row[0] == "STT")
        assert list(text[header_at]) == ["STT", "Ngày nhận", "Mã hồ sơ", "Người gửi", "Nội dung tóm tắt", "Loại đơn",
                                         "Đơn vị xử lý", "Hạn xử lý", "Kết quả"]
        lines = text[header_at + 2:]
        codes = {row[2] for row in lines}
        assert d["tracking_code"] in codes
        assert scenario["denunciation"]["tracking_code"] not in codes  # not in the unit's scope
        senders = {row[2]: row[3] for row in lines}
        assert senders[d["tracking_code"]] == "[bảo mật]"
        assert "Lê Văn Cường" not in str(text)

        page_login(client, "office")
        ws = load_workbook(io.BytesIO(client.get("/reports/petition-book.xlsx", params=PERIOD).content)).active
        rows = list(ws.iter_rows(values_only=True))
        assert any(row[3] == "Lê Văn Cường" for row in rows)
        assert sum(1 for row in rows if isinstance(row[0], int)) == 5  # cases received in the period


class TestCli:
    def test_cli_report_prints_the_same_figures(self, client: TestClient, scenario: dict[str, Any]) -> None:
        from typer.testing import CliRunner

        from api.cli import app

        api = _json(client, auth(client, "office"))
        result = CliRunner().invoke(app, ["report", "--from", PERIOD["from"], "--to", PERIOD["to"]])
        assert result.exit_code == 0, result.output
        printed = json.loads(result.output)
        assert printed["kinds"] == api["kinds"]
        assert printed["total"] == api["total"]
