"""Announcements: how many an audience reaches, create one (now or at a time), cancel it, follow it.
An office's staff address, see and cancel their office's announcements alone; admins every one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from core.i18n import _
from core.text import normalise
from office.audiences import within_rights
from office.audit import action, record
from office.errors import NotAllowed, NotFound, Problem, Refused
from office.rights import Actor, Rights, rights
from storage import announcements, audiences, kinds
from storage.announcements import NotReached, Progress
from storage.audiences import Audience, Count
from storage.kinds import QuietHours, Senders
from storage.models import Announcement

MAX_LENGTH = 1500  # under WhatsApp's 1,600 characters a message; Telegram allows 4,096

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reach:
    audience: Audience  # as she may address it
    count: Count
    # Of those it reaches, how many the channels set up here cannot: they wrote on a channel not set up, or
    # on WhatsApp too long ago while the announcement has no template. None: not known.
    unreachable: int | None = None
    quiet_until: datetime | None = None  # it falls in quiet hours: it goes out then


def reach(
    session: Session,
    actor: Actor,
    requested: Audience,
    send_at: datetime | None = None,
    *,
    now: datetime | None = None,
    quiet: QuietHours | None = None,
    senders: Senders | None = None,
) -> Reach:
    """Whom it would reach, who is left out, and what keeps it from going at its time (a preview changes
    nothing; a time already past is refused, as creating it would be)."""
    audience = within_rights(session, rights(session, actor), requested)
    if send_at is not None and now is not None and send_at < now:
        raise Refused([Problem("send_at", _("That time has already passed."))])
    count = audiences.count(session, audience)
    quiet_until = quiet.holds(send_at) if quiet is not None and send_at is not None else None
    unreachable = None
    if senders is not None:
        unreachable = _unreachable(session, audience, count, send_at, senders)
    return Reach(audience, count, unreachable, quiet_until)


def _unreachable(
    session: Session, audience: Audience, count: Count, send_at: datetime | None, senders: Senders
) -> int:
    templated = kinds.ANNOUNCEMENT.name in senders.templates
    if audience.contacts:  # they never wrote: only a template on WhatsApp reaches them
        return 0 if "whatsapp" in senders.channels and templated else count.reached
    if send_at is None:
        return 0
    reachable = sum(
        number
        for (channel, fresh), number in audiences.by_last_channel(
            session, audience, send_at - kinds.WHATSAPP_WINDOW
        ).items()
        if channel in senders.channels and (channel != "whatsapp" or fresh or templated)
    )
    return max(count.reached - reachable, 0)


@action
def create(
    session: Session,
    actor: Actor,
    text_ar: str,
    text_en: str | None,
    requested: Audience,
    send_at: datetime,
    now: datetime,
) -> Announcement:
    by = rights(session, actor)
    audience = within_rights(session, by, requested)
    problems = text_problems(text_ar, text_en)
    if send_at < now:
        problems.append(Problem("send_at", _("That time has already passed.")))
    if problems:
        raise Refused(problems)
    created = announcements.create(session, text_ar, text_en or None, audience, by.name, send_at, now)
    record(
        session,
        by,
        "announcements.create",
        office=_one_office(audience),
        target="announcement",
        target_id=created.id,
        outcome="scheduled" if send_at > now else "created",
        now=now,
    )
    log.info("announcement %d created, to go at %s", created.id, send_at.isoformat(timespec="minutes"))
    return created


def text_problems(text_ar: str, text_en: str | None) -> list[Problem]:
    """What is wrong with its words: an empty Arabic text, or one too long for a message."""
    problems = []
    if not normalise(text_ar):
        problems.append(Problem("ar", _("The Arabic text is empty.")))
    for field, text in (("ar", text_ar), ("en", text_en or "")):
        if len(text) > MAX_LENGTH:
            problems.append(
                Problem(
                    field,
                    _(
                        "That is %(length)s characters; an announcement can have at most %(limit)s.",
                        length=len(text),
                        limit=MAX_LENGTH,
                    ),
                )
            )
    return problems


def _one_office(audience: Audience) -> str | None:
    return audience.offices[0] if len(audience.offices) == 1 else None


def _visible(by: Rights, found: Announcement | None, number: int) -> Announcement:
    """An office's staff see what reaches their families (theirs, and those for every office); another
    office's answers as an unknown one."""
    if found is None or not by.sees_any(offices_of(found)):
        raise NotFound(_("There is no announcement %(number)s.", number=number))
    return found


def offices_of(found: Announcement) -> tuple[str, ...]:
    return Audience.from_json(found.audience).offices


def may_cancel(session: Session, actor: Actor, found: Announcement) -> bool:
    """Hers to cancel: admins any; an office's staff those addressed to their office alone."""
    return rights(session, actor).runs(offices_of(found))


def announcement(session: Session, actor: Actor, number: int) -> Announcement:
    return _visible(rights(session, actor), announcements.find(session, number), number)


def progress(session: Session, actor: Actor, number: int) -> tuple[Announcement, Progress]:
    found = announcement(session, actor, number)
    return found, announcements.progress(session, found.id)


def not_reached(session: Session, actor: Actor, number: int, limit: int = 200) -> list[NotReached]:
    """The families of hers it did not reach, and why (an office's staff see their office's alone)."""
    found = announcement(session, actor, number)
    return announcements.not_reached(session, found.id, rights(session, actor).scope, limit)


def recent(session: Session, actor: Actor, limit: int = 5) -> list[Announcement]:
    return announcements.recent(session, rights(session, actor).scope, limit)


def recent_progress(session: Session, actor: Actor, limit: int = 5) -> list[tuple[Announcement, Progress]]:
    """The latest announcements she may see, each with how far its sending has come."""
    return [(found, announcements.progress(session, found.id)) for found in recent(session, actor, limit)]


class Stage(StrEnum):
    SCHEDULED = "scheduled"  # its time has not come
    QUEUED = "queued"  # its time came: its messages are being prepared, or none has gone yet
    QUIET = "quiet"  # waiting for the end of quiet hours
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Status:
    """What is really happening to an announcement."""

    stage: Stage
    progress: Progress
    send_at: datetime
    resumes_at: datetime | None = None  # quiet hours: when its messages go again


def status_of(found: Announcement, progress: Progress, now: datetime, quiet: QuietHours | None) -> Status:
    if found.cancelled_at is not None:
        return Status(Stage.CANCELLED, progress, found.send_at)
    if found.send_at > now:
        return Status(Stage.SCHEDULED, progress, found.send_at)
    if found.enqueued_at is not None and not progress.pending:
        return Status(Stage.DONE, progress, found.send_at)
    if quiet is not None and (resumes := quiet.holds(now)) is not None:
        return Status(Stage.QUIET, progress, found.send_at, resumes)
    if found.enqueued_at is None:
        return Status(Stage.QUEUED, progress, found.send_at)
    started = progress.total - progress.pending
    return Status(Stage.SENDING if started else Stage.QUEUED, progress, found.send_at)


def status(
    session: Session, actor: Actor, number: int, now: datetime, quiet: QuietHours | None
) -> tuple[Announcement, Status]:
    found, done = progress(session, actor, number)
    return found, status_of(found, done, now, quiet)


@action
def cancel(session: Session, actor: Actor, number: int, now: datetime) -> bool:
    """What is not yet sent will not be; False if it was already cancelled."""
    by = rights(session, actor)
    found = _visible(by, announcements.locked(session, number), number)
    if not by.runs(offices_of(found)):
        raise NotAllowed(_("Only an administrator can cancel an announcement for several offices."))
    done = found.cancelled_at is None
    announcements.cancel(session, found.id, now)
    record(
        session,
        by,
        "announcements.cancel",
        office=_one_office(Audience.from_json(found.audience)),
        target="announcement",
        target_id=found.id,
        outcome="cancelled" if done else "unchanged",
        now=now,
    )
    return done
