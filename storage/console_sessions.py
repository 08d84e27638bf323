"""Console sessions (who is signed in to the web console) and failed sign-ins (what slows and locks the next
tries). A session is found by the SHA-256 of its cookie's token, never by the token itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from storage.db import added
from storage.models import ConsoleSession, KnownBrowser, SignInFailure, StaffMember


def start(
    session: Session, token_hash: str, staff_id: int, csrf_token: str, language: str, now: datetime
) -> ConsoleSession:
    started = ConsoleSession(
        token_hash=token_hash, staff_id=staff_id, csrf_token=csrf_token, language=language, started_at=now
    )
    return added(session, started)


def current(
    session: Session, token_hash: str, started_after: datetime
) -> tuple[ConsoleSession, StaffMember] | None:
    """The session and its staff member, if it has not ended or lapsed and she has not been removed."""
    found = session.execute(
        select(ConsoleSession, StaffMember)
        .join(StaffMember, StaffMember.id == ConsoleSession.staff_id)
        .where(
            ConsoleSession.token_hash == token_hash,
            ConsoleSession.ended_at.is_(None),
            ConsoleSession.started_at > started_after,
            StaffMember.removed_at.is_(None),
        )
    ).first()
    return None if found is None else (found[0], found[1])


def set_language(session: Session, token_hash: str, language: str) -> None:
    session.execute(
        update(ConsoleSession).where(ConsoleSession.token_hash == token_hash).values(language=language)
    )


def end(session: Session, token_hash: str, now: datetime) -> None:
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.token_hash == token_hash, ConsoleSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_all_of(session: Session, staff_id: int, now: datetime, keeping: str | None = None) -> int:
    """Every open session of hers ends (a new password, her removal), but the one `keeping` (its token's
    hash: where she changed her own password); how many there were."""
    query = update(ConsoleSession).where(
        ConsoleSession.staff_id == staff_id, ConsoleSession.ended_at.is_(None)
    )
    if keeping is not None:
        query = query.where(ConsoleSession.token_hash != keeping)
    ended = session.execute(query.values(ended_at=now))
    return int(ended.rowcount)  # type: ignore[attr-defined]


def forget_ended(session: Session, before: datetime) -> int:
    """Sessions that ended or lapsed before `before` are of no more use."""
    gone = session.execute(
        delete(ConsoleSession).where(
            (ConsoleSession.started_at < before) | (ConsoleSession.ended_at < before)
        )
    )
    return int(gone.rowcount)  # type: ignore[attr-defined]


SIGN_IN_LOCKS = 0x7573_6172  # PostgreSQL's advisory locks of sign-in tries: the first of two keys ("usar")


def one_at_a_time_from(session: Session, remote: str) -> None:
    """Sign-in tries from this address take turns until the transaction ends, so that each counts the
    failures of those before it. On PostgreSQL under an advisory lock; SQLite's writers take turns already
    (one that read before another wrote runs again: `storage.db`)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:kind, hashtext(:remote))"),
            {"kind": SIGN_IN_LOCKS, "remote": remote},
        )


def record_failure(session: Session, login: str, remote: str, now: datetime) -> None:
    session.add(SignInFailure(login=login, remote=remote, at=now))
    session.flush()


def failures_since(
    session: Session, login: str, remote: str, since: datetime
) -> tuple[int, int, datetime | None]:
    """Failures since `since`: for this login from this address, from this address for any login, and when
    the last of the first kind was."""
    for_login = session.execute(
        select(func.count(), func.max(SignInFailure.at)).where(
            SignInFailure.login == login, SignInFailure.remote == remote, SignInFailure.at > since
        )
    ).one()
    from_remote = session.scalar(
        select(func.count()).where(SignInFailure.remote == remote, SignInFailure.at > since)
    )
    return int(for_login[0]), int(from_remote or 0), for_login[1]


def last_failure_from(session: Session, remote: str) -> datetime | None:
    return session.scalar(select(func.max(SignInFailure.at)).where(SignInFailure.remote == remote))


def clear_failures(session: Session, login: str, remote: str | None = None) -> int:
    """Forget the failures of a login (from one address, or from all: an admin unlocks it)."""
    query = delete(SignInFailure).where(SignInFailure.login == login)
    if remote is not None:
        query = query.where(SignInFailure.remote == remote)
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def forget_failures(session: Session, before: datetime) -> int:
    return int(session.execute(delete(SignInFailure).where(SignInFailure.at < before)).rowcount)  # type: ignore[attr-defined]


def known_browser_of(session: Session, token_hash: str, since: datetime) -> int | None:
    """The staff member (not removed) who signed in from this browser since `since`; None if nobody."""
    return session.scalar(
        select(KnownBrowser.staff_id)
        .join(StaffMember, StaffMember.id == KnownBrowser.staff_id)
        .where(
            KnownBrowser.token_hash == token_hash,
            KnownBrowser.last_signed_in_at > since,
            StaffMember.removed_at.is_(None),
        )
    )


def remember_browser(session: Session, token_hash: str, staff_id: int, now: datetime) -> None:
    found = session.get(KnownBrowser, token_hash)
    if found is None:
        session.add(KnownBrowser(token_hash=token_hash, staff_id=staff_id, last_signed_in_at=now))
    else:
        found.staff_id, found.last_signed_in_at = staff_id, now
    session.flush()


def forget_browsers(session: Session, before: datetime) -> int:
    gone = session.execute(delete(KnownBrowser).where(KnownBrowser.last_signed_in_at < before))
    return int(gone.rowcount)  # type: ignore[attr-defined]


def locked_logins(session: Session, since: datetime, tries: int) -> set[str]:
    """The logins with at least `tries` failures from one address (or browser) since `since`."""
    rows = session.execute(
        select(SignInFailure.login)
        .where(SignInFailure.at > since)
        .group_by(SignInFailure.login, SignInFailure.remote)
        .having(func.count() >= tries)
    ).all()
    return {row.login for row in rows}
