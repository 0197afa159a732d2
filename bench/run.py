"""`make bench`: DonThu's hot paths against a ceiling app, on SQLite, one uvicorn worker.

    python -m bench.run [--cases 100000] [--seconds 10] [--connections 16]

Steps: a fresh SQLite file under var/bench/, `migrate`, `seed-demo`, `generate --count N`;
then DonThu (port 8201) and the ceiling app (bench/ceiling.py, port 8202) side by side, and
the same load generator (wrk) against each. Prints the ratio table and writes
bench/results/bench-<time>.json. The targets come from issue 7.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import httpx

from bench.common import (
    ROOT,
    Server,
    cli,
    env_for,
    fresh_sqlite,
    machine,
    prepare_database,
    running,
    token,
    write_result,
    wrk,
)

# BENCH_PORT moves both servers (app on it, ceiling on it + 1) when 8201/8202 are taken.
APP_PORT = int(os.environ.get("BENCH_PORT", "8201"))
CEILING_PORT = APP_PORT + 1
TARGETS = {"lookup": 0.7, "intake": 0.5, "detail": 0.5}

INTAKE = {
    "kind": "complaint",
    "channel": "web",
    "subject": "Khiếu nại quyết định xử phạt vi phạm hành chính về niêm yết giá",
    "content": "Tôi không đồng ý với quyết định xử phạt số 12/QĐ-XPHC ngày 02/11/2026 về niêm yết giá "
               "tại cửa hàng của gia đình, đề nghị Sở xem xét lại.",
    "petitioner": {"full_name": "Trần Thị Bình", "id_number": "001190012345", "phone": "0987654321",
                   "email": "binh@example.test", "address": "Phường Ba Đình"},
}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000, help="generated cases besides the demo data")
    ap.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median round counts")
    ap.add_argument("--workdir", default=str(ROOT / "var" / "bench"))
    ap.add_argument("--reuse", action="store_true", help="keep the database of the previous run (migrated again)")
    args = ap.parse_args(argv)

    from pathlib import Path

    workdir = Path(args.workdir)
    if args.reuse and (workdir / "bench.db").exists():
        url = f"sqlite:///{workdir / 'bench.db'}"
        env = env_for(url, workdir)
        cli(env, "migrate", quiet=True)
    else:
        url = fresh_sqlite(workdir)
        env = env_for(url, workdir)
        prepare_database(env, args.cases)

    app = Server("api.app:app", APP_PORT, env, workdir / "app.log")
    ceiling = Server("bench.ceiling:app", CEILING_PORT, env, workdir / "ceiling.log")
    results: dict[str, Any] = {}
    with running(app, ceiling):
        bearer = {"Authorization": f"Bearer {token(app.url, 'office')}"}
        r = httpx.post(app.url + "/api/v1/cases", json=INTAKE, headers=bearer, timeout=30)
        r.raise_for_status()
        code, pin, case_id = r.json()["tracking_code"], r.json()["pin"], _case_id(env, r.json()["tracking_code"])
        run = {"seconds": args.seconds, "connections": args.connections, "threads": args.threads}

        rounds: dict[str, list[dict[str, Any]]] = {}

        def measure(name: str, url: str, **kw: Any) -> None:
            wrk(url, seconds=1, connections=args.connections, threads=args.threads, **kw)  # warm-up
            got = wrk(url, **run, **kw)
            rounds.setdefault(name, []).append(got)
            print(f"  {name:16} {got['rps']:9.1f} req/s  p50 {got['p50_ms']} ms  non-2xx {got['non_2xx']}")

        print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s against 127.0.0.1, "
              f"{args.rounds} interleaved rounds")
        # Ceiling and app alternate within each round, so that noise from other work on the
        # machine hits both sides of a ratio alike; the median round is kept.
        for n in range(args.rounds):
            print(f"round {n + 1}")
            measure("ceiling_select", f"{ceiling.url}/select/{case_id}")
            measure("lookup", f"{app.url}/api/v1/public/cases/{code}?pin={pin}")
            measure("detail", f"{app.url}/api/v1/cases/{code}", headers=bearer)
            measure("inbox", f"{app.url}/api/v1/cases?limit=50", headers=bearer)
            measure("ceiling_insert", f"{ceiling.url}/insert", method="POST",
                    body={"full_name": "Trần Thị Bình", "phone": "0987654321"})
            measure("intake", f"{app.url}/api/v1/cases", method="POST", body=INTAKE, headers=bearer)
        bad = {n: g["non_2xx"] for n, gs in rounds.items() for g in gs if g["non_2xx"]}
        if bad:
            print(f"!! answers other than 2xx/3xx (the figures are not comparable): {bad}")
        for name, got in rounds.items():
            results[name] = sorted(got, key=lambda g: g["rps"])[len(got) // 2]
            results[name]["all_rps"] = [g["rps"] for g in got]
        rss = app.rss_mb()

    ratios = {
        "lookup": results["lookup"]["rps"] / results["ceiling_select"]["rps"],
        "detail": results["detail"]["rps"] / results["ceiling_select"]["rps"],
        "inbox": results["inbox"]["rps"] / results["ceiling_select"]["rps"],
        "intake": results["intake"]["rps"] / results["ceiling_insert"]["rps"],
    }
    print()
    print(f"{'path':10} {'DonThu req/s':>13} {'ceiling req/s':>14} {'ratio':>7} {'target':>7}  met")
    for name, base in (("lookup", "ceiling_select"), ("detail", "ceiling_select"), ("inbox", "ceiling_select"),
                       ("intake", "ceiling_insert")):
        target = TARGETS.get(name)
        met = "" if target is None else ("yes" if ratios[name] >= target else "NO")
        print(f"{name:10} {results[name]['rps']:13.1f} {results[base]['rps']:14.1f} {ratios[name]:7.2f} "
              f"{target if target else '-':>7}  {met}")
    print(f"server RSS after the run: {rss:.0f} MB")
    data = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(), "cases": args.cases,
            "run": run, "results": results, "ratios": ratios, "targets": TARGETS, "server_rss_mb": rss,
            "met": {k: ratios[k] >= v for k, v in TARGETS.items()}}
    print(f"written {write_result('bench', data).relative_to(ROOT)}")
    return data


def _case_id(env: dict[str, str], code: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DONTHU_DATABASE_URL"])
    with engine.connect() as conn:
        case_id = conn.execute(text("SELECT id FROM \"case\" WHERE tracking_code = :c"), {"c": code}).scalar_one()
    engine.dispose()
    return int(case_id)


if __name__ == "__main__":
    main()
