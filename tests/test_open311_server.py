"""Open311 against the REAL server: uvicorn in a subprocess on 127.0.0.1, a fresh SQLite
database built by `donthu migrate`, driven by the `georeport` client from PyPI (which we did
not write) and by plain form-encoded HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from georeport import GeoReport

from api.cli import run_migrations
from models import Category, Unit
from models.db import get_engine, session_scope
from workflows.auth import create_api_key

ROOT = Path(__file__).resolve().parent.parent
PORT = 8190
BASE = f"http://127.0.0.1:{PORT}/open311/v2"


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    tmp = Path(tempfile.mkdtemp(prefix="donthu-open311-"))
    url = f"sqlite:///{tmp / 'server.db'}"
    env = {**os.environ, "DONTHU_DATABASE_URL": url, "DONTHU_ATTACHMENT_DIR": str(tmp / "attachments"),
           "DONTHU_ENV": "development", "DONTHU_BASE_URL": f"http://127.0.0.1:{PORT}"}
    run_migrations(url)  # what `donthu migrate` does, on the server's own database
    engine = get_engine(url)
    with session_scope(engine=engine) as s:
        tm = Unit(code="QLTM", name="Phòng Quản lý Thương mại")
        cn = Unit(code="QLCN", name="Phòng Quản lý Công nghiệp")
        s.add_all([tm, cn])
        s.flush()
        s.add(Category(code="TM", name="Thương mại, chợ, siêu thị", default_unit_id=tm.id))
        s.add(Category(code="CN", name="Công nghiệp, an toàn hoá chất", default_unit_id=cn.id))
        writer, _ = create_api_key(s, "Ứng dụng phản ánh hiện trường", ["cases:write"])
        reader, _ = create_api_key(s, "Báo chí", ["cases:read"])
    engine.dispose()
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(PORT)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(200):
            try:
                if requests.get(f"http://127.0.0.1:{PORT}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None:
                raise RuntimeError((tmp / "server.log").read_text())
            time.sleep(0.1)
        else:
            raise RuntimeError("server did not start: " + (tmp / "server.log").read_text())
        yield {"writer": writer, "reader": reader}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def post_form(data: dict[str, str], **params: str) -> requests.Response:
    """Plain application/x-www-form-urlencoded, as any 311 app sends it."""
    return requests.post(f"{BASE}/requests.json", data=data, params=params, timeout=10)


@pytest.fixture(scope="module")
def posted(server: dict[str, str]) -> dict[str, str]:
    codes = {}
    for name, service, key_in in (("cho", "TM", "form"), ("gia", "TM", "query"), ("hoa_chat", "CN", "form")):
        form = {"service_code": service, "description": f"Phản ánh về {name.replace('_', ' ')} tại phường Hàng Bạc",
                "attribute[kind]": "feedback", "first_name": "An", "last_name": "Nguyễn Văn",
                "phone": "0912345678", "address_string": "12 Hàng Bạc, Hoàn Kiếm", "lat": "21.0341", "long": "105.8530"}
        r = post_form({**form, "api_key": server["writer"]}) if key_in == "form" else post_form(
            form, api_key=server["writer"])
        assert r.status_code == 200, r.text
        answer = r.json()
        assert isinstance(answer, list)
        assert len(answer) == 1
        assert answer[0]["pin"].isdigit()
        codes[name] = answer[0]["service_request_id"]
    return codes


def test_form_post_is_read_back(server: dict[str, str], posted: dict[str, str]) -> None:
    r = requests.get(f"{BASE}/requests/{posted['cho']}.json", timeout=10)
    assert r.status_code == 200
    rows = r.json()
    assert [x["service_request_id"] for x in rows] == [posted["cho"]]
    assert rows[0]["status"] == "open"
    assert rows[0]["service_code"] == "TM"
    assert "Nguyễn" not in r.text
    assert "0912345678" not in r.text
    assert "Hàng Bạc" not in r.text
    # The case is there for a reading system too, with the petitioner redacted.
    case = requests.get(f"http://127.0.0.1:{PORT}/api/v1/cases/{posted['cho']}",
                        headers={"X-API-Key": server["reader"]}, timeout=10)
    assert case.status_code == 200
    assert case.json()["channel"] == "web"


def test_form_post_with_a_read_only_key_is_403(server: dict[str, str]) -> None:
    r = post_form({"service_code": "TM", "description": "x", "attribute[kind]": "feedback",
                   "api_key": server["reader"]})
    assert r.status_code == 403
    assert r.json()[0]["code"] == 403


def test_georeport_client_reads_services_and_requests(server: dict[str, str], posted: dict[str, str]) -> None:
    client = GeoReport(BASE)
    services = client.get_service_list()
    assert {s["service_code"]: s["service_name"] for s in services} == {
        "CN": "Công nghiệp, an toàn hoá chất", "TM": "Thương mại, chợ, siêu thị"}
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in services)
    definition = client.get_service_definition("TM")
    assert definition["service_code"] == "TM"
    assert any(a["code"] == "kind" and a["datatype"] == "singlevaluelist" for a in definition["attributes"])

    in_tm = client.get_service_requests(service_code="TM", status="open")
    assert {r["service_request_id"] for r in in_tm} == {posted["cho"], posted["gia"]}
    assert client.get_service_requests(status="closed") == []
    by_id = client.get_service_requests(service_request_id=f"{posted['hoa_chat']},{posted['gia']}")
    assert {r["service_request_id"] for r in by_id} == {posted["hoa_chat"], posted["gia"]}

    one: dict[str, Any] = client.get_service_request(posted["hoa_chat"])
    assert one["service_request_id"] == posted["hoa_chat"]
    assert one["agency_responsible"] == "Sở Công Thương"
    assert one["status_notes"].startswith("Tiếp nhận")


def test_georeport_client_in_xml(server: dict[str, str], posted: dict[str, str]) -> None:
    client = GeoReport(BASE, output_format="xml")
    codes = {s["service_code"] for s in client.get_service_list()}
    assert codes == {"CN", "TM"}
    one = client.get_service_request(posted["gia"])
    assert one["service_request_id"] == posted["gia"]
    assert one["status"] == "open"
    listed = client.get_service_requests(service_code="CN")
    assert listed["service_request_id"] == posted["hoa_chat"]  # xmltodict gives one element as a dict
