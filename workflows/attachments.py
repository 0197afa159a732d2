"""Attachments: checked by content, stored outside any served folder under server-made names."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session

from models import Attachment, Case, Kind, User
from models.settings import get_settings
from workflows.audit import append_event
from workflows.calendar import vn_today
from workflows.errors import NotFound, TooLarge, UnsupportedType

ALLOWED = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
}
_CHUNK = 1 << 20


def sniff(head: bytes, data: bytes) -> str | None:
    """The file's real type from its bytes, whatever its name or declared type says."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "mimetype" in names and zf.read("mimetype").strip() == ALLOWED["odt"].encode():
                    return "odt"
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return "docx"
                    if any(n.startswith("xl/") for n in names):
                        return "xlsx"
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
    return None


def safe_name(name: str) -> str:
    """Keep only the last path segment and printable characters of a client's file name."""
    base = name.replace("\\", "/").split("/")[-1].strip().strip(".")
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base[:200] or "tep-dinh-kem"


def store(case: Case, filename: str, stream: BinaryIO, *, uploaded_by: int | None, now: datetime) -> Attachment:
    settings = get_settings()
    limit = settings.max_upload_mb * 1024 * 1024
    buf = io.BytesIO()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        buf.write(chunk)
        if buf.tell() > limit:
            raise TooLarge(f"Tệp vượt quá dung lượng cho phép ({settings.max_upload_mb} MB).")
    data = buf.getvalue()
    if not data:
        raise UnsupportedType("Tệp rỗng.")
    kind = sniff(data[:16], data)
    if kind is None:
        raise UnsupportedType("Chỉ nhận tệp PDF, JPEG, PNG, DOCX, XLSX hoặc ODT (kiểm tra theo nội dung tệp).")
    folder = Path(settings.attachment_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    tmp = folder / f".{stored}.tmp"
    tmp.write_bytes(data)
    tmp.replace(folder / stored)  # atomic: never a half-written file under its final name
    return Attachment(
        case_id=case.id or 0,
        original_name=safe_name(filename),
        stored_name=stored,
        content_type=ALLOWED[kind],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        confidential=case.kind == Kind.denunciation,
        uploaded_by_id=uploaded_by,
        uploaded_at=now,
    )


def path_of(att: Attachment) -> Path:
    path = Path(get_settings().attachment_dir) / att.stored_name
    if not path.is_file():
        raise NotFound("Không tìm thấy tệp đính kèm.")
    return path


def add_attachment(session: Session, case: Case, filename: str, stream: BinaryIO, *, actor: User | None,
                   now: datetime) -> Attachment:
    """Store a file and record it on the case's history, in the caller's transaction."""
    row = store(case, filename, stream, uploaded_by=actor.id if actor else None, now=now)
    session.add(row)
    session.flush()
    case.version += 1
    append_event(session, case, now=now, on=vn_today(now), action="attachment_added", actor=actor,
                 from_status=case.status, to_status=case.status, note=row.original_name,
                 data={"attachment_id": row.id, "sha256": row.sha256, "size": row.size})
    return row
