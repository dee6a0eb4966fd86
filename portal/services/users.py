"""Users: accounts, password hashes, lockout and login sessions (kept in the database, not in memory)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models import LoginSession, OrgNode, Role, User
from portal import clock
from portal.defaults import LOCKOUT_MINUTES, MAX_FAILED_LOGINS
from portal.permissions import can
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, NotFound, PermissionDenied
from portal.services.orgs import load_tree

BCRYPT_ROUNDS = 12
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
RESET_PASSWORD_BYTES = 12  # 16 characters of a-z, A-Z, 0-9, - and _


def hash_password(password: str) -> str:
    """A bcrypt hash, the format streamlit-authenticator checks against."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def validate_password(password: str) -> tuple[str, dict[str, object]] | None:
    """None when acceptable, else a message key and params."""
    if password != password.strip():
        # The authenticator strips what is typed at login; such a password could never be entered.
        return ("error.password_whitespace", {})
    if len(password) < MIN_PASSWORD_LENGTH:
        return ("error.password_short", {"min": MIN_PASSWORD_LENGTH})
    if len(password.encode()) > 72:
        return ("error.password_long", {})
    return None


def create_user(
    *,
    session: Session,
    username: str,
    display_name: str,
    role: str,
    org: str,
    password: str | None = None,
    password_hash: str | None = None,
    email: str | None = None,
) -> User:
    """Add an account bound to the org node with code or name `org`; raises InvalidInput naming each bad field."""
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        errors["username"] = ("error.username_format", {})
    elif session.exec(select(User.id).where(User.username == username)).first() is not None:
        errors["username"] = ("error.username_taken", {"username": username})
    if not display_name.strip():
        errors["display_name"] = ("error.required", {})
    if role not in {r.value for r in Role}:
        errors["role"] = ("error.role_unknown", {"roles": ", ".join(r.value for r in Role)})
    if email and not EMAIL_RE.match(email):
        errors["email"] = ("error.email_format", {})
    org_node: OrgNode | None = None
    try:
        org_node = load_tree(session=session).by_code_or_name(org)
    except NotFound:
        errors["org"] = ("error.org_not_found", {"node": org})
    if password_hash is None:
        problem = validate_password(password or "")
        if problem:
            errors["password"] = problem
    if errors:
        raise InvalidInput(errors)
    assert org_node is not None and org_node.id is not None
    user = User(
        username=username,
        display_name=display_name.strip(),
        email=email or None,
        role=role,
        org_id=org_node.id,
        password_hash=password_hash or hash_password(password or ""),
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def login_accounts(*, session: Session) -> list[User]:
    """Active accounts, the ones that may log in."""
    return list(session.exec(select(User).where(col(User.active).is_(True)).order_by(col(User.username))).all())


@dataclass(frozen=True)
class LockState:
    locked: bool
    until: datetime | None
    failed: int


def lock_state(user: User, now: datetime | None = None) -> LockState:
    """Whether the account is locked now; an expired lock counts failures afresh."""
    now = now or clock.now()
    if user.locked_until is not None and user.locked_until > now:
        return LockState(True, user.locked_until, user.failed_logins)
    failed = 0 if user.locked_until is not None else user.failed_logins
    return LockState(False, None, failed)


def record_failed_login(*, session: Session, username: str) -> LockState | None:
    """Count one wrong password; the fifth in a row locks the account. None for unknown users."""
    now = clock.now()
    user = session.exec(select(User).where(User.username == username).with_for_update()).first()
    if user is None:
        return None
    state = lock_state(user, now)
    if state.locked:
        return state
    user.failed_logins = state.failed + 1
    user.locked_until = None
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
    session.add(user)
    session.flush()
    return lock_state(user, now)


def start_login_session(*, session: Session, username: str, token_key: str, expires_at: datetime) -> LoginSession:
    """A successful password login: reset the failure count and remember which cookie it issued."""
    now = clock.now()
    user = session.exec(select(User).where(User.username == username)).one()
    assert user.id is not None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    login = LoginSession(user_id=user.id, token_key=token_key, created_at=now, expires_at=expires_at)
    session.add_all([user, login])
    session.flush()
    return login


def find_login_session(*, session: Session, username: str, token_key: str) -> LoginSession | None:
    """The live login a cookie was issued for, or None if it was revoked, expired or never issued."""
    return session.exec(
        select(LoginSession)
        .join(User, col(User.id) == LoginSession.user_id)
        .where(User.username == username, LoginSession.token_key == token_key)
        .where(col(LoginSession.revoked_at).is_(None), LoginSession.expires_at > clock.now())
    ).first()


def session_user(*, session: Session, login_session_id: int) -> User | None:
    """The active user of a live login session, else None (logged out elsewhere, deactivated, expired)."""
    return session.exec(
        select(User)
        .join(LoginSession, col(LoginSession.user_id) == User.id)
        .where(LoginSession.id == login_session_id, col(LoginSession.revoked_at).is_(None))
        .where(LoginSession.expires_at > clock.now(), col(User.active).is_(True))
    ).first()


def revoke_login_session(*, session: Session, login_session_id: int) -> None:
    """Logout: the cookie of this login no longer logs anyone in, wherever it was copied."""
    session.exec(
        update(LoginSession)
        .where(col(LoginSession.id) == login_session_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )


def unlock_user(*, session: Session, actor: Actor, user_id: int) -> None:
    """Clear a lockout before its 15 minutes are up (admin only)."""
    user = _managed_user(session, actor, user_id)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)


def set_active(*, session: Session, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate (or reactivate) an account; deactivation ends its login sessions at once."""
    user = _managed_user(session, actor, user_id)
    if user.id == actor.user_id and not active:
        raise InvalidInput({"active": ("error.cannot_deactivate_self", {})})
    user.active = active
    session.add(user)
    if not active:
        _revoke_logins(session, user_id)


def reset_password(*, session: Session, actor: Actor, user_id: int) -> str:
    """Give the account a new random password and end its logins (admin only); returns the password, to be
    shown once to the admin and never stored in clear."""
    user = _managed_user(session, actor, user_id)
    password = secrets.token_urlsafe(RESET_PASSWORD_BYTES)
    assert validate_password(password) is None
    user.password_hash = hash_password(password)
    session.add(user)
    _revoke_logins(session, user_id)
    return password


def _revoke_logins(session: Session, user_id: int) -> None:
    """Every cookie issued to the account stops logging in, wherever it was copied."""
    session.exec(
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )


def _managed_user(session: Session, actor: Actor, user_id: int) -> User:
    if not can(actor.role, "user.manage"):
        raise PermissionDenied("error.forbidden")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_not_found")
    return user


def user_roles() -> list[str]:
    """Role codes in display order."""
    return [r.value for r in Role]
