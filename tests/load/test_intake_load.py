"""CI-size load and crash tests (issue 7). The full sizes: `python -m bench.load` (see its doc).

A real uvicorn process on 127.0.0.1 serves the test database (SQLite or PostgreSQL, like the
rest of the suite); client threads post petitions concurrently. The assertions are about
what was stored, never about time.
"""

from __future__ import annotations

import pytest

from bench.load import run
from tests.conftest import PASSWORD, TEST_DB_URL, Org

pytestmark = pytest.mark.slow


def _run(**kw: object) -> dict[str, object]:
    return run(TEST_DB_URL, username="office", password=PASSWORD, prepare=False,
               env_extra={"DONTHU_DEMO": "0"}, audit_cli=False, **kw)  # type: ignore[arg-type]


def _check(report: dict[str, object]) -> None:
    assert report["acknowledged"], report
    assert report["five_xx"] == 0, report
    assert report["database_is_locked"] == 0, report
    assert report["missing_count"] == 0, report
    assert report["duplicated_count"] == 0, report
    assert report["audit_verify_ok"] is True, report
    assert report["integrity_check"] in ("ok", "n/a"), report


class TestConcurrentIntake:
    def test_every_acknowledged_petition_is_stored_exactly_once(self, org: Org) -> None:
        report = _run(clients=24, seconds=3, ports=[8221])
        _check(report)
        assert report["rows_added"] == report["acknowledged"]  # no crash: nothing unacknowledged either

    def test_sigkill_mid_load_loses_nothing_acknowledged(self, org: Org) -> None:
        report = _run(clients=16, seconds=3, kill=True, ports=[8222])
        _check(report)
        assert report["acknowledged_before_kill"]
        assert report["rows_added"] >= report["acknowledged"]  # in flight at the kill: stored, never answered


class TestScaleOut:
    """Two app processes on different ports against one database (DESIGN.md §8)."""

    def test_intake_spread_over_two_processes_loses_and_duplicates_nothing(self, org: Org) -> None:
        report = _run(clients=24, seconds=3, ports=[8223, 8224])
        _check(report)
        assert report["processes"] == 2
        assert report["rows_added"] == report["acknowledged"]
