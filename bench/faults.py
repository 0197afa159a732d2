"""Storage faults on SQLite: disk full and read-only storage (issue 7).

    sudo python -m bench.faults        # needs root to mount a small tmpfs

The database lives on a tiny tmpfs. With the disk full, intake must answer a clear 503
`{"detail": ...}` (never a 500 or a stack trace) and recover by itself once space returns.
On read-only storage the service must start and answer 503, then work again once the
storage is writable. Afterwards `PRAGMA integrity_check` must say ok, every acknowledged
petition must be there, and the audit chain must verify.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.common import Server, cli, env_for
from bench.load import BODY, _audit_in_process, _codes, _integrity

FAULT_PORT = 8230


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


def _mount(path: Path, size: str = "6m") -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)


def _remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def _fill(path: Path) -> Path:
    """Write zeros until the file system says ENOSPC."""
    filler = path / "filler.bin"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
        try:  # the last partial chunk
            while True:
                f.write(b"\0" * 512)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return filler


def run(port: int = FAULT_PORT, username: str = "office", password: str = "demo12345",
        attempts: int = 20) -> dict[str, Any]:
    mnt = Path(tempfile.mkdtemp(prefix="donthu-faults-"))
    side = Path(tempfile.mkdtemp(prefix="donthu-faults-side-"))
    _mount(mnt)
    report: dict[str, Any] = {}
    acked: list[str] = []
    url = f"sqlite:///{mnt / 'donthu.db'}"
    env = env_for(url, side)
    server = Server("api.app:app", port, env, side / "server.log")
    try:
        cli(env, "migrate", quiet=True)
        cli(env, "user", "create", username, "--role", "office", "--name", "Văn phòng Sở", "--password", password,
            quiet=True)
        server.start()
        r = httpx.post(server.url + "/api/v1/auth/token", data={"username": username, "password": password})
        bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}

        def intake() -> httpx.Response:
            r = httpx.post(server.url + "/api/v1/cases", json=BODY, headers=bearer, timeout=60)
            if r.status_code == 201:
                acked.append(r.json()["tracking_code"])
            return r

        report["before"] = intake().status_code

        # 1. Disk full.
        filler = _fill(mnt)
        full = [intake() for _ in range(attempts)]
        report["disk_full_statuses"] = dict(Counter(r.status_code for r in full))
        report["disk_full_503_detail"] = next((r.json().get("detail") for r in full if r.status_code == 503), None)
        report["disk_full_retry_after"] = next((r.headers.get("retry-after") for r in full if r.status_code == 503),
                                               None)
        report["disk_full_bodies_ok"] = all(_clean(r) for r in full)
        report["disk_full_reads"] = httpx.get(server.url + "/health").status_code
        filler.unlink()
        report["after_space_returns"] = intake().status_code

        # 2. Read-only storage: the server restarts on a file system mounted read-only.
        server.stop()
        _remount(mnt, "ro")
        server.start(any_answer=True)
        ro = [intake() for _ in range(3)]
        report["read_only_statuses"] = dict(Counter(r.status_code for r in ro))
        report["read_only_503_detail"] = next((r.json().get("detail") for r in ro if r.status_code == 503), None)
        report["read_only_bodies_ok"] = all(_clean(r) for r in ro)
        server.stop()
        _remount(mnt, "rw")
        server.start()
        report["after_read_write"] = intake().status_code
        server.stop()

        report["integrity_check"] = _integrity(url)
        stored = set(_codes(url))
        report["acknowledged"] = len(acked)
        report["missing"] = [c for c in acked if c not in stored]
        report["audit_verify_ok"] = _audit_in_process(url)
        report["server_log_has_traceback"] = "Traceback" in (side / "server.log").read_text(errors="replace")
    finally:
        server.stop()
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        shutil.rmtree(side, ignore_errors=True)
        shutil.rmtree(mnt, ignore_errors=True)
    report["ok"] = (
        report.get("before") == 201 and set(report.get("disk_full_statuses", {})) <= {201, 503}
        and 503 in report.get("disk_full_statuses", {}) and report.get("disk_full_bodies_ok")
        and report.get("after_space_returns") == 201 and set(report.get("read_only_statuses", {})) == {503}
        and report.get("read_only_bodies_ok") and report.get("after_read_write") == 201
        and report.get("integrity_check") == "ok" and not report.get("missing") and report.get("audit_verify_ok")
    )
    return report


def _clean(r: httpx.Response) -> bool:
    """A 201, or a 503 with a Vietnamese `detail` and nothing of the internals."""
    if r.status_code == 201:
        return True
    try:
        body = r.json()
    except ValueError:
        return False
    return (r.status_code == 503 and isinstance(body.get("detail"), str) and "Traceback" not in r.text
            and "sqlite" not in r.text.lower() and "/donthu-faults" not in r.text)


def main() -> None:
    if not can_mount():
        raise SystemExit("needs root (mount -t tmpfs) to simulate a full or read-only disk")
    report = run()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    raise SystemExit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
