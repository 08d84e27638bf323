"""What the scheduler does every half minute, each part in its own transaction and idempotent: what is
due is read from the tables, what was done is written there, so a restart loses nothing and a second run
does nothing more.

- announcements whose time has come become deliveries;
- events whose invitation time has come invite their audience; reminders fall due before the start;
- daily tips reach the subscribers whose hour has come;
- canteen opportunities past their deadline close.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from conversations import daily_tips
from office import event_notices, inbox, sign_in
from storage import announcements, canteens, seen

Work = Callable[..., object]  # (session, now=…)


def due_work(
    reminders: Sequence[timedelta] = event_notices.DEFAULT_REMINDERS,
    unanswered_hours: float = inbox.UNANSWERED_HOURS,
) -> list[tuple[str, Work]]:
    """The scheduler's jobs, by name, in the order they run."""

    def remind(session: Session, now: datetime) -> int:
        return event_notices.remind_due(session, now, reminders)

    def unanswered(session: Session, now: datetime) -> int:
        return inbox.remind_unanswered(session, now, unanswered_hours)

    return [
        ("announcements", announcements.enqueue_due),
        ("invitations", event_notices.invite_due),
        ("reminders", remind),
        ("daily tips", daily_tips.send_due),
        ("canteen deadlines", canteens.close_due),
        ("questions unanswered", unanswered),
        ("messages seen long ago", seen.forget_old),
        ("console sign-ins long over", sign_in.forget_old),
    ]
