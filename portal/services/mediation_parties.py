"""The list of parties mediations can name: the 1+4+N of the seed article, and others admins add."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from db.models import MediationParty, PartyGroup, Role
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, NotFound, PermissionDenied
from portal.services.validation import validate

PARTY_ADMINS = frozenset({Role.ADMIN})


class PartyInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    group: PartyGroup


def list_parties(*, session: Session, actor: Actor) -> list[MediationParty]:
    """Every party, retired ones too, in display order."""
    _party_admin(actor)
    return list(session.exec(select(MediationParty).order_by(col(MediationParty.sort_order), col(MediationParty.id))))


def add_party(*, session: Session, actor: Actor, name: str, group: str) -> MediationParty:
    """Add a party that mediations can name, at the end of the list."""
    _party_admin(actor)
    payload = validate(PartyInput, {"name": name, "group": group})
    taken = InvalidInput({"name": ("error.party_name_taken", {"name": payload.name})})
    if session.exec(select(MediationParty.id).where(MediationParty.name == payload.name)).first() is not None:
        raise taken
    last = session.exec(select(func.max(MediationParty.sort_order))).one()
    party = MediationParty(name=payload.name, party_group=payload.group.value, sort_order=(last or 0) + 1, active=True)
    try:
        with session.begin_nested():
            session.add(party)
            session.flush()
    except IntegrityError:  # added by another admin a moment ago
        raise taken from None
    return party


def set_party_active(*, session: Session, actor: Actor, party_id: int, active: bool) -> MediationParty:
    """Retire a party (new mediations cannot name it; past ones keep it) or bring it back."""
    _party_admin(actor)
    party = session.get(MediationParty, party_id)
    if party is None:
        raise NotFound("error.party_not_found")
    party.active = active
    session.add(party)
    session.flush()
    return party


def _party_admin(actor: Actor) -> None:
    if actor.role not in PARTY_ADMINS:
        raise PermissionDenied("error.forbidden")
