"""Profile one hot path in-process with pyinstrument, against an existing bench database.

    python -m bench.profile lookup|detail|intake|inbox [--n 300] [--db var/bench/bench.db]

The app runs in this thread through httpx's ASGI transport, with the thread pool replaced
by direct calls, so the profile shows the whole request path (dependencies, serialisation,
the database) without a network or a thread hop in between.
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", choices=["lookup", "detail", "intake", "inbox"])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--db", default="var/bench/bench.db")
    args = ap.parse_args()
    os.environ["DONTHU_DATABASE_URL"] = f"sqlite:///{os.path.abspath(args.db)}"
    os.environ.setdefault("DONTHU_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789abcdef")
    os.environ["DONTHU_API_RATE_PER_MINUTE"] = os.environ["DONTHU_ANON_RATE_PER_MINUTE"] = "100000000"
    import asyncio

    import anyio.to_thread
    import httpx
    from pyinstrument import Profiler

    async def direct(func, *a, **_kw):  # type: ignore[no-untyped-def]
        return func(*a)

    anyio.to_thread.run_sync = direct  # type: ignore[assignment]

    from api.app import create_app
    from bench.run import INTAKE

    async def run() -> None:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            tok = (await client.post("/api/v1/auth/token", data={"username": "office", "password": "demo12345"})).json()
            headers = {"Authorization": f"Bearer {tok['access_token']}"}
            created = (await client.post("/api/v1/cases", json=INTAKE, headers=headers)).json()
            code, pin = created["tracking_code"], created["pin"]

            async def once() -> None:
                if args.path == "lookup":
                    r = await client.get(f"/api/v1/public/cases/{code}?pin={pin}")
                elif args.path == "detail":
                    r = await client.get(f"/api/v1/cases/{code}", headers=headers)
                elif args.path == "inbox":
                    r = await client.get("/api/v1/cases?limit=50", headers=headers)
                else:
                    r = await client.post("/api/v1/cases", json=INTAKE, headers=headers)
                assert r.status_code < 300, r.text

            for _ in range(20):
                await once()
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
            for _ in range(args.n):
                await once()
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))

    asyncio.run(run())


if __name__ == "__main__":
    main()
