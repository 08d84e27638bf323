"""A file sent through the console, kept between its check and her confirmation (an office's list of
families, a list of canteen opportunities): hers alone, for an hour at most."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.i18n import _
from office.errors import Problem, Refused
from office.rights import Actor, rights
from storage import uploads

KEPT = timedelta(hours=1)  # a checked file waits this long for its confirmation


def hold(session: Session, actor: Actor, name: str, content: bytes, now: datetime) -> str:
    """A file sent through the console kept until she confirms it; the token that names it."""
    by = rights(session, actor)
    assert by.staff_id is not None, "the console always acts as a staff member"
    uploads.forget_old(session, now - KEPT)
    token = secrets.token_urlsafe(24)
    uploads.keep(session, token, by.staff_id, name, content, now)
    return token


def held(session: Session, actor: Actor, token: str, now: datetime) -> tuple[str, bytes]:
    """The file she sent and is confirming (its name and content); refused if it is not hers or too old."""
    by = rights(session, actor)
    found = uploads.hers(session, token, by.staff_id or 0, now - KEPT)
    if found is None:
        raise Refused([Problem(None, _("That file is no longer waiting: please send it again."))])
    return found.name, found.content


def let_go(session: Session, token: str) -> None:
    uploads.forget(session, token)
