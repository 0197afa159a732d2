"""Running counts of cases, kept in step with every change (issue 7: dashboard and reports at scale).

At a million cases, counting the year's petitions, resolutions and carried-over cases from the
case rows reads hundreds of thousands of index entries per figure. These two small tables hold
the same counts, moved by every intake and every move in the same transaction
(`workflows/tally.py`), so the dashboard and the periodic report add up at most one row per
unit and kind (per day, for `day_count`) instead of counting cases.
Both are keyed by the case's present unit and kind, so a unit's report follows its cases.
`workflows.tally.rebuild` recomputes both from the case rows; `verify` compares.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class CaseCount(SQLModel, table=True):
    """How many cases stand where now: `status:<status>` and `outcome:<met|late>` (the last clock)."""

    __tablename__ = "case_count"

    measure: str = Field(primary_key=True, max_length=30)
    unit_key: int = Field(primary_key=True)  # the unit's id, 0 before a unit is assigned
    kind: str = Field(primary_key=True, max_length=20)
    n: int = 0


class DayCount(SQLModel, table=True):
    """How many cases had something happen on a day: received, accepted, refused, forwarded,
    finished, resolved on time or late (`days` sums the days each resolution took)."""

    __tablename__ = "day_count"

    measure: str = Field(primary_key=True, max_length=30)
    day: date = Field(primary_key=True)
    unit_key: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=20)
    n: int = 0
    days: int = 0
