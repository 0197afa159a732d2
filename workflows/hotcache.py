"""A small per-process cache of rendered case views for the hottest reads (issue 7).

The public look-up and the case detail are read far more often than a case changes. Both
read the case row anyway (for the PIN check or the scope check), so the row itself is the
cache key: every move bumps `version`, appends an event (`event_count`, `head_hash`) and
stamps `updated_at`, which makes a stale entry unreachable. The key also holds the day
(clock states change at midnight), the working calendar (holiday overrides) and, for
staff views, who is looking (redaction and allowed actions depend on it).

What the row does not reflect (renaming a unit, a user or a category) is bounded by a
short time to live. Nothing is shared between processes, so several app processes behind
a load balancer stay correct: each one re-reads the row on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import date
from typing import Any

from models import Case

TTL_SECONDS = 10.0
MAX_ENTRIES = 4096


class ViewCache:
    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES) -> None:
        self.ttl, self.size = ttl, size
        self._data: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if now - hit[0] > self.ttl:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return hit[1]

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._data[key] = (time.monotonic(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def row_key(case: Case, today: date, calendar: Any) -> tuple[Any, ...]:
    """Everything on the row that a view depends on, so that any change misses the cache."""
    return (case.id, case.tracking_code, case.version, case.event_count, case.head_hash, case.status,
            case.current_due_on, case.unit_id, case.officer_id, case.updated_at, case.petitioner_id, today, calendar)


public_views = ViewCache()
staff_views = ViewCache()


def clear_all() -> None:
    public_views.clear()
    staff_views.clear()
