"""The content templates of WhatsApp's taps, by shape name ("quick-reply-2"): their SIDs in Twilio, kept so
that each is made once (`handlers.whatsapp.tap_templates`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import TapTemplate


def sids(session: Session) -> dict[str, str]:
    """Every shape's template SID, by shape name."""
    return {row.name: row.sid for row in session.scalars(select(TapTemplate))}


def keep(session: Session, made: Mapping[str, str], now: datetime) -> None:
    """Keep these SIDs (shape name → SID), replacing what was kept for the same shapes."""
    for name, sid in made.items():
        found = session.get(TapTemplate, name)
        if found is None:
            session.add(TapTemplate(name=name, sid=sid, made_at=now))
        elif found.sid != sid:
            found.sid, found.made_at = sid, now


def forget(session: Session) -> None:
    """Forget every SID (Twilio refused one): each is found again in Twilio by name, or made, next time."""
    session.execute(delete(TapTemplate))
