"""User accounts on the engine (admin only): create with an initial password, edit, deactivate and re-activate,
reset a password, lift a lockout. The actions are services of portal/services/users.py; the engine checks and
audits them (never the password or its hash)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from db.models import Role, User
from portal.i18n import t
from portal.kinds import choices
from portal.lowcode.declare import Action, Errors, Field, Permissions, RecordKind, enum_choices, register
from portal.services import users
from portal.services.actor import Actor

ADMIN_ONLY = frozenset({Role.ADMIN})


def account_rules(_session: Session, values: Mapping[str, Any]) -> Errors:
    """What users.create_user refuses: a badly formed username or email, a password that could not be typed."""
    errors: Errors = {}
    username, email, password = values.get("username"), values.get("email"), values.get("password")
    if username is not None and not users.USERNAME_RE.match(username):
        errors["username"] = ("error.username_format", {})
    if email is not None and not users.EMAIL_RE.match(email):
        errors["email"] = ("error.email_format", {})
    if password is not None and (problem := users.validate_password(password)) is not None:
        errors["password"] = problem
    return errors


def keeps_own_admin_role(_session: Session, actor: Actor, record_id: int, values: Mapping[str, Any]) -> Errors:
    """An admin cannot take the admin role from their own account: no one might be left to give it back."""
    role = values.get("role")
    if record_id == actor.user_id and role is not None and role != Role.ADMIN:
        return {"role": ("error.cannot_demote_self", {})}
    return {}


def password_hash(_session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """The initial password is stored only as its bcrypt hash."""
    return {"password_hash": users.hash_password(values["password"])}


def _deactivate(session: Session, actor: Actor, row: User) -> str:
    users.set_active(session=session, actor=actor, user_id=row.id or 0, active=False)
    return t("user.deactivated", username=row.username)


def _activate(session: Session, actor: Actor, row: User) -> str:
    users.set_active(session=session, actor=actor, user_id=row.id or 0, active=True)
    return t("user.activated", username=row.username)


def _reset_password(session: Session, actor: Actor, row: User) -> str:
    password = users.reset_password(session=session, actor=actor, user_id=row.id or 0)
    return t("user.password_reset", username=row.username, password=password)


def _unlock(session: Session, actor: Actor, row: User) -> str:
    users.unlock_user(session=session, actor=actor, user_id=row.id or 0)
    return t("user.unlocked", username=row.username)


USERS = register(
    RecordKind(
        key="admin_users",  # the address of the hand-written page it replaces, so bookmarks keep working
        model=User,
        title="page.admin_users",
        help="user.help",
        fields=(
            Field("username", "user.username", help="user.username_help", editable=False, clean=str.lower),
            Field("display_name", "user.display_name"),
            Field("role", "user.role", choices=enum_choices(Role, "role")),
            Field("org_id", "user.org", choices=choices.org_nodes),
            Field("email", "user.email"),
            Field("password", "user.password", help="user.password_help", widget="password", create_only=True),
            Field("active", "user.active", read_only=True),
            Field("locked_until", "user.locked_until", read_only=True),
            Field("last_login_at", "user.last_login", read_only=True),
        ),
        permissions=Permissions(view=ADMIN_ONLY, create=ADMIN_ONLY, edit=ADMIN_ONLY),  # no delete: deactivate
        search=("username", "display_name", "email"),
        filters=("role", "org_id", "active"),
        sort=("username", "display_name", "last_login_at"),
        scope=None,
        rules=(account_rules,),
        edit_rules=(keeps_own_admin_role,),  # deactivating oneself: users.set_active refuses it
        on_create=password_hash,
        actions=(
            Action("unlock", "user.unlock", _unlock, ADMIN_ONLY, lambda row: users.lock_state(row).locked),
            Action("reset_password", "user.reset_password", _reset_password, ADMIN_ONLY, lambda row: row.active),
            Action("deactivate", "user.deactivate", _deactivate, ADMIN_ONLY, lambda row: row.active),
            Action("activate", "user.activate", _activate, ADMIN_ONLY, lambda row: not row.active),
        ),
        record_label="username",
        section="admin",
        icon=":material/manage_accounts:",
    )
)
