"""Stopping or starting the messages, asked first when her words only nearly say it: "stop" and "start",
typed plainly, act at once (`engine.act_on`); a near miss («وقفو الرسايل» misspelt, «ستوب») is asked about,
and her answer takes her back where she was.

«وقفوو الرسايل» → Do you want to stop receiving announcements, tips, invitations …? → Yes, stop them → stopped
                                                                      → No, keep them  → where she was
"""

from __future__ import annotations

from enum import StrEnum

from conversations.engine.engine import GlobalWord, act_on
from conversations.engine.screens import ANYTHING, Confirm, On, Screens
from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Offer
from core.i18n import N_, _
from core.payloads import Options, Payload

HELD = "subscription_held"  # where she was


class Step(StrEnum):
    STOP = "stop"
    START = "start"


class Subscription(Options, prefix="subscription"):
    STOP = "stop"
    KEEP = "keep"
    START = "start"
    NOT_NOW = "not-now"


STOPPING = Confirm(
    Step.STOP,
    N_(
        "Do you want to stop receiving announcements, tips and invitations to trainings? You can still write "
        "to us."
    ),
    yes=Offer(N_("Yes, stop them"), Subscription.STOP),
    no=Offer(N_("No, keep them"), Subscription.KEEP),
    safe_first=True,  # a "1" typed out of habit keeps them
)
STARTING = Confirm(
    Step.START,
    N_("Do you want to receive announcements, tips and invitations to trainings again?"),
    yes=Offer(N_("Yes, send them"), Subscription.START),
    no=Offer(N_("No"), Subscription.NOT_NOW),
)


def ask_first(turn: Turn, *, stop: bool) -> None:
    """Her words nearly said "stop" (or "start"): asked, from where she is."""
    turn.hold(HELD)
    turn.conversation.flow = FlowName.SUBSCRIPTION
    (STOPPING if stop else STARTING).ask(turn)


def confirmed(turn: Turn, chosen: Subscription) -> None:
    turn.back_to(HELD)
    act_on(turn, GlobalWord.STOP if chosen is Subscription.STOP else GlobalWord.START)


def unchanged(turn: Turn, chosen: Subscription) -> None:
    turn.say(_("Nothing was changed."))
    turn.resume(HELD)


def something_else(turn: Turn, chosen: Payload | Answer) -> None:
    """Anything else is read where she was: the question was not answered, nothing changes."""
    turn.resume(HELD, chosen)


def leave(turn: Turn) -> None:
    turn.resume(HELD)


subscription = Screens(
    FlowName.SUBSCRIPTION,
    screens={None: STOPPING.ask},
    confirms=(STOPPING, STARTING),
    routes=(
        On(Subscription.STOP, at=Step.STOP, then=confirmed),
        On(Subscription.KEEP, at=Step.STOP, then=unchanged),
        On(Subscription.START, at=Step.START, then=confirmed),
        On(Subscription.NOT_NOW, at=Step.START, then=unchanged),
        On(*ANYTHING, then=something_else),
    ),
    help_text=N_(
        "Answer whether to stop, or start again, the announcements, tips and invitations to trainings we "
        "send you."
    ),
    on_cancel=leave,
)
