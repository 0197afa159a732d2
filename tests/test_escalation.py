"""The escalation sweep (DESIGN.md §5): each rung on the right day, exactly once, to the right people."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from models import Case, CaseEvent, EmailOutbox, Escalation, Notification, User
from models.db import new_session
from tests.conftest import FixedClock, Org, act, auth, make_case
from tests.escalation_helpers import at, smtp_server
from workflows.audit import verify
from workflows.calendar import WorkCalendar
from workflows.escalation import DISCIPLINARY, sweep
from workflows.mailer import send_due

ROOT = Path(__file__).resolve().parent.parent


def _read() -> Session:
    """A read-only session: on SQLite a write session would hold the lock the sweep needs."""
    return new_session(readonly=True)


def _fired() -> dict[tuple[str, str], date]:
    with _read() as s:
        rows = s.exec(select(Escalation.clock, Escalation.level, Escalation.fired_on)).all()
    return {(c, lv): d for c, lv, d in rows}


def _recipients(level: str) -> set[str]:
    with _read() as s:
        rows = s.exec(select(User.username).join(Notification, col(Notification.user_id) == col(User.id))
                      .where(Notification.level == level)).all()
    return set(rows)


def _count(model: type) -> int:
    with _read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


class TestReplayedCalendar:
    def test_each_rung_fires_on_its_day_around_the_24_november_holiday(
            self, client: TestClient, org: Org, clock: FixedClock, session: Session) -> None:
        """Received Wed 18/11/2026: 7 working days skip Tue 24/11 (Ngày Văn hóa Việt Nam), due Mon 30/11."""
        assert not WorkCalendar().is_working_day(date(2026, 11, 24))
        clock.set(date(2026, 11, 18))
        case = make_case(client, auth(client, "reception"), received_on="2026-11-18")
        assert case["due_on"] == "2026-11-30"
        day = date(2026, 11, 18)
        while day <= date(2026, 12, 16):
            sweep(at(day), day)
            day += timedelta(days=1)
        assert _fired() == {
            # 3 working days left on Wed 25/11 (26, 27, 30); without the holiday it would be Tue 24/11.
            ("acceptance", "due_soon"): date(2026, 11, 25),
            ("acceptance", "due_today"): date(2026, 11, 30),
            ("acceptance", "overdue"): date(2026, 12, 1),
            # Overdue by 10 working days: Mon 14/12.
            ("acceptance", "escalation_risk"): date(2026, 12, 14),
        }
        # The office owns the acceptance clock: it is both "assignee" and "unit head" here.
        assert _recipients("due_soon") == {"office"}
        assert _recipients("due_today") == {"office"}
        assert _recipients("overdue") == {"office", "director"}
        assert _recipients("escalation_risk") == {"office", "director"}

    def test_resolution_clock_warns_the_assigned_unit_not_another(
            self, client: TestClient, org: Org, clock: FixedClock, session: Session) -> None:
        """Accepted Mon 31/08/2026, just before the National Day holidays of 1–2/09."""
        clock.set(date(2026, 8, 25))
        case = make_case(client, auth(client, "reception"), received_on="2026-08-25")
        clock.set(date(2026, 8, 31))
        office = auth(client, "office")
        c = act(client, office, case["tracking_code"], "accept", case["version"], on="2026-08-31")
        c = act(client, office, case["tracking_code"], "assign", c["version"], on="2026-08-31", unit="QLCN",
                officer="officer.cn")
        due = date.fromisoformat(c["due_on"])
        soon = WorkCalendar().add_working_days(due, -3)
        sweep(at(soon), soon)
        assert _fired() == {("resolution", "due_soon"): soon}
        assert _recipients("due_soon") == {"officer.cn", "head.cn"}
        sweep(at(due), due)
        assert _recipients("due_today") == {"head.cn", "office"}

    def test_unhandled_for_45_days_is_flagged_as_a_disciplinary_matter(
            self, client: TestClient, org: Org, clock: FixedClock, session: Session) -> None:
        clock.set(date(2026, 9, 7))
        make_case(client, auth(client, "reception"), received_on="2026-09-07")
        sweep(at(date(2026, 10, 21)), date(2026, 10, 21))  # 44 days
        assert ("acceptance", DISCIPLINARY) not in _fired()
        sweep(at(date(2026, 10, 22)), date(2026, 10, 22))  # 45 days
        assert _fired()[("acceptance", DISCIPLINARY)] == date(2026, 10, 22)
        body = session.exec(select(Notification.body).where(Notification.level == DISCIPLINARY)).first()
        assert body is not None
        assert "Nghị định 154/2026" in body


class TestSpentLadder:
    """`case.escalated_due_on`: once overdue and escalation risk fired for a due date, the sweep
    passes over the case on the index; a new due date or clock makes it a candidate again."""

    def _case(self, session: Session, code: str) -> Case:
        with _read() as s:
            return s.exec(select(Case).where(Case.tracking_code == code)).one()

    def test_marked_when_the_last_rungs_fired_and_cleared_when_the_due_date_moves(
            self, client: TestClient, org: Org, clock: FixedClock, session: Session) -> None:
        from workflows.calendar import load_calendar
        from workflows.escalation import _Limits, candidate_rows, load_ladder

        clock.set(date(2026, 9, 7))
        case = make_case(client, auth(client, "reception"), received_on="2026-09-07")
        code = case["tracking_code"]
        due = date.fromisoformat(case["due_on"])
        sweep(at(due + timedelta(days=1)), due + timedelta(days=1))  # overdue only
        assert self._case(session, code).escalated_due_on is None
        risk_day = WorkCalendar().add_working_days(due, 10)
        sweep(at(risk_day), risk_day)
        assert _fired()[("acceptance", "escalation_risk")] == risk_day
        assert self._case(session, code).escalated_due_on == due
        later = risk_day + timedelta(days=3)
        with _read() as s:
            lim = _Limits(later, load_calendar(s, fresh=True), load_ladder(s))
            assert [r.id for r in candidate_rows(s, lim)] == []
        # 45 days unhandled still fires: that rung is selected by the receipt date, not the due date.
        sweep(at(date(2026, 10, 22)), date(2026, 10, 22))
        assert _fired()[("acceptance", DISCIPLINARY)] == date(2026, 10, 22)
        # Accepting starts the resolution clock: the mark belonged to the acceptance clock.
        clock.set(date(2026, 10, 23))
        act(client, auth(client, "office"), code, "accept", self._case(session, code).version, on="2026-10-23")
        accepted = self._case(session, code)
        assert accepted.current_clock == "resolution"
        assert accepted.escalated_due_on is None
        with _read() as s:
            lim = _Limits(accepted.current_due_on + timedelta(days=1), load_calendar(s, fresh=True),
                          load_ladder(s))
            assert [r.id for r in candidate_rows(s, lim)] == [accepted.id]


class TestExactlyOnce:
    def test_second_sweep_on_the_same_day_sends_nothing_new(
            self, client: TestClient, org: Org, clock: FixedClock, session: Session) -> None:
        clock.set(date(2026, 11, 18))
        rec = auth(client, "reception")
        make_case(client, rec, received_on="2026-11-18")
        make_case(client, rec, received_on="2026-11-18", signatories=7, subject="Đơn đông người về chợ")
        with smtp_server() as (box, settings):
            first = sweep(at(date(2026, 11, 30)), date(2026, 11, 30))
            assert first.fired == {"due_today": 2, "escalation_risk": 1}
            assert send_due(at(date(2026, 11, 30)), settings=settings).sent == first.emails == 4
            counts = (_count(Escalation), _count(Notification), _count(EmailOutbox),
                      _count(CaseEvent))
            second = sweep(at(date(2026, 11, 30)), date(2026, 11, 30))
            assert (second.total_fired, second.notifications, second.emails) == (0, 0, 0)
            assert send_due(at(date(2026, 11, 30)), settings=settings).sent == 0
            session.rollback()
            assert counts == (_count(Escalation), _count(Notification),
                              _count(EmailOutbox), _count(CaseEvent))
            assert len(box.messages) == 4
            assert all("/cases/" in t for t in box.texts())

    def test_four_concurrent_sweep_processes_notify_exactly_once(
            self, client: TestClient, org: Org, clock: FixedClock, session: Session) -> None:
        clock.set(date(2026, 11, 18))
        rec = auth(client, "reception")
        for i in range(20):
            make_case(client, rec, received_on="2026-11-18", subject=f"Phản ánh số {i}", kind="feedback",
                      signatories=6 if i % 4 == 0 else 1)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        procs = [subprocess.Popen([sys.executable, "-m", "api.cli", "sweep", "--now", "2026-12-03"], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], [e.decode()[-2000:] for _o, e in outs]
        # Feedback: 10 working days from 18/11 → due 03/12 (24/11 is a holiday): due today for all 20;
        # the 5 group petitions are also at risk.
        assert _count(Escalation) == 25
        per_user = session.exec(select(Notification.user_id, Notification.case_id, Notification.level,
                                       func.count()).group_by(col(Notification.user_id), col(Notification.case_id),
                                                              col(Notification.level))).all()
        assert {n for *_k, n in per_user} == {1}
        assert _count(Notification) == 20 * 1 + 5 * 2  # office; director and office
        assert _count(EmailOutbox) == 30
        assert session.exec(select(func.count()).select_from(CaseEvent)
                            .where(CaseEvent.action == "escalated")).one() == 25
        assert verify(session) is None  # the hash chains took the concurrent events in order
        fired = sum(int(o.decode().split("phát ")[1].split(" ")[0]) for o, _e in outs)
        assert fired == 25


class TestPrivacy:
    def test_no_denunciator_identity_in_notifications_or_mail(
            self, client: TestClient, org: Org, clock: FixedClock, session: Session) -> None:
        from workflows.mailer import queue_digest

        identity = {"full_name": "Trịnh Thị Bảo Mật", "id_number": "038190009999", "phone": "0977000111",
                    "email": "baomat@example.test", "address": "Số 9 ngõ Kín, phường Ẩn Danh"}
        clock.set(date(2026, 11, 18))
        make_case(client, auth(client, "reception"), kind="denunciation", received_on="2026-11-18",
                  subject="Tố cáo cán bộ thu tiền", signatories=6, forwarded_by="Thanh tra tỉnh",
                  content=f"Tôi là {identity['full_name']}, xin giữ bí mật.", petitioner=identity)
        with smtp_server() as (box, settings):
            for day in (date(2026, 11, 25), date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 14)):
                sweep(at(day), day)
            with new_session() as s:
                assert queue_digest(s, at(date(2026, 12, 14)), date(2026, 12, 14)) == 2
                s.commit()
            send_due(at(date(2026, 12, 14)), settings=settings)
            texts = box.texts()
        session.rollback()
        texts += [f"{n.title}\n{n.body}" for n in session.exec(select(Notification)).all()]
        texts += [f"{m.subject}\n{m.body}" for m in session.exec(select(EmailOutbox)).all()]
        texts += [str(e.data) + e.note for e in session.exec(select(CaseEvent)
                                                             .where(CaseEvent.action == "escalated")).all()]
        levels = set(session.exec(select(Escalation.level)).all())
        assert levels == {"due_soon", "due_today", "overdue", "escalation_risk"}
        assert len(box.messages) >= 8
        blob = "\n".join(texts)
        assert "Tố cáo" in blob
        for value in (*identity.values(), "Bảo Mật"):
            assert value not in blob


def test_demo_seed_shows_a_case_on_each_rung(session: Session) -> None:
    from api.cli import seed_demo

    seed_demo(if_empty=False)
    levels = set(session.exec(select(Escalation.level)).all())
    assert {"due_soon", "due_today", "overdue", "escalation_risk"} <= levels
    office = session.exec(select(User).where(User.username == "office")).one()
    assert session.exec(select(func.count()).select_from(Notification)
                        .where(Notification.user_id == office.id)).one() > 0
    assert session.exec(select(func.count()).select_from(Case)).one() >= 30
