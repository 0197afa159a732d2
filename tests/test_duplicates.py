"""Duplicate suggestions at intake: same person, or similar content without diacritics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FixedClock, Org
from tests.flows import Flow


@pytest.fixture
def flow(client: TestClient, clock: FixedClock, org: Org) -> Flow:
    return Flow(client, clock)


def _candidates(flow: Flow, who: str = "reception", **params: str) -> list[dict[str, object]]:
    r = flow.client.get("/api/v1/cases/duplicates", params=params, headers=flow.h(who))
    assert r.status_code == 200, r.text
    return list(r.json())


@pytest.fixture
def market(flow: Flow) -> dict[str, object]:
    return flow.new(subject="Phản ánh giá điện tăng bất thường",
                    content="Hoá đơn tiền điện tháng 10 của gia đình tôi tăng gấp ba lần so với tháng trước.",
                    petitioner={"full_name": "Lê Văn Cường", "id_number": "001099000111", "phone": "0903111222"})


class TestDuplicateSuggestions:
    def test_similar_content_typed_without_diacritics_is_found_with_a_score(
        self, flow: Flow, market: dict[str, object],
    ) -> None:
        found = _candidates(flow, subject="gia dien tang bat thuong",
                            content="hoa don tien dien thang 10 tang gap ba lan so voi thang truoc")
        assert [c["tracking_code"] for c in found] == [market["tracking_code"]]
        assert found[0]["reasons"] == ["nội dung tương tự"]
        assert 60 <= float(found[0]["score"]) <= 100  # type: ignore[arg-type]

    def test_the_same_id_number_or_phone_is_found_whatever_the_content(
        self, flow: Flow, market: dict[str, object],
    ) -> None:
        for params in ({"id_number": "001099000111"}, {"phone": "0903111222"}):
            found = _candidates(flow, subject="Khiếu nại khác", content="Nội dung khác hẳn", **params)
            assert [c["tracking_code"] for c in found] == [market["tracking_code"]]
            assert "cùng người gửi" in found[0]["reasons"]  # type: ignore[operator]

    def test_unrelated_petitions_are_not_suggested(self, flow: Flow, market: dict[str, object]) -> None:
        assert _candidates(flow, subject="Kiến nghị mở rộng chợ",
                           content="Đề nghị bố trí thêm điểm bán hàng nông sản cho bà con xã Tân Lập",
                           phone="0911000000") == []

    def test_the_better_match_comes_first(self, flow: Flow, market: dict[str, object]) -> None:
        other = flow.new(subject="Phản ánh giá điện", content="Tiền điện tháng 10 tăng.",
                         petitioner={"full_name": "Phạm Thị Dung", "phone": "0904999888"})
        found = _candidates(flow, subject="phan anh gia dien tang bat thuong", phone="0904999888",
                            content="hoa don tien dien thang 10 cua gia dinh toi tang gap ba lan so voi thang truoc")
        codes = [c["tracking_code"] for c in found]
        assert set(codes) == {market["tracking_code"], other["tracking_code"]}
        assert [float(c["score"]) for c in found] == sorted((float(c["score"]) for c in found),  # type: ignore[arg-type]
                                                            reverse=True)

    def test_staff_outside_intake_are_refused(self, flow: Flow) -> None:
        r = flow.client.get("/api/v1/cases/duplicates", params={"phone": "0903111222"}, headers=flow.h("officer.cn"))
        assert r.status_code == 403
