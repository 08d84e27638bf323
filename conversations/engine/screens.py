"""A flow that is not a form, as a table: how each step is shown, and rows of (what she chose, at which steps)
→ what follows, read top to bottom as the script of the dialogue, with a fallback for anything else.
python-telegram-bot's ConversationHandler is the model: its states are our steps, its handlers our rows.

    Screens(FlowName.STAFF_EVENTS, allowed=is_staff, screens={None: menu, Step.LIST: listing, …},
            confirms=(CANCELLING,), routes=(On(EventsOption.NEW, go=FlowName.NEW_EVENT),
                                            On(ShowEvent, at=Step.LIST, then=open_event), …),
            help_text=N_("Here you create training events …"))

A row names what she chose: one payload (`EventsOption.NEW`), a payload type (`ShowEvent`: any of them),
`TYPED` (words that chose no option), or `*ANYTHING`; and where: the steps it applies at (`at`; every step
when not given, `at=None` for the flow's first screen). Its handler (`then`) gets the turn and what she chose
(the payload, or the `Answer` to typed words); or the row shows a screen again (`show`) or goes to another
flow (`go`). The first row that fits runs; none fitting, `otherwise` does. A `Confirm` is a yes/no screen of
its own, where "نعم" or "no" typed choose its yes or no. `Shown` keeps the one thing on her screen between
turns.

`check` is run when the flows are put together (`conversations.flows`): every row's step is a screen of the
flow, every flow a row goes to exists, and every screen has a row that leaves it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Final, Generic, TypeVar

from sqlalchemy.orm import Session

from conversations.engine.forms import yes_or_no
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.engine.understanding import soft_yes
from core.channel import Meaning, Offer
from core.i18n import LazyText, _
from core.payloads import Payload
from office.errors import OfficeError
from office.rights import Actor

T = TypeVar("T")


class Typed:
    """Words she typed that chose no option."""

    def __repr__(self) -> str:
        return "TYPED"


TYPED: Final = Typed()
ANYTHING: Final = (Payload, TYPED)  # whatever she sent: `On(*ANYTHING, …)`

Screen = Callable[[Turn], None]
Handler = Callable[[Turn, Any], None]
Chosen = Payload | type[Payload] | Typed


@dataclass(frozen=True, init=False)
class On:
    """One row: what she chose, at which steps (any step when none are named), and what follows: a handler,
    a screen shown again, or another flow."""

    chosen: tuple[Chosen, ...]
    at: tuple[str | None, ...]
    then: Handler | None
    show: Screen | None
    go: FlowName | None
    go_at: str | None
    when: Callable[[Turn, Any], bool] | None

    def __init__(
        self,
        *chosen: Chosen,
        at: str | tuple[str | None, ...] | None = (),  # () every step; None the first screen
        then: Handler | None = None,
        show: Screen | None = None,
        go: FlowName | None = None,
        go_at: str | None = None,
        when: Callable[[Turn, Any], bool] | None = None,
    ) -> None:
        if not chosen or [then, show, go].count(None) != 2:
            raise TypeError("a row names what she chose and exactly one of then, show or go")
        object.__setattr__(self, "chosen", chosen)
        object.__setattr__(self, "at", at if isinstance(at, tuple) else (at,))
        object.__setattr__(self, "then", then)
        object.__setattr__(self, "show", show)
        object.__setattr__(self, "go", go)
        object.__setattr__(self, "go_at", go_at)
        object.__setattr__(self, "when", when)

    def fits(self, step: str | None, answer: Answer) -> Any:
        """What the row's handler gets (the payload, or the answer to typed words); None: it does not fit."""
        if self.at and step not in self.at:
            return None
        for chosen in self.chosen:
            if isinstance(chosen, Typed):
                found: Any = answer if answer.choice is None else None
            elif isinstance(chosen, type):
                found = answer.choice if isinstance(answer.choice, chosen) else None
            else:
                found = answer.choice if answer.choice == chosen else None
            if found is not None:
                return found
        return None

    def run(self, turn: Turn, found: Any) -> None:
        if self.go is not None:
            turn.go(self.go, at=self.go_at)
        elif self.show is not None:
            self.show(turn)
        elif self.then is not None:
            self.then(turn, found)


@dataclass(frozen=True)
class Confirm:
    """A yes or no asked at a step of its own before something that is not undone lightly: its own yes and
    no payloads, so that no other question's button answers it; "نعم" or "no" typed answer it too (the table
    takes it among its `confirms`, and its rows say what yes and no do)."""

    step: str
    question: LazyText | Callable[[Turn], str]
    yes: Offer
    no: Offer
    safe_first: bool = False  # "no" as option 1: a "1" typed out of habit keeps things as they are

    def __post_init__(self) -> None:  # her "ايه" or "👍" finds the yes, her "لا" or "ما ابي" the no
        # Not undone lightly (`safe_first`): «ان شاء الله», which may mean "maybe", is not a yes here.
        object.__setattr__(self, "yes", replace(self.yes, means=Meaning.YES, firm=self.safe_first))
        object.__setattr__(self, "no", replace(self.no, means=Meaning.NO))

    def ask(self, turn: Turn) -> None:
        turn.step = self.step
        question = str(self.question) if isinstance(self.question, LazyText) else self.question(turn)
        turn.say(question, [self.no, self.yes] if self.safe_first else [self.yes, self.no])


@dataclass(frozen=True)
class Shown(Generic[T]):
    """The one thing on her screen (an event, an announcement, a family): its number kept in the
    conversation, and read back each time through `load`, which gives None for one she may no longer see."""

    key: str
    load: Callable[[Turn, int], T | None]

    def keep(self, turn: Turn, number: int) -> None:
        turn.remember(**{self.key: number})

    def get(self, turn: Turn) -> T | None:
        number = turn.answers.get(self.key)
        return self.load(turn, number) if isinstance(number, int) else None

    def get_or(self, turn: Turn, back: Screen, gone: LazyText | None = None) -> T | None:
        """The thing on her screen; None once she may no longer see it, when she is told `gone` (if anything)
        and shown `back` instead."""
        found = self.get(turn)
        if found is None:
            if gone is not None:
                turn.say(str(gone))
            back(turn)
        return found


def she_may_see(read: Callable[[Session, Actor, int], T]) -> Callable[[Turn, int], T | None]:
    """A `Shown`'s `load` through an office action, which reads it for her: None when the office refuses her
    (another office's, or she is no longer staff)."""

    def load(turn: Turn, number: int) -> T | None:
        try:
            return read(turn.session, turn.actor, number)
        except OfficeError:
            return None

    return load


@contextmanager
def refusal_said(turn: Turn) -> Iterator[None]:
    """Around an office action and what she is told when it is done: if the office refuses it, she is told
    why (`OfficeError.message`) instead, and the flow goes on after the block.

        with refusal_said(turn):
            count = events.thank(turn.session, turn.actor, event.id, turn.now)
            turn.say(…count…)
        detail(turn)
    """
    try:
        yield
    except OfficeError as refused:
        turn.say(refused.message)


def is_staff(turn: Turn) -> bool:
    """Whether she is office staff (her rights are read once a turn)."""
    return turn.rights is not None


def is_admin(turn: Turn) -> bool:
    """Whether she acts for every office."""
    return turn.rights is not None and turn.rights.admin


def is_registered(turn: Turn, chosen: object) -> bool:
    return turn.registered


def not_registered(turn: Turn, chosen: object) -> bool:
    return not turn.registered


def not_understood(turn: Turn, answer: Answer) -> None:
    turn.say(_("Sorry, I did not understand that. Please choose from the menu below."))
    turn.flow.ask(turn)


def nothing_changed(then: Screen) -> Handler:
    """A row's handler for a "no" that keeps things as they are: she is told so, and shown `then`."""

    def keep(turn: Turn, chosen: object) -> None:
        turn.say(_("Nothing was changed."))
        then(turn)

    return keep


def nothing_to_cancel(turn: Turn) -> None:
    turn.say(_("There is nothing to cancel."))
    turn.flow.ask(turn)


@dataclass(frozen=True)
class Screens:
    """A flow as a table (see the module's docstring)."""

    name: FlowName
    screens: Mapping[str | None, Screen]
    routes: Sequence[On]
    help_text: LazyText | Callable[[Turn], str | None]
    otherwise: Callable[[Turn, Answer], None] = not_understood
    on_cancel: Screen = nothing_to_cancel
    # What she sees first (the screen of no step, if not named); `allowed` is checked before each step, and
    # whoever it refuses goes to `refused_to` (the staff chat's flows: staff alone, rights read each turn).
    first: Screen | None = None
    allowed: Callable[[Turn], bool] | None = None
    refused_to: FlowName = FlowName.HOME
    confirms: Sequence[Confirm] = ()  # each a screen of its own, answered by its yes or no typed too
    _shows: dict[str | None, Screen] = field(init=False, repr=False, compare=False)
    _yes_no: dict[str, tuple[Payload, Payload]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        asked = {confirm.step: confirm for confirm in self.confirms}
        object.__setattr__(self, "_shows", {**{step: c.ask for step, c in asked.items()}, **self.screens})
        yes_no = {step: (c.yes.payload, c.no.payload) for step, c in asked.items()}
        object.__setattr__(self, "_yes_no", yes_no)

    # -- the Flow protocol --------------------------------------------------------------------------

    def begin(self, turn: Turn) -> None:
        if self._refused(turn):
            return
        screen = self.first or self._shows.get(None)
        assert screen is not None  # `check`: a table has a first screen
        screen(turn)

    def ask(self, turn: Turn) -> None:
        if self._refused(turn):
            return
        # A step it does not know (kept before an upgrade) asks its screen of no step, not a fresh start.
        screen = self._shows.get(turn.step) or self._shows.get(None) or self.first
        assert screen is not None  # `check`: a table has a first screen
        screen(turn)

    def answer(self, turn: Turn, answer: Answer) -> None:
        step = turn.step
        if step in self._yes_no and answer.choice is None:  # "نعم" or "no" typed answers the question too
            yes, no = self._yes_no[step]
            said = yes_or_no(turn, answer, yes, no)
            answer = Answer(text=answer.text, choice=said) if said is not None else answer
            if said is None and self._maybe(step, answer.text):
                self._ask_plainly(turn, step)
                return
        if self._refused(turn):
            return
        for route in self.routes:
            found = route.fits(step, answer)
            if found is not None and (route.when is None or route.when(turn, found)):
                route.run(turn, found)
                return
        if answer.choice is None and turn.dialogue.wishes(turn, answer):
            return  # no row took her words, but they say what she wants ("ابي اشوف الدورات")
        self.otherwise(turn, answer)

    def _maybe(self, step: str | None, text: str) -> bool:
        """A yes that may mean "maybe" («ان شاء الله»), to a question not undone lightly (`safe_first`)."""
        asked = next((c for c in self.confirms if c.step == step), None)
        return asked is not None and asked.safe_first and soft_yes(text)

    def _ask_plainly(self, turn: Turn, step: str | None) -> None:
        asked = next(c for c in self.confirms if c.step == step)
        turn.say(
            _(
                "This matters, so please answer plainly: “%(yes)s” or “%(no)s”.",
                yes=asked.yes.label,
                no=asked.no.label,
            )
        )
        self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return str(self.help_text) if isinstance(self.help_text, LazyText) else self.help_text(turn)

    def cancel(self, turn: Turn) -> None:
        self.on_cancel(turn)

    def _refused(self, turn: Turn) -> bool:
        if self.allowed is None or self.allowed(turn):
            return False
        turn.go(self.refused_to)
        return True

    # -- checked when the flows are put together ------------------------------------------------------

    def check(self, names: Collection[FlowName]) -> list[str]:
        """What is wrong with the table: a row at a step that has no screen, a row to a flow that is not
        there, a screen no row leaves."""
        problems = [] if self.first or None in self._shows else [f"{self.name}: no first screen"]
        problems += [
            f"{self.name}: a row at step {step!r}, which has no screen"
            for route in self.routes
            for step in route.at
            if step not in self._shows
        ]
        problems += [
            f"{self.name}: a row goes to {route.go!r}, which is not a flow"
            for route in self.routes
            if route.go is not None and route.go not in names
        ]
        problems += [
            f"{self.name}: nothing leaves step {step!r}"
            for step in self._shows
            if not any(not route.at or step in route.at for route in self.routes)
        ]
        return problems
