"""Attachments, the public look-up and the hash-chained audit trail."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from tests.conftest import TEST_DB_URL, Org, auth, make_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


class TestAttachments:
    def test_pdf_is_stored_and_downloaded_as_attachment(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        code = make_case(client, h)["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/attachments", files={"file": ("don.pdf", PDF, "application/pdf")},
                        headers=h)
        assert r.status_code == 201, r.text
        att = r.json()
        assert att["content_type"] == "application/pdf" and att["size"] == len(PDF)
        r = client.get(f"/api/v1/cases/{code}/attachments/{att['id']}", headers=h)
        assert r.status_code == 200 and r.content == PDF
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.headers["x-content-type-options"] == "nosniff"

    def test_docx_is_recognised_by_content(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        code = make_case(client, h)["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/attachments", files={"file": ("a.docx", docx_bytes(), "x/y")}, headers=h)
        assert r.status_code == 201 and r.json()["content_type"].endswith("wordprocessingml.document")

    def test_disguised_file_is_415(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        code = make_case(client, h)["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/attachments",
                        files={"file": ("scan.pdf", b"MZ\x90\x00 this is an exe", "application/pdf")}, headers=h)
        assert r.status_code == 415 and "detail" in r.json()

    def test_oversized_file_is_413(self, client: TestClient, org: Org, monkeypatch: object) -> None:
        from models.settings import get_settings

        settings = get_settings()
        old = settings.max_upload_mb
        settings.max_upload_mb = 1
        try:
            h = auth(client, "reception")
            code = make_case(client, h)["tracking_code"]
            big = PDF + b"0" * (1024 * 1024 + 10)
            r = client.post(f"/api/v1/cases/{code}/attachments", files={"file": ("big.pdf", big, "application/pdf")},
                            headers=h)
            assert r.status_code == 413
        finally:
            settings.max_upload_mb = old

    def test_path_tricks_in_names_are_neutralised(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        code = make_case(client, h)["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/attachments",
                        files={"file": ("../../etc/passwd.pdf", PDF, "application/pdf")}, headers=h)
        assert r.status_code == 201 and r.json()["original_name"] == "passwd.pdf"

    def test_other_unit_cannot_download(self, client: TestClient, org: Org) -> None:
        h = auth(client, "reception")
        code = make_case(client, h)["tracking_code"]
        att = client.post(f"/api/v1/cases/{code}/attachments", files={"file": ("d.pdf", PDF, "application/pdf")},
                          headers=h).json()
        r = client.get(f"/api/v1/cases/{code}/attachments/{att['id']}", headers=auth(client, "officer.tm"))
        assert r.status_code == 404


class TestPublicLookup:
    def test_code_and_pin_show_status_without_personal_data(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        r = client.get(f"/api/v1/public/cases/{case['tracking_code']}", params={"pin": case["pin"]})
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "received" and body["clocks"][0]["name"] == "acceptance"
        for secret in ("Nguyễn Văn An", "001085012345", "0912345678", "an@example.test", "Đống Đa"):
            assert secret not in r.text

    def test_wrong_pin_and_unknown_code_look_the_same(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        wrong = client.get(f"/api/v1/public/cases/{case['tracking_code']}", params={"pin": "000000"})
        unknown = client.get("/api/v1/public/cases/26ZZZZZZ", params={"pin": case["pin"]})
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()

    def test_repeated_failures_are_throttled(self, client: TestClient, org: Org) -> None:
        case = make_case(client, auth(client, "reception"))
        for _ in range(10):
            client.get(f"/api/v1/public/cases/{case['tracking_code']}", params={"pin": "111111"})
        r = client.get(f"/api/v1/public/cases/{case['tracking_code']}", params={"pin": case["pin"]})
        assert r.status_code == 429 and "Retry-After" in r.headers

    def test_public_page_lookup(self, client: TestClient, org: Org) -> None:
        from tests.conftest import csrf_of

        case = make_case(client, auth(client, "reception"))
        token = csrf_of(client.get("/lookup").text)
        r = client.post("/lookup", data={"code": case["tracking_code"], "pin": case["pin"], "csrf_token": token})
        assert r.status_code == 200 and "Tiếp nhận, xử lý đơn" in r.text and "Nguyễn Văn An" not in r.text
        r = client.post("/lookup", data={"code": case["tracking_code"], "pin": "999999", "csrf_token": token})
        assert r.status_code == 404 and "Không tìm thấy" in r.text


def _audit() -> subprocess.CompletedProcess[str]:
    env = {"DONTHU_DATABASE_URL": TEST_DB_URL, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "api.cli", "audit", "verify"], capture_output=True, text=True,
                          env=env, timeout=120)


class TestAuditChain:
    def _history(self, client: TestClient) -> str:
        case = make_case(client, auth(client, "reception"))
        code = case["tracking_code"]
        r = client.post(f"/api/v1/cases/{code}/actions/accept", json={"version": case["version"]},
                        headers=auth(client, "office"))
        assert r.status_code == 200
        make_case(client, auth(client, "reception"))
        return code

    def test_intact_chain_passes(self, client: TestClient, org: Org) -> None:
        self._history(client)
        r = _audit()
        assert r.returncode == 0, r.stdout + r.stderr

    def test_altered_event_is_found(self, client: TestClient, org: Org, session: Session) -> None:
        code = self._history(client)
        session.execute(text("UPDATE case_event SET note = 'sửa lén' WHERE seq = 1 AND case_id = "
                             "(SELECT id FROM \"case\" WHERE tracking_code = :c)"), {"c": code})
        session.commit()
        r = _audit()
        assert r.returncode == 1 and code in r.stdout and "sửa" in r.stdout

    def test_deleted_last_event_is_found(self, client: TestClient, org: Org, session: Session) -> None:
        code = self._history(client)
        session.execute(text("DELETE FROM case_event WHERE seq = 2 AND case_id = "
                             "(SELECT id FROM \"case\" WHERE tracking_code = :c)"), {"c": code})
        session.commit()
        r = _audit()
        assert r.returncode == 1 and code in r.stdout
