"""The daily tip: at her hour (Riyadh time), each subscriber gets one tip she has not seen, through the
outbox (once a day: the delivery's source is the day), in her language, with the guidance it follows.
Run by the scheduler as often as it likes: a subscription that had today's tip is not due again today.

A family's own actions on her tips are here too: she reads a tip, takes a quiz, chooses her daily tip's
hour or stops it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from core.i18n import _
from office.audit import action
from storage import deliveries, kinds, tips
from storage.kinds import Message
from storage.models import Tip

KIND = kinds.TIP


def message(tip: Tip) -> Message:
    def render(language: str) -> str:
        return "\n\n".join(
            [
                _("💡 Today's food-safety tip:"),
                tip.text(language),
                _("Source: %(source)s", source=tip.source_in(language)),
                _("More tips: “Food-safety tips” in the menu. To stop daily tips, change it there."),
            ]
        )

    return Message.written(render)


def send_due(session: Session, now: datetime) -> int:
    """Today's tip for every subscriber whose hour has come; how many were enqueued."""
    today, _hour = tips.riyadh_day_and_hour(now)
    sent = 0
    while due := tips.due_subscriptions(session, now):
        for subscribed, opted_out_at in due:
            subscribed.last_day = today
            if opted_out_at is not None:
                continue  # she stopped messages: her subscription waits, and she misses no unseen tip
            tip = tips.next_unseen(session, subscribed.beneficiary_id)
            if tip is None:
                continue
            tips.mark_seen(session, subscribed.beneficiary_id, tip.id)
            family = select(literal(subscribed.beneficiary_id))
            sent += deliveries.enqueue(session, KIND, today.toordinal(), family, message(tip), now, now)
        session.flush()
    return sent


@action
def seen(session: Session, family_id: int, tip_id: str) -> None:
    """She read a tip: her daily tips bring the ones she has not read first."""
    tips.mark_seen(session, family_id, tip_id)


@action
def quiz_taken(
    session: Session, family_id: int, topic_id: str, score: int, total: int, now: datetime
) -> bool:
    """Her quiz's result is kept (one passed counts for canteens, as a training attended does); True if she
    passed."""
    return tips.record_quiz(session, family_id, topic_id, score, total, now)


@action
def subscribe(session: Session, family_id: int, hour: int, now: datetime) -> None:
    """A tip every day at `hour`, Riyadh time (a new hour: the day's tip does not come twice)."""
    tips.subscribe(session, family_id, hour, now)


@action
def unsubscribe(session: Session, family_id: int) -> None:
    """She stopped her daily tips."""
    tips.unsubscribe(session, family_id)
