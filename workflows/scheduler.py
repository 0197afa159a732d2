"""The long-running scheduler beside the web workers (`donthu scheduler`).

Each round sweeps the ladder, queues the daily digest once the working day has begun,
sends the mail outbox, and delivers webhooks when that module offers `deliver_due`. Every
step is safe with several schedulers at once: the sweep and the digest are exactly-once by
unique keys, and the outbox is claimed row by row. So operators may start one per app
server without electing a leader.

The clock is passed in (`now()`), and a stop request (SIGTERM/SIGINT) is honoured between
steps and during the wait, so a round is never cut in half.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from datetime import datetime, time

from models.settings import Settings
from workflows.calendar import VN_TZ

log = logging.getLogger("donthu.scheduler")

#: The digest goes out once the working day has started in Hà Nội.
DIGEST_AFTER = time(7, 0)


def _deliver_webhooks(now: datetime) -> None:
    """Call `workflows.webhooks.deliver_due` if it exists, with the arguments it names."""
    from workflows import webhooks

    deliver = getattr(webhooks, "deliver_due", None)
    if deliver is None:
        return
    params = inspect.signature(deliver).parameters
    if "session" in params:
        from models.db import session_scope

        with session_scope() as s:
            kwargs = {"session": s}
            if "now" in params:
                kwargs["now"] = now  # type: ignore[assignment]
            deliver(**kwargs)
        return
    if "now" in params:
        deliver(now=now)
    else:
        deliver(now)


class Scheduler:
    def __init__(self, interval: float, settings: Settings | None = None) -> None:
        self.interval = max(float(interval), 1.0)
        self.settings = settings
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def round(self, now: datetime) -> None:
        """One pass; a failing step is logged and does not stop the others."""
        from workflows.escalation import sweep
        from workflows.mailer import queue_digest_once, send_due

        steps: list[tuple[str, Callable[[], object]]] = [("sweep", lambda: sweep(now))]
        if now.astimezone(VN_TZ).time() >= DIGEST_AFTER:
            steps.append(("digest", lambda: queue_digest_once(now)))
        steps.append(("mail", lambda: send_due(now, settings=self.settings)))
        steps.append(("webhooks", lambda: _deliver_webhooks(now)))
        for name, step in steps:
            if self.stopped:
                return
            try:
                outcome = step()
                if outcome:
                    log.info("%s: %s", name, outcome)
            except Exception:  # noqa: BLE001 - one broken step must not stop the schedule
                log.exception("Bước %s của bộ lập lịch bị lỗi", name)

    def run(self, now: Callable[[], datetime], once: bool = False) -> None:
        while not self.stopped:
            self.round(now())
            if once:
                return
            self._stop.wait(self.interval)
