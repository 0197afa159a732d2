"""The deadline policy table (DESIGN.md §4), versioned by `effective_from`.

The rows below are the defaults seeded into `policy_rule`; admins edit them in the
database. The rule in force on the date of receipt applies, whatever changes later.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, select

from models import ClockName, Kind, PeriodUnit, PolicyRule
from workflows.errors import Invalid

WD, CD = PeriodUnit.working_days.value, PeriodUnit.calendar_days.value
KN_2011 = date(2012, 7, 1)  # Luật Khiếu nại 2011 in force
TC_2018 = date(2019, 1, 1)  # Luật Tố cáo 2018 in force
TCD_2013 = date(2014, 7, 1)  # Luật Tiếp công dân 2013 in force


@dataclass(frozen=True)
class DefaultRule:
    kind: str
    clock: str
    round: int
    variant: str
    period: int
    unit: str
    effective_from: date
    basis: str


_C, _D = Kind.complaint.value, Kind.denunciation.value
_A, _R = ClockName.acceptance.value, ClockName.resolution.value

DEFAULT_RULES: tuple[DefaultRule, ...] = (
    # Khiếu nại: thụ lý (acceptance).
    DefaultRule(_C, _A, 0, "normal", 10, WD, KN_2011,
                "Luật Khiếu nại 2011 art. 27, 36; Nghị định 124/2020/NĐ-CP"),
    DefaultRule(_C, _A, 0, "normal", 7, WD, date(2026, 7, 1),
                "Luật Khiếu nại art. 27, 36; Nghị định 124/2020 sửa đổi bởi Nghị định 155/2026/NĐ-CP"),
    # Khiếu nại lần đầu: giải quyết (art. 28).
    DefaultRule(_C, _R, 1, "normal", 30, CD, KN_2011, "Luật Khiếu nại 2011 art. 28"),
    DefaultRule(_C, _R, 1, "complex", 45, CD, KN_2011, "Luật Khiếu nại 2011 art. 28 (vụ việc phức tạp)"),
    DefaultRule(_C, _R, 1, "remote", 45, CD, KN_2011, "Luật Khiếu nại 2011 art. 28 (vùng sâu, vùng xa)"),
    DefaultRule(_C, _R, 1, "remote_complex", 60, CD, KN_2011,
                "Luật Khiếu nại 2011 art. 28 (vùng sâu, vùng xa, phức tạp)"),
    # Khiếu nại lần hai: giải quyết (art. 37).
    DefaultRule(_C, _R, 2, "normal", 45, CD, KN_2011, "Luật Khiếu nại 2011 art. 37"),
    DefaultRule(_C, _R, 2, "complex", 60, CD, KN_2011, "Luật Khiếu nại 2011 art. 37 (vụ việc phức tạp)"),
    DefaultRule(_C, _R, 2, "remote", 60, CD, KN_2011, "Luật Khiếu nại 2011 art. 37 (vùng sâu, vùng xa)"),
    DefaultRule(_C, _R, 2, "remote_complex", 70, CD, KN_2011,
                "Luật Khiếu nại 2011 art. 37 (vùng sâu, vùng xa, phức tạp)"),
    # Thời hiệu khiếu nại: a warning at intake, never a block (art. 9).
    DefaultRule(_C, "limitation", 0, "normal", 90, CD, KN_2011, "Luật Khiếu nại 2011 art. 9"),
    # Tố cáo (art. 24, 30).
    DefaultRule(_D, _A, 0, "normal", 7, WD, TC_2018, "Luật Tố cáo 2018 art. 24(1)"),
    DefaultRule(_D, _A, 0, "several_places", 10, WD, TC_2018,
                "Luật Tố cáo 2018 art. 24(1) (kiểm tra, xác minh ở nhiều địa điểm)"),
    DefaultRule(_D, _A, 0, "forward", 5, WD, TC_2018,
                "Luật Tố cáo 2018 art. 24(2) (chuyển đơn không thuộc thẩm quyền)"),
    DefaultRule(_D, _R, 0, "normal", 30, CD, TC_2018, "Luật Tố cáo 2018 art. 30(1)"),
    DefaultRule(_D, "extension", 0, "normal", 30, CD, TC_2018,
                "Luật Tố cáo 2018 art. 30(1): gia hạn một lần (phức tạp), hai lần (đặc biệt phức tạp)"),
    # Kiến nghị, phản ánh.
    *(
        rule
        for kind in (Kind.recommendation.value, Kind.feedback.value)
        for rule in (
            DefaultRule(kind, _A, 0, "normal", 10, WD, TCD_2013,
                        "Luật Tiếp công dân 2013 art. 28(1); Thông tư 05/2021/TT-TTCP"),
            DefaultRule(kind, _R, 0, "normal", 20, CD, TCD_2013,
                        "Quy chế của cơ quan, theo thực tiễn Cổng Dịch vụ công quốc gia"),
        )
    ),
)


def ensure_default_rules(session: Session) -> int:
    """Insert the default rules that are missing; returns how many were added."""
    have = {
        (r.kind, r.clock, r.round, r.variant, r.effective_from)
        for r in session.exec(select(PolicyRule)).all()
    }
    added = 0
    for d in DEFAULT_RULES:
        if (d.kind, d.clock, d.round, d.variant, d.effective_from) not in have:
            session.add(PolicyRule(**d.__dict__))
            added += 1
    session.flush()
    return added


class NoRuleInForce(Invalid):
    """No version of the rule was in force on that date (e.g. before the law took effect)."""


_RULES_TTL = 5.0
_rules_lock = threading.Lock()
_rules: tuple[float, dict[tuple[str, str, str], list[PolicyRule]]] | None = None


def invalidate_rules() -> None:
    global _rules
    with _rules_lock:
        _rules = None


def _rule_table(session: Session) -> dict[tuple[str, str, str], list[PolicyRule]]:
    """The whole policy table (a few dozen rows), cached briefly like the calendar.

    Intake looks a rule up on every petition; the table changes a few times a year and each
    change is versioned by `effective_from`. A write through the ORM in this process clears
    the cache at once (see the session hooks below); other processes see it within
    `_RULES_TTL` seconds. The cached rows are detached copies: read them, never add them.
    """
    global _rules
    now = time.monotonic()
    with _rules_lock:
        if _rules and now - _rules[0] < _RULES_TTL:
            return _rules[1]
    table: dict[tuple[str, str, str], list[PolicyRule]] = {}
    for row in session.exec(select(PolicyRule)):
        copy = PolicyRule(**row.model_dump())
        table.setdefault((copy.kind, copy.clock, copy.variant), []).append(copy)
    with _rules_lock:
        _rules = (now, table)
    return table


@event.listens_for(Session, "after_flush")
def _rules_changed_by_flush(session: Any, _ctx: Any) -> None:
    if any(isinstance(o, PolicyRule) for o in (*session.new, *session.dirty, *session.deleted)):
        invalidate_rules()


@event.listens_for(Session, "do_orm_execute")
def _rules_changed_by_statement(state: Any) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ is PolicyRule:
        invalidate_rules()


def find_rule(session: Session, *, kind: str, clock: str, round: int, variant: str, on: date) -> PolicyRule:
    """The rule in force on `on` (the date of receipt) for this kind, clock, round and variant:
    the newest `effective_from <= on`, a round-specific row before a round-0 one."""
    candidates = [
        r for r in _rule_table(session).get((kind, clock, variant), ())
        if r.round in (0, round) and r.effective_from <= on
    ]
    rule = max(candidates, key=lambda r: (r.effective_from, r.round), default=None)
    if rule is None:
        raise NoRuleInForce(
            f"Chưa có quy định thời hạn cho loại đơn '{kind}', thời hạn '{clock}' ({variant}) "
            f"áp dụng vào ngày {on:%d/%m/%Y}. Quản trị viên cần bổ sung trong mục Chính sách thời hạn."
        )
    return rule


def resolution_variant(*, kind: str, complex_: bool, remote: bool) -> str:
    """Which resolution period applies (Luật Khiếu nại art. 28, 37)."""
    if kind != Kind.complaint:
        return "normal"
    if remote and complex_:
        return "remote_complex"
    if remote:
        return "remote"
    return "complex" if complex_ else "normal"


def acceptance_variant(*, kind: str, several_places: bool, forward: bool = False) -> str:
    """Which acceptance period applies (Luật Tố cáo art. 24)."""
    if kind != Kind.denunciation:
        return "normal"
    if forward:
        return "forward"
    return "several_places" if several_places else "normal"
