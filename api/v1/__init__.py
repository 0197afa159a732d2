"""JSON API under /api/v1 (DESIGN.md §7)."""

from fastapi import APIRouter

from api.v1 import auth, cases, meta, privacy, public

router = APIRouter()
router.include_router(meta.router)
router.include_router(auth.router, prefix="/api/v1")
router.include_router(cases.router, prefix="/api/v1")
router.include_router(public.router, prefix="/api/v1")
router.include_router(privacy.router, prefix="/api/v1")
