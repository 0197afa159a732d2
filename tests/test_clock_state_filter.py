"""Lists filter on the clock state derived from today in Asia/Ho_Chi_Minh (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FixedClock, Org
from tests.flows import Flow

STATES = ("on_track", "due_soon", "due_today", "overdue", "met", "met_late", "paused")


@pytest.fixture
def flow(client: TestClient, clock: FixedClock, org: Org) -> Flow:
    return Flow(client, clock)


def _listed(flow: Flow, state: str) -> dict[str, str]:
    r = flow.client.get(f"/api/v1/cases?clock_state={state}&limit=200", headers=flow.h("director"))
    assert r.status_code == 200, r.text
    return {c["tracking_code"]: c["clock_state"] for c in r.json()["items"]}


class TestClockStateFilter:
    @pytest.fixture
    def cases(self, flow: Flow, clock: FixedClock) -> dict[str, str]:
        """One case per state on Thursday 26/11/2026 (24/11 is Ngày Văn hóa Việt Nam)."""
        clock.set(date(2026, 11, 26))
        made = {
            "overdue": flow.new(received_on="2026-11-02"),  # 7 working days: due 11/11
            "due_today": flow.new(received_on="2026-11-16"),  # due 26/11
            "due_soon": flow.new(received_on="2026-11-17"),  # due 27/11, one working day left
            "on_track": flow.new(),  # due 07/12
            "met": flow.to("resolved"),
            "met_late": flow.act(flow.new(received_on="2026-11-02"), "reject", "office", reason="Không thuộc"),
            "paused": flow.to("suspended"),
        }
        return {state: case["tracking_code"] for state, case in made.items()}

    def test_each_state_lists_exactly_its_case(self, flow: Flow, cases: dict[str, str]) -> None:
        for state in STATES:
            assert _listed(flow, state) == {cases[state]: state}, state

    def test_the_states_follow_the_date_the_app_sees(self, flow: Flow, clock: FixedClock,
                                                     cases: dict[str, str]) -> None:
        clock.set(date(2026, 12, 8))
        assert set(_listed(flow, "overdue")) == {cases[s] for s in ("overdue", "due_today", "due_soon", "on_track")}
        assert _listed(flow, "due_today") == {}
        assert set(_listed(flow, "paused")) == {cases["paused"]}

    def test_due_soon_means_three_working_days_or_fewer(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 11, 26))
        three = flow.new(received_on="2026-11-19")  # due 01/12: 27/11, 30/11, 01/12
        four = flow.new(received_on="2026-11-20")  # due 02/12
        assert set(_listed(flow, "due_soon")) == {three["tracking_code"]}
        assert four["tracking_code"] in _listed(flow, "on_track")

    def test_an_unknown_state_is_422(self, flow: Flow) -> None:
        r = flow.client.get("/api/v1/cases?clock_state=late", headers=flow.h("director"))
        assert r.status_code == 422
