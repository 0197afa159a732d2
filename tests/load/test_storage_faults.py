"""Disk full and read-only storage on SQLite (issue 7): a clear 503, no corruption, and
recovery once space returns. Full script: `sudo python -m bench.faults`."""

from __future__ import annotations

import pytest

from bench.common import free_port
from bench.faults import can_mount, run
from tests.conftest import IS_PG

pytestmark = pytest.mark.slow


@pytest.mark.skipif(IS_PG, reason="storage faults are simulated on an SQLite file on a tmpfs; "
                                  "the PostgreSQL half runs the load tests")
@pytest.mark.skipif(not can_mount(), reason="needs root to mount a small tmpfs")
def test_disk_full_and_read_only_storage() -> None:
    report = run(port=free_port(), attempts=5)
    assert report["before"] == 201
    assert set(report["disk_full_statuses"]) <= {201, 503}, report
    assert 503 in report["disk_full_statuses"], report
    assert "dung lượng" in report["disk_full_503_detail"]
    assert report["disk_full_retry_after"]
    assert report["disk_full_bodies_ok"], report
    assert report["after_space_returns"] == 201, report
    assert set(report["read_only_statuses"]) == {503}, report
    assert report["read_only_bodies_ok"], report
    assert report["after_read_write"] == 201, report
    assert report["integrity_check"] == "ok"
    assert report["missing"] == []
    assert report["audit_verify_ok"]
