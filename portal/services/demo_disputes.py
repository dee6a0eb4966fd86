"""Demo mediation records for the dispute cases, and the demo's routing rules.

The article says 505 disputes were investigated and resolved ("化解") and names the 1+4+N parties and
methods; it does not give one record per case, so these are illustrative: every dispute case of the
demo gets a mediation in which the governance centre leads with one or two of the other parties.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import Session, col, select

from db.models import (
    Case,
    Category,
    Mediation,
    MediationParty,
    MediationPartyLink,
    MediationSession,
    OrgNode,
    RoutingRule,
    User,
)
from portal import clock

# The article's three methods first (most common), then the other two the product names.
METHODS = ["back_to_back", "telephone", "online", "face_to_face", "round_table"]
METHOD_WEIGHTS = [40, 25, 15, 15, 5]


def seed_mediations(*, session: Session, rng: random.Random) -> int:
    """A mediation for every dispute case: concluded with an agreement when the case is done."""
    parties = {p.name: p.id or 0 for p in session.exec(select(MediationParty)).all()}
    lead, four, many = (
        parties["综治中心"],
        [parties[n] for n in ("司法所", "派出所", "法庭", "检察室")],
        [parties[n] for n in ("热心居民", "社区律师", "心理咨询师")],
    )
    dispute = session.exec(select(Category.id).where(Category.name == "矛盾纠纷")).one()
    cases = session.exec(select(Case).where(Case.category_id == dispute).order_by(col(Case.id))).all()
    now = clock.now()
    mediations, links, sittings = [], [], []
    for case in cases:
        method = rng.choices(METHODS, METHOD_WEIGHTS)[0]
        concluded = case.resolved_at is not None
        started = case.dispatched_at or case.reported_at
        mediations.append(
            {
                "case_id": case.id,
                "method": method,
                "pre_litigation": rng.random() < 0.7,
                "outcome": "agreement" if concluded else None,
                "agreement_text": "双方自愿达成调解协议，按约定履行。" if concluded else None,
                "concluded_on": clock.local_day(case.resolved_at) if case.resolved_at else None,
                "created_by_id": None,
                "created_at": started,
                "updated_at": case.resolved_at or started,
                "version": 1,
            }
        )
    if not mediations:
        return 0
    session.execute(insert(Mediation), mediations)
    ids = session.exec(select(Mediation.id, Mediation.method, Mediation.created_at, Mediation.updated_at)).all()
    for mediation_id, method, started, ended in ids:
        chosen = {lead, rng.choice(four)} | ({rng.choice(many)} if rng.random() < 0.5 else set())
        links += [{"mediation_id": mediation_id, "party_id": party} for party in sorted(chosen)]
        held = min(started + timedelta(days=rng.uniform(0, 3)), ended, now)  # never after the conclusion
        sittings.append(
            {
                "mediation_id": mediation_id,
                "held_on": clock.local_day(held),
                "method": method,
                "notes": "听取双方陈述，释法明理，提出调解方案。",
                "created_by_id": None,
                "created_at": held,
            }
        )
    session.execute(insert(MediationPartyLink), links)
    session.execute(insert(MediationSession), sittings)
    return len(mediations)


def seed_routing(*, session: Session, nodes: dict[str, OrgNode], users: dict[str, User]) -> None:
    """Each grid's cases go to its grid worker; anything else to the governance centre's staff."""
    for node in nodes.values():
        worker = users.get(node.name)
        if node.kind == "grid" and worker is not None:
            session.add(RoutingRule(priority=10, org_id=node.id or 0, assignee_id=worker.id or 0))
    session.add(RoutingRule(priority=900, org_id=nodes["皋兰路街道"].id or 0, assignee_id=users["staff"].id or 0))
    session.flush()
