"""Server-rendered pages (DESIGN.md §7), Vietnamese first."""

from fastapi import APIRouter

from api.pages import auth, cases, dashboard, public, reception, reports, survey, transparency, visits

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(reception.router)
router.include_router(cases.router)
router.include_router(public.router)
router.include_router(dashboard.router)
router.include_router(reports.router)
router.include_router(visits.router)
router.include_router(survey.router)
router.include_router(transparency.router)
