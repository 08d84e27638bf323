"""Options that answer from any step of any conversation: those of the messages we started — an
invitation's "✅ Going" / "❌ Not going" (also on its reminders and changes) — which she may tap, or answer by
number, long after her conversation has moved on. The answer is given, then her current question again."""

from __future__ import annotations

from datetime import timedelta

from conversations.engine.engine import UNSURE
from conversations.engine.turn import FlowName, Turn
from conversations.engine.understanding import about_attending, asks_yes_or_no, unsure, yes_or_no
from conversations.family.trainings import SHOWN_TRAINING, Step, answer_invitation
from core.channel import Meaning
from core.payloads import Payload, Rsvp, YesNo
from storage import deliveries

ATTENDING_WITHIN = timedelta(days=1)  # how long a yes or no that speaks of coming still answers an invitation


def answered(turn: Turn, choice: Payload | None) -> bool:
    """Answer `choice` if it is a standing option, or her typed yes or no if the latest thing we asked her
    was an invitation's "will you come?"; False if neither (the flow answers it)."""
    if choice is None and _unsure_of_invitation(turn):
        return True
    rsvp = Rsvp.unpack(choice) if choice is not None else _said_to_invitation(turn)
    if rsvp is None or not turn.registered:
        return False
    answer_invitation(turn, rsvp.event, rsvp.going is YesNo.YES)
    return True


def _unsure_of_invitation(turn: Turn) -> bool:
    """«ما اظن», «صعب شوي» right after an invitation: neither her yes nor her no, so the training is shown,
    with its answers, for her to choose one (the engine asks its screen next)."""
    family, since = turn.conversation.beneficiary_id, turn.conversation.last_inbound_at
    inbound = turn.inbound
    if family is None or since is None or not inbound.text or not unsure(inbound.text):
        return False
    if asks_yes_or_no(turn.conversation.offered):
        return False  # her screen's own yes or no: the screen asks again
    asked = deliveries.asked_since(turn.session, family, inbound.channel.value, inbound.address, since)
    invitation = next((r for r in map(Rsvp.unpack, asked) if r is not None), None)
    if invitation is None:
        return False
    turn.say(str(UNSURE))
    SHOWN_TRAINING.keep(turn, invitation.event)
    turn.conversation.flow, turn.step = FlowName.TRAININGS, Step.DETAIL
    return True


def _said_to_invitation(turn: Turn) -> Rsvp | None:
    """«ايه ان شاء الله», «لا ما اقدر» typed right after an invitation (or its reminder), which came after
    her previous message: the latest question she saw is the invitation's, whatever her screen. A yes or a
    no that speaks of coming («عندي ظرف ما راح اقدر احضر») answers it even after another message of hers
    («شكرا»), while the invitation is the latest message of the last day and her screen asks no yes or no
    of its own."""
    family, since = turn.conversation.beneficiary_id, turn.conversation.last_inbound_at
    if family is None or since is None or not turn.inbound.text or turn.inbound.payload is not None:
        return None
    said = yes_or_no(turn.inbound.text)
    if said is None:
        return None
    inbound = turn.inbound
    asked = deliveries.asked_since(turn.session, family, inbound.channel.value, inbound.address, since)
    if not asked and about_attending(inbound.text) and not asks_yes_or_no(turn.conversation.offered):
        since = turn.now - ATTENDING_WITHIN
        asked = deliveries.asked_since(turn.session, family, inbound.channel.value, inbound.address, since)
    wanted = YesNo.YES if said is Meaning.YES else YesNo.NO
    return next((r for r in map(Rsvp.unpack, asked) if r is not None and r.going is wanted), None)
