"""Bulk generator of realistic cases for benchmarks (`donthu generate`).

Cases are spread over kinds, units, categories, channels and two years of receipt dates;
old cases are mostly finished, recent ones mostly open, so a sweep finds about 1% due.
Rows are written with Core bulk inserts in batches, with real due dates on the working-day
calendar and a valid hash-chained `receive` event per case, so `donthu audit verify` and
every list, report and sweep work on the generated data as on real data.

Generated PINs are derivable (`bench_pin`) so that benchmarks can look cases up: this data
is for benchmarks only, never for a real installation.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from models import Case, CaseClock, CaseEvent, Category, ClockName, Kind, Petitioner, Status, Unit
from workflows import tally
from workflows.audit import event_hash
from workflows.auth import keyed_hash
from workflows.calendar import WorkCalendar
from workflows.intake import CODE_ALPHABET
from workflows.text import fold

KIND_WEIGHTS = ((Kind.complaint, 35), (Kind.denunciation, 15), (Kind.recommendation, 20), (Kind.feedback, 30))
CHANNELS = ("walk_in", "mail", "email", "web", "phone", "forwarded")
SUBJECTS = {
    Kind.complaint: ("Khiếu nại quyết định xử phạt vi phạm hành chính", "Khiếu nại việc thu hồi giấy phép kinh doanh",
                     "Khiếu nại về giá bán điện", "Khiếu nại kết quả kiểm tra an toàn thực phẩm"),
    Kind.denunciation: ("Tố cáo cán bộ gây phiền hà khi giải quyết hồ sơ", "Tố cáo cơ sở gian lận đo lường xăng dầu",
                        "Tố cáo kinh doanh hàng giả"),
    Kind.recommendation: ("Kiến nghị hỗ trợ kinh phí khuyến công", "Kiến nghị quy hoạch lại chợ đầu mối",
                          "Kiến nghị di dời trạm biến áp"),
    Kind.feedback: ("Phản ánh chợ tạm lấn chiếm lòng đường", "Phản ánh mất điện kéo dài",
                    "Phản ánh cơ sở sản xuất gây ô nhiễm", "Phản ánh siêu thị bán hàng hết hạn"),
}
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Đức Dũng", "Thu Hà", "Quốc Hùng", "Thị Lan", "Văn Nam", "Thị Mai")
_CODE_PRIME = 387_420_489 + 2  # coprime with 31**6: a bijection, so codes never collide
_CODE_SPACE = 31 ** 6


def bench_code(case_id: int, year: int) -> str:
    n = (case_id * _CODE_PRIME) % _CODE_SPACE
    chars = []
    for _ in range(6):
        n, r = divmod(n, 31)
        chars.append(CODE_ALPHABET[r])
    return f"{year % 100:02d}" + "".join(chars)


def bench_pin(case_id: int) -> str:
    return f"{(case_id * 7919 + 12345) % 1_000_000:06d}"


@dataclass
class FastCalendar:
    """Working-day arithmetic by bisection over a precomputed range (the generator's hot path)."""

    days: list[date]

    @classmethod
    def build(cls, cal: WorkCalendar, first: date, last: date) -> FastCalendar:
        n = (last - first).days + 1
        return cls([first + timedelta(i) for i in range(n) if cal.is_working_day(first + timedelta(i))])

    def add_working(self, start: date, n: int) -> date:
        return self.days[bisect.bisect_right(self.days, start) + n - 1]

    def add_calendar(self, start: date, n: int) -> date:
        end = start + timedelta(n)
        return self.days[bisect.bisect_left(self.days, end)]

    def add(self, start: date, n: int, unit: str) -> date:
        return self.add_working(start, n) if unit == "working_days" else self.add_calendar(start, n)


ACCEPTANCE = {Kind.complaint: (7, "working_days"), Kind.denunciation: (7, "working_days"),
              Kind.recommendation: (10, "working_days"), Kind.feedback: (10, "working_days")}
RESOLUTION = {Kind.complaint: (30, "calendar_days"), Kind.denunciation: (30, "calendar_days"),
              Kind.recommendation: (20, "calendar_days"), Kind.feedback: (20, "calendar_days")}
TRIAGE = {Status.accepted: "accept", Status.assigned: "accept", Status.reported: "accept", Status.resolved: "accept",
          Status.closed: "accept", Status.rejected: "reject", Status.transferred: "transfer", Status.guided: "guide"}
FINISHED_MIX = ((Status.closed, 55), (Status.resolved, 15), (Status.rejected, 8), (Status.transferred, 8),
                (Status.guided, 4), (Status.archived, 7), (Status.withdrawn, 3))


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def generate(session: Session, count: int, *, today: date, seed: int = 1,
             progress: Callable[[int], None] | None = None, batch: int = 5000) -> int:
    """Insert `count` cases; returns the first generated case id."""
    rng = random.Random(seed)
    units = [u.id for u in session.exec(select(Unit)).all() if u.id]
    cats = [c.id for c in session.exec(select(Category)).all() if c.id]
    if not units:
        raise RuntimeError("no units: run `donthu seed-demo` first")
    fast = FastCalendar.build(WorkCalendar(), today - timedelta(days=800), today + timedelta(days=400))
    start_id = int(session.exec(select(func.coalesce(func.max(col(Case.id)), 0))).one() or 0) + 1
    pet_start = int(session.exec(select(func.coalesce(func.max(col(Petitioner.id)), 0))).one() or 0) + 1
    now = datetime.combine(today, time(3, 0), tzinfo=UTC)
    conn = session.connection()
    done = 0
    while done < count:
        n = min(batch, count - done)
        cases, pets, clocks, events = [], [], [], []
        for i in range(n):
            cid, pid = start_id + done + i, pet_start + done + i
            kind = _pick(rng, KIND_WEIGHTS)
            age = int(rng.triangular(0, 730, 0))
            received = today - timedelta(days=age)
            if received.weekday() >= 5:
                received -= timedelta(days=received.weekday() - 4)
            recent = age < 45
            if recent:
                status = rng.choices([Status.received, Status.accepted, Status.assigned, Status.reported,
                                      Status.resolved], [25, 10, 45, 10, 10])[0]
            else:
                status = _pick(rng, FINISHED_MIX) if rng.random() > 0.03 else Status.assigned
            code = bench_code(cid, received.year)
            subject = rng.choice(SUBJECTS[kind])
            content = f"{subject}. Đề nghị cơ quan có thẩm quyền xem xét, giải quyết theo quy định."
            a_period, a_unit = ACCEPTANCE[kind]
            a_due = fast.add(received, a_period, a_unit)
            accepted_on = min(fast.add_working(received, rng.randint(1, a_period + 2)), today)
            row_clocks: list[tuple[ClockName, date, date, int, str, bool, date | None]] = []
            current_due, current_clock = None, ""
            # The facts the running counts are made of (workflows/tally.py), as the moves would set them.
            facts: dict[str, Any] = {"clock_outcome": "", "triage": TRIAGE.get(status, ""), "triaged_on": None,
                                     "finished_on": None, "resolution_stopped_on": None, "resolution_days": None,
                                     "resolution_late": False}
            if facts["triage"]:
                facts["triaged_on"] = accepted_on
            if status == Status.received:
                row_clocks.append((ClockName.acceptance, received, a_due, a_period, a_unit, True, None))
                current_due, current_clock = a_due, ClockName.acceptance
            else:
                row_clocks.append((ClockName.acceptance, received, a_due, a_period, a_unit, False, accepted_on))
            if status in (Status.accepted, Status.assigned, Status.reported, Status.resolved, Status.closed):
                r_period, r_unit = RESOLUTION[kind]
                r_due = fast.add(accepted_on, r_period, r_unit)
                finished = status in (Status.resolved, Status.closed)
                stopped = min(fast.add_calendar(accepted_on, rng.randint(5, r_period + 8)), today) if finished else None
                row_clocks.append((ClockName.resolution, accepted_on, r_due, r_period, r_unit, not finished, stopped))
                if not finished:
                    current_due, current_clock = r_due, ClockName.resolution
                elif stopped is not None:
                    facts.update(clock_outcome="met" if stopped <= r_due else "late", finished_on=stopped,
                                 resolution_stopped_on=stopped, resolution_days=(stopped - accepted_on).days,
                                 resolution_late=stopped > r_due)
            elif status != Status.received:
                # Finished on receipt (refused, forwarded, filed, withdrawn): the acceptance clock stopped.
                facts.update(clock_outcome="met" if accepted_on <= a_due else "late", finished_on=accepted_on)
            unit_id = rng.choice(units) if status not in (Status.received, Status.rejected, Status.archived,
                                                          Status.transferred, Status.guided) else None
            ev = CaseEvent(case_id=cid, seq=1, at=now, on=received, action="receive", to_status=Status.received,
                           note="Tiếp nhận đơn", public=True, data={"generated": True}, prev_hash="", hash="")
            ev.hash = event_hash(ev)
            pets.append({"id": pid, "full_name": f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                         "id_number": f"{rng.randint(1, 96):03d}{rng.randint(10**8, 10**9 - 1)}",
                         "phone": f"09{rng.randint(10**7, 10**8 - 1)}", "email": "", "address": "Tỉnh demo",
                         "representatives": ""})
            cases.append({
                "id": cid, "tracking_code": code, "pin_hash": keyed_hash(f"{code}:{bench_pin(cid)}"),
                "kind": kind.value, "round": 1, "channel": rng.choice(CHANNELS), "status": status.value,
                "category_id": rng.choice(cats) if cats else None, "subject": subject, "content": content,
                "received_on": received, "received_at": now, "contested_decision_on": None,
                "limitation_warning": False, "anonymous": False, "signatories": 6 if rng.random() < 0.01 else 1,
                "remote_area": False, "forwarded_by": "Thanh tra tỉnh" if rng.random() < 0.005 else "",
                "is_complex": False, "especially_complex": False, "several_places": False, "extension_count": 0,
                "petitioner_id": pid, "unit_id": unit_id, "officer_id": None, "created_by_id": None,
                "api_key_id": None, "visit_id": None, "duplicate_of_id": None, "previous_case_id": None,
                "resubmitted": 0, "target_agency": "", "held_status": "",
                "result": "Đã giải quyết" if status in (Status.resolved, Status.closed) else "",
                "decision_number": f"{cid % 997 + 1}/QĐ-SCT" if facts["resolution_stopped_on"] else "",
                "decided_on": facts["resolution_stopped_on"], "closed_on": None, "current_clock": current_clock,
                "current_due_on": current_due, "version": 1, "event_count": 1, "head_hash": ev.hash,
                "search_text": fold(f"{code} {subject} {content}"), "updated_at": now, **facts,
            })
            for name, starts, due, period, unit, running, stopped in row_clocks:
                clocks.append({"case_id": cid, "name": name.value, "starts_on": starts, "due_on": due,
                               "period": period, "unit": unit, "rule_id": None, "basis": "", "running": running,
                               "paused_on": None, "remaining": None, "stopped_on": stopped})
            events.append({"case_id": cid, "seq": 1, "at": now, "on": received, "actor_id": None, "actor": "",
                           "action": "receive", "from_status": "", "to_status": "received", "note": ev.note,
                           "public": True, "data": ev.data, "prev_hash": "", "hash": ev.hash})
        conn.execute(insert(Petitioner), pets)
        conn.execute(insert(Case), cases)
        conn.execute(insert(CaseClock), clocks)
        conn.execute(insert(CaseEvent), events)
        session.commit()
        conn = session.connection()
        done += n
        if progress:
            progress(n)
    tally.rebuild(session)
    session.commit()
    return start_id
