"""The urgency order of the inbox, page by page (issue 7 rewrote it as two index walks)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import FixedClock, Org, act, auth, make_case


def test_pages_follow_the_urgency_order_across_the_running_and_stopped_cases(
        client: TestClient, org: Org, clock: FixedClock) -> None:
    h = auth(client, "office")
    codes = []
    for day in ("2026-11-02", "2026-11-20", "2026-11-10", "2026-11-20", "2026-11-05", "2026-11-25", "2026-11-12"):
        codes.append(make_case(client, h, received_on=day)["tracking_code"])
    for code in codes[1::3]:  # stop some clocks: archived cases have no running clock
        case = client.get(f"/api/v1/cases/{code}", headers=h).json()
        act(client, h, code, "archive", case["version"], reason="Đơn trùng nội dung đã giải quyết")
    full = client.get("/api/v1/cases", params={"limit": 200}, headers=h).json()
    items = full["items"]
    assert full["total"] == len(codes) == len(items)
    running = [c for c in items if c["due_on"] is not None]
    stopped = [c for c in items if c["due_on"] is None]
    assert running
    assert stopped
    assert items == running + stopped
    assert [c["due_on"] for c in running] == sorted(c["due_on"] for c in running)
    for size in (1, 2, 3, 5):
        paged = []
        for offset in range(0, len(codes) + size, size):
            page = client.get("/api/v1/cases", params={"limit": size, "offset": offset}, headers=h).json()
            assert page["total"] == len(codes)
            paged += [c["tracking_code"] for c in page["items"]]
        assert paged == [c["tracking_code"] for c in items], size
