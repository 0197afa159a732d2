"""Covering indexes for the dashboard and the periodic report at 1,000,000 cases (issue 7)

The aggregates group by kind or unit; without these indexes every counted row costs a
lookup into the wide `case` row (content, search text), which at a million cases is seconds.
Three existing indexes gain trailing columns (same names, same leading columns, so every
query that used them still can); three are new.

Revision ID: 9b3e4f5a6c7d
Revises: 7c1d2e3f4a5b
Create Date: 2026-11-26 05:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9b3e4f5a6c7d"
down_revision: str | None = "7c1d2e3f4a5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDENED = (
    ("ix_case_received", "case", ["received_on"], ["received_on", "kind", "status", "unit_id", "updated_at"]),
    ("ix_case_status_due", "case", ["status", "current_due_on"],
     ["status", "current_due_on", "kind", "unit_id", "resubmitted", "signatories", "forwarded_by"]),
    ("ix_case_clock_name_stopped", "case_clock", ["name", "stopped_on"],
     ["name", "stopped_on", "due_on", "starts_on", "case_id"]),
)
NEW = (
    ("ix_case_id_kind_unit", "case", ["id", "kind", "unit_id"]),
    ("ix_case_event_case_seq_on", "case_event", ["case_id", "seq", "on", "to_status"]),
    ("ix_case_clock_case_id", "case_clock", ["case_id", "id", "stopped_on", "due_on"]),
)


def upgrade() -> None:
    for name, table, _old, new in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, new, unique=False)
    for name, table, columns in NEW:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(NEW):
        op.drop_index(name, table_name=table)
    for name, table, old, _new in reversed(WIDENED):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, old, unique=False)
