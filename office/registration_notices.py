"""What a family is told of her registration: verified by her office, or a correction asked (with the
staff's reason), in her language, through the outbox, once per change. A message of an earlier change not yet
sent is not sent: she reads only where her registration stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from core.i18n import _
from office.offices import her_office
from storage import deliveries, kinds
from storage.kinds import Message

KINDS = (kinds.REGISTRATION_VERIFIED, kinds.REGISTRATION_CORRECTION)


def withdraw_earlier(session: Session, family_id: int, now: datetime) -> None:
    """Her registration changed again: what she was about to be told of it no longer stands."""
    deliveries.cancel_pending_to(session, KINDS, family_id, now)


def tell_verified(session: Session, family_id: int, canteens: bool, change: int, now: datetime) -> None:
    """`change`: the audit entry of the verification, the source of its message (one per change)."""
    withdraw_earlier(session, family_id, now)

    def render(language: str) -> str:
        said = _("Good news: your office has verified your registration.")
        if canteens:
            said += " " + _("You can apply for school canteens when you meet their other conditions.")
        return said

    deliveries.enqueue(
        session,
        kinds.REGISTRATION_VERIFIED,
        change,
        select(literal(family_id)),
        Message.written(render),
        now,
        now,
    )


def tell_correction(
    session: Session, family_id: int, office_code: str, reason: str, change: int, now: datetime
) -> None:
    """What to correct, how to send it back, and how to reach her office if she needs to ask."""
    withdraw_earlier(session, family_id, now)

    def render(language: str) -> str:
        return "\n".join(
            [
                _("Your office asks you to correct your registration:"),
                reason,
                _(
                    "Change what is asked in “My account” → “Change my details” (a new name or office "
                    "goes back to your office by itself). Otherwise, when it is done, choose “Send my "
                    "registration for review” in “My account”."
                ),
                "",
                her_office(session, office_code, language),
            ]
        ).rstrip()

    deliveries.enqueue(
        session,
        kinds.REGISTRATION_CORRECTION,
        change,
        select(literal(family_id)),
        Message.written(render),
        now,
        now,
    )
