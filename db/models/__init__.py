"""All table models; importing this module registers them with SQLModel.metadata."""

import db.models._meta  # noqa: F401  (must run before any table is defined)
from db.models.activities import ActionStatus, Activity, ActivityKind, CorrectiveAction, Target, VenueType
from db.models.audit import Attachment, AuditEntry
from db.models.cases import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseHistory,
    CaseLevel,
    CaseSource,
    CaseStatus,
    Category,
    CloseReason,
    RoutingRule,
    Satisfaction,
)
from db.models.mediation import (
    Mediation,
    MediationMethod,
    MediationOutcome,
    MediationParty,
    MediationPartyLink,
    MediationSession,
    PartyGroup,
)
from db.models.notifications import Notification, NotificationStatus, Subscription, SubscriptionTopic
from db.models.org import OrgKind, OrgNode
from db.models.reports import Report, ReportStatus
from db.models.rollup import ALL_SOURCES, CaseDaily
from db.models.users import LoginSession, Role, User

__all__ = [
    "ALL_SOURCES",
    "CaseDaily",
    "DONE_STATUSES",
    "OPEN_STATUSES",
    "ActionStatus",
    "Activity",
    "ActivityKind",
    "Attachment",
    "AuditEntry",
    "Case",
    "CorrectiveAction",
    "CaseHistory",
    "CaseLevel",
    "CaseSource",
    "CaseStatus",
    "Category",
    "CloseReason",
    "Mediation",
    "MediationMethod",
    "MediationOutcome",
    "MediationParty",
    "MediationPartyLink",
    "MediationSession",
    "PartyGroup",
    "RoutingRule",
    "Satisfaction",
    "LoginSession",
    "Notification",
    "NotificationStatus",
    "OrgKind",
    "OrgNode",
    "Report",
    "ReportStatus",
    "Role",
    "Subscription",
    "SubscriptionTopic",
    "Target",
    "User",
    "VenueType",
]
