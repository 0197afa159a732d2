"""Index the decision date for the public transparency page (issue 7)

`/transparency` lists the latest decisions, newest first; without an index on the decision
date that is a sort of every resolved case, on a page anyone may open.

Revision ID: c3d4e5f6a7b8
Revises: b7d8e9f0a1b2
Create Date: 2026-11-26 07:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3d4e5f6a7b8"
down_revision: str | None = "b7d8e9f0a1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_decided", "case", ["decided_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_decided", table_name="case")
