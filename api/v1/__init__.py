"""JSON API under /api/v1 (DESIGN.md §7)."""

from fastapi import APIRouter

from api.v1 import auth, cases, meta, notifications, policies, privacy, public, reports, webhooks

router = APIRouter()
router.include_router(meta.router)
for module in (auth, cases, public, policies, notifications, reports, webhooks, privacy):
    router.include_router(module.router, prefix="/api/v1")
