"""Index for the all-cases inbox: due date, then id (issue 7, 1,000,000-case inbox)

Revision ID: 7c1d2e3f4a5b
Revises: 5e1c0a7b2d94
Create Date: 2026-11-26 04:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c1d2e3f4a5b"
down_revision: str | None = "5e1c0a7b2d94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_due_id", "case", ["current_due_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_due_id", table_name="case")
