"""What a family is told of her registration: verified by her office, or a correction asked (with the
staff's reason), in her language, through the outbox, once per change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from conversations.i18n import _, use_language
from locales import LANGUAGES
from storage import deliveries, kinds


def tell_verified(session: Session, family_id: int, change: int, now: datetime) -> None:
    """`change`: the audit entry of the verification, the source of its message (one per change)."""
    payload = {}
    for language in LANGUAGES:
        with use_language(language):
            payload[language] = _(
                "Good news: your office has verified your registration. You can apply for school canteens "
                "when you meet their other conditions."
            )
    deliveries.enqueue(
        session, kinds.REGISTRATION_VERIFIED, change, select(literal(family_id)), payload, now, now
    )


def tell_correction(session: Session, family_id: int, reason: str, change: int, now: datetime) -> None:
    payload = {}
    for language in LANGUAGES:
        with use_language(language):
            payload[language] = "\n".join(
                [
                    _("Your office asks you to correct your registration:"),
                    reason,
                    _("When it is done, open “My account” and choose “Send my registration for review”."),
                ]
            )
    deliveries.enqueue(
        session, kinds.REGISTRATION_CORRECTION, change, select(literal(family_id)), payload, now, now
    )
