"""Running counts (workflows/tally.py): every move keeps them equal to a recount of the cases."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from models import Case
from models.db import get_engine, new_session
from tests.conftest import FixedClock, Org
from tests.flows import Flow
from workflows import tally


def _problems() -> list[str]:
    with new_session(readonly=True) as s:
        return tally.verify(s)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    from models.settings import ROOT

    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})


def _stored() -> Any:
    with new_session(readonly=True) as s:
        return tally.stored(s)


class TestCountsFollowEveryMove:
    def test_a_day_of_every_kind_of_move_leaves_the_counts_exact(self, client: TestClient, clock: FixedClock,
                                                                org: Org) -> None:
        f = Flow(client, clock)
        clock.set(date(2026, 10, 1))
        for state in ("received", "accepted", "suspended", "assigned", "reported", "resolved", "closed"):
            f.to(state)
        # Finished on receipt, each in its own way.
        f.act(f.new(), "reject", "office", reason="Không thuộc thẩm quyền.")
        f.act(f.new(kind="feedback"), "transfer", "office", target_agency="UBND huyện Diên Khánh")
        f.act(f.new(), "guide", "office", target_agency="Tòa án nhân dân tỉnh")
        f.act(f.new(), "archive", "office", reason="Đơn nặc danh không rõ nội dung.")
        # A withdrawn denunciation that the office continues counts as open again.
        den = f.to("withdrawn", kind="denunciation", subject="Tố cáo cán bộ thu tiền sai quy định")
        assert _problems() == []
        f.act(den, "continue", "office", reason="Có dấu hiệu vi phạm, tiếp tục giải quyết.")
        # Late resolution: the clock stops after its due date.
        late = f.to("reported")
        clock.set(date(2026, 12, 20))
        f.act(late, "resolve", "director", decision_number="20/QĐ-SCT", result="Không có cơ sở.")
        assert _problems() == []
        present, daily = _stored()
        assert present[("outcome:late", org.cn.id, "complaint")] == 1
        assert sum(n for (m, _, _), n in present.items() if m == "status:received") == 2  # with the continued one
        assert sum(n for (m, *_), (n, _) in daily.items() if m == "forwarded") == 2
        assert sum(n for (m, *_), (n, _) in daily.items() if m == "refused") == 1

    def test_a_refused_move_changes_no_count(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        f = Flow(client, clock)
        case = f.to("accepted")
        before = _stored()
        stale = dict(case, version=case["version"] - 1)
        assert f.post(stale, "assign", "office", unit="QLCN", officer="officer.cn").status_code == 409
        assert f.post(case, "resolve", "director", decision_number="1", result="x").status_code == 409
        assert _stored() == before
        assert _problems() == []

    def test_random_walks_agree_with_a_recount_and_with_a_rebuild(self, client: TestClient, clock: FixedClock,
                                                                 org: Org) -> None:
        """Forty cases, each pushed along a random legal path on random days."""
        rng = random.Random(7)
        f = Flow(client, clock)
        paths = [
            ["accept", "assign", "report", "resolve", "close"],
            ["accept", "assign", "report", "return", "report", "resolve"],
            ["accept", "suspend", "resume", "assign"],
            ["reject"], ["transfer"], ["guide"], ["archive"], ["withdraw"],
            ["accept", "assign", "reassign", "report"],
        ]
        fields: dict[str, dict[str, Any]] = {
            "assign": {"unit": "QLCN", "officer": "officer.cn"},
            "reassign": {"unit": "QLTM", "officer": "officer.tm"},
            "report": {"result": "Có cơ sở."}, "return": {"reason": "Bổ sung chứng cứ."},
            "resolve": {"decision_number": "7/QĐ-SCT", "result": "Chấp nhận."},
            "reject": {"reason": "Không đủ điều kiện thụ lý."}, "transfer": {"target_agency": "UBND thành phố"},
            "guide": {"target_agency": "Tòa án"}, "archive": {"reason": "Trùng nội dung."},
            "withdraw": {"reason": "Rút đơn."}, "suspend": {"decision_number": "3/QĐ-SCT", "reason": "Chờ giám định"},
            "resume": {"decision_number": "4/QĐ-SCT"},
        }
        who = {"report": "officer.cn", "resolve": "director", "suspend": "director", "resume": "director"}
        day = date(2026, 9, 1)
        topics = ["giá điện", "an toàn thực phẩm", "đo lường xăng dầu", "hàng giả", "chợ tạm", "khuyến công"]
        for i in range(40):
            clock.set(day)
            path = rng.choice(paths)
            # Guidance (hướng dẫn) is for complaints only; each petition is about its own matter and
            # from its own person, or the second forwarding of the same petition would be refused.
            kind = "complaint" if "guide" in path else rng.choice(["complaint", "recommendation", "feedback"])
            case = f.new(kind=kind,
                         subject=f"Đơn số {i} về {topics[i % len(topics)]}",
                         content=f"Nội dung riêng của đơn số {i}: {rng.random()}",
                         petitioner={"full_name": f"Người gửi {i}", "id_number": f"0010850{i:05d}"})
            for action in path:
                day += timedelta(days=rng.randint(0, 12))
                clock.set(day)
                actor = who.get(action, "office")
                if action == "report" and case.get("unit") == "QLTM":
                    actor = "officer.tm"
                case = f.act(case, action, actor, **fields.get(action, {}))
            day -= timedelta(days=rng.randint(0, 20))
        assert _problems() == []
        incremental = _stored()
        with new_session() as s:
            tally.rebuild(s)
            s.commit()
        assert _stored() == incremental


class TestVerifyFindsDrift:
    def test_a_count_changed_behind_its_back_is_reported(self, client: TestClient, clock: FixedClock,
                                                         org: Org, session: Session) -> None:
        Flow(client, clock).to("resolved")
        assert _problems() == []
        with get_engine().begin() as conn:
            conn.execute(text("UPDATE day_count SET n = n + 1 WHERE measure = 'received' AND n > 0"))
        problems = _problems()
        assert len(problems) == 1
        assert "received" in problems[0]
        audit = _cli("audit", "verify")
        assert audit.returncode == 1
        assert "SỐ LIỆU LỆCH" in audit.stdout
        assert _cli("rebuild-counts").returncode == 0
        audit = _cli("audit", "verify")
        assert audit.returncode == 0, audit.stdout
        assert "Khớp" in audit.stdout

    def test_the_case_row_carries_the_facts(self, client: TestClient, clock: FixedClock, org: Org) -> None:
        f = Flow(client, clock)
        clock.set(date(2026, 11, 2))
        case = f.to("resolved")
        with new_session(readonly=True) as s:
            row = s.exec(select(Case).where(Case.tracking_code == case["tracking_code"])).one()
        assert (row.triage, row.triaged_on, row.finished_on) == ("accept", date(2026, 11, 2), date(2026, 11, 2))
        assert (row.clock_outcome, row.resolution_stopped_on, row.resolution_days, row.resolution_late) == (
            "met", date(2026, 11, 2), 0, False)


class TestMigration:
    def test_backfill_rebuilds_the_same_facts_and_counts(self, client: TestClient, clock: FixedClock,
                                                         org: Org) -> None:
        """Down to the revision before the running counts and up again: the migration's backfill
        (from clocks and events) gives the facts and counts the moves themselves wrote."""
        from alembic.config import Config

        from alembic import command
        from models.settings import ROOT

        f = Flow(client, clock)
        clock.set(date(2026, 10, 5))
        for state in ("received", "assigned", "resolved", "closed", "withdrawn"):
            f.to(state)
        f.act(f.new(), "reject", "office", reason="Không thuộc thẩm quyền.")
        late = f.to("reported")
        clock.set(date(2026, 12, 1))
        f.act(late, "resolve", "director", decision_number="9/QĐ-SCT", result="Không có cơ sở.")
        columns = ("clock_outcome", "triage", "triaged_on", "finished_on", "resolution_stopped_on",
                   "resolution_days", "resolution_late")

        def snapshot() -> tuple[Any, Any]:
            with new_session(readonly=True) as s:
                rows = s.exec(select(Case).order_by(Case.id)).all()
                return [tuple(getattr(r, c) for c in columns) for r in rows], tally.stored(s)

        before = snapshot()
        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.set_main_option("script_location", str(ROOT / "alembic"))
        cfg.attributes["no_logging"] = True
        get_engine().dispose()
        command.downgrade(cfg, "a1c2e3f4b5d6")
        command.upgrade(cfg, "head")
        get_engine().dispose()
        assert snapshot() == before
        assert _problems() == []
