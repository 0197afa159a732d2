"""Running counts for the dashboard and the periodic report (issue 7)

At a million cases the dashboard's per-unit on-time figures and the yearly report counted
hundreds of thousands of clock and event rows per request. The facts those figures are made of
move onto the case row (last clock's outcome, the handling on receipt and its date, when the
case finished, when the resolution clock stopped, after how many days, late or not), and two
small tables, `case_count` and `day_count`, hold their counts (workflows/tally.py keeps them
in step). Backfilled here from the clocks and the events; then three indexes that only served
the old aggregates go (each one cost every intake, move and sweep a page write).

Revision ID: b7d8e9f0a1b2
Revises: a1c2e3f4b5d6
Create Date: 2026-11-26 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "b7d8e9f0a1b2"
down_revision: str | None = "a1c2e3f4b5d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('received', 'accepted', 'assigned', 'reported', 'suspended')"
FACTS = (
    sa.Column("clock_outcome", sa.String(length=10), nullable=False, server_default=""),
    sa.Column("triage", sa.String(length=20), nullable=False, server_default=""),
    sa.Column("triaged_on", sa.Date(), nullable=True),
    sa.Column("finished_on", sa.Date(), nullable=True),
    sa.Column("resolution_stopped_on", sa.Date(), nullable=True),
    sa.Column("resolution_days", sa.Integer(), nullable=True),
    sa.Column("resolution_late", sa.Boolean(), nullable=False, server_default=sa.false()),
)
OLD_INDEXES = (
    ("ix_case_event_case_seq_on", "case_event", ["case_id", "seq", "on", "to_status"]),
    ("ix_case_clock_case_id", "case_clock", ["case_id", "id", "stopped_on", "due_on"]),
    ("ix_case_clock_name_stopped", "case_clock", ["name", "stopped_on", "due_on", "starts_on", "case_id"]),
)


def _backfill(days: str) -> None:
    # The last clock's outcome, for cases where no clock runs.
    op.execute("""
        UPDATE "case" SET clock_outcome = COALESCE((
            SELECT CASE WHEN k.stopped_on IS NULL THEN '' WHEN k.stopped_on <= k.due_on THEN 'met' ELSE 'late' END
            FROM case_clock k WHERE k.case_id = "case".id ORDER BY k.id DESC LIMIT 1), '')
        WHERE current_clock = ''
    """)
    # The handling on receipt: at most one of these moves per case (all leave `received`).
    op.execute("""
        UPDATE "case" SET
          triage = (SELECT e.action FROM case_event e WHERE e.case_id = "case".id
                    AND e.action IN ('accept', 'reject', 'transfer', 'guide') ORDER BY e.seq DESC LIMIT 1),
          triaged_on = (SELECT e."on" FROM case_event e WHERE e.case_id = "case".id
                        AND e.action IN ('accept', 'reject', 'transfer', 'guide') ORDER BY e.seq DESC LIMIT 1)
        WHERE EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = "case".id
                      AND e.action IN ('accept', 'reject', 'transfer', 'guide'))
    """)
    # Finished: the first event into a finished status after the last one in an open status.
    op.execute(f"""
        UPDATE "case" SET finished_on = (
            SELECT MIN(e."on") FROM case_event e WHERE e.case_id = "case".id AND e.to_status NOT IN {OPEN}
              AND e.seq > COALESCE((SELECT MAX(o.seq) FROM case_event o WHERE o.case_id = "case".id
                                    AND o.to_status IN {OPEN}), 0))
        WHERE status NOT IN {OPEN}
    """)
    op.execute(f"""
        UPDATE "case" SET
          resolution_stopped_on = (SELECT k.stopped_on FROM case_clock k WHERE k.case_id = "case".id
                                   AND k.name = 'resolution'),
          resolution_days = (SELECT {days} FROM case_clock k WHERE k.case_id = "case".id
                             AND k.name = 'resolution'),
          resolution_late = (SELECT k.stopped_on > k.due_on FROM case_clock k WHERE k.case_id = "case".id
                             AND k.name = 'resolution')
        WHERE EXISTS (SELECT 1 FROM case_clock k WHERE k.case_id = "case".id AND k.name = 'resolution'
                      AND k.stopped_on IS NOT NULL)
    """)


def _count() -> None:
    op.execute("""
        INSERT INTO case_count (measure, unit_key, kind, n)
        SELECT 'status:' || status, COALESCE(unit_id, 0), kind, COUNT(*) FROM "case"
        GROUP BY status, COALESCE(unit_id, 0), kind
    """)
    op.execute("""
        INSERT INTO case_count (measure, unit_key, kind, n)
        SELECT 'outcome:' || clock_outcome, COALESCE(unit_id, 0), kind, COUNT(*) FROM "case"
        WHERE clock_outcome != '' GROUP BY clock_outcome, COALESCE(unit_id, 0), kind
    """)
    for measure, day, where in (("'received'", "received_on", "1 = 1"),
                                ("'still_open'", "received_on", f"status IN {OPEN}"),
                                ("'finished'", "finished_on", "finished_on IS NOT NULL")):
        op.execute(f"""
            INSERT INTO day_count (measure, day, unit_key, kind, n, days)
            SELECT {measure}, {day}, COALESCE(unit_id, 0), kind, COUNT(*), 0 FROM "case" WHERE {where}
            GROUP BY {day}, COALESCE(unit_id, 0), kind
        """)
    op.execute("""
        INSERT INTO day_count (measure, day, unit_key, kind, n, days)
        SELECT CASE triage WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'refused' ELSE 'forwarded' END,
               triaged_on, COALESCE(unit_id, 0), kind, COUNT(*), 0 FROM "case"
        WHERE triage IN ('accept', 'reject', 'transfer', 'guide') AND triaged_on IS NOT NULL
        GROUP BY CASE triage WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'refused' ELSE 'forwarded' END,
                 triaged_on, COALESCE(unit_id, 0), kind
    """)
    op.execute("""
        INSERT INTO day_count (measure, day, unit_key, kind, n, days)
        SELECT CASE WHEN resolution_late THEN 'resolved_late' ELSE 'resolved_on_time' END,
               resolution_stopped_on, COALESCE(unit_id, 0), kind, COUNT(*), SUM(COALESCE(resolution_days, 0))
        FROM "case" WHERE resolution_stopped_on IS NOT NULL
        GROUP BY CASE WHEN resolution_late THEN 'resolved_late' ELSE 'resolved_on_time' END,
                 resolution_stopped_on, COALESCE(unit_id, 0), kind
    """)


def upgrade() -> None:
    for column in FACTS:
        op.add_column("case", column)
    op.create_table(
        "case_count",
        sa.Column("measure", sa.String(length=30), nullable=False),
        sa.Column("unit_key", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "unit_key", "kind", name=op.f("pk_case_count")),
    )
    op.create_table(
        "day_count",
        sa.Column("measure", sa.String(length=30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_key", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "day", "unit_key", "kind", name=op.f("pk_day_count")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    _backfill("CAST(julianday(k.stopped_on) - julianday(k.starts_on) AS INTEGER)" if sqlite
              else "k.stopped_on - k.starts_on")
    _count()
    for name, table, _columns in OLD_INDEXES:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in reversed(OLD_INDEXES):
        op.create_index(name, table, columns, unique=False)
    op.drop_table("day_count")
    op.drop_table("case_count")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of `case` would trip its foreign keys.
    for column in reversed(FACTS):
        op.drop_column("case", column.name)
