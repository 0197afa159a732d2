"""Tables, enums, the engine and settings. No rules live here (STYLE.md)."""

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
