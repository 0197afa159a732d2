"""Shared pieces of the escalation, mail and notification tests: a real SMTP server and day helpers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from models.settings import Settings, get_settings

#: Ports given to this part of the suite (one at a time, see `free_port`).
PORTS = range(8120, 8140)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8120-8139")


@dataclass
class Mailbox:
    """What the SMTP server accepted, and the replies it is told to give first."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)  # e.g. ["451 4.3.0 Hệ thống bận"]
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        if self.refuse:
            self.refused += 1
            return self.refuse.pop(0)
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def texts(self) -> list[str]:
        return [f"{m['To']}\n{m['Subject']}\n{m.get_content()}" for m in self.messages]  # type: ignore[attr-defined]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, Settings]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": False})
    finally:
        controller.stop()


def at(day: date, hour: int = 1) -> datetime:
    """08:00 in Hà Nội on `day` (01:00 UTC), the time a morning sweep runs."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)
