"""Open311 GeoReport v2 in process: filters, paging, errors, XML, and no personal data ever."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import Case
from tests.conftest import FixedClock, Org, act, auth, make_case
from tests.test_api_systems import make_key

BASE = "/open311/v2"
# Everything that identifies the denunciator or says what the petition is about.
SECRETS = ("Trần Thị Bình", "079190001234", "0987654321", "binh@example.test", "Phường Bến Nghé",
           "Lê Văn Cường", "hối lộ", "hoi lo", "ông Cường")


def denunciation(client: TestClient) -> dict[str, Any]:
    office = auth(client, "office")
    case = make_case(
        client, office, kind="denunciation", category="TM",
        subject="Tố cáo ông Lê Văn Cường nhận hối lộ",
        content="Ông Lê Văn Cường, cán bộ quản lý thị trường, nhận hối lộ tại chợ.",
        petitioner={"full_name": "Trần Thị Bình", "id_number": "079190001234", "phone": "0987654321",
                    "email": "binh@example.test", "address": "Phường Bến Nghé"},
    )
    case = act(client, office, case["tracking_code"], "accept", case["version"],
               note="Đã làm việc với bà Trần Thị Bình về việc ông Cường")
    return act(client, office, case["tracking_code"], "assign", case["version"], unit="QLTM")


class TestPrivacy:
    def test_no_personal_or_denunciator_data_in_any_answer(self, client: TestClient, session: Session,
                                                           org: Org) -> None:
        code = denunciation(client)["tracking_code"]
        posted = client.post(f"{BASE}/requests.json", data={
            "api_key": make_key(session, "cases:write")["X-API-Key"], "service_code": "TM",
            "description": "Ông Lê Văn Cường nhận hối lộ", "first_name": "Bình", "last_name": "Trần Thị",
            "email": "binh@example.test", "phone": "0987654321", "address_string": "Phường Bến Nghé",
            "attribute[kind]": "denunciation",
        })
        assert posted.status_code == 200, posted.text
        new_code = posted.json()[0]["service_request_id"]
        answers = [posted]
        for fmt in ("json", "xml"):
            for path in (f"requests.{fmt}", f"requests.{fmt}?status=open", f"requests/{code}.{fmt}",
                         f"requests/{new_code}.{fmt}", f"requests.{fmt}?service_request_id={code},{new_code}",
                         f"tokens/{code}.{fmt}", f"services.{fmt}", f"services/TM.{fmt}", f"discovery.{fmt}"):
                r = client.get(f"{BASE}/{path}")
                assert r.status_code == 200, (path, r.text)
                answers.append(r)
        listed = client.get(f"{BASE}/requests.json").json()
        assert {r["service_request_id"] for r in listed} == {code, new_code}
        for r in answers:
            text = r.content.decode()
            leaked = [s for s in SECRETS if s.lower() in text.lower()]
            assert not leaked, (r.url, leaked)


class TestRequests:
    def test_fields_map_our_case_to_open311(self, client: TestClient, org: Org) -> None:
        case = denunciation(client)
        rows = client.get(f"{BASE}/requests/{case['tracking_code']}.json").json()
        assert isinstance(rows, list)
        assert len(rows) == 1
        row = rows[0]
        resolution = next(c for c in case["clocks"] if c["name"] == "resolution")
        assert row["service_request_id"] == case["tracking_code"]
        assert row["status"] == "open"
        assert row["status_notes"] == "Đang xác minh"  # a denunciation's notes are not published
        assert row["agency_responsible"] == "Phòng Quản lý Thương mại"
        assert row["expected_datetime"] == f"{resolution['due_on']}T23:59:59+07:00"
        assert row["service_code"] == "TM"
        assert row["service_name"] == "Thương mại, chợ, siêu thị"
        assert row["requested_datetime"] == "2026-11-26T03:00:00Z"
        assert row["lat"] is None
        assert row["address"] == ""

    def test_status_notes_carry_the_latest_public_note(self, client: TestClient, org: Org) -> None:
        office = auth(client, "office")
        case = make_case(client, office, kind="feedback", category="TM")
        act(client, office, case["tracking_code"], "accept", case["version"], note="Đủ điều kiện thụ lý")
        row = client.get(f"{BASE}/requests/{case['tracking_code']}.json").json()[0]
        assert row["status_notes"] == "Đã thụ lý. Đủ điều kiện thụ lý"

    def test_filters_and_paging(self, client: TestClient, session: Session, org: Org, clock: FixedClock) -> None:
        office = auth(client, "office")
        clock.set(date(2026, 10, 1))
        october = make_case(client, office, category="TM")
        clock.set(date(2026, 11, 26))
        open_other = make_case(client, office)
        closed = make_case(client, office, category="TM")
        act(client, office, closed["tracking_code"], "archive", closed["version"], reason="Đơn nặc danh")

        def ids(**params: Any) -> list[str]:
            r = client.get(f"{BASE}/requests.json", params=params)
            assert r.status_code == 200, r.text
            return [x["service_request_id"] for x in r.json()]

        codes = {k: v["tracking_code"] for k, v in
                 {"october": october, "other": open_other, "closed": closed}.items()}
        assert set(ids()) == set(codes.values())
        assert set(ids(status="open")) == {codes["october"], codes["other"]}
        assert ids(status="closed") == [codes["closed"]]
        assert set(ids(service_code="TM")) == {codes["october"], codes["closed"]}
        assert ids(start_date="2026-09-25T00:00:00Z", end_date="2026-10-05T00:00:00Z") == [codes["october"]]
        assert ids(start_date="2026-11-20T00:00:00+07:00", status="closed", service_code="TM") == [codes["closed"]]
        assert ids(service_request_id=f"{codes['october']},{codes['closed'].lower()}", status="open") == sorted(
            [codes["october"], codes["closed"]], key=lambda c: c != codes["closed"])
        assert ids(page_size=2) + ids(page_size=2, page=2) == ids()
        assert ids(page=3, page_size=2) == []

    def test_xml_mirrors_json(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "office"), category="TM")
        root = ET.fromstring(client.get(f"{BASE}/requests/{case['tracking_code']}.xml").content)
        assert root.tag == "service_requests"
        assert [r.findtext("service_request_id") for r in root.findall("request")] == [case["tracking_code"]]
        definition = ET.fromstring(client.get(f"{BASE}/services/TM.xml").content)
        kinds = [v.findtext("key") for v in definition.iter("value")]
        assert kinds == ["complaint", "denunciation", "recommendation", "feedback"]

    def test_service_definition_says_address_is_optional(self, client: TestClient, org: Org) -> None:
        attrs = client.get(f"{BASE}/services/TM.json").json()["attributes"]
        kind = next(a for a in attrs if a["code"] == "kind")
        assert kind["datatype"] == "singlevaluelist"
        assert kind["required"] is True
        assert {v["name"] for v in kind["values"]} == {"Khiếu nại", "Tố cáo", "Kiến nghị", "Phản ánh"}
        assert any("không bắt buộc" in a["description"] and a["variable"] is False for a in attrs)


class TestPost:
    def test_retry_with_idempotency_key_creates_one_case(self, client: TestClient, session: Session,
                                                         org: Org) -> None:
        key = make_key(session, "cases:write")["X-API-Key"]
        form = {"api_key": key, "service_code": "TM", "description": "Chợ bán hàng không niêm yết giá",
                "attribute[kind]": "feedback"}
        answers = [client.post(f"{BASE}/requests.json", data=form, headers={"Idempotency-Key": "311-7"})
                   for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].json() == answers[1].json()
        session.rollback()
        assert len(session.exec(select(Case)).all()) == 1
        session.rollback()


class TestErrors:
    def test_unknown_resources_are_404_in_the_spec_shape(self, client: TestClient, org: Org) -> None:
        for path in ("services/NOPE.json", "requests/ZZZZZZZZ.json", "tokens/ZZZZZZZZ.json"):
            r = client.get(f"{BASE}/{path}")
            assert r.status_code == 404
            assert r.json()[0]["code"] == 404
            assert r.json()[0]["description"]
        r = client.get(f"{BASE}/requests/ZZZZZZZZ.xml")
        assert r.status_code == 404
        assert ET.fromstring(r.content).findtext("error/code") == "404"

    def test_bad_key_is_403_and_bad_input_400(self, client: TestClient, session: Session, org: Org) -> None:
        form = {"service_code": "TM", "description": "Chợ bán hàng không niêm yết giá",
                "attribute[kind]": "feedback", "first_name": "An"}
        for key in (None, "dtk_sai", make_key(session, "cases:read")["X-API-Key"]):
            r = client.post(f"{BASE}/requests.json", data={**form, **({"api_key": key} if key else {})})
            assert r.status_code == 403
            assert r.json()[0]["code"] == 403
        good = make_key(session, "cases:write", name="Ứng dụng 311")["X-API-Key"]
        for broken in ({"attribute[kind]": "khac"}, {"service_code": "NOPE"}, {"description": ""}):
            r = client.post(f"{BASE}/requests.json", params={"api_key": good}, data={**form, **broken})
            assert r.status_code == 400, (broken, r.text)
            assert r.json()[0]["code"] == 400
        assert client.get(f"{BASE}/requests.json", params={"start_date": "hôm qua"}).status_code == 400
        assert client.get(f"{BASE}/requests.json", params={"status": "pending"}).status_code == 400
        session.rollback()
        assert session.exec(select(Case)).first() is None
