"""Login through streamlit-authenticator, fed from the users table. The only module that imports it.

What the authenticator does: the login form, bcrypt checking, the signed cookie.
What we add on top (upstream leaves these to the app):
- lockout kept in the database (5 wrong passwords -> 15 minutes), across sessions and restarts;
- logout that revokes server-side: each form login is a LoginSession row named by the cookie's expiry
  stamp, and a cookie whose row is revoked (or whose user is deactivated) logs nobody in.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import bcrypt
import jwt
import streamlit as st
import streamlit_authenticator as stauth

from db.session import session_scope
from portal import clock
from portal.config import get_settings
from portal.i18n import t
from portal.services import users
from portal.services.actor import Actor

LOGIN_KEY = "portal_login"  # session_state: id of this browser session's LoginSession row
ACTOR_KEY = "actor"  # session_state: the Actor the router resolved for this run
_DELETE_COOKIE_KEY = "portal_delete_cookie"
_PENDING_COOKIE_KEY = "portal_login_cookie"  # session_state: this session's login cookie, set again on each run
_AUTH_STATE = ("name", "username", "authentication_status", "email", "roles")


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Locked accounts are given a hash nothing matches: the authenticator then reports a failed
    # attempt *for that username*, which is how we learn whose form it was.
    return bcrypt.hashpw(secrets.token_bytes(32), bcrypt.gensalt(rounds=4)).decode()


def _credentials() -> tuple[dict[str, Any], dict[str, users.LockState]]:
    now = clock.now()
    entries: dict[str, Any] = {}
    locks: dict[str, users.LockState] = {}
    with session_scope() as session:
        for account in users.login_accounts(session=session):
            state = users.lock_state(account, now)
            locks[account.username] = state
            entries[account.username] = {
                "name": account.display_name,
                "email": account.email or "",
                "password": _decoy_hash() if state.locked else account.password_hash,
                "roles": [account.role],
                "failed_login_attempts": 0,
            }
    return {"usernames": entries}, locks


def _authenticator(credentials: dict[str, Any]) -> stauth.Authenticate:
    settings = get_settings()
    return stauth.Authenticate(
        credentials,
        cookie_name=settings.cookie_name,
        cookie_key=settings.signing_key(),
        cookie_expiry_days=settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,  # lockout is ours; no need to slow every logged-out rerun
    )


def render_login() -> None:
    """The login page: the authenticator's form, then our lockout and session bookkeeping."""
    credentials, locks = _credentials()
    entries = dict(credentials["usernames"])  # keep references: the authenticator rebinds the outer dict
    authenticator = _authenticator(credentials)
    if st.session_state.pop(_DELETE_COOKIE_KEY, False):
        authenticator.cookie_controller.delete_cookie()
    succeeded: dict[str, str] = {}
    fields = {
        "Form name": t("login.title"),
        "Username": t("login.username"),
        "Password": t("login.password"),
        "Login": t("login.submit"),
    }
    authenticator.login(location="main", fields=fields, key="login", callback=lambda e: succeeded.update(e))
    if succeeded:
        _start_session(authenticator, succeeded["username"])
        return
    if st.session_state.get("authentication_status"):
        if _resume_from_cookie():
            st.rerun()
        # A revoked or unknown cookie: forget it, and show the form again.
        authenticator.logout(location="unrendered")
        st.info(t("login.session_ended"))
        authenticator.login(location="main", fields=fields, key="login", callback=lambda e: succeeded.update(e))
        if succeeded:
            _start_session(authenticator, succeeded["username"])
        return
    failed = [name for name, entry in entries.items() if entry.get("failed_login_attempts", 0) > 0]
    if failed:
        _report_failure(failed[0], locks.get(failed[0]))
    elif st.session_state.get("authentication_status") is False:
        st.error(t("login.failed"))


def _report_failure(username: str, before: users.LockState | None) -> None:
    if before is not None and before.locked:
        st.error(t("login.locked", until=_local_time(before.until)))
        return
    with session_scope(write=True) as session:
        state = users.record_failed_login(session=session, username=username)
    if state is not None and state.locked:
        st.error(t("login.locked", until=_local_time(state.until)))
    else:
        st.error(t("login.failed"))


def _start_session(authenticator: stauth.Authenticate, username: str) -> None:
    exp = authenticator.cookie_controller.cookie_model.exp_date
    with session_scope(write=True) as session:
        login = users.start_login_session(
            session=session,
            username=username,
            token_key=repr(exp),
            expires_at=datetime.fromtimestamp(exp, UTC),
        )
    st.session_state[LOGIN_KEY] = login.id
    # The same token the authenticator just handed to its cookie component (same claims, key, algorithm).
    token = jwt.encode({"username": username, "exp_date": exp}, get_settings().signing_key(), algorithm="HS256")
    st.session_state[_PENDING_COOKIE_KEY] = (token, exp)
    st.rerun()


def keep_cookie() -> None:
    """Set the login cookie from this session's logged-in runs too (the router calls this in the sidebar).

    The authenticator sets the cookie from a browser component rendered in the login run; the rerun that
    follows can remove that component before its JavaScript has run (when the first page is quick, e.g.
    cached), and then no cookie is ever set: a reload or a new tab logs the user out. This sets the same
    cookie with a script in the page itself: no component, so no report back and no extra rerun (a rerun
    right after login could undo the user's first click in the menu).
    """
    pending = st.session_state.get(_PENDING_COOKIE_KEY)
    if pending is None:
        return
    token, exp = pending
    expires = datetime.fromtimestamp(exp, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    cookie = f"{get_settings().cookie_name}={token}; expires={expires}; path=/; SameSite=Strict"
    st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def _resume_from_cookie() -> bool:
    """Log this session in from the login cookie the browser sent with its page request, if the cookie is ours
    (signed with our key) and names a login session that is still live (not logged out, revoked or expired)."""
    settings = get_settings()
    token = st.context.cookies.get(settings.cookie_name)
    if not token:
        return False
    try:
        claims = jwt.decode(token, settings.signing_key(), algorithms=["HS256"])
    except jwt.PyJWTError:
        return False
    with session_scope() as session:
        login = users.find_login_session(
            session=session, username=str(claims.get("username")), token_key=repr(claims.get("exp_date"))
        )
    if login is None:
        return False
    st.session_state[LOGIN_KEY] = login.id
    return True


def current_user() -> Actor | None:
    """The logged-in user of this browser session, re-checked against the database on every run."""
    login_id = st.session_state.get(LOGIN_KEY)
    if not login_id and not st.session_state.get(_DELETE_COOKIE_KEY) and _resume_from_cookie():
        # A new tab, a reload or a bookmark: the browser sent the login cookie with the page request, so the
        # session resumes on its first run. (Waiting for the authenticator's cookie component to report the
        # cookie back showed the login form first, and under load it sometimes never reported.)
        login_id = st.session_state.get(LOGIN_KEY)
    if not login_id:
        return None
    with session_scope() as session:
        user = users.session_user(session=session, login_session_id=login_id)
    if user is None:  # logged out elsewhere, deactivated, or expired
        _forget()
        return None
    return Actor.of(user)


def logout() -> None:
    """Revoke this login server-side and clear the session (used as a button callback)."""
    login_id = st.session_state.get(LOGIN_KEY)
    if login_id:
        with session_scope() as session:
            users.revoke_login_session(session=session, login_session_id=login_id)
    _forget()
    st.session_state[_DELETE_COOKIE_KEY] = True


def _forget() -> None:
    st.session_state.pop(LOGIN_KEY, None)
    st.session_state.pop(_PENDING_COOKIE_KEY, None)
    st.session_state.pop(ACTOR_KEY, None)
    for key in _AUTH_STATE:
        st.session_state[key] = None
    st.session_state["logout"] = True  # the authenticator's flag: ignore the cookie in this session


def _local_time(instant: datetime | None) -> str:
    if instant is None:
        return "?"
    return f"{clock.as_utc(instant).astimezone(clock.local_tz()):%H:%M}"
