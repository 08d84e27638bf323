"""Options that answer from any step of any conversation: those of the messages we started — an
invitation's "✅ Going" / "❌ Not going" (also on its reminders and changes) — which she may tap, or answer by
number, long after her conversation has moved on. The answer is given, then her current question again."""

from __future__ import annotations

from conversations.engine.turn import Turn
from conversations.family.trainings import answer_invitation
from core.payloads import Payload, Rsvp, YesNo


def answered(turn: Turn, choice: Payload | None) -> bool:
    """Answer `choice` if it is a standing option; False if it is not one (the flow answers it)."""
    rsvp = Rsvp.unpack(choice)
    if rsvp is None or not turn.registered:
        return False
    answer_invitation(turn, rsvp.event, rsvp.going is YesNo.YES)
    return True
