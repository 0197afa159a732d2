"""Petitions (đơn thư): the case, its petitioner, clocks, events and attachments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Petitioner(SQLModel, table=True):
    """The person who filed; kept apart from the case so redaction and purge touch one row."""

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(default="", max_length=200)
    id_number: str = Field(default="", max_length=20, index=True)
    phone: str = Field(default="", max_length=20, index=True)
    email: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=500)
    representatives: str = Field(default="", max_length=1000)  # đơn đông người: người đại diện
    purged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Case(SQLModel, table=True):
    """One petition. Its status keeps lists cheap; `case_event` is the legal history."""

    __table_args__ = (
        Index("ix_case_unit_due", "unit_id", "current_due_on"),
        # The office's and director's inbox (every case, most urgent first) walks this index.
        Index("ix_case_due_id", "current_due_on", "id"),
        # The trailing columns make the dashboard's and the report's counts by kind or unit
        # index-only (workflows/dashboard.py, workflows/reports.py, workflows/risk.py).
        # The last three make the escalation sweep's candidate selection index-only: it passes
        # over the long-overdue backlog without reading a case row (workflows/escalation.py).
        Index("ix_case_status_due", "status", "current_due_on", "kind", "unit_id", "resubmitted", "signatories",
              "forwarded_by", "escalated_due_on", "current_clock", "received_on"),
        Index("ix_case_received", "received_on", "kind", "status", "unit_id", "updated_at"),
        Index("ix_case_creator", "created_by_id", "received_on"),
        # The public page's latest decisions, newest first, without sorting every resolved case.
        Index("ix_case_decided", "decided_on", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(max_length=20, unique=True)
    pin_hash: str = Field(max_length=64)
    # No index of its own on kind or status: `ix_case_status_due` leads with status, and a
    # filter on kind rides a date index; each index is one more page write per intake.
    kind: str = Field(max_length=20)
    round: int = 1
    channel: str = Field(max_length=20)
    status: str = Field(max_length=20)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    subject: str = Field(max_length=300)
    content: str = Field(sa_column=Column(Text, nullable=False))
    received_on: date
    received_at: datetime = Field(sa_type=UTCDateTime)
    contested_decision_on: date | None = None
    # Filed after the 90-day limitation period (Luật Khiếu nại art. 9): warn, never block.
    limitation_warning: bool = False
    anonymous: bool = False
    signatories: int = 1
    remote_area: bool = False
    forwarded_by: str = Field(default="", max_length=300)
    is_complex: bool = False
    especially_complex: bool = False
    several_places: bool = False
    extension_count: int = 0
    petitioner_id: int | None = Field(default=None, foreign_key="petitioner.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    officer_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="reception_visit.id", index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    previous_case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    resubmitted: int = 0
    target_agency: str = Field(default="", max_length=300)
    held_status: str = Field(default="", max_length=20)  # status to return to after suspend/withdraw
    result: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    decision_number: str = Field(default="", max_length=100)
    decided_on: date | None = None
    closed_on: date | None = Field(default=None, index=True)
    # The running clock, copied from case_clock so that inboxes sort and sweeps select by index.
    current_clock: str = Field(default="", max_length=20)
    current_due_on: date | None = None
    # The running clock's due date once the ladder's last rungs (overdue and escalation risk)
    # have both fired for it: nothing more can fire until the clock or its due date changes
    # (`clocks.sync_current` clears it then), so the sweep skips the case without a probe.
    escalated_due_on: date | None = None
    # Facts the running counts are made of (workflows/tally.py), kept on the row so that a
    # change is a difference of two snapshots and a rebuild is a GROUP BY over cases:
    # the last clock's outcome once no clock runs ('' | met | late); how the petition was
    # handled on receipt (accept | reject | transfer | guide) and on which legal date; when it
    # last left the open statuses; when the resolution clock stopped, after how many days, late.
    clock_outcome: str = Field(default="", max_length=10)
    triage: str = Field(default="", max_length=20)
    triaged_on: date | None = None
    finished_on: date | None = None
    resolution_stopped_on: date | None = None
    resolution_days: int | None = None
    resolution_late: bool = False
    version: int = 1
    event_count: int = 0
    head_hash: str = Field(default="", max_length=64)
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_group(self) -> bool:
        """Đơn đông người: five or more signatories (Luật Tiếp công dân, art. 30)."""
        return self.signatories >= 5


class CaseClock(SQLModel, table=True):
    """A statutory clock of a case: `acceptance` or `resolution` (DESIGN.md §4)."""

    __tablename__ = "case_clock"
    __table_args__ = (
        UniqueConstraint("case_id", "name"),
        Index("ix_case_clock_running_due", "running", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    name: str = Field(max_length=20)
    starts_on: date
    due_on: date
    period: int
    unit: str = Field(max_length=20)
    rule_id: int | None = Field(default=None, foreign_key="policy_rule.id")
    basis: str = Field(default="", max_length=500)
    running: bool = True
    paused_on: date | None = None
    remaining: int | None = None  # days left when paused, in the clock's unit
    stopped_on: date | None = None


class CaseEvent(SQLModel, table=True):
    """One append-only, hash-chained entry of a case's history (DESIGN.md §3).

    Each row stores the hash of the previous event of its case, and the case stores the
    newest hash and the count, so `donthu audit verify` finds an altered, inserted or
    deleted row. Rows are never updated or deleted.
    """

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    on: date
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(default="", max_length=200)
    action: str = Field(max_length=40)
    from_status: str = Field(default="", max_length=20)
    to_status: str = Field(default="", max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    public: bool = False
    data: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(max_length=64)


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    original_name: str = Field(max_length=255)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    # Scans of a denunciation carry the denunciator's handwriting and signature.
    confidential: bool = False
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IdentityView(SQLModel, table=True):
    """Each time someone is shown a denunciator's identity (DESIGN.md §6)."""

    __tablename__ = "identity_view"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    context: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
