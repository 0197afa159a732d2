"""Server-rendered pages (DESIGN.md §7), Vietnamese first."""

from fastapi import APIRouter

from api.pages import (
    admin,
    admin_ladder,
    admin_policy,
    auth,
    cases,
    dashboard,
    notifications,
    public,
    reception,
    reports,
    survey,
    transparency,
    visits,
)

router = APIRouter(include_in_schema=False)
for module in (auth, reception, cases, public, notifications, admin, admin_policy, admin_ladder, dashboard, reports,
               visits, survey, transparency):
    router.include_router(module.router)
