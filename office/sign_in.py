"""Signing in to the web console: a login and a password; slowed after wrong tries, then locked.

Five wrong tries for one login from one network address lock that login there for `LOCK`; many wrong tries
from one address (any logins) lock that address. Someone guessing from elsewhere cannot lock a staff member
out of her own office, and an admin can unlock a login at once (`office.staff.unlock`). A browser she signed
in from before (`KNOWN`) is counted as a place of its own, not by its network address: an office's staff
behind one public address go on signing in while someone guessing there is locked out. An unknown login is
a wrong try like any other, answered the same and as slowly, so that nobody learns which logins exist.

The password's hash is checked off the event loop by the console (`passwords.matches`): `attempt` reads
what it needs and counts the try as a failure before its password is checked, so that tries sent all at once
are counted one after another; `succeeded` forgets it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.dates import short_time
from core.i18n import _
from core.metrics import SIGN_IN_FAILURES
from office.audit import action, record
from office.errors import OfficeError
from office.rights import Actor, rights
from office.staff import login_name
from storage import console_sessions, staff

LOCK = timedelta(minutes=15)
TRIES_FOR_A_LOGIN = 5  # from one address, within LOCK
TRIES_FROM_AN_ADDRESS = 20  # for any logins, within LOCK
LASTS = timedelta(hours=12)  # a working day: then she signs in again
KNOWN = timedelta(days=90)  # a browser she signed in from is known this long after her last sign-in there
SLOWER = (0.0, 0.0, 1.0, 2.0, 4.0)  # seconds before a wrong try is answered, by the failures before it


class Locked(OfficeError):
    """Too many wrong tries: no password is checked until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            _(
                "Too many wrong tries. Try again after %(time)s, "
                "or ask an administrator to unlock your login.",
                time=short_time(until),
            )
        )
        self.until = until


@dataclass(frozen=True)
class Attempt:
    """A sign-in about to be checked: who she would be (None: no such login), and her failures so far."""

    login: str
    remote: str  # where the try is counted: the network address, or a browser she signed in from before
    staff_id: int | None
    password_hash: str | None
    failures: int

    @property
    def delay(self) -> float:
        """How long a wrong try waits before it is answered."""
        return SLOWER[min(self.failures, len(SLOWER) - 1)]

    def wrong(self, now: datetime) -> str:
        """What a wrong try is answered at sign-in."""
        return " ".join(filter(None, (_("Wrong login or password."), self.warning(now))))

    def warning(self, now: datetime) -> str | None:
        """After a wrong try: the fourth warns that the next locks the login, the fifth says it is locked.
        Counted by the login as typed, whether a staff member has it or not, so that the warning tells
        nobody which logins exist (decision 0110)."""
        tries = self.failures + 1  # this one's among them
        if tries == TRIES_FOR_A_LOGIN - 1:
            return _(
                "One more wrong try locks this login for %(minutes)d minutes: if you are not sure of the "
                "password, ask an administrator for a new one.",
                minutes=LOCK // timedelta(minutes=1),
            )
        if tries >= TRIES_FOR_A_LOGIN:
            return _(
                "This login is now locked: try again after %(time)s, or ask an administrator to unlock it.",
                time=short_time(now + LOCK),
            )
        return None


@dataclass(frozen=True)
class SignInCookies:
    session: str  # her session's token
    browser: str  # the browser's, known as hers


@dataclass(frozen=True)
class SignedIn:
    """Whoever the console's cookie speaks for, as the database says now."""

    token_hash: str
    staff_id: int
    name: str
    admin: bool
    office_code: str | None
    csrf_token: str
    language: str

    @property
    def actor(self) -> Actor:
        return Actor.signed_in(self.staff_id)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def attempt(session: Session, login: str, remote: str, now: datetime, browser: str = "") -> Attempt:
    """Who would be signed in, unless her login or this address is locked (`Locked`); the try is counted as a
    failure until it `succeeded`. `browser`: the token of the browser's cookie, if it has one."""
    named = login_name(login)[:64]
    member = staff.by_login(session, named) if named else None
    if member is not None and member.removed_at is not None:
        member = None
    known = browser and console_sessions.known_browser_of(session, digest(browser), now - KNOWN)
    if member is not None and known == member.id:
        remote = "browser:" + digest(browser)[:32]
    console_sessions.one_at_a_time_from(session, remote)
    for_login, from_remote, last = console_sessions.failures_since(session, named, remote, now - LOCK)
    if for_login >= TRIES_FOR_A_LOGIN and last is not None:
        SIGN_IN_FAILURES.inc()
        raise Locked(last + LOCK)
    if from_remote >= TRIES_FROM_AN_ADDRESS:
        SIGN_IN_FAILURES.inc()
        latest = console_sessions.last_failure_from(session, remote)
        raise Locked((latest or now) + LOCK)
    console_sessions.record_failure(session, named, remote, now)
    return Attempt(
        named,
        remote,
        None if member is None else member.id,
        None if member is None else member.password_hash,
        for_login,
    )


@action
def succeeded(
    session: Session, tried: Attempt, language: str, now: datetime, browser: str = ""
) -> SignInCookies:
    """Her session begins; the tokens for her cookies. Her failures from this address are forgotten (this
    try's among them), and the browser is known as hers from now on."""
    assert tried.staff_id is not None
    token = secrets.token_urlsafe(32)
    if console_sessions.known_browser_of(session, digest(browser), now - KNOWN) != tried.staff_id:
        browser = secrets.token_urlsafe(32)  # a browser new to her (or known as someone else's)
    console_sessions.remember_browser(session, digest(browser), tried.staff_id, now)
    console_sessions.clear_failures(session, tried.login, tried.remote)
    console_sessions.start(session, digest(token), tried.staff_id, secrets.token_urlsafe(32), language, now)
    by = rights(session, Actor.signed_in(tried.staff_id))
    record(
        session, by, "staff.sign_in", office=by.office_code, target="staff", target_id=by.staff_id,
        outcome="signed in", now=now,
    )  # fmt: skip
    return SignInCookies(token, browser)


def forget_try(session: Session, tried: Attempt) -> None:
    """Her password was right (her current one, on her account's page): this try is not a wrong one."""
    console_sessions.clear_failures(session, tried.login, tried.remote)


@action
def wrong_password(session: Session, tried: Attempt, now: datetime) -> None:
    """A wrong password for a staff member's login, recorded in the audit log under her name (someone
    else may have typed it: the log keeps it apart, with the sign-ins). A login nobody has is not."""
    SIGN_IN_FAILURES.inc()
    if tried.staff_id is None:
        return
    member = staff.current_by_id(session, tried.staff_id)
    if member is None:
        return
    by = rights(session, Actor.signed_in(member.id))
    record(
        session, by, "staff.wrong_password", office=by.office_code, target="staff", target_id=by.staff_id,
        outcome="refused", now=now,
    )  # fmt: skip


def locked_logins(session: Session, now: datetime) -> set[str]:
    """The logins locked now somewhere (too many wrong tries from one address or browser), for an admin
    to see and unlock."""
    return console_sessions.locked_logins(session, now - LOCK, TRIES_FOR_A_LOGIN)


def signed_in(session: Session, token: str, now: datetime) -> SignedIn | None:
    """Who this cookie's token signs in now; None if nobody (ended, lapsed, or she was removed)."""
    found = console_sessions.current(session, digest(token), now - LASTS)
    if found is None:
        return None
    started, member = found
    admin = member.role == "admin"
    return SignedIn(
        started.token_hash,
        member.id,
        member.name,
        admin,
        None if admin else member.office_code,
        started.csrf_token,
        started.language,
    )


def choose_language(session: Session, who: SignedIn, language: str) -> None:
    console_sessions.set_language(session, who.token_hash, language)


@action
def sign_out(session: Session, who: SignedIn, now: datetime) -> None:
    console_sessions.end(session, who.token_hash, now)
    record(
        session, rights(session, who.actor), "staff.sign_out", office=who.office_code, target="staff",
        target_id=who.staff_id, outcome="signed out", now=now,
    )  # fmt: skip


def forget_old(session: Session, now: datetime) -> int:
    """Sessions that ended or lapsed a working day ago and failures that no longer count, removed; how many
    (the scheduler's)."""
    return (
        console_sessions.forget_ended(session, now - LASTS)
        + console_sessions.forget_failures(session, now - LOCK)
        + console_sessions.forget_browsers(session, now - KNOWN)
    )
