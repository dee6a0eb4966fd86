"""All table models; importing this module registers them with SQLModel.metadata."""

import db.models._meta  # noqa: F401  (must run before any table is defined)
from db.models.activities import Activity, ActivityKind, Target
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
from db.models.notifications import Notification, NotificationStatus
from db.models.org import OrgKind, OrgNode
from db.models.users import LoginSession, Role, User

__all__ = [
    "DONE_STATUSES",
    "OPEN_STATUSES",
    "Activity",
    "ActivityKind",
    "Case",
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
    "Role",
    "Target",
    "User",
]
