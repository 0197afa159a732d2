"""Rate limiting for the JSON API and Open311, as plain ASGI middleware (DESIGN.md §7).

A sliding-window counter per caller: one bucket per API key (the `X-API-Key` header or an
`api_key` query parameter) or bearer token, and one per client address for anonymous calls.
The check costs two dict look-ups and no database round trip, so it cannot slow a request
measurably.

The counters live in the process. With several workers (`donthu serve --workers N`) or
several app servers, each process counts on its own, so the effective limit is N times the
setting. That is an accepted trade-off: the limit exists to stop a runaway script, not to
meter usage exactly, and a shared counter would put a write on every read.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

LIMITED_PREFIXES = ("/api/", "/open311/")
WINDOW = 60.0
#: Buckets untouched for this long are dropped, so memory stays bounded by active callers.
_PRUNE_EVERY = 1000


@dataclass
class _Bucket:
    window_start: float
    current: int = 0
    previous: int = 0


@dataclass
class RateLimiter:
    """Sliding-window counter: the previous minute's count weighted by how much of it still
    overlaps the last 60 seconds, plus this minute's count (the approximation Cloudflare
    and nginx's limit_req family use; O(1) memory per caller)."""

    key_rate: int
    anon_rate: int
    clock: Callable[[], float] = time.monotonic
    buckets: dict[str, _Bucket] = field(default_factory=dict)
    _calls: int = 0

    def hit(self, bucket_key: str, limit: int) -> float:
        """Count one request; return 0 if allowed, else the seconds to wait before retrying."""
        now = self.clock()
        self._calls += 1
        if self._calls % _PRUNE_EVERY == 0:
            self._prune(now)
        b = self.buckets.get(bucket_key)
        if b is None:
            b = self.buckets[bucket_key] = _Bucket(window_start=now)
        elapsed = now - b.window_start
        if elapsed >= WINDOW:
            windows = int(elapsed // WINDOW)
            b.previous = b.current if windows == 1 else 0
            b.current = 0
            b.window_start += windows * WINDOW
            elapsed = now - b.window_start
        weight = (WINDOW - elapsed) / WINDOW
        estimated = b.previous * weight + b.current
        if estimated + 1 > limit:
            # Wait until enough of the previous window has slid out (or the current one ends).
            if b.previous and b.current < limit:
                needed = (estimated + 1 - limit) / b.previous * WINDOW
                return max(1.0, min(needed, WINDOW - elapsed))
            return max(1.0, WINDOW - elapsed)
        b.current += 1
        return 0.0

    def _prune(self, now: float) -> None:
        stale = [k for k, b in self.buckets.items() if now - b.window_start >= 2 * WINDOW]
        for k in stale:
            del self.buckets[k]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def caller_of(scope: dict[str, Any]) -> tuple[str, bool]:
    """(bucket key, is_identified). Keys are hashed: the limiter never holds a secret."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    key = headers.get("x-api-key", "").strip()
    if not key and scope.get("query_string"):
        key = (parse_qs(scope["query_string"].decode("latin-1")).get("api_key") or [""])[0].strip()
    if key:
        return "key:" + _digest(key), True
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and auth[7:].strip():
        return "token:" + _digest(auth[7:].strip()), True
    client = scope.get("client")
    return "addr:" + (client[0] if client else "unknown"), False


class RateLimit:
    """ASGI middleware: 429 with `Retry-After` and a Vietnamese `{"detail"}` past the limit.

    Open311 answers errors in its own shape, `[{code, description}]`.
    """

    def __init__(self, app: Any, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(LIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        bucket, identified = caller_of(scope)
        limit = self.limiter.key_rate if identified else self.limiter.anon_rate
        wait = self.limiter.hit(bucket, limit)
        if not wait:
            await self.app(scope, receive, send)
            return
        retry = str(math.ceil(wait))
        message = f"Quá nhiều yêu cầu (tối đa {limit} yêu cầu mỗi phút). Vui lòng thử lại sau {retry} giây."
        if path.startswith("/open311/"):
            body = json.dumps([{"code": 429, "description": message}], ensure_ascii=False).encode()
            if path.endswith(".xml"):
                from api.open311 import errors_xml

                body = errors_xml([(429, message)])
        else:
            body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        ctype = b"text/xml; charset=utf-8" if path.endswith(".xml") else b"application/json"
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", ctype), (b"content-length", str(len(body)).encode()),
            (b"retry-after", retry.encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
