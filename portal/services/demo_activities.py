"""The demo's drills, training and publicity (the article's counts exactly), with hours, venues and the corrective
actions the drills found: older ones done, recent ones open and due in the coming weeks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from db.models import ActionStatus, Activity, ActivityKind, CorrectiveAction, OrgNode, User, VenueType
from portal import clock
from portal.services import demo_data as data

ACTIVITY_COUNTS = {
    ActivityKind.EMERGENCY_DRILL: data.FIGURES["activities"]["应急演练"],
    ActivityKind.JOINT_RESCUE_DRILL: data.FIGURES["activities"]["联合应急救援演练"],
    ActivityKind.SAFETY_TRAINING: data.FIGURES["activities"]["安全生产知识集中培训"],
    ActivityKind.PUBLICITY: data.FIGURES["activities"]["安全生产五进宣传"],
}
VENUES = list(VenueType)  # in the order of data.VENUES (进企业, 进农村, 进社区, 进学校, 进家庭)
DRILLS = (ActivityKind.EMERGENCY_DRILL, ActivityKind.JOINT_RESCUE_DRILL)
FINDINGS = [
    ("疏散通道堆放杂物，影响撤离", "清理单元楼道及消防通道杂物"),
    ("部分灭火器压力不足", "更换过期、欠压灭火器"),
    ("应急广播在部分楼栋听不清", "检修楼栋应急广播"),
    ("居民对集合点位置不熟悉", "在小区出入口增设应急集合点标识"),
]
DONE_AFTER_DAYS = 45  # the demo's actions from drills older than this are done; newer ones still open


def seed_activities(
    session: Session, rng: random.Random, today: date, nodes: dict[str, OrgNode], users: dict[str, User]
) -> int:
    """Write the activities (and the drills' corrective actions); returns how many activities."""
    places = [n for n in nodes.values() if n.kind in ("subdistrict", "community")]
    staff = users["staff"]
    count = 0
    for kind, number in ACTIVITY_COUNTS.items():
        for index in range(number):
            day = today - timedelta(days=rng.randint(1, 360))
            org = rng.choice(places)
            starts_at = datetime.combine(day, time(9 + rng.randrange(6), 0), tzinfo=clock.local_tz())
            hours = rng.choice([1.5, 2.0, 2.5, 3.0, 4.0])
            title, topic_partners = data.activity_title(kind.value, index)
            activity = Activity(
                kind=kind.value,
                title=title,
                starts_at=starts_at.astimezone(UTC),
                ends_at=(starts_at + timedelta(hours=hours)).astimezone(UTC),
                held_on=day,
                org_id=org.id or 0,
                organiser=f"{org.name}{'安全生产办公室' if org.kind == 'subdistrict' else '居委会'}",
                organiser_id=staff.id,
                partner_units=topic_partners,
                location=rng.choice(data.LOCATIONS),
                participants=rng.randint(20, 180),
                hours=hours,
                venue_type=VENUES[index % len(VENUES)].value if kind == ActivityKind.PUBLICITY else None,
                created_by_id=staff.id,
                created_at=starts_at.astimezone(UTC),
            )
            session.add(activity)
            count += 1
            if kind in DRILLS:
                session.flush()
                _follow_up(session, rng, today, activity, staff)
    session.flush()
    return count


def _follow_up(session: Session, rng: random.Random, today: date, drill: Activity, owner: User) -> None:
    """What a drill found, as its corrective action: done when the drill is old, else open and not yet due."""
    finding, action = rng.choice(FINDINGS)
    drill.findings = finding
    old = (today - drill.held_on).days > DONE_AFTER_DAYS
    due = drill.held_on + timedelta(days=30) if old else today + timedelta(days=rng.randint(5, 30))
    session.add(
        CorrectiveAction(
            activity_id=drill.id or 0,
            org_id=drill.org_id,
            description=action,
            owner_id=owner.id or 0,
            due_on=due,
            status=ActionStatus.DONE.value if old else ActionStatus.OPEN.value,
            done_on=due - timedelta(days=rng.randint(1, 10)) if old else None,
            created_by_id=owner.id,
            created_at=drill.starts_at,
        )
    )
