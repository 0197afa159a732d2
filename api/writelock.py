"""On SQLite, the requests that write wait their turn here, in the event loop, before they
take a thread (issue 7: 64 concurrent clients).

SQLite has one writer at a time. A writing request takes the lock at its first statement
(BEGIN IMMEDIATE) in one worker thread, and commits in another thread when the request
ends. With more clients than worker threads (FastAPI runs 40), every thread could be
blocked waiting for the lock while the holder waits for a free thread to commit: nobody
moves until `busy_timeout` gives up with "database is locked". Queuing the writers of a
process on an asyncio lock costs no thread, so the holder always finds one. Reads do not
queue (WAL lets them run beside the writer); other processes are still kept in order by
SQLite's own lock and busy_timeout.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SqliteWriteQueue:
    def __init__(self, app: Any) -> None:
        self.app = app
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITES:
            await self.app(scope, receive, send)
            return
        async with self._lock():
            await self.app(scope, receive, send)
