"""`make bench-sweep`: time the escalation sweep over 1,000,000 generated cases (issue 4).

The bulk generator spreads cases over two years, with real due dates. The generated database
is kept (var/bench-sweep-base.db) together with the state of the ladder as of yesterday: a
catch-up sweep for yesterday is run once when the data is generated (its time is printed
too). Each run copies that file and times:

1. today's sweep, which fires the rungs reached overnight (the daily case: cases newly due
   soon, due today, overdue, or at risk), target under 5 s on SQLite on a 2-core machine;
2. a second sweep the same day, which must fire nothing (a scheduler every few minutes).

Options (environment): BENCH_CASES (default 1000000); DONTHU_BENCH_DATABASE_URL to run
against PostgreSQL instead (its data is then generated in place, and today's firings are
removed before the run).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "var" / "bench-sweep-base.db"
RUN = ROOT / "var" / "bench-sweep.db"
PG_URL = os.environ.get("DONTHU_BENCH_DATABASE_URL", "")
os.environ["DONTHU_DATABASE_URL"] = PG_URL or f"sqlite:///{BASE}"
os.environ.setdefault("DONTHU_DEMO", "0")

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402
from sqlalchemy import func, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from models import Case, Escalation, utcnow  # noqa: E402
from models.db import get_engine, session_scope  # noqa: E402

console = Console()


def _count(url: str) -> int:
    try:
        with session_scope(readonly=True, engine=get_engine(url)) as s:
            return int(s.exec(select(func.count()).select_from(Case)).one())
    except Exception:  # noqa: BLE001 - no database yet
        return 0


def _prepare(url: str, count: int) -> None:
    from api.cli import run_migrations
    from workflows.bulk import generate
    from workflows.calendar import vn_today
    from workflows.demo import seed

    run_migrations(url)
    have = _count(url)
    if have == 0:
        seed(utcnow())  # the demo department: units, categories and the people the ladder notifies
        have = _count(url)
    if have >= count:
        return
    with session_scope(engine=get_engine(url)) as s, Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console) as bar:
        task = bar.add_task("Sinh hồ sơ", total=count - have)
        generate(s, count - have, today=vn_today(utcnow()), progress=lambda n: bar.update(task, advance=n))
    with session_scope(readonly=True, engine=get_engine(url)) as s:
        ready = s.exec(select(Escalation.id).limit(1)).first() is not None
    if not ready:
        from workflows.escalation import sweep

        yesterday = vn_today(utcnow()) - timedelta(days=1)
        started = time.perf_counter()
        caught_up = sweep(utcnow() - timedelta(days=1), yesterday, engine=get_engine(url))
        console.print(f"Chuẩn bị: quét bù đến hôm qua mất {time.perf_counter() - started:.1f} s. "
                      f"{caught_up.summary_vi()}")


def main() -> None:
    from workflows.escalation import sweep

    count = int(os.environ.get("BENCH_CASES", "1000000"))
    if PG_URL:
        _prepare(PG_URL, count)
        with get_engine(PG_URL).begin() as conn:
            conn.execute(text("DELETE FROM escalation WHERE fired_on >= CURRENT_DATE"))
        url = PG_URL
    else:
        _prepare(os.environ["DONTHU_DATABASE_URL"], count)
        get_engine(os.environ["DONTHU_DATABASE_URL"]).dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{RUN}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(BASE, RUN)
        url = f"sqlite:///{RUN}"
    engine = get_engine(url)
    total = _count(url)
    now = utcnow()
    started = time.perf_counter()
    first = sweep(now, engine=engine)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = sweep(now, engine=engine)
    second_s = time.perf_counter() - started
    due_pct = 100 * first.candidates / max(total, 1)
    console.print(f"Cơ sở dữ liệu: {'PostgreSQL' if PG_URL else 'SQLite'}, {total:,} hồ sơ; "
                  f"{first.candidates:,} hồ sơ ở một mức cảnh báo ({due_pct:.2f}%).")
    console.print(f"Lần quét đầu: {first_s:.2f} s. {first.summary_vi()}")
    console.print(f"Lần quét lại cùng ngày: {second_s:.2f} s, {second.total_fired} cảnh báo mới.")
    print(f"bench-sweep: cases={total} candidates={first.candidates} fired={first.total_fired} "
          f"notifications={first.notifications} emails={first.emails} first_s={first_s:.2f} "
          f"second_s={second_s:.2f}")
    sys.exit(0 if second.total_fired == 0 else 1)


if __name__ == "__main__":
    main()
