"""Citizen pages without login: the satisfaction survey, the second round it may open, and công khai."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from models import Case, CaseEvent, SurveyResponse
from models.db import session_scope
from tests.conftest import FixedClock, Org, act, csrf_of, make_case
from tests.test_reports import auth, resolve_case

SCORES = {"timeliness": "4", "attitude": "5", "result": "4", "overall": "4"}


def answer(client: TestClient, code: str, pin: str, **scores: str) -> Any:
    token = csrf_of(client.get("/survey", params={"code": code}).text)
    return client.post("/survey", data={"csrf_token": token, "code": code, "pin": pin, **SCORES, **scores,
                                        "comment": "Cán bộ nhiệt tình."})


class TestSurvey:
    def test_one_answer_per_resolved_case(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        c = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        r = answer(client, c["tracking_code"], c["pin"])
        assert r.status_code == 200, r.text
        assert "Cảm ơn" in r.text
        assert "second-round" not in r.text  # a happy citizen is not offered a second round
        again = answer(client, c["tracking_code"], c["pin"], overall="1")
        assert again.status_code == 409
        assert "một lần" in again.text
        with session_scope(readonly=True) as s:
            rows = s.exec(select(SurveyResponse)).all()
            assert [(x.timeliness, x.attitude, x.result, x.overall) for x in rows] == [(4, 5, 4, 4)]
            actions = s.exec(select(CaseEvent.action).where(CaseEvent.case_id == rows[0].case_id)).all()
            assert actions[-1] == "survey"

    def test_the_lookup_offers_the_survey_for_a_decided_case(self, client: TestClient, clock: FixedClock,
                                                            org: Org) -> None:
        c = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        token = csrf_of(client.get("/lookup").text)
        r = client.post("/lookup", data={"code": c["tracking_code"], "pin": c["pin"], "csrf_token": token})
        assert f'href="/survey?code={c["tracking_code"]}"' in r.text

    def test_open_case_and_wrong_pin_are_refused(self, client: TestClient, org: Org) -> None:
        c = make_case(client, auth(client, "reception"))
        r = answer(client, c["tracking_code"], c["pin"])
        assert r.status_code == 409
        assert "kết quả giải quyết" in r.text
        r = answer(client, c["tracking_code"], "000000" if c["pin"] != "000000" else "111111")
        assert r.status_code == 404
        assert "Không tìm thấy" in r.text

    def test_scores_must_be_1_to_5(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        c = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        assert answer(client, c["tracking_code"], c["pin"], result="9").status_code == 422


class TestSecondRound:
    def test_unhappy_rating_opens_a_linked_second_round(self, client: TestClient, clock: FixedClock,
                                                       org: Org) -> None:
        c = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        clock.set(date(2026, 10, 26))
        r = answer(client, c["tracking_code"], c["pin"], overall="2")
        assert r.status_code == 200
        assert 'id="second-round"' in r.text
        token = csrf_of(r.text)
        r = client.post("/survey/second-round", data={
            "csrf_token": token, "code": c["tracking_code"], "pin": c["pin"],
            "reason": "Quyết định lần đầu chưa xem xét chứng cứ tôi nộp bổ sung."})
        assert r.status_code == 200, r.text
        new_code = re.search(r'id="new-code">([A-Z0-9-]+)<', r.text)
        new_pin = re.search(r'id="new-pin">(\d+)<', r.text)
        assert new_code
        assert new_pin
        with session_scope(readonly=True) as s:
            first = s.exec(select(Case).where(Case.tracking_code == c["tracking_code"])).one()
            second = s.exec(select(Case).where(Case.tracking_code == new_code.group(1))).one()
            assert second.previous_case_id == first.id
            assert second.round == 2
            assert second.kind == "complaint"
            assert second.status == "received"
            assert "chứng cứ" in second.content
            last = s.exec(select(CaseEvent).where(CaseEvent.case_id == first.id)
                          .order_by(CaseEvent.seq.desc())).first()  # type: ignore[attr-defined]
            assert last is not None
            assert last.action == "open_second_round"
        # The new PIN opens the new case on the public look-up.
        token = csrf_of(client.get("/lookup").text)
        r = client.post("/lookup", data={"code": new_code.group(1), "pin": new_pin.group(1), "csrf_token": token})
        assert r.status_code == 200
        # The offer is gone, and a second try is refused.
        r = client.post("/survey/second-round", data={"csrf_token": token, "code": c["tracking_code"],
                                                      "pin": c["pin"], "reason": "Lần nữa"})
        assert r.status_code == 409
        with session_scope(readonly=True) as s:
            assert len(s.exec(select(Case).where(Case.previous_case_id.is_not(None))).all()) == 1  # type: ignore[union-attr]

    def test_offer_ends_with_the_legal_time_limit(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        c = resolve_case(client, clock, received=date(2026, 9, 1), resolved=date(2026, 9, 20))
        clock.set(date(2026, 10, 21))  # 31 days after the decision (Luật Khiếu nại 2011 art. 33)
        r = answer(client, c["tracking_code"], c["pin"], overall="1")
        assert r.status_code == 200
        assert 'id="second-round"' not in r.text
        assert 'id="second-round-expired"' in r.text
        token = csrf_of(client.get("/survey").text)
        r = client.post("/survey/second-round", data={"csrf_token": token, "code": c["tracking_code"],
                                                      "pin": c["pin"], "reason": "Không đồng ý"})
        assert r.status_code == 409
        assert "quá thời hạn" in r.text

    def test_no_second_round_for_other_kinds_or_happy_citizens(self, client: TestClient, clock: FixedClock,
                                                              org: Org) -> None:
        c = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20), kind="feedback",
                         subject="Phản ánh")
        r = answer(client, c["tracking_code"], c["pin"], overall="1")
        assert r.status_code == 200
        assert "second-round" not in r.text
        token = csrf_of(client.get("/survey").text)
        r = client.post("/survey/second-round", data={"csrf_token": token, "code": c["tracking_code"],
                                                      "pin": c["pin"], "reason": "Không đồng ý"})
        assert r.status_code == 409


class TestTransparency:
    def test_counts_and_rates_without_personal_data(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        on_time = resolve_case(client, clock, received=date(2026, 2, 2), resolved=date(2026, 2, 20))
        late = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 11, 10))
        clock.set(date(2026, 11, 12))
        d = make_case(client, auth(client, "reception"), kind="denunciation", subject="Tố cáo ông Nguyễn Văn X",
                      petitioner={"full_name": "Đỗ Thị Giang", "address": "Thôn Tân Hưng"})
        act(client, auth(client, "office"), d["tracking_code"], "accept", d["version"])
        clock.set(date(2026, 11, 26))
        r = client.get("/transparency")
        assert r.status_code == 200
        html = r.text
        counts = re.search(r'<table class="list" id="counts">(.*?)</table>', html, re.S)
        assert counts
        assert re.search(r"<th>Khiếu nại</th><td>2</td><td>2</td><td>0</td>", counts.group(1))
        assert re.search(r"<th>Tố cáo</th><td>1</td><td>0</td><td>1</td>", counts.group(1))
        quarters = re.findall(r"<tr><td>Quý (\d)/2026</td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td></tr>", html)
        assert quarters == [("1", "1", "0", "100.0 %"), ("2", "0", "0", "—"), ("3", "0", "0", "—"),
                            ("4", "0", "1", "0.0 %")]
        unit = re.search(r'id="by-unit">.*?<td>Phòng Quản lý Thương mại</td><td>1</td><td>1</td><td>50.0 %</td>',
                         html, re.S)
        assert unit
        for secret in ("Nguyễn Văn An", "001085012345", "Đỗ Thị Giang", "Nguyễn Văn X", "Thôn Tân Hưng",
                       on_time["tracking_code"], late["tracking_code"], d["tracking_code"], "Giữ nguyên"):
            assert secret not in html
        assert "15/QĐ-SCT" in html  # decision numbers of complaints are public

    def test_satisfaction_is_published_without_comments(self, client: TestClient, clock: FixedClock,
                                                        org: Org) -> None:
        c = resolve_case(client, clock, received=date(2026, 10, 1), resolved=date(2026, 10, 20))
        assert answer(client, c["tracking_code"], c["pin"], overall="5").status_code == 200
        html = client.get("/transparency").text
        assert re.search(r"<td>Phòng Quản lý Thương mại</td><td>1</td><td>4.0</td><td>5.0</td><td>4.0</td>"
                         r"<td>5.0</td>", html)
        assert "Cán bộ nhiệt tình" not in html

    def test_other_years_are_selectable(self, client: TestClient, org: Org) -> None:
        r = client.get("/transparency", params={"year": 2025})
        assert r.status_code == 200
        assert "2025" in r.text
