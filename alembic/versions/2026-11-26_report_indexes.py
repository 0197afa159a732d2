"""Indexes for the periodic reports: moves and resolutions dated in a period.

Revision ID: 5e1c0a7b2d94
Revises: 86a032ebe8dd
Create Date: 2026-11-26 04:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5e1c0a7b2d94"
down_revision: str | None = "86a032ebe8dd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index("ix_case_event_action_on", ["action", "on"], unique=False)
    with op.batch_alter_table("case_clock", schema=None) as batch_op:
        batch_op.create_index("ix_case_clock_name_stopped", ["name", "stopped_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_clock", schema=None) as batch_op:
        batch_op.drop_index("ix_case_clock_name_stopped")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_case_event_action_on")
