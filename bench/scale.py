"""`make bench-scale`: latency and memory with 1,000,000 cases (issue 7).

    python -m bench.scale [--cases 1000000] [--reuse] [--samples 30]

A fresh SQLite file under var/scale/ (or the existing one with --reuse), `migrate`,
`seed-demo`, `generate --count N`; then one uvicorn worker on 127.0.0.1:8240 and, one
request at a time, the median and p95 latency of: the inbox first page for the office, a
unit head and an officer; the office's lists (overdue, escalation risk, received); the
office dashboard page and the yearly report, wherever this build has them (the candidates
are probed and reported as absent otherwise). Targets: lists and dashboard < 100 ms median,
yearly report < 1 s, server RSS < 300 MB. Writes bench/results/scale-<time>.json.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from bench.common import (
    DEMO_PASSWORD,
    ROOT,
    Server,
    cli,
    env_for,
    fresh_sqlite,
    machine,
    prepare_database,
    token,
    write_result,
)

PORT = 8240
LIST_TARGET_MS, REPORT_TARGET_MS, RSS_TARGET_MB = 100.0, 1000.0, 300.0
DASHBOARD_PAGES = ("/dashboard", "/office/dashboard", "/office", "/supervision")
REPORT_PAGES = ("/reports", "/reports/yearly")
SLOW = 5  # samples for pages that may take seconds


def _timed(client: httpx.Client, url: str, samples: int, **kw: Any) -> dict[str, Any]:
    first = client.get(url, **kw)
    for _ in range(2):
        client.get(url, **kw)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        r = client.get(url, **kw)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"status": first.status_code, "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1), "bytes": len(r.content)}


def _page_client(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=120)
    page = c.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    c.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf.group(1) if csrf
                           else ""})
    return c


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--reuse", action="store_true", help="keep var/scale/bench.db if it is there")
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--port", type=int, default=PORT, help="127.0.0.1 port for the server under test")
    args = ap.parse_args(argv)
    workdir = ROOT / "var" / "scale"
    db = workdir / "bench.db"
    if args.reuse and db.exists():
        url = f"sqlite:///{db}"
        env = env_for(url, workdir)
        cli(env, "migrate", quiet=True)
    else:
        url = fresh_sqlite(workdir)
        env = env_for(url, workdir)
        prepare_database(env, args.cases)
    eng = create_engine(url)
    with eng.connect() as c:
        total = int(c.execute(text('SELECT count(*) FROM "case"')).scalar_one())
        year = int(str(c.execute(text('SELECT max(received_on) FROM "case"')).scalar_one())[:4])
    eng.dispose()
    print(f"{total:,} cases in {db}")

    server = Server("api.app:app", args.port, env, workdir / "server.log").start()
    out: dict[str, Any] = {}
    try:
        api = httpx.Client(base_url=server.url, timeout=120)
        bearer = {u: {"Authorization": f"Bearer {token(server.url, u)}"} for u in ("office", "head.cn", "officer.cn")}
        lists = {
            "inbox_office": ("/api/v1/cases?limit=50", "office"),
            "inbox_unit_head": ("/api/v1/cases?limit=50", "head.cn"),
            "inbox_officer": ("/api/v1/cases?limit=50", "officer.cn"),
            "office_overdue": ("/api/v1/cases?limit=50&clock_state=overdue", "office"),
            "office_due_soon": ("/api/v1/cases?limit=50&clock_state=due_soon", "office"),
            "office_risk": ("/api/v1/cases?limit=50&risk=true", "office"),
            "office_received": ("/api/v1/cases?limit=50&status=received", "office"),
        }
        for name, (url_, who) in lists.items():
            out[name] = _timed(api, url_, args.samples, headers=bearer[who]) | {"target_ms": LIST_TARGET_MS}
        summary = f"/api/v1/reports/summary?from={year}-01-01&to={year}-12-31"
        probe = api.get(summary, headers=bearer["office"])
        if probe.status_code != 404:
            out["report_summary_api"] = _timed(api, summary, SLOW, headers=bearer["office"]) | {
                "target_ms": REPORT_TARGET_MS}
        else:
            out["report_summary_api"] = {"status": 404, "absent": True}
        pages = _page_client(server.url, "office")
        for path in DASHBOARD_PAGES:
            if pages.get(path, follow_redirects=False).status_code == 200:
                out["dashboard_page"] = _timed(pages, path, SLOW) | {"path": path, "target_ms": LIST_TARGET_MS}
                break
        else:
            out["dashboard_page"] = {"absent": True, "probed": DASHBOARD_PAGES}
        for path in REPORT_PAGES:
            full = f"{path}?from={year}-01-01&to={year}-12-31"
            if pages.get(full, follow_redirects=False).status_code == 200:
                out["report_page"] = _timed(pages, full, SLOW) | {
                    "path": full, "target_ms": REPORT_TARGET_MS}
                break
        else:
            out["report_page"] = {"absent": True, "probed": REPORT_PAGES}
        # The public transparency page: anyone may open it, so it must not cost a scan either.
        public = httpx.Client(base_url=server.url, timeout=120)
        if public.get("/transparency").status_code == 200:
            out["transparency_page"] = _timed(public, "/transparency", SLOW) | {"target_ms": REPORT_TARGET_MS}
        rss = server.rss_mb()
    finally:
        server.stop()

    print(f"\n{'measure':22} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'target':>8}  met")
    for name, m in out.items():
        if m.get("absent"):
            print(f"{name:22} {'-':>6} {'absent in this build':>28}")
            continue
        met = "yes" if m["median_ms"] < m["target_ms"] else "NO"
        print(f"{name:22} {m['status']:>6} {m['median_ms']:>10} {m['p95_ms']:>8} {m['target_ms']:>8}  {met}")
    print(f"{'server RSS (MB)':22} {'':>6} {rss:>10.0f} {'':>8} {RSS_TARGET_MB:>8}  "
          f"{'yes' if rss < RSS_TARGET_MB else 'NO'}")
    data = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(), "cases": total,
            "samples": args.samples, "results": out, "server_rss_mb": rss}
    print(f"written {write_result('scale', data).relative_to(ROOT)}")
    return data


if __name__ == "__main__":
    main()
