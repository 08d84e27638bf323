"""The everyday utterances of tests/data/utterances.tsv, each read where she writes it, as the engine reads
it: a real conversation is driven to each place (the menu, an invitation's "will you attend?", the mobile
question …), and each utterance is read there by the engine's own `read`, then by the form's question or her
wishes, as a turn would, without changing anything. `bench/understanding.py` reports the figures; the
floor test keeps them from falling."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from conversations.engine.engine import UNSURE, Engine, GlobalWord, read
from conversations.engine.forms import PENDING, REVIEW, Abort, Form, FormOption, Invalid, wants_back
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.engine.understanding import Intent, Understood, is_question, mentioned
from conversations.family import ask_office, library, wishes
from conversations.family import tips as tips_flow
from core.channel import Channel, Inbound, Meaning
from core.i18n import use_language
from core.text import fold
from office import canteens as canteen_actions
from office import event_notices, registrations
from office.rights import OPERATOR
from storage import beneficiaries, events, tips
from storage import conversations as saved
from storage.audiences import Audience
from storage.db import Database
from tests.support.builders import FORUM, girls_school, national_id
from tests.support.people import Clock, Person

UTTERANCES = Path(__file__).resolve().parents[1] / "data" / "utterances.tsv"
UNSEEN = UTTERANCES.with_name("utterances-unseen.tsv")  # written after the tuning, never tuned on
IRREVERSIBLE = {"withdraw-confirm": "yes", "rsvp": "no"}  # where a wrong "yes" or "no" is not undone lightly
WORD_INTENTS = {
    GlobalWord.HELP: "help",
    GlobalWord.MENU: "menu",
    GlobalWord.CANCEL: "cancel",
    GlobalWord.BACK: "back",
    GlobalWord.LANGUAGE: "language",
    GlobalWord.ENGLISH: "language",
    GlobalWord.ARABIC: "language",
    GlobalWord.STOP: "stop",
    GlobalWord.START: "start",
}


@dataclass(frozen=True)
class Utterance:
    place: str
    text: str
    expected: str
    note: str = ""


def utterances(path: Path = UTTERANCES) -> list[Utterance]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE) if row]
    return [Utterance(*[*row, ""][:4]) for row in rows if not row[0].startswith("#")]


# -- the places, each reached as she would reach it -------------------------------------------------------

Script = Callable[[Person], Awaitable[None]]
REGISTRATION = ["مرحبا", "1", "نورة الحربي", "1000000008", "0551234567", "مكة", "1", "تم", "1", "1"]
CANTEEN = ["القائمة", "فرص المقاصف", "1"]


@dataclass
class Place:
    name: str
    person: Person
    flow: str | None = None
    step: str | None = None
    offered: list[dict[str, Any]] = field(default_factory=list)


async def _typed(person: Person, *said: str) -> None:
    for text in said:
        await person.says(text)


def places(database: Database, clock: Clock, said: list[Utterance]) -> dict[str, Script]:
    """How she reaches each place (a quiz's question is a place of its own: "quiz:clean-q1")."""

    async def registered(person: Person, *then: str) -> None:
        number = int(person.address[-4:])
        await person.registers(national_id=national_id(number), mobile=f"0550{number:06d}")
        await database.run(lambda s: event_notices.invite_due(s, clock.now))
        await _typed(person, "القائمة", *then)

    async def eligible(person: Person, *then: str) -> None:
        """A family who may apply for a canteen: verified, with a passed quiz."""
        await registered(person)
        identity = national_id(int(person.address[-4:]))

        def verified(session: Session) -> None:
            family = beneficiaries.find_by(session, beneficiaries.Identifier.NATIONAL_ID, identity)
            assert family is not None
            registrations.verify(session, OPERATOR, family, clock.now)
            tips.record_quiz(session, family, "clean", 3, 3, clock.now)

        await database.run(verified)
        await _typed(person, *then)

    topics = {topic["id"]: topic["ar"] for topic in tips.read_toml(tips.TIPS_FILE)["topic"]}

    def quiz(question: str) -> Script:
        topic, _, number = question.rpartition("-q")
        answers = ["1"] * (int(number) - 1)
        return lambda p: registered(p, "نصائح سلامة الغذاء", topics[topic], "اختبار", *answers)

    return {
        "menu-new": lambda p: _typed(p, "مرحبا"),
        "name": lambda p: _typed(p, *REGISTRATION[:2]),
        "national-id": lambda p: _typed(p, *REGISTRATION[:3]),
        "mobile": lambda p: _typed(p, *REGISTRATION[:4]),
        "office": lambda p: _typed(p, *REGISTRATION[:5]),
        "products": lambda p: _typed(p, *REGISTRATION[:6]),
        "consent": lambda p: _typed(p, *REGISTRATION[:10]),
        "summary": lambda p: _typed(p, *REGISTRATION[:10], "1"),
        "menu": lambda p: registered(p),
        "account": lambda p: registered(p, "حسابي"),
        "tips": lambda p: registered(p, "نصائح سلامة الغذاء", "1"),
        "rsvp": lambda p: registered(p, "الدورات التدريبية", "1"),
        "canteen": lambda p: eligible(p, *CANTEEN),
        "apply-confirm": lambda p: eligible(p, *CANTEEN, "التقديم"),
        "canteen-applied": lambda p: eligible(p, *CANTEEN, "التقديم", "1"),
        "withdraw-confirm": lambda p: eligible(p, *CANTEEN, "التقديم", "1", "سحب طلبي"),
        **{f"quiz:{u.note}": quiz(u.note) for u in said if u.place == "quiz"},
    }


def _state(session: Session, address: str) -> saved.ConversationState | None:
    return saved.load(session, Channel.TERMINAL.value, address)


async def town_for_her(database: Database, clock: Clock) -> None:
    """What the places need: a training to attend, a canteen to apply for, the tips and their quizzes."""

    def prepare(session: Session) -> None:
        tips.load_shipped(session)
        events.create(session, FORUM, Audience(offices=("makkah",)), clock.now, "900", clock.now)
        school = girls_school("ابتدائية مكة", clock.now + timedelta(days=10))
        canteen_actions.publish(session, OPERATOR, school, clock.now)

    await database.run(prepare)


async def reach(database: Database, engine: Engine, clock: Clock, said: list[Utterance]) -> dict[str, Place]:
    """Each place, reached by a person of her own (one address a place)."""
    await town_for_her(database, clock)
    reached: dict[str, Place] = {}
    for number, (name, script) in enumerate(places(database, clock, said).items(), start=1):
        person = Person(engine, clock, address=f"96650000{number:04d}")
        await script(person)
        state = await database.run(partial(_state, address=person.address))
        assert state is not None, name
        reached[name] = Place(name, person, state.flow, state.step, list(state.offered))
    return reached


# -- reading an utterance where she is -----------------------------------------------------------------------


def outcome(session: Session, engine: Engine, place: Place, text: str) -> set[str]:
    """What the engine makes of `text` at `place`: the outcomes it reaches ("yes" and "option:✅ Going"
    for one option), in the vocabulary of the set."""
    state = saved.load(session, Channel.TERMINAL.value, place.person.address)
    assert state is not None
    inbound = Inbound(
        channel=Channel.TERMINAL, address=place.person.address, text=text, received_at=state.created_at
    )
    turn = Turn(session=session, conversation=state, inbound=inbound, dialogue=engine.dialogue)
    with use_language(state.language):
        flow = turn.flow
        reading = read(state.offered, inbound.text, in_form=isinstance(flow, Form))
        if reading.word is not None:
            return {f"intent:{WORD_INTENTS[reading.word]}"}
        if reading.in_kind is not None:
            return {"asked-plainly"} if reading.in_kind is UNSURE else {"asked-again"}
        if isinstance(flow, Form) and state.step in {f.name for f in flow.fields}:
            if reading.choice is None and wants_back(text):
                return {"intent:back"}
            return _value(turn, flow, Answer(text=text, choice=reading.choice))
        if reading.choice is not None:
            return _chosen(state.offered, reading.choice.pack())
        if isinstance(flow, Form):  # its summary: an answer her words name, or asked again (no wishes here)
            named = flow.named_answer(turn, text) if state.step == REVIEW else None
            change = _chosen(state.offered, FormOption.CHANGE.pack()) if named else set()
            return change | {f"field:{named.name}"} if named else {"asked-again"}
        if state.step == tips_flow.Step.QUIZZING and tips_flow.named_choice(turn, Answer(text=text)):
            return _chosen(state.offered, str(mentioned(state.offered, text)))  # its row: a choice named
        if state.step == tips_flow.Step.QUIZZING and tips_flow.no_such_answer(turn, Answer(text=text)):
            return {"asked-again"}  # «ايه» to a quiz question: its own row asks for one of the answers
        wish = wishes.her_wish(text)
        if wish is not None and wish.intent is not None and (not wish.others or wish.intent == "ask_office"):
            return _wished(wish)
        # as `wishes.wished`: a question the library answers plainly
        found = library.search(turn, text, wish.intent if wish else None)
        if found:
            return {f"answer:{each.key}" for each in found}
        if wish is not None and wish.intent is not None:
            return _wished(wish)
        return {"office"} if ask_office.for_her_office(text) else {"asked-again"}


def _wished(wish: Understood) -> set[str]:
    assert wish.intent is not None
    if not wish.sure and wish.intent.value in ("stop", "start"):
        return {f"confirm:{wish.intent.value}"}
    if wish.intent.value == "ask_office" and wish.others:
        return {"office"}
    return {f"intent:{wish.intent.value}"}


def _labels(offered: list[dict[str, Any]], payloads: list[str]) -> set[str]:
    return {f"label:{label}" for o in offered if o["payload"] in payloads for label in o["labels"]}


def _chosen(offered: list[dict[str, Any]], payload: str) -> set[str]:
    option = next(o for o in offered if o["payload"] == payload)
    found = {f"label:{label}" for label in option["labels"]}
    return found | ({option["means"]} if option.get("means") in (Meaning.YES, Meaning.NO) else set())


def _value(turn: Turn, form: Form, answer: Answer) -> set[str]:
    asked = next(f for f in form.fields if f.name == turn.step)
    draft = dict(turn.answers.get(form.name, {}))
    try:
        value = asked.take(turn, answer, draft)
    except Invalid:  # her words named an option (a "Done" before any tick) that the question refuses
        chosen = answer.choice.pack() if answer.choice is not None else None
        if chosen:
            return _chosen(turn.conversation.offered, chosen)
        asked_her_office = is_question(answer.text) and ask_office.has_words(answer.text)
        return {"office"} if asked_her_office else {"asked-again"}  # as `Form`: a question is offered
    except Abort:
        return {"no"}  # her "no" to consent: the form ends, nothing kept
    if value is PENDING:  # ticks of a question with several answers, before "Done": those she ticked
        return _labels(turn.conversation.offered, draft.get(f"_selected:{asked.name}", []))
    if isinstance(value, list):  # several answers, complete
        return _labels(turn.conversation.offered, value)
    if isinstance(value, str) and any(o["payload"] == value for o in turn.conversation.offered):
        return _chosen(turn.conversation.offered, value) | {f"value:{value}"}
    if answer.choice is not None:
        return _chosen(turn.conversation.offered, answer.choice.pack()) | {f"value:{value}"}
    return {f"value:{value}"}


QUIZZES = tips.read_toml(tips.TIPS_FILE)["quiz"]
# A wish at the menu is its option there: "الدورات" picks "Trainings", as "ابي اشوف الدورات" wishes it.
MENU_OPTIONS = {
    "intent:register": ("register my family", "continue registration"),
    "intent:trainings": ("trainings",),
    "intent:tips": ("foodsafety tips",),
    "intent:canteens": ("canteen opportunities",),
    "intent:services": ("useful services",),
    "intent:account": ("my account",),
    "intent:ask_office": ("ask my office",),
}


# A question about her own page is answered by opening it: her applications and where each stands, her
# office's details (a question about the trainings asks for a date or a place, which the list does not show);
# and «ابي احذف بياناتي» asks "delete your data?", which is My account's own question.
SAME_PAGE = {
    "answer:application": "intent:applications",
    "answer:office": "intent:my_office",
    "intent:account": "intent:delete",
}
SAME_AS_OPTION = {"menu": "back to the main menu", "language": "change language"}


def _wish_is_option(wish: str, expected: str, place: Place) -> bool:
    """Whether the wish does what the expected option of her screen does (as `family.wishes` does it)."""
    label = fold(expected.removeprefix("option:"))
    option = next((o for o in place.offered if label in o["labels"]), None)
    through = {**wishes.MENU_WISHES, **wishes.ACCOUNT_WISHES}.get(Intent(wish))
    if option is None:
        return False
    return (through is not None and option["payload"] == through.pack()) or SAME_AS_OPTION.get(wish) == label


def right(expected: str, reached: set[str], place: Place) -> bool:
    """Whether what the engine reached is what the set expects."""
    if place.flow == FlowName.HOME and any(
        f"label:{label}" in reached for label in MENU_OPTIONS.get(expected, ())
    ):
        return True
    wished = [wish.removeprefix("intent:") for wish in reached if wish.startswith("intent:")]
    if expected.startswith("option:") and wished and _wish_is_option(wished[0], expected, place):
        return True  # "ابي اغير رقم جوالي" in my account: her wish is the option she would have tapped
    if SAME_PAGE.get(expected) in reached:
        return True  # "وش صار على طلبي" opens her applications: the page that answers it
    if expected == "intent:ask_office" and "office" in reached:
        return True  # her words are offered to her office, which is what she asked
    if expected in ("confirm:yes", "confirm:no") and "asked-plainly" in reached:
        return True  # «ما اظن»: taken for neither, she is asked to choose her yes or her no
    kind, _, what = expected.partition(":")
    if kind == "option" and place.name.startswith("quiz:"):  # its choices are shown in her language only
        asked = next(q for q in QUIZZES if q["id"] == place.name.removeprefix("quiz:"))
        return f"label:{fold(asked['options_ar'][asked['options_en'].index(what)])}" in reached
    if kind == "option" or (kind == "value" and place.name in ("office", "products")):
        wanted = [fold(part) for part in what.split(", ")]
        labels = {label.removeprefix("label:") for label in reached if label.startswith("label:")}
        return all(any(part == label or part in label for label in labels) for part in wanted)
    if kind == "value" and place.name == "mobile":
        digits = [r for r in reached if r.startswith("value:")]
        return any("".join(c for c in d if c.isdigit())[-9:] == what[-9:] for d in digits)
    if kind == "value" and place.name == "name":
        return any(fold(r.removeprefix("value:")) == fold(what) for r in reached)
    return expected in reached


@dataclass
class Figures:
    total: int = 0
    right: int = 0
    to_the_office: int = 0
    wrong_irreversible: int = 0
    misses: list[tuple[Utterance, set[str]]] = field(default_factory=list)
    by_place: Counter[str] = field(default_factory=Counter)
    right_by_place: Counter[str] = field(default_factory=Counter)

    @property
    def share_right(self) -> float:
        return self.right / self.total if self.total else 0.0


def judge(session: Session, engine: Engine, places: dict[str, Place], said: list[Utterance]) -> Figures:
    figures = Figures()
    for utterance in said:
        place = places[f"quiz:{utterance.note}" if utterance.place == "quiz" else utterance.place]
        reached = outcome(session, engine, place, utterance.text)
        figures.total += 1
        figures.by_place[place.name] += 1
        figures.to_the_office += "office" in reached
        if right(utterance.expected, reached, place):
            figures.right += 1
            figures.right_by_place[place.name] += 1
        else:
            figures.misses.append((utterance, reached))
            careful = IRREVERSIBLE.get(place.name)
            if careful is not None and careful in reached and utterance.expected != careful:
                figures.wrong_irreversible += 1
    return figures
