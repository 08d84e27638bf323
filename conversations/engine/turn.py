"""A turn: one inbound message being answered, with the person's saved state and the replies so far."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any, Protocol

from sqlalchemy.orm import Session

from conversations.engine.understanding import words
from core.channel import Attachment, Inbound, Offer, Option, Reply
from core.i18n import LazyText, _, in_every_language, set_language
from core.payloads import Payload
from core.text import fold
from office.errors import NotStaff
from office.rights import Actor, Rights, rights
from storage.conversations import ConversationState
from storage.kinds import QuietHours, Senders


@lru_cache(maxsize=4096)
def match_keys(label: LazyText | str, aliases: tuple[str, ...]) -> list[str]:
    """The folded words that name an option: its label in each language, and its aliases."""
    return sorted({fold(text) for text in (*in_every_language(label), *aliases)})


def other_words(packed: str) -> tuple[str, ...]:
    """Her words for an option, beside its label (`[options]` of words.toml, by payload)."""
    return words().options.get(packed, ())


@dataclass(frozen=True)
class Answer:
    """What the person said, normalised; `choice` is the option she picked, if any, as its typed payload."""

    text: str
    choice: Payload | None = None


class FlowName(StrEnum):
    """Every flow, by the name a conversation keeps while she is in it (stored: the values do not change)."""

    HOME = "home"  # the welcome, or a registered family's main menu
    REGISTRATION = "registration"
    CONFIRM_IDENTITY = "confirm"
    ACCOUNT = "account"
    CHANGE_DETAILS = "change_details"
    TRAININGS = "trainings"
    TIPS = "tips"
    SERVICES = "services"
    CANTEENS = "canteens"
    ASK_OFFICE = "ask_office"
    LIBRARY = "library"  # an answer from the library: did it help?
    SUBSCRIPTION = "subscription"  # "stop the messages?", asked when her words only nearly said it
    STAFF = "staff"  # the staff menu
    STAFF_QUESTIONS = "staff_questions"
    STAFF_REGISTRATIONS = "staff_registrations"
    ANNOUNCEMENTS = "announcements"
    NEW_ANNOUNCEMENT = "announce"
    STAFF_EVENTS = "staff_events"
    NEW_EVENT = "new_event"
    EDIT_EVENT = "edit_event"
    STAFF_CANTEENS = "staff_canteens"
    NEW_CANTEEN = "new_canteen"
    EDIT_CANTEEN = "edit_canteen"
    STAFF_OFFICES = "staff_offices"
    OFFICE_CONTACT = "office_contact"


class Flow(Protocol):
    """A piece of dialogue. The engine calls `begin` to enter it, `answer` with each message, and `ask`
    to repeat the current question (after help, a language switch, a photo, a stale button), `help` for
    what to say about the current step, and `cancel` when she says "cancel"."""

    @property
    def name(self) -> FlowName: ...

    def begin(self, turn: Turn) -> None: ...

    def ask(self, turn: Turn) -> None: ...

    def answer(self, turn: Turn, answer: Answer) -> None: ...

    def help(self, turn: Turn) -> str | None: ...

    def cancel(self, turn: Turn) -> None: ...


class Handoff(Protocol):
    """Where what the bot cannot read goes: her office (`conversations.family.ask_office`)."""

    def files(self, turn: Turn) -> bool:
        """A voice note, photo or document with no words: taken for her office (True), or not here."""
        ...

    def question(self, turn: Turn) -> bool:
        """A question she asked where an answer was expected (inside a form): offered to her office (True),
        her place kept; or not here."""
        ...

    def long_words(self, turn: Turn) -> bool:
        """Words too long to read as an answer (`Inbound.too_long`): kept for her office (True), or not
        here."""
        ...


@dataclass(frozen=True)
class Dialogue:
    """Every flow by name (each name once: `conversations.flows` checks it), and what the engine asks of the
    flows without naming one: options that answer from any step (an invitation's "Going"), and where a file
    goes."""

    flows: Mapping[FlowName, Flow]
    standing: Callable[[Turn, Payload | None], bool] = lambda turn, choice: False
    handoff: Handoff | None = None
    # What she wants, in words no option of her screen took ("ابي اشوف الدورات"): True if acted on.
    wishes: Callable[[Turn, Answer], bool] = lambda turn, answer: False


@dataclass(frozen=True)
class Setup:
    """What this installation does about sending, for the flows that tell staff what will happen: its quiet
    hours, and what it can send on (None: not known, nothing is said about it)."""

    quiet: QuietHours | None = field(default_factory=QuietHours)
    senders: Senders | None = None
    calendar_url: str | None = None  # where the web server serves events as .ics files; None: not offered


@dataclass
class Turn:
    session: Session
    conversation: ConversationState
    inbound: Inbound
    dialogue: Dialogue
    is_new: bool = False  # her very first message to us on this channel
    setup: Setup = field(default_factory=Setup)
    replies: list[Reply] = field(default_factory=list)
    forgotten: bool = False

    @property
    def now(self) -> datetime:
        return self.inbound.received_at

    @property
    def language(self) -> str:
        return self.conversation.language

    @property
    def step(self) -> str | None:
        return self.conversation.step

    @step.setter
    def step(self, step: str | None) -> None:
        self.conversation.step = step

    @property
    def answers(self) -> dict[str, Any]:
        """A copy of the answers collected so far; change them with `remember` and `clear_answers`."""
        return dict(self.conversation.answers)

    def remember(self, **values: Any) -> None:
        self.conversation.answers = {**self.conversation.answers, **values}

    def clear_answers(self) -> None:
        self.conversation.answers = {}

    def switch_language(self, language: str) -> None:
        self.conversation.language = language
        set_language(language)

    def say(
        self,
        text: str,
        options: Iterable[Offer] = (),
        *,
        request_contact: bool = False,
        numbered: bool = True,
    ) -> None:
        """`numbered=False`: a number typed is an answer of its own (an hour), not an option's number; the
        options are chosen by their buttons or words."""
        offers = tuple(options)
        shown = tuple(Option(label=str(offer.label), payload=offer.packed) for offer in offers)
        button = _("📱 Share my number") if request_contact else None
        if request_contact:
            self.conversation.contact_keyboard = True
        self.replies.append(
            Reply(text, shown, contact_button=button, numbered=numbered, language=self.language)
        )
        # What a number or a label typed next refers to: the options of the latest question.
        self.conversation.offered = [
            {
                "payload": offer.packed,
                "labels": match_keys(offer.label, offer.aliases + other_words(offer.packed)),
            }
            | ({} if offer.means is None else {"means": offer.means.value})
            | ({"firm": True} if offer.firm else {})
            | ({} if numbered else {"unnumbered": True})
            for offer in offers
        ]

    def attach(self, text: str, attachment: Attachment) -> None:
        """A file, after `text`, on a channel that takes one (`Channel.takes_files`: elsewhere the text alone
        goes). It asks nothing: the options she was last offered stay the ones a number chooses."""
        self.replies.append(Reply(text, language=self.language, attachment=attachment))

    @property
    def flows(self) -> Mapping[FlowName, Flow]:
        return self.dialogue.flows

    def hold(self, key: str) -> None:
        """Keep, under `key`, where she is (her flow and step) before a question aside from it: a library
        answer's "did it help?", "stop the messages?"."""
        self.remember(**{key: {"flow": self.conversation.flow, "step": self.step}})

    def resume(self, key: str, chosen: Payload | Answer | None = None) -> None:
        """Back where `hold` kept her under `key` (the menu, if nowhere): her question asked again, or what
        she chose or wrote (`chosen`) read there. Nothing else she had (a draft, a quiz) is touched."""
        self.back_to(key)
        if chosen is None:
            self.flow.ask(self)
        elif isinstance(chosen, Answer):
            self.flow.answer(self, chosen)
        else:
            self.flow.answer(self, Answer(text=self.inbound.text, choice=chosen))

    def back_to(self, key: str) -> None:
        """Where `hold` kept her under `key` (the menu, if nowhere), without asking anything yet."""
        held = self.answers.get(key) or {}
        kept = {name: value for name, value in self.answers.items() if name != key}
        self.clear_answers()
        self.remember(**kept)
        flow, step = held.get("flow"), held.get("step")
        if flow not in set(FlowName) or flow == self.conversation.flow:
            flow, step = FlowName.HOME, None
        self.conversation.flow, self.step = FlowName(flow), step

    def go(self, flow_name: FlowName, at: str | None = None) -> None:
        """Leave the current flow for another one and start it, or ask its question at step `at`."""
        self.conversation.flow = flow_name
        self.conversation.step = at
        if at is None:
            self.flows[flow_name].begin(self)
        else:
            self.flows[flow_name].ask(self)

    @cached_property
    def rights(self) -> Rights | None:
        """What the person writing may do as office staff (admin, or her office's), read from the staff table
        once a turn; None: she is not staff."""
        try:
            return rights(self.session, self.actor)
        except NotStaff:
            return None

    @property
    def actor(self) -> Actor:
        """Who acts in the office actions: the person writing, by the address her channel gives (each action
        reads her rights itself)."""
        return Actor(self.inbound.address)

    @property
    def registered(self) -> bool:
        return self.conversation.beneficiary_id is not None

    @property
    def flow(self) -> Flow:
        return self.flows[FlowName(self.conversation.flow or FlowName.HOME)]

    def forget_conversation(self) -> None:
        self.forgotten = True
