"""Tables, enums, the engine and settings. No rules live here (STYLE.md)."""

from sqlalchemy.orm import configure_mappers

from models.base import utcnow
from models.case import Attachment, Case, CaseClock, CaseEvent, IdentityView, Petitioner
from models.enums import (
    ALL_CASES_ROLES,
    FINISHED_STATUSES,
    IDENTITY_ROLES,
    OPEN_STATUSES,
    Channel,
    ClockName,
    ClockState,
    Kind,
    Level,
    PeriodUnit,
    Role,
    Status,
)
from models.notify import EmailOutbox, Escalation, Notification, WebhookDelivery, WebhookSubscription
from models.org import ApiKey, AuditLog, Category, IdempotencyRecord, LoginAttempt, StaffSession, Unit, User
from models.policy import EscalationRule, HolidayOverride, PolicyRule
from models.public import ReceptionSchedule, ReceptionVisit, SurveyResponse
from models.stats import CaseCount, DayCount

# Mappers are set up at import, not lazily on the first ORM query: hot paths read rows with
# Core into `model_construct` copies (issue 7), and reading an attribute of a model whose
# mapper is not configured yet fails.
configure_mappers()

__all__ = [
    "ALL_CASES_ROLES",
    "FINISHED_STATUSES",
    "IDENTITY_ROLES",
    "OPEN_STATUSES",
    "ApiKey",
    "Attachment",
    "AuditLog",
    "Case",
    "CaseClock",
    "CaseCount",
    "CaseEvent",
    "Category",
    "Channel",
    "ClockName",
    "ClockState",
    "DayCount",
    "EmailOutbox",
    "Escalation",
    "EscalationRule",
    "HolidayOverride",
    "IdempotencyRecord",
    "IdentityView",
    "Kind",
    "Level",
    "LoginAttempt",
    "Notification",
    "PeriodUnit",
    "Petitioner",
    "PolicyRule",
    "ReceptionSchedule",
    "ReceptionVisit",
    "Role",
    "StaffSession",
    "Status",
    "SurveyResponse",
    "Unit",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
    "utcnow",
]
