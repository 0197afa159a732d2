"""The mail outbox: send through SMTP with retries, never the same row twice (DESIGN.md §5).

Rows are written by the sweep and the digest in the same transaction as what they report,
and sent later by `send_due`, so a failing mail server never blocks a sweep. Sending is
in two steps:

1. Claim: in a short write transaction, pick due rows (`ix_email_outbox_pending`), lock them
   (`FOR UPDATE SKIP LOCKED` on PostgreSQL; the IMMEDIATE transaction on SQLite), count the
   attempt and push `next_attempt_at` a lease ahead. Another sender no longer sees them.
2. Send outside any transaction, then record the outcome: `sent_at`, or a retry after an
   exponential backoff for a temporary failure (SMTP 4xx, connection trouble), or
   `failed_at` + `last_error` for a permanent one (5xx, or too many attempts), logged.

A sender that dies between sending and recording leaves the row to come back after the
lease: SMTP cannot be made exactly-once, and a late duplicate beats a lost warning.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import select as core_select
from sqlmodel import Session, col, func, select

from models import OPEN_STATUSES, Case, EmailOutbox, Role, Unit, User
from models.db import new_session, session_scope
from models.settings import Settings, get_settings
from workflows.calendar import WorkCalendar, load_calendar, vn_today
from workflows.escalation import case_link, dialect_insert, mail_body
from workflows.i18n import label
from workflows.risk import risk_condition

log = logging.getLogger("donthu.mailer")

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
#: How long a claimed row stays hidden from other senders while it is being sent.
LEASE = timedelta(minutes=10)
BATCH = 100


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, capped at six hours."""
    delay: timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, BACKOFF_MAX)


@dataclass
class MailResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claimed:
    id: int
    to_addr: str
    subject: str
    body: str
    attempts: int


def claim(session: Session, now: datetime, limit: int = BATCH) -> list[_Claimed]:
    """Take up to `limit` due rows for this sender; the caller commits at once."""
    stmt = (select(EmailOutbox)
            .where(col(EmailOutbox.sent_at).is_(None), col(EmailOutbox.failed_at).is_(None),
                   col(EmailOutbox.next_attempt_at) <= now)
            .order_by(col(EmailOutbox.next_attempt_at), col(EmailOutbox.id)).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    out = []
    for row in session.exec(stmt).all():
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        session.add(row)
        out.append(_Claimed(row.id or 0, row.to_addr, row.subject, row.body, row.attempts))
    session.flush()
    return out


class _Temporary(Exception):
    """A failure worth retrying (SMTP 4xx, the server unreachable)."""


class _Permanent(Exception):
    """A failure that another attempt will not fix (SMTP 5xx)."""


def _classify(exc: Exception) -> Exception:
    code: int | None = None
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _m in exc.recipients.values()]
        code = min(codes) if codes else None
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    text = f"{type(exc).__name__}: {exc}"[:1000]
    if code is not None and 500 <= code < 600:
        return _Permanent(text)
    return _Temporary(text)


class _Unreachable(OSError):
    """The server could not be reached or refused the session: the rest of the batch waits."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


class _Connection:
    """One SMTP connection for a batch, opened on first use and reopened after trouble."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            try:
                self.smtp = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                raise _Unreachable(exc) from exc
        self.smtp.send_message(msg)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls and s.smtp_port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
            if s.smtp_tls:
                smtp.starttls()
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        return smtp

    def reset(self) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def _message(row: _Claimed, settings: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_sender
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=f"donthu-{row.id}")
    msg["Content-Language"] = "vi"
    msg.set_content(row.body, charset="utf-8")
    return msg


def _record(session: Session, row: _Claimed, now: datetime, error: Exception | None, result: MailResult,
            *, quiet: bool = False) -> None:
    db = session.get(EmailOutbox, row.id)
    if db is None or db.sent_at is not None:
        return
    if error is None:
        db.sent_at = now
        db.last_error = ""
        result.sent += 1
    elif isinstance(error, _Permanent) or row.attempts >= MAX_ATTEMPTS:
        db.failed_at = now
        db.last_error = str(error)[:1000]
        result.failed += 1
        log.error("Thư #%s tới %s không gửi được sau %s lần: %s", row.id, row.to_addr, row.attempts, error)
    else:
        db.next_attempt_at = now + backoff(row.attempts)
        db.last_error = str(error)[:1000]
        result.retried += 1
        if not quiet:  # an unreachable server is logged once per batch by the caller
            log.warning("Thư #%s tới %s tạm thời chưa gửi được (lần %s), thử lại sau: %s", row.id, row.to_addr,
                        row.attempts, error)
    session.add(db)


def send_due(now: datetime, *, engine: Engine | None = None, settings: Settings | None = None,
             limit: int = BATCH) -> MailResult:
    """Send what is due at `now`; returns how many were sent, put back and given up."""
    settings = settings or get_settings()
    result = MailResult()
    while True:
        with session_scope(engine=engine) as s:
            rows = claim(s, now, limit)
        if not rows:
            return result
        conn = _Connection(settings)
        try:
            down: Exception | None = None
            for row in rows:
                error: Exception | None = down
                if down is None:
                    try:
                        conn.send(_message(row, settings))
                    except _Unreachable as exc:
                        # No server, or it refused the session (a setting to fix, not the message):
                        # retry later, and do not knock once per row (each may wait for a timeout).
                        error = down = _Temporary(str(exc)[:1000])
                    except (smtplib.SMTPException, OSError) as exc:
                        error = _classify(exc)
                        if not isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                            conn.reset()
                with session_scope(engine=engine) as s:
                    _record(s, row, now, error, result, quiet=error is not None and error is down)
            if down is not None:
                log.warning("Không kết nối được máy chủ thư %s:%s; %s thư sẽ được gửi lại sau: %s",
                            settings.smtp_host, settings.smtp_port, len(rows), down)
        finally:
            conn.close()
        if len(rows) < limit:
            return result


# --- the daily digest -------------------------------------------------------------------

DIGEST_LIST = 20


def _lines(session: Session, where: Any, units: dict[int, str]) -> tuple[int, list[str]]:
    base = col(Case.status).in_([s.value for s in OPEN_STATUSES])
    total = session.exec(select(func.count()).select_from(Case).where(base, where)).one()
    rows = session.execute(
        core_select(col(Case.tracking_code), col(Case.kind), col(Case.subject), col(Case.unit_id),
                    col(Case.current_due_on))
        .where(base, where).order_by(col(Case.current_due_on), col(Case.id)).limit(DIGEST_LIST)).all()
    out = []
    for code, kind, subject, unit_id, due in rows:
        # A denunciation's subject stays in the app (Luật Tố cáo 2018, art. 47).
        what = "(đơn tố cáo: xem trong hệ thống)" if kind == "denunciation" else subject
        due_s = f"hạn {due:%d/%m/%Y}" if due else "không có hạn đang chạy"
        unit = units.get(unit_id or 0, "Văn phòng Sở (chưa giao)")
        out.append(f"- {code} · {label('kind', kind)} · {unit} · {due_s}: {what}\n  {case_link(code)}")
    if total > len(rows):
        out.append(f"  … và {total - len(rows)} hồ sơ khác.")
    return int(total), out


def digest_text(session: Session, today: date, cal: WorkCalendar) -> tuple[str, str]:
    """Subject and body of the daily digest: overdue, due within the week, escalation risks."""
    units = {u.id or 0: u.name for u in session.exec(select(Unit)).all()}
    due = col(Case.current_due_on)
    sections = (
        ("Hồ sơ quá hạn", due < today),
        ("Hồ sơ đến hạn trong 7 ngày tới", due.between(today, today + timedelta(days=6))),
        ("Hồ sơ có nguy cơ vượt cấp", risk_condition(today, cal)),
    )
    counts, parts = [], []
    for title, where in sections:
        n, lines = _lines(session, where, units)
        counts.append(n)
        parts.append(f"{title}: {n}\n" + ("\n".join(lines) if lines else "- Không có."))
    subject = (f"[DonThu] Tổng hợp ngày {today:%d/%m/%Y}: {counts[0]} quá hạn, {counts[1]} đến hạn trong tuần, "
               f"{counts[2]} nguy cơ vượt cấp")
    body = f"Tình hình giải quyết đơn thư ngày {today:%d/%m/%Y}.\n\n" + "\n\n".join(parts)
    return subject, body


def queue_digest(session: Session, now: datetime, today: date | None = None) -> int:
    """Queue today's digest for every active office and director user with an address.

    The dedupe key (one per user and day) makes this safe to call from every scheduler.
    """
    today = today or vn_today(now)
    users = session.exec(select(User).where(
        col(User.active).is_(True), col(User.role).in_([Role.office.value, Role.director.value]),
        User.email != "")).all()
    if not users:
        return 0
    subject, body = digest_text(session, today, load_calendar(session))
    rows = [{"dedupe_key": f"digest:{today.isoformat()}:{u.id}", "to_addr": u.email, "subject": subject,
             "body": mail_body(u, body, None), "created_at": now, "next_attempt_at": now, "attempts": 0,
             "last_error": ""} for u in users]
    ins = dialect_insert(session, EmailOutbox).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return len(session.execute(ins.returning(EmailOutbox.id)).all())


def digest_due(session: Session, today: date) -> bool:
    """Whether today's digest is still to be queued (a cheap check before building it)."""
    # A range on the unique index (a LIKE prefix would not use it on SQLite).
    prefix = f"digest:{today.isoformat()}:"
    key = col(EmailOutbox.dedupe_key)
    stmt = select(EmailOutbox.id).where(key >= prefix, key < prefix[:-1] + ";").limit(1)
    return session.exec(stmt).first() is None


def queue_digest_once(now: datetime, *, engine: Engine | None = None) -> int:
    with new_session(readonly=True, engine=engine) as s:
        if not digest_due(s, vn_today(now)):
            return 0
    with session_scope(engine=engine) as s:
        return queue_digest(s, now)
