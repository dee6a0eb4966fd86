"""Dispute mediation (矛盾纠纷调解) under the 1+4+N mechanism: parties, sessions, outcome."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class PartyGroup(StrEnum):
    LEAD = "lead"  # 1: the comprehensive-governance centre leads
    FOUR = "four"  # 4: judicial office, police station, court tribunal, procuratorate office
    N = "n"  # N: volunteer residents, community lawyers, counsellors, ...
    OTHER = "other"


class MediationMethod(StrEnum):
    BACK_TO_BACK = "back_to_back"  # 背靠背调解
    TELEPHONE = "telephone"  # 电话调解
    ONLINE = "online"  # 网络调解
    FACE_TO_FACE = "face_to_face"  # 当面调解
    ROUND_TABLE = "round_table"  # 圆桌议事会


class MediationOutcome(StrEnum):
    AGREEMENT = "agreement"
    NO_AGREEMENT = "no_agreement"
    REFERRED_TO_COURT = "referred_to_court"


class MediationParty(SQLModel, table=True):
    """A party that can take part in mediations; admins add to the seeded 1+4+N list."""

    __tablename__ = "mediation_party"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    party_group: str = Field(max_length=8)
    sort_order: int = 0
    active: bool = True


class Mediation(SQLModel, table=True):
    """The mediation record of one dispute case."""

    __tablename__ = "mediation"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_record.id", unique=True)
    method: str = Field(max_length=16)
    pre_litigation: bool = False  # 诉前调解: settled before a lawsuit is filed
    outcome: str | None = Field(default=None, max_length=24)  # None while still under way
    agreement_text: str | None = Field(default=None, sa_type=Text)
    concluded_on: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 1


class MediationPartyLink(SQLModel, table=True):
    __tablename__ = "mediation_party_link"

    mediation_id: int = Field(foreign_key="mediation.id", primary_key=True)
    party_id: int = Field(foreign_key="mediation_party.id", primary_key=True)


class MediationSession(SQLModel, table=True):
    """One sitting (or call) of a mediation."""

    __tablename__ = "mediation_session"

    id: int | None = Field(default=None, primary_key=True)
    mediation_id: int = Field(foreign_key="mediation.id", index=True)
    held_on: date
    method: str = Field(max_length=16)
    notes: str = Field(sa_type=Text)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
