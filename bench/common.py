"""Shared plumbing for the bench and load scripts: a fresh database, servers on 127.0.0.1,
wrk runs and process memory. Only 127.0.0.1 is ever a target."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
DEMO_PASSWORD = "demo12345"


def free_port(low: int = 8220, high: int = 8300) -> int:
    """A port of this project's range (8200-8299) that nothing listens on right now, picked at
    random so that two test runs on one machine rarely race for the same one."""
    import random
    import socket

    ports = list(range(low, high))
    random.shuffle(ports)
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high - 1}")


def env_for(database_url: str, workdir: Path) -> dict[str, str]:
    env = os.environ.copy()
    env.update({
        "DONTHU_DATABASE_URL": database_url,
        "DONTHU_ATTACHMENT_DIR": str(workdir / "attachments"),
        "DONTHU_SECRET_KEY": SECRET,
        "DONTHU_ENV": "development",
        "DONTHU_DEMO": "1",
        "PYTHONPATH": str(ROOT),
        # The per-client rate limit would answer most of a benchmark with 429: measure the
        # service path itself (the limiter still runs on every request).
        "DONTHU_API_RATE_PER_MINUTE": "100000000",
        "DONTHU_ANON_RATE_PER_MINUTE": "100000000",
    })
    return env


def cli(env: dict[str, str], *args: str, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m api.cli ...` from this checkout."""
    out = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, text=True,
                         capture_output=quiet)
    if out.returncode != 0:
        raise SystemExit(f"`donthu {' '.join(args)}` failed:\n{out.stdout or ''}{out.stderr or ''}")
    return out


def has_command(env: dict[str, str], name: str) -> bool:
    out = subprocess.run([sys.executable, "-m", "api.cli", name, "--help"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    return out.returncode == 0


def fresh_sqlite(workdir: Path) -> str:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    return f"sqlite:///{workdir / 'bench.db'}"


def prepare_database(env: dict[str, str], cases: int) -> None:
    """migrate + seed-demo + `generate --count N` (the bulk generator from workflows/bulk.py)."""
    cli(env, "migrate", quiet=True)
    cli(env, "seed-demo", quiet=True)
    if cases:
        if not has_command(env, "generate"):
            raise SystemExit("`donthu generate` is missing in this checkout: merge main (workflows/bulk.py) first")
        t0 = time.monotonic()
        cli(env, "generate", "--count", str(cases))
        print(f"generated {cases:,} cases in {time.monotonic() - t0:.0f} s")


class Server:
    """One uvicorn process (one worker) on 127.0.0.1, stopped on exit."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: Path | None = None) -> None:
        self.app, self.port, self.env, self.log = app, port, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, ready_path: str = "/health", timeout: float = 60, any_answer: bool = False) -> Server:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", self.app, "--host", HOST, "--port", str(self.port),
             "--workers", "1", "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.app} exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + ready_path, timeout=2).status_code < 500 or any_answer:
                    time.sleep(0.3)
                    if self.proc.poll() is not None:  # another process answered on that port
                        raise RuntimeError(f"{self.app} could not listen on port {self.port}")
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.app} did not start on port {self.port}")

    def rss_mb(self) -> float:
        assert self.proc is not None
        return rss_mb(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush; what a power cut or the OOM killer does."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@contextmanager
def running(*servers: Server) -> Iterator[None]:
    try:
        for s in servers:
            s.start()
        yield
    finally:
        for s in servers:
            s.stop()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def token(base: str, username: str, password: str = DEMO_PASSWORD) -> str:
    r = httpx.post(base + "/api/v1/auth/token", data={"username": username, "password": password}, timeout=30)
    r.raise_for_status()
    return str(r.json()["access_token"])


WRK_POST = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{headers}
"""
WRK_GET = """
wrk.method = "GET"
{headers}
"""
WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format("DONTHU_STATS %d %d %d %d\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
"""


def wrk(url: str, *, seconds: int, connections: int, threads: int = 2, method: str = "GET",
        body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Run wrk once; the request is scripted in Lua so that POST bodies and headers are exact."""
    hdrs = "\n".join(f'wrk.headers[{json.dumps(k)}] = {json.dumps(v)}' for k, v in (headers or {}).items())
    if method == "POST":
        script = WRK_POST.format(body=lua_string(json.dumps(body, ensure_ascii=False)), headers=hdrs)
    else:
        script = WRK_GET.format(headers=hdrs)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + WRK_DONE)
        path = f.name
    try:
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                              "--latency", "-s", path, url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    stats = re.search(r"DONTHU_STATS (\d+) (\d+) (\d+) (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    return {
        "rps": rps,
        "requests": int(stats.group(1)) if stats else None,
        "non_2xx": int(stats.group(2)) if stats else None,
        "socket_errors": int(stats.group(3)) if stats else None,
        "p50_ms": _ms(p50), "p99_ms": _ms(p99),
    }


def _ms(m: re.Match[str] | None) -> float | None:
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def lua_string(s: str) -> str:
    """A Lua long string cannot be broken by quotes or backslashes in JSON."""
    return "[==[" + s + "]==]"


def machine() -> dict[str, Any]:
    import platform

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    except (OSError, IndexError, ValueError):
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "kernel": platform.release()}


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return path
