"""Fixtures for the security suite: a department with a case in each unit, a denunciation
with a known identity, and helpers that walk the app's route table, so that routes other
helpers add later are covered by the same tests."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.conftest import Org, act, auth, make_case

PDF = b"%PDF-1.4\n%%EOF\n"
GHOST = "26ZZZZZZ"  # a code that exists nowhere
SECRETS = ("Lê Thị Tố Cáo", "079201001234", "0909111222", "to.cao@example.test", "Hẻm 12 Nguyễn Trãi")
DENOUNCER = {"full_name": SECRETS[0], "id_number": SECRETS[1], "phone": SECRETS[2], "email": SECRETS[3],
             "address": SECRETS[4]}


@dataclass
class World:
    tm_code: str  # a complaint assigned to QLTM: out of scope for QLCN staff
    tm_attachment: int
    tm_version: int
    cn_code: str  # a denunciation assigned to QLCN, with a named denunciator
    cn_attachment: int


def _assigned(client: TestClient, org: Org, unit: str, **fields: Any) -> dict[str, Any]:
    office = auth(client, "office")
    case = make_case(client, auth(client, "reception"), **fields)
    case = act(client, office, case["tracking_code"], "accept", case["version"])
    officer = "officer.tm" if unit == "QLTM" else "officer.cn"
    return act(client, office, case["tracking_code"], "assign", case["version"], unit=unit, officer=officer)


def _attach(client: TestClient, code: str) -> int:
    r = client.post(f"/api/v1/cases/{code}/attachments", files={"file": ("don.pdf", PDF, "application/pdf")},
                    headers=auth(client, "office"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture
def world(client: TestClient, org: Org) -> World:
    tm = _assigned(client, org, "QLTM")
    cn = _assigned(client, org, "QLCN", kind="denunciation", petitioner=DENOUNCER,
                   subject="Tố cáo cán bộ nhận hối lộ khi kiểm tra thị trường",
                   content="Tôi tố cáo một cán bộ đã nhận tiền khi kiểm tra cửa hàng.")
    return World(tm_code=tm["tracking_code"], tm_attachment=_attach(client, tm["tracking_code"]),
                 tm_version=tm["version"] + 1, cn_code=cn["tracking_code"],
                 cn_attachment=_attach(client, cn["tracking_code"]))


def _flat(router: Any, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every route with its full path. FastAPI 0.16x keeps included routers as lazy
    branches (`_IncludedRouter`) rather than copying their routes into `app.routes`."""
    for r in router.routes:
        if hasattr(r, "original_router"):
            yield from _flat(r.original_router, prefix + r.include_context.prefix)
        elif isinstance(r, APIRoute):
            yield prefix + r.path, r


def routes(app: Any, *, pages: bool | None = None) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path, route) for every route of the app; `pages` picks HTML or JSON ones."""
    for path, r in _flat(app.router):
        is_api = path.startswith(("/api/", "/open311/")) or path in ("/health", "/openapi.json")
        if pages is not None and pages == is_api:
            continue
        for m in sorted(r.methods - {"HEAD", "OPTIONS"}):
            yield m, path, r


def fill(path: str, code: str, attachment: int) -> str:
    """A concrete URL for a route template: the case code, a real attachment, a real action."""
    values = {"tracking_code": code, "attachment_id": str(attachment), "action": "accept"}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), path)


def text_of(content: bytes) -> str:
    """A response body as text, opening XLSX/DOCX/ODT archives so that exports are searched too."""
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", "replace")
