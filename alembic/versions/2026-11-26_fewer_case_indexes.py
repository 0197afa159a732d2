"""Four indexes that nothing needs any more (issue 7: intake throughput)

Every intake writes one page per index of `case` and of `case_event`. `ix_case_id_kind_unit`
and `ix_case_event_action_on` served aggregates that joined events and clocks to their case
(the running counts replaced them); `ix_case_status` is the leading column of
`ix_case_status_due`; `ix_case_kind` was avoided on purpose by the aggregates, and a filter on
kind rides the date indexes.

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2026-11-26 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d4e5f6a7b8c9"
down_revision: str | None = "c3d4e5f6a7b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("ix_case_id_kind_unit", "case", ["id", "kind", "unit_id"]),
    ("ix_case_status", "case", ["status"]),
    ("ix_case_kind", "case", ["kind"]),
    ("ix_case_event_action_on", "case_event", ["action", "on"]),
)


def upgrade() -> None:
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in reversed(DROPPED):
        op.create_index(name, table, columns, unique=False)
