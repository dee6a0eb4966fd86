"""Reference data admins keep in the portal, declared on the engine: org tree, categories and SLA days,
mediation parties, annual targets, email subscriptions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import (
    ActivityKind,
    Category,
    MediationParty,
    OrgKind,
    OrgNode,
    PartyGroup,
    Role,
    RoutingRule,
    Subscription,
    SubscriptionTopic,
    Target,
)
from portal.kinds import choices
from portal.lowcode.declare import Errors, Field, Permissions, RecordKind, enum_choices, register
from portal.services.orgs import load_tree
from portal.services.routing import handler_errors

ADMIN_ONLY = frozenset({Role.ADMIN})
ADMIN = Permissions(view=ADMIN_ONLY, create=ADMIN_ONLY, edit=ADMIN_ONLY, delete=ADMIN_ONLY)
CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
PARENT_KIND = {OrgKind.COMMUNITY: OrgKind.SUBDISTRICT, OrgKind.GRID: OrgKind.COMMUNITY}


def code_format(_session: Session, values: Mapping[str, Any]) -> Errors:
    """Codes go into files and URLs: a lowercase letter, then letters, digits, _ or -."""
    code = values.get("code")
    if code is not None and not CODE_RE.match(code):
        return {"code": ("error.code_format", {})}
    return {}


def parent_fits(session: Session, values: Mapping[str, Any]) -> Errors:
    """A community hangs under the sub-district, a grid under a community; the sub-district under nothing."""
    kind, parent_id = values.get("kind"), values.get("parent_id")
    if kind is None:
        return {}
    parent = session.get(OrgNode, parent_id) if parent_id is not None else None
    wanted = PARENT_KIND.get(OrgKind(kind))
    if (wanted is None and parent is not None) or (wanted is not None and (parent is None or parent.kind != wanted)):
        return {"parent_id": ("error.org_parent", {})}
    return {}


def last_place(model: Any) -> Callable[[Session, dict[str, Any]], None]:
    """A record saved without a position goes after the last one (pickers and lists order by it)."""

    def derive(session: Session, values: dict[str, Any]) -> None:
        if values.get("sort_order") is None:
            values["sort_order"] = (session.exec(select(func.max(model.sort_order))).one() or 0) + 1

    return derive


def kpi_choices(_session: Session, _actor: Any) -> list[tuple[Any, str]]:
    """The KPIs a target can be set for: each activity kind."""
    return enum_choices(ActivityKind, "activity")(_session, _actor)


register(
    RecordKind(
        key="org_node",
        model=OrgNode,
        title="page.org_node",
        help="org.help",
        fields=(
            Field("code", "rules.code", help="rules.code_help", editable=False),
            Field("name", "org.name"),
            Field("kind", "org.kind", choices=enum_choices(OrgKind, "org_kind")),
            Field("parent_id", "org.parent", choices=choices.org_nodes),
            Field("sort_order", "org.sort_order", help="org.sort_order_help", required=False),
            Field("active", "user.active"),
        ),
        permissions=ADMIN,
        search=("code", "name"),
        filters=("kind", "active"),
        sort=("sort_order", "name"),
        scope=None,
        rules=(code_format, parent_fits),
        derive=last_place(OrgNode),
        record_label="name",
        section="admin",
        icon=":material/account_tree:",
    )
)

register(
    RecordKind(
        key="category",
        model=Category,
        title="page.category",
        help="rules.sla_note",
        fields=(
            Field("code", "rules.code", help="rules.code_help", editable=False),
            Field("name", "case.category"),
            Field("name_en", "rules.name_en"),
            Field("sla_days", "rules.sla_days", min=1, max=365),
            Field("sort_order", "org.sort_order", help="org.sort_order_help", required=False),
            Field("active", "user.active"),
        ),
        permissions=ADMIN,
        search=("code", "name", "name_en"),
        filters=("active",),
        sort=("sort_order", "name", "sla_days"),
        scope=None,
        rules=(code_format,),
        derive=last_place(Category),
        record_label="name",
        section="admin",
        icon=":material/category:",
    )
)


def handler_fits(session: Session, values: Mapping[str, Any]) -> Errors:
    """A rule names an active handler responsible for its node (at it or above it)."""
    org_id, assignee_id = values.get("org_id"), values.get("assignee_id")
    if org_id is None or assignee_id is None:
        return {}
    return handler_errors(session=session, tree=load_tree(session=session), org_id=org_id, assignee_id=assignee_id)


register(
    RecordKind(
        key="routing_rule",
        model=RoutingRule,
        title="rules.routing",
        help="rules.routing_note",
        fields=(
            Field("priority", "rules.priority", help="rules.priority_help", min=0, max=10_000, default=100),
            Field("category_id", "case.category", help="rules.category_help", choices=choices.categories),
            Field("org_id", "case.org", choices=choices.org_nodes),
            Field("assignee_id", "case.assignee", choices=choices.handlers),
            Field("active", "user.active"),
        ),
        permissions=ADMIN,
        filters=("category_id", "org_id", "assignee_id", "active"),
        sort=("priority", "org_id"),
        scope=None,
        rules=(handler_fits,),
        record_label="priority",
        section="admin",
        icon=":material/alt_route:",
    )
)

register(
    RecordKind(
        key="mediation_party",
        model=MediationParty,
        title="rules.parties",
        fields=(
            Field("name", "rules.party"),
            Field("party_group", "rules.group", choices=enum_choices(PartyGroup, "party_group"), default="n"),
            Field("sort_order", "org.sort_order", help="org.sort_order_help", required=False),
            Field("active", "user.active"),
        ),
        permissions=ADMIN,
        search=("name",),
        filters=("party_group", "active"),
        sort=("sort_order", "name"),
        scope=None,
        derive=last_place(MediationParty),
        record_label="name",
        section="admin",
        icon=":material/groups:",
    )
)

register(
    RecordKind(
        key="target",
        model=Target,
        title="page.target",
        help="target.help",
        fields=(
            Field("year", "target.year"),
            Field("kpi", "target.kpi", choices=kpi_choices),
            Field("org_id", "activity.org", choices=choices.org_nodes),
            Field("value", "target.value"),
        ),
        permissions=Permissions(view=ADMIN_ONLY, create=ADMIN_ONLY, edit=ADMIN_ONLY),
        filters=("kpi", "org_id"),
        sort=("-year", "kpi"),
        record_label="kpi",
        section="admin",
        icon=":material/flag:",
    )
)

register(
    RecordKind(
        key="subscription",
        model=Subscription,
        title="page.subscription",
        fields=(
            Field("user_id", "subscription.user", choices=choices.everyone),
            Field("topic", "subscription.topic", choices=enum_choices(SubscriptionTopic, "topic")),
            Field("active", "user.active"),
        ),
        permissions=ADMIN,
        filters=("topic", "active"),
        sort=("topic", "user_id"),
        scope=None,
        record_label="topic",
        section="admin",
        icon=":material/mail:",
    )
)
