"""The policy table as reference data, its preview, and the admin's versioned edits."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models import AuditLog, PolicyRule
from models.db import new_session
from tests.conftest import FixedClock, Org, csrf_of, page_login
from tests.flows import Flow


@pytest.fixture
def flow(client: TestClient, clock: FixedClock, org: Org) -> Flow:
    return Flow(client, clock)


def _preview(flow: Flow, **params: str) -> dict[str, object]:
    r = flow.client.get("/api/v1/policies/preview", params=params, headers=flow.h("office"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _rule_id(kind: str, clock: str, round_: int, variant: str, effective_from: date) -> int:
    with new_session(readonly=True) as s:
        rule = s.exec(select(PolicyRule).where(
            PolicyRule.kind == kind, PolicyRule.clock == clock, PolicyRule.round == round_,
            PolicyRule.variant == variant, PolicyRule.effective_from == effective_from)).one()
        return rule.id or 0


class TestPoliciesApi:
    def test_every_rule_is_listed_with_its_legal_basis_and_effective_date(self, flow: Flow) -> None:
        r = flow.client.get("/api/v1/policies", headers=flow.h("officer.cn"))
        assert r.status_code == 200
        rules = r.json()
        acceptance = sorted((x["effective_from"], x["period"]) for x in rules
                            if (x["kind"], x["clock"]) == ("complaint", "acceptance"))
        assert acceptance == [("2012-07-01", 10), ("2026-07-01", 7)]
        assert all(x["basis"] for x in rules)

    def test_the_list_needs_a_login(self, client: TestClient, org: Org) -> None:
        assert client.get("/api/v1/policies").status_code == 401

    def test_the_reference_endpoints_are_documented(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        op = spec["paths"]["/api/v1/policies/preview"]["get"]
        assert op["tags"] == ["reference"]
        assert all(p.get("description") for p in op["parameters"])
        out = spec["components"]["schemas"]["PreviewOut"]["properties"]
        assert all(v.get("description") for v in out.values())


class TestPreviewApi:
    def test_a_denunciation_received_on_13_february_2026(self, flow: Flow) -> None:
        p = _preview(flow, kind="denunciation", received_on="2026-02-13", accepted_on="2026-03-02")
        assert p["acceptance"]["due_on"] == "2026-03-03"  # type: ignore[index]
        assert p["resolution"]["due_on"] == "2026-04-01"  # type: ignore[index]
        assert [e["due_on"] for e in p["extensions"]] == ["2026-05-04", "2026-06-01"]  # type: ignore[attr-defined]

    def test_a_round_one_complaint_accepted_on_3_august_2026(self, flow: Flow) -> None:
        p = _preview(flow, kind="complaint", round="1", received_on="2026-07-28", accepted_on="2026-08-03")
        assert p["resolution"]["due_on"] == "2026-09-03"  # type: ignore[index]
        assert p["acceptance"]["period"] == 7  # type: ignore[index]

    def test_the_rule_in_force_on_receipt_applies(self, flow: Flow) -> None:
        before = _preview(flow, kind="complaint", received_on="2026-06-30")
        after = _preview(flow, kind="complaint", received_on="2026-07-01")
        assert (before["acceptance"]["due_on"], after["acceptance"]["due_on"]) == (  # type: ignore[index]
            "2026-07-14", "2026-07-10")

    def test_remote_and_complex_round_two(self, flow: Flow) -> None:
        p = _preview(flow, kind="complaint", round="2", received_on="2026-08-01", accepted_on="2026-08-03",
                     complex="true", remote_area="true")
        assert (p["resolution"]["period"], p["resolution"]["due_on"]) == (70, "2026-10-12")  # type: ignore[index]

    def test_an_acceptance_before_receipt_is_422(self, flow: Flow) -> None:
        r = flow.client.get("/api/v1/policies/preview", headers=flow.h("office"), params={
            "kind": "complaint", "received_on": "2026-08-03", "accepted_on": "2026-08-01"})
        assert r.status_code == 422
        assert "trước ngày nhận đơn" in r.json()["detail"]

    def test_an_unknown_kind_is_422(self, flow: Flow) -> None:
        r = flow.client.get("/api/v1/policies/preview", headers=flow.h("office"),
                            params={"kind": "petition", "received_on": "2026-08-03"})
        assert r.status_code == 422


class TestAdminEditsPolicies:
    def test_a_new_version_applies_to_receipts_from_its_date_and_history_is_kept(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        base = _rule_id("feedback", "acceptance", 0, "normal", date(2014, 7, 1))
        page_login(flow.client, "admin")
        page = flow.client.get("/admin/policies")
        assert page.status_code == 200
        assert "Luật Tiếp công dân 2013 art. 28(1)" in page.text
        r = flow.client.post("/admin/policies", data={
            "csrf_token": csrf_of(page.text), "base_id": str(base), "period": "5", "unit": "working_days",
            "effective_from": "2027-01-01", "basis": "Quyết định 99/QĐ-SCT của Sở"}, follow_redirects=False)
        assert r.status_code == 303
        before = _preview(flow, kind="feedback", received_on="2026-12-31")
        after = _preview(flow, kind="feedback", received_on="2027-01-04")
        assert before["acceptance"]["period"] == 10  # type: ignore[index]
        assert (after["acceptance"]["period"], after["acceptance"]["basis"]) == (  # type: ignore[index]
            5, "Quyết định 99/QĐ-SCT của Sở")
        with new_session(readonly=True) as s:
            versions = s.exec(select(PolicyRule.period).where(PolicyRule.kind == "feedback",
                                                              PolicyRule.clock == "acceptance")).all()
            assert sorted(versions) == [5, 10]
            assert s.exec(select(AuditLog.action)).all() == ["policy_rule.add"]

    def test_a_version_not_later_than_the_newest_is_refused_and_nothing_written(self, flow: Flow) -> None:
        base = _rule_id("complaint", "acceptance", 0, "normal", date(2012, 7, 1))
        page_login(flow.client, "admin")
        page = flow.client.get("/admin/policies")
        r = flow.client.post("/admin/policies", data={
            "csrf_token": csrf_of(page.text), "base_id": str(base), "period": "15", "unit": "working_days",
            "effective_from": "2026-07-01", "basis": "x"})
        assert r.status_code == 409
        assert "Ngày hiệu lực phải sau 01/07/2026" in r.text
        with new_session(readonly=True) as s:
            assert s.exec(select(PolicyRule).where(PolicyRule.period == 15)).first() is None

    def test_the_preview_page_answers_what_is_the_due_date(self, flow: Flow) -> None:
        page_login(flow.client, "admin")
        r = flow.client.get("/admin/policies/preview", params={
            "kind": "complaint", "round": "1", "received_on": "2026-07-28", "accepted_on": "2026-08-03"})
        assert r.status_code == 200
        dues = dict(re.findall(r'data-clock="([a-z_0-9]+)" data-due="([0-9-]+)"', r.text))
        assert dues == {"acceptance": "2026-08-06", "resolution": "2026-09-03"}

    def test_policy_pages_refuse_staff_in_vietnamese(self, flow: Flow) -> None:
        page_login(flow.client, "office")
        r = flow.client.post("/admin/policies", data={"csrf_token": "x", "base_id": "1"})
        assert r.status_code == 403
        r = flow.client.get("/admin/policies")
        assert r.status_code == 403
        assert "chỉ dành cho quản trị viên" in r.text

    def test_policy_pages_send_anonymous_visitors_to_the_login(self, client: TestClient) -> None:
        r = client.get("/admin/policies", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")
