"""Browser tests: the real app under uvicorn, driven by Debian's headless Chromium.

Nothing is installed at test time. Without /usr/bin/chromium the tests skip LOUDLY (a banner
and a skip reason), so that a green run never hides that the browser half did not run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("DONTHU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PORTS = range(8160, 8180)


_SKIPPED: list[str] = []
#: The browser tests run their own server on a temporary SQLite file, so the PostgreSQL half
#: of `make test` would only repeat them.
ON_POSTGRES = os.environ.get("DONTHU_TEST_DATABASE_URL", "").startswith("postgresql")


def _banner(reason: str) -> None:
    """Shown on the terminal at once and again in the summary: a skip must not look like a pass."""
    _SKIPPED.append(reason)
    line = "!" * 78
    sys.__stderr__.write(f"\n{line}\n!! BROWSER TESTS SKIPPED: {reason}\n{line}\n")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if ON_POSTGRES:
                item.add_marker(pytest.mark.skip(reason="browser tests run once, in the SQLite half of make test"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _SKIPPED:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED: " + _SKIPPED[0], red=True, bold=True)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8160-8179")


@dataclass
class LiveServer:
    url: str
    password: str
    attachments: Path


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """Migrate a fresh SQLite file, seed a small department, serve it with uvicorn."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        _banner(reason)
        pytest.skip(reason)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[dev]')"
        _banner(reason)
        pytest.skip(reason)
    from tests.browser.seed import PASSWORD

    tmp = Path(tempfile.mkdtemp(prefix="donthu-browser-"))
    env = {**os.environ,
           "DONTHU_DATABASE_URL": f"sqlite:///{tmp / 'browser.db'}",
           "DONTHU_ATTACHMENT_DIR": str(tmp / "attachments"),
           "DONTHU_SECRET_KEY": "browser-test-secret-key-that-is-long-enough-0123",
           "DONTHU_ENV": "development", "DONTHU_DEMO": "0", "PYTHONPATH": str(ROOT)}
    port = _free_port()
    env["DONTHU_BASE_URL"] = f"http://127.0.0.1:{port}"
    subprocess.run([sys.executable, "-m", "api.cli", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "tests.browser.seed"], cwd=ROOT, env=env, check=True)
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # the server answers /health once it has started
            if proc.poll() is not None:
                raise RuntimeError("uvicorn exited: " + (tmp / "server.log").read_text())
            try:
                with urllib.request.urlopen(url + "/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("uvicorn did not start: " + (tmp / "server.log").read_text())
        yield LiveServer(url=url, password=PASSWORD, attachments=tmp / "attachments")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(live_server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A factory of fresh pages, each in its own context (its own cookies: one person each)."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        ctx = browser.new_context(base_url=live_server.url, viewport=viewport or {"width": 1366, "height": 768},
                                  locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page: Any, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def login(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not log in"
