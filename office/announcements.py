"""Announcements: how many an audience reaches, create one (now or at a time), cancel it, follow it.
An office's staff address, see and cancel their office's announcements alone; admins every one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.i18n import _
from conversations.text import normalise
from office.audiences import within_rights
from office.audit import action, record
from office.errors import NotFound, Problem, Refused
from office.rights import Actor, Rights, rights
from storage import announcements, audiences
from storage.announcements import Progress
from storage.audiences import Audience, Count
from storage.models import Announcement

MAX_LENGTH = 1500  # under WhatsApp's 1,600 characters a message; Telegram allows 4,096


@dataclass(frozen=True)
class Reach:
    audience: Audience  # as she may address it
    count: Count


def reach(session: Session, actor: Actor, requested: Audience) -> Reach:
    """Whom it would reach, and who is left out (a preview changes nothing)."""
    audience = within_rights(session, rights(session, actor), requested)
    return Reach(audience, audiences.count(session, audience))


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
    if send_at < now:
        problems.append(Problem("send_at", _("That time has already passed.")))
    if problems:
        raise Refused(problems)
    created = announcements.create(
        session, text_ar, text_en or None, audience, by.actor.address or "operator", send_at, now
    )
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
    return created


def _one_office(audience: Audience) -> str | None:
    return audience.offices[0] if len(audience.offices) == 1 else None


def _visible(by: Rights, found: Announcement | None, number: int) -> Announcement:
    """Another office's announcement answers as an unknown one."""
    if found is None or not (by.admin or announcements.addressed_only_to(found, by.office_code or "-")):
        raise NotFound(_("There is no announcement %(number)s.", number=number))
    return found


def announcement(session: Session, actor: Actor, number: int) -> Announcement:
    return _visible(rights(session, actor), announcements.find(session, number), number)


def progress(session: Session, actor: Actor, number: int) -> tuple[Announcement, Progress]:
    found = announcement(session, actor, number)
    return found, announcements.progress(session, found.id)


def recent(session: Session, actor: Actor, limit: int = 5) -> list[Announcement]:
    return announcements.recent(session, rights(session, actor).scope, limit)


@action
def cancel(session: Session, actor: Actor, number: int, now: datetime) -> bool:
    """What is not yet sent will not be; False if it was already cancelled."""
    by = rights(session, actor)
    found = _visible(by, announcements.find(session, number), number)
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


def offices_of(found: Announcement) -> Sequence[str]:
    return Audience.from_json(found.audience).offices
