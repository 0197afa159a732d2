"""The sweep's indexes at 1,000,000 cases (issue 4)

- `case.escalated_due_on`: the running clock's due date once its overdue and escalation-risk
  rungs have both fired, backfilled from the rungs already fired. `ix_case_status_due` carries
  it with the current clock and the receipt date, so the sweep's candidate selection reads the
  index alone and passes over the long-overdue backlog without probing `escalation`.
- The escalation's index on case_id alone goes: the unique key (case_id, clock, level) starts
  with case_id and serves every look-up by case; the second index only cost the sweep a
  random page write per firing.

Revision ID: a1c2e3f4b5d6
Revises: 9b3e4f5a6c7d
Create Date: 2026-11-26 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "a1c2e3f4b5d6"
down_revision: str | None = "9b3e4f5a6c7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_COLUMNS = ["status", "current_due_on", "kind", "unit_id", "resubmitted", "signatories", "forwarded_by"]
SWEEP_COLUMNS = ["escalated_due_on", "current_clock", "received_on"]
OPEN = "('received', 'accepted', 'assigned', 'reported', 'suspended')"


def upgrade() -> None:
    op.drop_index("ix_escalation_case_id", table_name="escalation")
    op.add_column("case", sa.Column("escalated_due_on", sa.Date(), nullable=True))
    op.execute(f"""
        UPDATE "case" SET escalated_due_on = current_due_on
        WHERE status IN {OPEN} AND current_due_on IS NOT NULL AND current_clock != ''
          AND EXISTS (SELECT 1 FROM escalation e WHERE e.case_id = "case".id
                      AND e.clock = "case".current_clock AND e.level = 'overdue')
          AND EXISTS (SELECT 1 FROM escalation e WHERE e.case_id = "case".id
                      AND e.clock = "case".current_clock AND e.level = 'escalation_risk')
    """)
    op.drop_index("ix_case_status_due", table_name="case")
    op.create_index("ix_case_status_due", "case", [*OLD_COLUMNS, *SWEEP_COLUMNS], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_status_due", table_name="case")
    op.create_index("ix_case_status_due", "case", OLD_COLUMNS, unique=False)
    op.drop_column("case", "escalated_due_on")  # ALTER TABLE … DROP COLUMN (SQLite 3.35+)
    op.create_index("ix_escalation_case_id", "escalation", ["case_id"], unique=False)
