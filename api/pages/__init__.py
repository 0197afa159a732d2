"""Server-rendered pages (DESIGN.md §7), Vietnamese first."""

from fastapi import APIRouter

from api.pages import admin_ladder, admin_policy, auth, cases, notifications, public, reception

router = APIRouter(include_in_schema=False)
for module in (auth, reception, cases, public, notifications, admin_policy, admin_ladder):
    router.include_router(module.router)
