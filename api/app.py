"""The FastAPI application: routers, error handlers and middleware."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import open311
from api.deps import LoginRequired
from api.ratelimit import RateLimit, RateLimiter
from api.security import SecurityHeaders
from api.templating import render
from models.settings import get_settings
from workflows.errors import DomainError

log = logging.getLogger("donthu")
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

DESCRIPTION = """
**DonThu**: quản lý đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh theo đúng thời hạn luật định.

- Nhân viên: lấy mã truy cập tại `POST /api/v1/auth/token` (biểu mẫu OAuth2: `username`, `password`),
  rồi gửi `Authorization: Bearer <mã>`.
- Hệ thống khác: gửi khoá API trong tiêu đề `X-API-Key`; phạm vi `cases:read`, `cases:write`, `reports:read`.
- Mọi thao tác ghi nhận tiêu đề `Idempotency-Key`: gửi lại cùng khoá sẽ nhận lại kết quả đầu tiên.
- Lỗi luôn có dạng `{"detail": ...}` (Open311: `[{"code", "description"}]` theo đặc tả).
- Giới hạn tần suất theo từng khoá API (hoặc mã truy cập), và theo địa chỉ IP với lời gọi không xác thực;
  vượt quá: `429` kèm tiêu đề `Retry-After`. Mỗi tiến trình máy chủ đếm riêng.
- Open311 GeoReport v2 tại `/open311/v2/` (JSON và XML): dịch vụ là lĩnh vực, yêu cầu là hồ sơ;
  không bao giờ có dữ liệu cá nhân.
- Webhook: `POST /api/v1/webhooks`; mỗi thông báo ký HMAC-SHA256 trong tiêu đề
  `X-DonThu-Signature: sha256=<hex>` trên nguyên thân yêu cầu.
"""

TAGS = [
    {"name": "auth", "description": "Đăng nhập lấy mã truy cập"},
    {"name": "cases", "description": "Hồ sơ đơn thư: tiếp nhận, tra cứu, thao tác, lịch sử"},
    {"name": "attachments", "description": "Tệp đính kèm"},
    {"name": "public", "description": "Tra cứu công khai bằng mã hồ sơ và mã PIN"},
    {"name": "reference", "description": "Đơn vị, lĩnh vực, chính sách thời hạn"},
    {"name": "notifications", "description": "Thông báo"},
    {"name": "reports", "description": "Báo cáo, thống kê"},
    {"name": "webhooks", "description": "Đăng ký nhận thông báo thay đổi trạng thái hồ sơ (cho khoá API)"},
    {"name": "open311",
     "description": "Open311 GeoReport v2: dịch vụ là lĩnh vực, yêu cầu là hồ sơ; không có dữ liệu cá nhân"},
    {"name": "system", "description": "Tình trạng dịch vụ"},
]


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/open311/")) or path == "/health"


def _is_open311(request: Request) -> bool:
    """Open311 has its own error shape, `[{code, description}]` (GeoReport v2)."""
    return request.url.path.startswith(open311.PREFIX + "/")


def _error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = render(request, "error.html", {"status": status, "message": message}, status_code=status)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _unavailable_message(reason: str) -> str:
    """Say which storage fault it is (SQLite: SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR), so that
    the operator knows what to fix; nothing of the internals is shown."""
    reason = reason.lower()
    if "full" in reason:
        return "Máy chủ đã hết dung lượng lưu trữ nên chưa ghi được dữ liệu. Vui lòng thử lại sau."
    if "readonly" in reason or "read-only" in reason or "read only" in reason:
        return "Cơ sở dữ liệu đang ở chế độ chỉ đọc nên chưa ghi được dữ liệu. Vui lòng thử lại sau."
    return "Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng thử lại sau."


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if _is_open311(request):
            return open311.error_response(request.url.path, exc.status, exc.detail, exc.headers)
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)
        return _error_page(request, exc.status, str(exc.detail), exc.headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        nxt = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={nxt}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_open311(request):
            return open311.error_response(request.url.path, 400, list(exc.errors()))
        if _wants_json(request):
            errors = [
                {k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        return _error_page(request, 422, "Dữ liệu gửi lên không hợp lệ. Vui lòng kiểm tra lại các trường.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if _is_open311(request):
            message = "Không tìm thấy." if exc.status_code == 404 else str(exc.detail)
            return open311.error_response(request.url.path, exc.status_code, message, headers)
        if _wants_json(request):
            detail = exc.detail if exc.status_code != 404 else "Không tìm thấy."
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)
        message = {404: "Không tìm thấy trang này.", 405: "Phương thức không được hỗ trợ."}.get(
            exc.status_code, "Yêu cầu không hợp lệ."
        )
        return _error_page(request, exc.status_code, message, headers)

    @app.exception_handler(OperationalError)
    async def db_unavailable(request: Request, exc: OperationalError) -> Response:
        rid = request.scope.get("state", {}).get("request_id", "")
        log.error("database unavailable (request %s): %s", rid, exc.orig)
        message = _unavailable_message(str(exc.orig))
        if _wants_json(request):
            return JSONResponse({"detail": message, "request_id": rid}, status_code=503,
                                headers={"Retry-After": "30"})
        return _error_page(request, 503, message, {"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        rid = request.scope.get("state", {}).get("request_id", "")
        log.exception("unhandled error (request %s)", rid)
        message = f"Đã có lỗi hệ thống. Mã yêu cầu: {rid}."
        if _wants_json(request):
            return JSONResponse({"detail": "Lỗi hệ thống.", "request_id": rid}, status_code=500)
        return _error_page(request, 500, message)


def install_docs(app: FastAPI) -> None:
    """Swagger UI served from the installed `swagger-ui-py` package: /docs works offline."""
    import swagger_ui
    from fastapi.openapi.docs import get_swagger_ui_html

    assets = Path(swagger_ui.__file__).resolve().parent / "static"
    app.mount("/docs/assets", StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title="DonThu API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js", swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
            # No call to the online validator either: nothing leaves the machine.
            swagger_ui_parameters={"validatorUrl": None},
        )


RETRY_AFTER = {"Retry-After": {"description": "Số giây nên chờ trước khi gửi lại", "schema": {"type": "integer"}}}


def install_openapi(app: FastAPI) -> None:
    """Every /api and /open311 operation may answer 429 (api.ratelimit): say so in the document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        detail = {"type": "object", "properties": {"detail": {"type": "string", "description": "Thông báo lỗi"}},
                  "required": ["detail"]}
        spec_error = {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "integer", "description": "Mã lỗi"},
            "description": {"type": "string", "description": "Mô tả lỗi"}}}}
        for path, ops in schema.get("paths", {}).items():
            if not path.startswith(("/api/", "/open311/")):
                continue
            body = {"application/json": {"schema": spec_error}, "text/xml": {"schema": {"type": "string"}}} \
                if path.startswith("/open311/") else {"application/json": {"schema": detail}}
            for op in ops.values():
                too_many = op.setdefault("responses", {}).setdefault(
                    "429", {"description": "Quá nhiều yêu cầu; xem Retry-After", "content": body})
                too_many.setdefault("headers", RETRY_AFTER)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_production()
    app = FastAPI(
        title="DonThu API",
        version="1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
    )
    install_handlers(app)
    from api import pages, v1

    app.include_router(v1.router)
    app.include_router(open311.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    install_docs(app)
    install_openapi(app)
    # Outermost last: security headers wrap the rate limiter's 429 answers too.
    app.state.rate_limiter = RateLimiter(key_rate=settings.api_rate_per_minute, anon_rate=settings.anon_rate_per_minute)
    app.add_middleware(RateLimit, limiter=app.state.rate_limiter)
    if settings.is_sqlite:
        from api.writelock import SqliteWriteQueue

        app.add_middleware(SqliteWriteQueue)
    app.add_middleware(SecurityHeaders)
    return app


def __getattr__(name: str) -> Any:
    # `uvicorn api.app:app` builds the app on first access, after settings are read.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)

