"""Dispute mediation (矛盾纠纷调解) under the 1+4+N mechanism: start, sessions, parties, conclusion.

A mediation belongs to one dispute case and is reached through it, so the case's scope applies. Each
change is judged against the mediation version the user saw (a stale one is refused, naming who saved
in between), saved with `UPDATE ... WHERE version = seen`, and recorded in the case's append-only
history with the action "mediation".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from db.models import (
    OPEN_STATUSES,
    Case,
    CaseHistory,
    CaseLevel,
    Category,
    Mediation,
    MediationMethod,
    MediationOutcome,
    MediationParty,
    MediationPartyLink,
    MediationSession,
    Role,
    User,
)
from portal import clock
from portal.defaults import MAX_MEDIATION_TEXT_LENGTH
from portal.i18n import t
from portal.services import case_rules
from portal.services.actor import Actor
from portal.services.cases import get_in_scope
from portal.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from portal.services.orgs import load_tree
from portal.services.validation import invalid, validate

DISPUTE = "dispute"  # the code of the 矛盾纠纷 category: only its cases are mediated
ACTION = "mediation"  # the case-history action of every mediation change

# Who may change a mediation, by role: the handling levels of the cases they may do it on. Scope does
# the rest (a grid worker reaches only the cases of their own grid). Leaders are absent: they read.
MAY_CHANGE: dict[Role, frozenset[CaseLevel]] = {
    **dict.fromkeys(case_rules.STAFF, frozenset(CaseLevel)),
    Role.GRID_WORKER: frozenset({CaseLevel.GRID}),
}
# Who keeps the list of parties: the 1+4+N ones are seeded by the migration, "or others added by admin".


def may_change(role: Role | str, level: str) -> bool:
    """Whether `role` may change the mediation of a case at handling `level`."""
    return level in MAY_CHANGE.get(Role(role), frozenset())


@dataclass(frozen=True)
class SessionView:
    held_on: date
    method: str
    notes: str
    recorded_by: str | None


@dataclass(frozen=True)
class MediationView:
    reference: str
    method: str
    pre_litigation: bool
    party_ids: tuple[int, ...]
    parties: tuple[str, ...]
    outcome: str | None  # None while under way
    agreement_text: str | None
    concluded_on: date | None
    started_by: str | None
    started_at: datetime
    sessions: tuple[SessionView, ...]  # oldest first, newest last
    version: int

    @property
    def concluded(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class PartyChoice:
    id: int
    name: str
    group: str


@dataclass(frozen=True)
class MediationPanel:
    """What the case page shows of a mediation, and which forms the actor gets."""

    record: MediationView | None
    is_dispute: bool
    may_start: bool  # an open dispute case with no mediation yet, and the actor may change it
    may_change: bool  # a mediation under way that the actor may add to, re-staff or conclude
    parties: tuple[PartyChoice, ...]  # for the pickers: active parties and those already on the record


class PartiesInput(BaseModel):
    party_ids: list[int]

    @field_validator("party_ids")
    @classmethod
    def _at_least_one(cls, value: list[int]) -> list[int]:
        if not value:
            raise invalid("error.parties_required")
        return sorted(set(value))


class StartInput(PartiesInput):
    method: MediationMethod
    pre_litigation: bool = False


def _within_case(day: date, info: ValidationInfo) -> date:
    """A day of the dispute: not after today in the office, not before `earliest` (set by the service)."""
    if day > clock.today():
        raise invalid("error.mediation_day_future")
    earliest = info.data.get("earliest")
    if earliest is not None and day < earliest:
        raise invalid(info.data.get("earliest_key") or "error.mediation_day_before_report", day=earliest.isoformat())
    return day


class SessionInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    earliest: date  # the day the case was reported
    held_on: date
    method: MediationMethod
    notes: str = Field(min_length=1, max_length=MAX_MEDIATION_TEXT_LENGTH)

    @field_validator("held_on")
    @classmethod
    def _held_on(cls, value: date, info: ValidationInfo) -> date:
        return _within_case(value, info)


class ConcludeInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    earliest: date  # the day of the last session, or the day the case was reported
    earliest_key: str
    outcome: MediationOutcome
    agreement_text: str | None = Field(default=None, max_length=MAX_MEDIATION_TEXT_LENGTH)
    concluded_on: date

    @field_validator("agreement_text")
    @classmethod
    def _agreement(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("outcome") is MediationOutcome.AGREEMENT and not value:
            raise invalid("error.agreement_required")
        return value or None

    @field_validator("concluded_on")
    @classmethod
    def _concluded_on(cls, value: date, info: ValidationInfo) -> date:
        return _within_case(value, info)


# --- Reading ---------------------------------------------------------------------------------------------


def get_mediation(*, session: Session, actor: Actor, reference: str) -> MediationView | None:
    """The mediation record of a case in the actor's scope; None when none was started."""
    case = _case(session, actor, reference)
    record = _record(session, case)
    return _view(session, case, record) if record else None


def mediation_panel(*, session: Session, actor: Actor, reference: str) -> MediationPanel:
    """The record of a case in the actor's scope, with what the actor may do to it."""
    case = _case(session, actor, reference)
    record = _record(session, case)
    view = _view(session, case, record) if record else None
    is_dispute = _is_dispute(session, case)
    allowed = may_change(actor.role, case.level)
    may_start = allowed and record is None and is_dispute and case.status in OPEN_STATUSES
    may_edit = allowed and view is not None and not view.concluded
    parties = _choices(session, view.party_ids if view else ()) if may_start or may_edit else ()
    return MediationPanel(view, is_dispute, may_start, may_edit, parties)


# --- Changing --------------------------------------------------------------------------------------------


def start_mediation(
    *,
    session: Session,
    actor: Actor,
    reference: str,
    method: str,
    party_ids: Iterable[int],
    pre_litigation: bool = False,
) -> MediationView:
    """Open the mediation record of an open dispute case (one per case)."""
    case = _case(session, actor, reference)
    if not may_change(actor.role, case.level):
        raise PermissionDenied("error.forbidden")
    if not _is_dispute(session, case):
        raise InvalidInput({"case": ("error.mediation_not_dispute", {})})
    if case.status not in OPEN_STATUSES:
        raise InvalidInput({"case": ("error.mediation_case_not_open", {})})
    if _record(session, case) is not None:
        raise _already_started(session, case)
    payload = validate(StartInput, {"method": method, "party_ids": list(party_ids), "pre_litigation": pre_litigation})
    parties = _parties(session, payload.party_ids, keep=())
    now = clock.now()
    assert case.id is not None
    record = Mediation(
        case_id=case.id,
        method=payload.method.value,
        pre_litigation=payload.pre_litigation,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        # Someone started it between our look and our insert: the unique case_id refused the second.
        raise _already_started(session, case) from None
    assert record.id is not None
    session.add_all(MediationPartyLink(mediation_id=record.id, party_id=p.id or 0) for p in parties)
    changes: dict[str, list[Any]] = {
        "mediation_method": [None, payload.method.value],
        "mediation_parties": [None, _names(parties)],
        "pre_litigation": [None, payload.pre_litigation],
    }
    _history(session, actor, case, changes, None, now)
    return _view(session, case, record)


def add_session(
    *,
    session: Session,
    actor: Actor,
    reference: str,
    expected_version: int,
    held_on: date,
    method: str,
    notes: str,
) -> MediationView:
    """Record one sitting (or call) of a mediation under way."""
    case, record = _for_change(session, actor, reference, expected_version)
    data = {"earliest": case.reported_on, "held_on": held_on, "method": method, "notes": notes}
    payload = validate(SessionInput, data)
    now = clock.now()
    _bump(session, case, record, expected_version, {}, now)
    assert record.id is not None
    session.add(
        MediationSession(
            mediation_id=record.id,
            held_on=payload.held_on,
            method=payload.method.value,
            notes=payload.notes,
            created_by_id=actor.user_id,
            created_at=now,
        )
    )
    changes = {"session_held_on": [None, payload.held_on.isoformat()], "session_method": [None, payload.method.value]}
    _history(session, actor, case, changes, payload.notes, now)
    return _view(session, case, record)


def set_parties(
    *, session: Session, actor: Actor, reference: str, expected_version: int, party_ids: Iterable[int]
) -> MediationView:
    """Change who takes part in a mediation under way; a retired party already on it may stay."""
    case, record = _for_change(session, actor, reference, expected_version)
    payload = validate(PartiesInput, {"party_ids": list(party_ids)})
    before = _linked(session, record)
    parties = _parties(session, payload.party_ids, keep={p.id for p in before})
    if {p.id for p in parties} == {p.id for p in before}:
        return _view(session, case, record)
    now = clock.now()
    _bump(session, case, record, expected_version, {}, now)
    session.exec(delete(MediationPartyLink).where(col(MediationPartyLink.mediation_id) == record.id))
    assert record.id is not None
    session.add_all(MediationPartyLink(mediation_id=record.id, party_id=p.id or 0) for p in parties)
    _history(session, actor, case, {"mediation_parties": [_names(before), _names(parties)]}, None, now)
    return _view(session, case, record)


def conclude(
    *,
    session: Session,
    actor: Actor,
    reference: str,
    expected_version: int,
    outcome: str,
    agreement_text: str | None,
    concluded_on: date,
) -> MediationView:
    """Record how a mediation ended; the agreement's text is kept only when an agreement was reached."""
    case, record = _for_change(session, actor, reference, expected_version)
    last = session.exec(
        select(func.max(MediationSession.held_on)).where(MediationSession.mediation_id == record.id)
    ).one()
    earliest, earliest_key = case.reported_on, "error.mediation_day_before_report"
    if last is not None and last > earliest:
        earliest, earliest_key = last, "error.mediation_day_before_session"
    data = {
        "earliest": earliest,
        "earliest_key": earliest_key,
        "outcome": outcome,
        "agreement_text": agreement_text,
        "concluded_on": concluded_on,
    }
    payload = validate(ConcludeInput, data)
    text = payload.agreement_text if payload.outcome is MediationOutcome.AGREEMENT else None
    values = {"outcome": payload.outcome.value, "agreement_text": text, "concluded_on": payload.concluded_on}
    now = clock.now()
    _bump(session, case, record, expected_version, values, now)
    changes = {
        "mediation_outcome": [None, payload.outcome.value],
        "concluded_on": [None, payload.concluded_on.isoformat()],
    }
    _history(session, actor, case, changes, text, now)
    return _view(session, case, record)


# --- The party list (admins) -----------------------------------------------------------------------------


# --- Helpers ---------------------------------------------------------------------------------------------


def _case(session: Session, actor: Actor, reference: str) -> Case:
    return get_in_scope(session, actor, reference, load_tree(session=session))


def _record(session: Session, case: Case) -> Mediation | None:
    return session.exec(select(Mediation).where(Mediation.case_id == case.id)).first()


def _is_dispute(session: Session, case: Case) -> bool:
    category = session.get(Category, case.category_id)
    return category is not None and category.code == DISPUTE


def _for_change(session: Session, actor: Actor, reference: str, expected_version: int) -> tuple[Case, Mediation]:
    case = _case(session, actor, reference)
    if not may_change(actor.role, case.level):
        raise PermissionDenied("error.forbidden")
    record = _record(session, case)
    if record is None:
        raise NotFound("error.mediation_not_found", reference=reference)
    if record.version != expected_version:
        # Judge the change against what the user saw, not what someone else saved since: say who saved.
        raise _conflict(session, case)
    if record.outcome is not None:
        raise InvalidInput({"mediation": ("error.mediation_concluded", {})})
    return case, record


def _bump(
    session: Session, case: Case, record: Mediation, expected_version: int, values: dict[str, Any], now: datetime
) -> None:
    result = session.exec(
        update(Mediation)
        .where(col(Mediation.id) == record.id, col(Mediation.version) == expected_version)
        .values(**values, version=expected_version + 1, updated_at=now)
    )
    if result.rowcount != 1:  # someone saved between our read and this write
        raise _conflict(session, case)
    session.refresh(record)


def _history(
    session: Session, actor: Actor, case: Case, changes: dict[str, list[Any]], note: str | None, now: datetime
) -> None:
    assert case.id is not None
    session.add(CaseHistory(case_id=case.id, at=now, actor_id=actor.user_id, action=ACTION, changes=changes, note=note))
    session.flush()


def _linked(session: Session, record: Mediation) -> list[MediationParty]:
    return list(
        session.exec(
            select(MediationParty)
            .join(MediationPartyLink, col(MediationPartyLink.party_id) == MediationParty.id)
            .where(MediationPartyLink.mediation_id == record.id)
            .order_by(col(MediationParty.sort_order), col(MediationParty.id))
        )
    )


def _parties(session: Session, party_ids: list[int], keep: Collection[int | None]) -> list[MediationParty]:
    """The chosen parties, all active (or already on the record); InvalidInput otherwise."""
    rows = session.exec(select(MediationParty).where(col(MediationParty.id).in_(party_ids))).all()
    usable = [p for p in rows if p.active or p.id in keep]
    if len(usable) != len(party_ids):
        raise InvalidInput({"party_ids": ("error.party_inactive", {})})
    return sorted(usable, key=lambda p: (p.sort_order, p.id or 0))


def _choices(session: Session, keep: Collection[int]) -> tuple[PartyChoice, ...]:
    rows = session.exec(
        select(MediationParty)
        .where(or_(col(MediationParty.active).is_(True), col(MediationParty.id).in_(list(keep))))
        .order_by(col(MediationParty.sort_order), col(MediationParty.id))
    )
    return tuple(PartyChoice(p.id or 0, p.name, p.party_group) for p in rows)


def _names(parties: Iterable[MediationParty]) -> str:
    return "、".join(p.name for p in parties)


def _view(session: Session, case: Case, record: Mediation) -> MediationView:
    parties = _linked(session, record)
    sittings = session.exec(
        select(MediationSession, User.display_name)
        .outerjoin(User, col(User.id) == MediationSession.created_by_id)
        .where(MediationSession.mediation_id == record.id)
        .order_by(col(MediationSession.held_on), col(MediationSession.id))
    ).all()
    starter = session.get(User, record.created_by_id) if record.created_by_id else None
    return MediationView(
        reference=case.reference,
        method=record.method,
        pre_litigation=record.pre_litigation,
        party_ids=tuple(p.id or 0 for p in parties),
        parties=tuple(p.name for p in parties),
        outcome=record.outcome,
        agreement_text=record.agreement_text,
        concluded_on=record.concluded_on,
        started_by=starter.display_name if starter else None,
        started_at=record.created_at,
        sessions=tuple(SessionView(s.held_on, s.method, s.notes, name) for s, name in sittings),
        version=record.version,
    )


def _when(instant: datetime) -> str:
    return clock.local_text(instant)


def _conflict(session: Session, case: Case) -> Conflict:
    # Every mediation change appends a history row, so the newest one is the change the user did not see.
    last = session.exec(
        select(CaseHistory.at, User.display_name)
        .outerjoin(User, col(User.id) == CaseHistory.actor_id)
        .where(CaseHistory.case_id == case.id, CaseHistory.action == ACTION)
        .order_by(col(CaseHistory.id).desc())
    ).first()
    if last is None:  # a record written outside the services (the demo seed)
        return Conflict("error.mediation_conflict", who=t("history.system"), when="?")
    return Conflict("error.mediation_conflict", who=last[1] or t("history.system"), when=_when(last[0]))


def _already_started(session: Session, case: Case) -> Conflict:
    record = _record(session, case)
    starter = session.get(User, record.created_by_id) if record and record.created_by_id else None
    who = starter.display_name if starter else t("history.system")
    return Conflict("error.mediation_exists", who=who, when=_when(record.created_at) if record else "?")
