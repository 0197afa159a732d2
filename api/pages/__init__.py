"""Server-rendered pages (DESIGN.md §7), Vietnamese first."""

from fastapi import APIRouter

from api.pages import admin_policy, auth, cases, public, reception

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(reception.router)
router.include_router(cases.router)
router.include_router(public.router)
router.include_router(admin_policy.router)
from api.pages import admin_ladder, notifications  # noqa: E402

router.include_router(notifications.router)
router.include_router(admin_ladder.router)
