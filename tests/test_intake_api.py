"""Intake and reading cases through the JSON API (issue: foundation)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Org, auth, intake_body, make_case


class TestIntake:
    def test_complaint_gets_code_pin_and_acceptance_clock(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"), received_on="2026-11-26")
        assert case["status"] == "received" and case["kind"] == "complaint" and case["version"] >= 1
        assert len(case["pin"]) == 6 and case["pin"].isdigit()
        assert len(case["tracking_code"]) == 8
        clock = next(c for c in case["clocks"] if c["name"] == "acceptance")
        # 7 working days from Thursday 26/11/2026 (rule in force from 01/07/2026).
        assert clock["starts_on"] == "2026-11-26" and clock["due_on"] == "2026-12-07"
        assert clock["state"] == "on_track"

    def test_back_dated_mail_uses_the_rule_in_force_on_receipt(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"), received_on="2026-06-30", channel="mail")
        clock = case["clocks"][0]
        assert clock["period"] == 10 and clock["due_on"] == "2026-07-14"
        assert clock["state"] == "overdue"

    def test_future_received_on_is_refused(self, client: TestClient, org: Org) -> None:
        r = client.post("/api/v1/cases", json=intake_body(received_on="2026-11-27"), headers=auth(client, "reception"))
        assert r.status_code == 422
        assert "tương lai" in r.json()["detail"]

    def test_missing_and_bad_fields_are_422_with_detail(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        r = client.post("/api/v1/cases", json={"kind": "complaint"}, headers=h)
        assert r.status_code == 422 and isinstance(r.json()["detail"], list)
        r = client.post("/api/v1/cases", json=intake_body(kind="petition"), headers=h)
        assert r.status_code == 422
        r = client.post("/api/v1/cases", json=intake_body(round=3), headers=h)
        assert r.status_code == 422
        r = client.post("/api/v1/cases", json=intake_body(kind="feedback", round=2), headers=h)
        assert r.status_code == 422 and "khiếu nại" in r.json()["detail"]

    def test_named_petitioner_is_required_unless_anonymous(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        r = client.post("/api/v1/cases", json=intake_body(petitioner={}), headers=h)
        assert r.status_code == 422 and "nặc danh" in r.json()["detail"]
        case = make_case(client, h, kind="denunciation", anonymous=True, petitioner={})
        assert case["anonymous"] is True

    def test_unknown_category_is_refused(self, client: TestClient, org: Org) -> None:
        r = client.post("/api/v1/cases", json=intake_body(category="XYZ"), headers=auth(client, "reception"))
        assert r.status_code == 422

    def test_officer_cannot_log_petitions(self, client: TestClient, org: Org) -> None:
        r = client.post("/api/v1/cases", json=intake_body(), headers=auth(client, "officer.cn"))
        assert r.status_code == 403

    def test_limitation_warning_after_90_days(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        late = make_case(client, h, contested_decision_on="2026-08-01")
        in_time = make_case(client, h, contested_decision_on="2026-10-01")
        assert late["limitation_warning"] is True and in_time["limitation_warning"] is False

    def test_anonymous_call_is_401(self, client: TestClient, org: Org) -> None:
        r = client.post("/api/v1/cases", json=intake_body())
        assert r.status_code == 401 and "detail" in r.json()


class TestIdempotency:
    def test_retry_returns_the_first_answer_and_creates_nothing(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception") | {"Idempotency-Key": "abc-123"}
        first = client.post("/api/v1/cases", json=intake_body(), headers=h)
        second = client.post("/api/v1/cases", json=intake_body(), headers=h)
        assert first.status_code == second.status_code == 201
        assert first.json()["tracking_code"] == second.json()["tracking_code"]
        listed = client.get("/api/v1/cases", headers=h).json()
        assert listed["total"] == 1

    def test_same_key_with_other_body_is_422(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception") | {"Idempotency-Key": "abc-124"}
        assert client.post("/api/v1/cases", json=intake_body(), headers=h).status_code == 201
        r = client.post("/api/v1/cases", json=intake_body(subject="Khác"), headers=h)
        assert r.status_code == 422


class TestReadingAndScope:
    def _assigned(self, client: TestClient, **kw: Any) -> dict[str, Any]:
        office = auth(client, "office")
        case = make_case(client, auth(client, "reception"), **kw)
        code = case["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/actions/accept", json={"version": case["version"]}, headers=office)
        assert r.status_code == 200, r.text
        r = client.post(f"/api/v1/cases/{code}/actions/assign",
                        json={"version": r.json()["version"], "unit": "QLCN"}, headers=office)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def test_other_units_officer_gets_404(self, client: TestClient, org: Org) -> None:
        case = self._assigned(client)
        code = case["tracking_code"]
        assert client.get(f"/api/v1/cases/{code}", headers=auth(client, "officer.cn")).status_code == 200
        r = client.get(f"/api/v1/cases/{code}", headers=auth(client, "officer.tm"))
        assert r.status_code == 404
        assert client.get(f"/api/v1/cases/{code}/events", headers=auth(client, "officer.tm")).status_code == 404

    def test_admin_sees_no_case_content(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        h = auth(client, "admin")
        assert client.get(f"/api/v1/cases/{case['tracking_code']}", headers=h).status_code == 404
        assert client.get("/api/v1/cases", headers=h).json()["total"] == 0

    def test_denunciator_identity_is_redacted_for_the_unit(self, client: TestClient, org: Org) -> None:
        case = self._assigned(client, kind="denunciation")
        code = case["tracking_code"]
        seen_by_officer = client.get(f"/api/v1/cases/{code}", headers=auth(client, "officer.cn"))
        assert seen_by_officer.json()["petitioner"]["full_name"] == "[bảo mật]"
        assert "Nguyễn Văn An" not in seen_by_officer.text and "001085012345" not in seen_by_officer.text
        seen_by_office = client.get(f"/api/v1/cases/{code}", headers=auth(client, "office")).json()
        assert seen_by_office["petitioner"]["full_name"] == "Nguyễn Văn An"

    def test_complainant_is_visible_to_the_handling_unit(self, client: TestClient, org: Org) -> None:
        case = self._assigned(client)
        seen = client.get(f"/api/v1/cases/{case['tracking_code']}", headers=auth(client, "officer.cn")).json()
        assert seen["petitioner"]["full_name"] == "Nguyễn Văn An"

    def test_search_without_diacritics_finds_with_diacritics(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        make_case(client, h, subject="Khiếu nại về giá điện")
        make_case(client, h, kind="feedback", subject="Phản ánh chợ tạm", content="Chợ tạm lấn chiếm lòng đường.")
        office = auth(client, "office")
        found = client.get("/api/v1/cases", params={"q": "khieu nai"}, headers=office).json()
        assert [c["subject"] for c in found["items"]] == ["Khiếu nại về giá điện"]
        found = client.get("/api/v1/cases", params={"q": "Chợ Tạm"}, headers=office).json()
        assert found["total"] == 1
        found = client.get("/api/v1/cases", params={"kind": "feedback", "status": "received"}, headers=office).json()
        assert found["total"] == 1

    def test_limit_is_clamped_to_200(self, client: TestClient, org: Org) -> None:
        r = client.get("/api/v1/cases", params={"limit": 100000}, headers=auth(client, "office"))
        assert r.status_code == 200 and r.json()["limit"] == 200

    def test_events_form_the_timeline(self, client: TestClient, org: Org) -> None:
        case = self._assigned(client)
        evs = client.get(f"/api/v1/cases/{case['tracking_code']}/events", headers=auth(client, "office")).json()
        assert [e["action"] for e in evs] == ["receive", "accept", "assign"]
        assert evs[-1]["data"]["clocks"]["resolution"]

    def test_units_are_listed(self, client: TestClient, org: Org) -> None:
        units = client.get("/api/v1/units", headers=auth(client, "office")).json()
        assert {u["code"] for u in units} == {"VP", "QLCN", "QLTM"}

    def test_health_checks_the_database(self, client: TestClient) -> None:
        r = client.get("/health")
        assert r.status_code == 200 and r.json()["status"] == "ok"
