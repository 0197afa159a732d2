"""The whole path of a case through the state machine, and the basic refusals."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import FixedClock, Org, act, auth, make_case


def test_complaint_from_intake_to_closure(client: TestClient, org: Org, clock: FixedClock) -> None:
    from datetime import date

    clock.set(date(2026, 8, 3))
    rec, office, head, officer, director = (auth(client, u) for u in
                                            ("reception", "office", "head.cn", "officer.cn", "director"))
    case = make_case(client, rec, received_on="2026-07-28")
    code = case["tracking_code"]
    c = act(client, office, code, "accept", case["version"], on="2026-08-03")
    resolution = next(k for k in c["clocks"] if k["name"] == "resolution")
    assert resolution["due_on"] == "2026-09-03"  # 30 days, 02/09 is National Day
    assert next(k for k in c["clocks"] if k["name"] == "acceptance")["state"] == "met"
    c = act(client, office, code, "assign", c["version"], unit="QLCN")
    c = act(client, head, code, "reassign", c["version"], officer="officer.cn")
    assert c["officer"] == "officer.cn"
    c = act(client, officer, code, "report", c["version"], result="Nội dung khiếu nại có cơ sở.")
    c = act(client, director, code, "resolve", c["version"], decision_number="12/QĐ-SCT", result="Huỷ quyết định.")
    assert c["status"] == "resolved"
    assert next(k for k in c["clocks"] if k["name"] == "resolution")["state"] == "met"
    c = act(client, office, code, "close", c["version"])
    assert c["status"] == "closed"


def test_illegal_move_is_409_and_names_what_is_allowed(client: TestClient, org: Org) -> None:
    case = make_case(client, auth(client, "reception"))
    r = client.post(f"/api/v1/cases/{case['tracking_code']}/actions/resolve",
                    json={"version": case["version"], "decision_number": "1", "result": "x"},
                    headers=auth(client, "director"))
    assert r.status_code == 409
    assert "accept" in r.json()["detail"]


def test_stale_version_is_409_and_writes_nothing(client: TestClient, org: Org) -> None:
    office = auth(client, "office")
    case = make_case(client, auth(client, "reception"))
    code = case["tracking_code"]
    act(client, office, code, "accept", case["version"])
    r = client.post(f"/api/v1/cases/{code}/actions/reject", json={"version": case["version"], "reason": "x"},
                    headers=office)
    assert r.status_code == 409
    assert "tải lại" in r.json()["detail"]
    events = client.get(f"/api/v1/cases/{code}/events", headers=office).json()
    assert [e["action"] for e in events] == ["receive", "accept"]


def test_anonymous_denunciation_cannot_be_accepted(client: TestClient, org: Org) -> None:
    case = make_case(client, auth(client, "reception"), kind="denunciation", anonymous=True, petitioner={})
    r = client.post(f"/api/v1/cases/{case['tracking_code']}/actions/accept", json={"version": case["version"]},
                    headers=auth(client, "office"))
    assert r.status_code == 409
    assert "nặc danh" in r.json()["detail"]
