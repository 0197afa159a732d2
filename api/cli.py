"""`donthu`: the command line for operators (DESIGN.md §7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func
from sqlmodel import col, select

from models import Case, Unit, utcnow
from models.db import get_engine, session_scope
from models.settings import ROOT, get_settings

app = typer.Typer(help="DonThu: quản lý đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh.", no_args_is_help=True)
user_app = typer.Typer(help="Tài khoản cán bộ.", no_args_is_help=True)
audit_app = typer.Typer(help="Kiểm tra chuỗi sự kiện.", no_args_is_help=True)
apikey_app = typer.Typer(help="Khoá API cho hệ thống khác.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(apikey_app, name="apikey")
webhooks_app = typer.Typer(help="Gửi thông báo (webhook) cho hệ thống khác.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")
console = Console()


def progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, disable=not console.is_terminal)


def run_migrations(url: str | None = None) -> None:
    """`alembic upgrade head`, then the default policy table and ladder."""
    from alembic.config import Config

    from alembic import command
    from workflows.defaults import ensure_defaults

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["no_logging"] = True
    if url:
        cfg.attributes["url"] = url
    command.upgrade(cfg, "head")
    engine = get_engine(url) if url else None
    with session_scope(engine=engine) as s:
        ensure_defaults(s)


@app.command()
def migrate() -> None:
    """Tạo hoặc nâng cấp cơ sở dữ liệu."""
    run_migrations()
    console.print("[green]Cơ sở dữ liệu đã ở phiên bản mới nhất.[/green]")


@app.command("seed-demo")
def seed_demo(if_empty: Annotated[bool, typer.Option("--if-empty", help="Chỉ khi chưa có hồ sơ nào")] = False) -> None:
    """Nạp dữ liệu demo: đơn vị, tài khoản (mật khẩu demo12345) và vài chục hồ sơ."""
    from workflows.demo import seed

    with session_scope() as s:
        if if_empty and (s.exec(select(func.count()).select_from(Case)).one() or s.exec(select(Unit)).first()):
            console.print("Cơ sở dữ liệu đã có dữ liệu: bỏ qua dữ liệu demo.")
            return
    with progress() as bar:
        task = bar.add_task("Nạp dữ liệu demo", total=None)
        count = seed(utcnow(), progress=lambda n: bar.update(task, advance=n))
    console.print(f"[green]Đã nạp {count} hồ sơ demo.[/green] Tài khoản: reception, office, director, admin, "
                  "head.cn, officer.cn, head.tm, officer.tm; mật khẩu demo12345.")
    # One sweep for today, so the demo opens with its bells ringing on every rung (DESIGN.md §9).
    from workflows.escalation import sweep as run_sweep

    console.print(run_sweep(utcnow()).summary_vi())


@app.command()
def generate(
    count: Annotated[int, typer.Option("--count", "-n", help="Số hồ sơ cần sinh")] = 100_000,
    seed: int = 1,
) -> None:
    """Sinh hàng loạt hồ sơ giả lập để đo hiệu năng (không dùng cho dữ liệu thật)."""
    from workflows.bulk import generate as bulk_generate
    from workflows.calendar import vn_today

    with session_scope() as s, progress() as bar:
        task = bar.add_task("Sinh hồ sơ", total=count)
        bulk_generate(s, count, today=vn_today(utcnow()), seed=seed,
                      progress=lambda n: bar.update(task, advance=n))
    console.print(f"[green]Đã sinh {count} hồ sơ.[/green]")


def _parse_day(value: str | None) -> tuple[datetime, date | None]:
    """`--now YYYY-MM-DD` replays a day: 08:00 in Hà Nội on that date."""
    if not value:
        return utcnow(), None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("ngày phải có dạng YYYY-MM-DD, ví dụ 2026-11-24") from None
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC), day


@app.command()
def sweep(now: Annotated[str | None, typer.Option("--now", help="Chạy lại cho một ngày (YYYY-MM-DD)")] = None) -> None:
    """Quét thời hạn: cảnh báo sắp đến hạn, đến hạn, quá hạn, nguy cơ vượt cấp (mỗi mức một lần)."""
    from workflows.escalation import sweep as run_sweep

    at, day = _parse_day(now)
    with progress() as bar:
        task = bar.add_task("Quét thời hạn", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, total=total, completed=done)

        result = run_sweep(at, day, progress=advance)
    console.print(result.summary_vi())


@app.command()
def scheduler(
    once: Annotated[bool, typer.Option(help="Chạy một vòng rồi dừng")] = False,
    interval: Annotated[int | None, typer.Option(help="Số giây giữa hai lần quét")] = None,
) -> None:
    """Bộ lập lịch: quét thời hạn định kỳ, gửi thư, gửi bản tổng hợp hằng ngày. Chạy song song nhiều bản vẫn an toàn."""
    import logging

    from workflows.scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    sched = Scheduler(interval or get_settings().sweep_interval_seconds)
    signal.signal(signal.SIGTERM, lambda *_: sched.stop())
    signal.signal(signal.SIGINT, lambda *_: sched.stop())
    console.print(f"Bộ lập lịch đang chạy: quét mỗi {sched.interval} giây (Ctrl-C để dừng).")
    sched.run(utcnow, once=once)
    console.print("Bộ lập lịch đã dừng.")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    with_scheduler: Annotated[bool, typer.Option(help="Chạy kèm bộ lập lịch quét thời hạn")] = False,
) -> None:
    """Chạy máy chủ web (Ctrl-C để dừng)."""
    import uvicorn

    get_settings().check_production()
    scheduler: subprocess.Popen[bytes] | None = None
    if with_scheduler:
        scheduler = subprocess.Popen([sys.executable, "-m", "api.cli", "scheduler"], env=os.environ.copy())
    console.print(f"DonThu đang chạy tại [bold]http://{host}:{port}[/bold] (Ctrl-C để dừng)")
    try:
        uvicorn.run("api.app:app", host=host, port=port, workers=workers, log_level="info",
                    proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    finally:
        if scheduler is not None and scheduler.poll() is None:
            scheduler.send_signal(signal.SIGTERM)
            try:
                scheduler.wait(timeout=10)
            except subprocess.TimeoutExpired:
                scheduler.kill()


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="reception, officer, unit_head, office, director, admin")],
    full_name: Annotated[str, typer.Option("--name", help="Họ và tên")] = "",
    unit: Annotated[str, typer.Option(help="Mã đơn vị")] = "",
    email: str = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Tạo tài khoản cán bộ."""
    from workflows.auth import create_user
    from workflows.errors import DomainError

    try:
        with session_scope() as s:
            unit_id = None
            if unit:
                u = s.exec(select(Unit).where(Unit.code == unit)).first()
                if u is None:
                    raise typer.BadParameter(f"không có đơn vị mã {unit}")
                unit_id = u.id
            create_user(s, username=username, password=password, full_name=full_name or username, role=role,
                        unit_id=unit_id, email=email)
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(2) from None
    console.print(f"[green]Đã tạo tài khoản {username} ({role}).[/green]")


@user_app.command("list")
def user_list() -> None:
    """Danh sách tài khoản."""
    from models import User

    with session_scope(readonly=True) as s:
        for u in s.exec(select(User).order_by(User.username)):
            console.print(f"{u.username:20} {u.role:10} {'hoạt động' if u.active else 'đã khoá'}  {u.full_name}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Kiểm tra toàn bộ chuỗi sự kiện; báo dòng đầu tiên bị sửa hoặc xoá."""
    from workflows.audit import verify

    with session_scope(readonly=True) as s:
        total = s.exec(select(func.count()).select_from(Case)).one()
        with progress() as bar:
            task = bar.add_task("Kiểm tra chuỗi sự kiện", total=total)
            problem = verify(s, progress=lambda n: bar.update(task, advance=n))
    if problem:
        console.print(f"[red]SAI LỆCH:[/red] {problem.describe()}")
        raise typer.Exit(1)
    console.print(f"[green]Toàn vẹn:[/green] {total} hồ sơ, chuỗi sự kiện không bị sửa đổi.")
    from workflows.tally import verify as verify_counts

    with session_scope(readonly=True) as s:
        drift = verify_counts(s)
    if drift:
        for line in drift[:10]:
            console.print(f"[red]SỐ LIỆU LỆCH:[/red] {line}")
        console.print("Chạy `donthu rebuild-counts` để tính lại số liệu thống kê từ hồ sơ.")
        raise typer.Exit(1)
    console.print("[green]Khớp:[/green] số liệu thống kê (bảng điều hành, báo cáo) đúng với từng hồ sơ.")


@app.command("rebuild-counts")
def rebuild_counts() -> None:
    """Tính lại số liệu thống kê (bảng điều hành, báo cáo) từ các hồ sơ, sau khi nạp dữ liệu hàng loạt."""
    from workflows.tally import rebuild

    with session_scope() as s:
        rebuild(s)
    console.print("[green]Đã tính lại[/green] số liệu thống kê từ các hồ sơ.")


@app.command()
def purge(
    now: Annotated[bool, typer.Option("--now", help="Xoá thật; không có cờ này chỉ báo trước số lượng")] = False,
    retention_days: Annotated[int | None, typer.Option(help="Ghi đè DONTHU_RETENTION_DAYS")] = None,
) -> None:
    """Xoá dữ liệu cá nhân của hồ sơ đã kết thúc quá thời hạn lưu trữ (Luật Bảo vệ dữ liệu cá nhân 2025).

    Giữ nguyên số liệu thống kê ẩn danh và chuỗi sự kiện."""
    from workflows.calendar import vn_today
    from workflows.privacy import cutoff, due_for_purge, remove_files
    from workflows.privacy import purge as run_purge

    moment = utcnow()
    today = vn_today(moment)
    with session_scope(readonly=True) as s:
        due = len(due_for_purge(s, today, retention_days))
    last = cutoff(today, retention_days)
    if not now:
        console.print(f"{due} hồ sơ kết thúc từ {last:%d/%m/%Y} trở về trước còn dữ liệu cá nhân. "
                      "Chạy lại với --now để xoá.")
        return
    with session_scope() as session, progress() as bar:
        task = bar.add_task("Xoá dữ liệu cá nhân", total=due)
        result = run_purge(session, now=moment, today=today, retention_days=retention_days,
                           progress=lambda n: bar.update(task, advance=n))
        session.commit()  # the rows first: a file is deleted only once its row is gone for good
        files = remove_files(session)
    console.print(f"[green]Đã xoá dữ liệu cá nhân của {result.cases} hồ sơ[/green] ({result.attachments} tệp đính kèm, "
                  f"{files} tệp trên đĩa, {result.identity_views} dòng nhật ký xem danh tính, "
                  f"{result.visits} lượt tiếp công dân). Số liệu thống kê và chuỗi sự kiện được giữ nguyên.")


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="Tên hệ thống")],
    scopes: Annotated[str, typer.Option(help="cases:read,cases:write,reports:read")] = "cases:read",
) -> None:
    """Tạo khoá API; khoá chỉ hiển thị một lần."""
    from workflows.auth import create_api_key
    from workflows.errors import DomainError

    try:
        with session_scope() as s:
            plain, key = create_api_key(s, name, [x.strip() for x in scopes.split(",") if x.strip()])
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Khoá API cho [bold]{name}[/bold] (id {key.id}, phạm vi {key.scopes}). Lưu lại ngay, "
                  "khoá sẽ không hiển thị lần nữa:")
    print(plain)


@apikey_app.command("list")
def apikey_list() -> None:
    """Danh sách khoá API."""
    from models import ApiKey

    with session_scope(readonly=True) as s:
        for k in s.exec(select(ApiKey).order_by(col(ApiKey.id))):
            state = f"thu hồi {k.revoked_at:%d/%m/%Y}" if k.revoked_at else "hoạt động"
            console.print(f"{k.id:4} {k.prefix}…  {k.name:30} {k.scopes:40} {state}")


@apikey_app.command("revoke")
def apikey_revoke(key_id: int) -> None:
    """Thu hồi một khoá API."""
    from workflows.auth import revoke_api_key
    from workflows.errors import DomainError

    try:
        with session_scope() as s:
            revoke_api_key(s, key_id, utcnow())
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Đã thu hồi khoá {key_id}.")


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """Gửi các thông báo đến hạn (ký HMAC-SHA256, gửi lại với độ trễ tăng dần)."""
    from workflows.webhooks import deliver_due

    with session_scope() as s:
        report = deliver_due(s, utcnow())
    console.print(f"Đã gửi {report.delivered}, sẽ gửi lại {report.retrying}, thất bại {report.failed}.")
@app.command("report")
def report(
    start: Annotated[str, typer.Option("--from", help="Ngày bắt đầu kỳ, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="Ngày kết thúc kỳ, YYYY-MM-DD")],
    unit: Annotated[str, typer.Option(help="Mã đơn vị (bỏ trống: toàn Sở)")] = "",
    fmt: Annotated[str, typer.Option("--format", help="json, csv hoặc xlsx")] = "json",
    out: Annotated[str, typer.Option(help="Tệp kết quả (bỏ trống: in ra màn hình; bắt buộc với xlsx)")] = "",
) -> None:
    """Báo cáo kết quả tiếp nhận, xử lý đơn theo kỳ: cùng số liệu với trang Báo cáo và API."""
    import json
    from datetime import date
    from pathlib import Path

    from workflows import exports
    from workflows.calendar import vn_today
    from workflows.errors import DomainError
    from workflows.reports import summary

    try:
        with session_scope(readonly=True) as s:
            result = summary(s, date.fromisoformat(start), date.fromisoformat(end), unit_code=unit or None,
                             today=vn_today(utcnow()))
    except (DomainError, ValueError) as exc:
        console.print(f"[red]{getattr(exc, 'detail', exc)}[/red]")
        raise typer.Exit(2) from None
    if fmt == "xlsx":
        if not out:
            console.print("[red]Cần --out cho định dạng xlsx.[/red]")
            raise typer.Exit(2)
        Path(out).write_bytes(exports.summary_xlsx(result, get_settings().agency_name))
    else:
        body = exports.summary_csv(result) if fmt == "csv" else json.dumps(
            result.as_dict(), ensure_ascii=False, indent=2).encode()
        if out:
            Path(out).write_bytes(body)
        else:
            sys.stdout.write(body.decode("utf-8-sig") + "\n")
    if out:
        console.print(f"Đã ghi báo cáo vào {out}.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
