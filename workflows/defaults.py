"""Reference data every installation needs: the policy table and the escalation ladder."""

from __future__ import annotations

from sqlmodel import Session, select

from models import EscalationRule, Level
from workflows.policy import ensure_default_rules

#: DESIGN.md §5: who hears of each rung. "assignee" and "unit_head" mean the clock's owner:
#: the office for the acceptance clock, the assigned unit for the resolution clock.
DEFAULT_LADDER = (
    (Level.due_soon, 3, "assignee,unit_head"),
    (Level.due_today, 0, "unit_head,office"),
    (Level.overdue, 0, "director,office"),
    (Level.escalation_risk, 10, "director,office"),
)


def ensure_defaults(session: Session) -> None:
    ensure_default_rules(session)
    have = {r.level for r in session.exec(select(EscalationRule)).all()}
    for level, threshold, notify in DEFAULT_LADDER:
        if level.value not in have:
            session.add(EscalationRule(level=level.value, threshold=threshold, notify=notify))
    session.flush()
