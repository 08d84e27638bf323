"""Retention: what has no further purpose is purged (Saudi PDPL's storage limitation; decision 0116).

One scheduled job (`bot.jobs.run_retention`) runs every purge here, each in batches of `BATCH` rows, one
transaction a batch, so that none holds SQLite's write lock for long; each purge takes `now` and returns how
many rows it purged in its batch. The periods are the operator's settings (`USAR_KEEP_*`, docs/OPERATIONS.md
"Retention"); those that a rule needs as it is (a console session's working day) are that rule's own.

- a file checked in the console and never confirmed (an office's list: their IDs and mobiles), once it can no
  longer be confirmed;
- what a finished delivery said, and where it went: its outcome stays, for the dashboard, the announcement's
  page and her page (`storage.deliveries.EMPTIED`);
- the references to her files (voice notes, photos, documents) on questions closed long ago: staff read that
  she sent one, no longer kept;
- a family of an office's list who never registered, a while after her office imported her (or imported her
  again), with the messages we sent her; the audit log keeps its entries about her, by number only;
- console sessions over, wrong passwords that no longer count, browsers not signed in from for long
  (`office.sign_in`), and the record of messages seen, once a platform no longer sends one again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from office import sign_in
from office.uploads import KEPT
from storage import audit, contacts, deliveries, seen, threads, uploads

BATCH = 500  # rows a transaction: a moment of SQLite's write lock


class Purge(Protocol):
    """One batch of a purge: how many rows it purged, `limit` at most (fewer: nothing more to purge now)."""

    def __call__(self, session: Session, now: datetime, limit: int) -> int: ...


@dataclass(frozen=True)
class Periods:
    """How long each kind of data is kept once it has served (the operator's `USAR_KEEP_*`)."""

    uploads: timedelta = KEPT
    delivery_texts: timedelta = timedelta(days=90)
    thread_files: timedelta = timedelta(days=365)
    contacts: timedelta = timedelta(days=365)


def forget_uploads(session: Session, now: datetime, kept: timedelta, limit: int = BATCH) -> int:
    """Files checked in the console more than `kept` ago and never confirmed; how many forgotten."""
    return uploads.forget_old(session, now - kept, limit)


def empty_delivery_texts(session: Session, now: datetime, kept: timedelta, limit: int = BATCH) -> int:
    """Deliveries finished more than `kept` ago: what they said and where they went emptied, their outcome
    kept; how many."""
    return deliveries.empty_old(session, now - kept, now, limit)


def forget_thread_files(session: Session, now: datetime, kept: timedelta, limit: int = BATCH) -> int:
    """On questions closed more than `kept` ago, the references to her files forgotten; how many messages."""
    return threads.forget_old_files(session, now - kept, limit)


def forget_contacts(session: Session, now: datetime, kept: timedelta, limit: int = BATCH) -> int:
    """Families of an office's list imported more than `kept` ago and never registered, forgotten with the
    messages we sent them, and what staff typed about them in the audit log (its entries stay, by number);
    how many."""
    found = contacts.imported_before(session, now - kept, limit)
    audit.forget_details(session, "contact", found)
    return contacts.forget_all(session, found)


def forget_sign_ins(session: Session, now: datetime, limit: int = BATCH) -> int:
    """Console sessions over, wrong tries that no longer count, browsers not signed in from for long: few,
    each kept as long as its rule needs (`office.sign_in`); how many."""
    return sign_in.forget_old(session, now)


def forget_seen(session: Session, now: datetime, limit: int = BATCH) -> int:
    """The record of messages seen, once a platform no longer sends one again (`storage.seen.KEPT`)."""
    return seen.forget_old(session, now, limit)


def purges(periods: Periods) -> list[tuple[str, Purge]]:
    """Every purge, by name (what the log line and the job's result call it), in the order they run."""

    def with_period(purge: Callable[[Session, datetime, timedelta, int], int], kept: timedelta) -> Purge:
        def batch(session: Session, now: datetime, limit: int) -> int:
            return purge(session, now, kept, limit)

        return batch

    return [
        ("uploads", with_period(forget_uploads, periods.uploads)),
        ("delivery texts", with_period(empty_delivery_texts, periods.delivery_texts)),
        ("thread files", with_period(forget_thread_files, periods.thread_files)),
        ("contacts", with_period(forget_contacts, periods.contacts)),
        ("console sign-ins", forget_sign_ins),
        ("messages seen", forget_seen),
    ]
