"""Ask my office: what the bot cannot answer goes to a person.

menu → Ask my office → (which office serves you?, if we do not know) → write your question (words, a voice
note, a photo, a document) → it reached your office (and when it opens, if it is closed now) → anything more
she sends is added to it, until "menu".

Something she writes at the menu that is not understood, and a voice note, photo or document sent outside a
form, are offered the same way: "send this to your office?"; her words are kept, she never types them again.
"""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Any

from conversations.engine.choices import OfficeChoice, office_options
from conversations.engine.forms import Form
from conversations.engine.screens import ANYTHING, TYPED, Confirm, On, Screens
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.engine.understanding import Intent, intent, negated, plain, yes_or_no
from conversations.family.registration import imported_contact, registration
from core.channel import LARGEST_MEDIA, LONGEST_KEPT, Media, Offer
from core.dates import hours_text, is_open
from core.i18n import N_, _
from core.payloads import Options
from core.text import fold
from office import threads
from storage import beneficiaries, offices

ASKED = "asked"  # what she wrote before choosing to send it: [{"text", "media"}]
TOPIC = "topic"
OFFICE = "office"
HELD = "held"  # where she was when her words were offered to her office: {"flow", "step"}, for her "no"


class Step(StrEnum):
    OFFER = "offer"  # "send this to your office?"
    OFFICE = "office"  # which office serves her
    WRITING = "writing"
    OPEN = "open"  # her question is with her office: what she sends is added to it


class Offered(Options, prefix="ask"):
    """Her words, offered to her office: send them, or not."""

    SEND = "send"
    NOT_NOW = "not-now"


SEND_WORDS = ("ارسليه", "ارسله", "أرسليه", "أرسله", "ارسلي", "send", "send it")
# Where she asked from is what it is about (a question from the canteens screen is about canteens).
TOPIC_OF_FLOW: dict[str, str] = {
    FlowName.CANTEENS: "canteens",
    FlowName.TRAININGS: "trainings",
    FlowName.TIPS: "tips",
    FlowName.ACCOUNT: "registration",
    FlowName.CHANGE_DETAILS: "registration",
    FlowName.REGISTRATION: "registration",
}


def said_now(turn: Turn, text: str | None = None) -> list[dict[str, Any]]:
    """Her message as it is kept until sent: its words and each file (not one too large to open: she is told
    to send a smaller one)."""
    words = (turn.inbound.text if text is None else text).strip()
    files = [asdict(media) for media in turn.inbound.media if not media.too_large]
    if not files:
        return [{"text": words}] if words else []
    return [{"text": words if number == 0 else "", "media": media} for number, media in enumerate(files)]


def has_words(text: str) -> bool:
    """Whether she wrote words, rather than a stray number, a letter, or one key held down ("ؤؤؤؤ")."""
    return sum(character.isalpha() for character in plain(text)) >= 2


def not_understood(turn: Turn, answer: Answer) -> None:
    """What she wrote on a screen that cannot read it: words are offered to her office; a stray number or
    letter is asked again, and so is a yes or a no alone («طيب», «لا») where nothing was asked."""
    if for_her_office(answer.text):
        offer(turn, answer.text)
        return
    if has_words(answer.text) or yes_or_no(answer.text) is not None:  # «طيب», «👍»
        turn.say(_("Please choose one of the options below."))
    else:
        turn.say(_("Sorry, I did not understand that. Please choose from the menu below."))
    turn.flow.ask(turn)


def for_her_office(text: str) -> bool:
    """Whether what she wrote, which her screen did not understand, is words for her office: not a stray
    number, letter or key held down, nor a yes or a no alone («طيب», «لا شكرا»)."""
    alone = yes_or_no(text) is not None and len(fold(text).split(" ")) <= YES_OR_NO_ALONE
    return has_words(text) and not alone


YES_OR_NO_ALONE = 2  # words: «لا شكرا», «ok thanks»; more may say something her office should read


def offer(turn: Turn, text: str | None = None) -> None:
    """What she wrote, not understood (or a file outside a form), offered to her office; kept meanwhile."""
    topic = TOPIC_OF_FLOW.get(turn.conversation.flow or "", "") or topic_of(text or turn.inbound.text)
    here = turn.conversation.flow == FlowName.ASK_OFFICE
    asked = turn.answers.get(ASKED, []) if here else []
    held = turn.answers.get(HELD) if here else {"flow": turn.conversation.flow, "step": turn.step}
    turn.conversation.flow, turn.step = FlowName.ASK_OFFICE, Step.OFFER
    # What she was doing is kept (a registration's answers, a quiz, the canteen she was reading): her
    # "no" takes her back to it.
    turn.remember(**{ASKED: asked + said_now(turn, text), TOPIC: topic, HELD: held})
    _too_large(turn)
    ask_my_office.ask(turn)


def answering_office(turn: Turn, text: str) -> bool:
    """While her office has answered her open question, words no screen understood are her reply to it:
    added to it (True); False when she has no answered question open."""
    if not threads.answered_open(turn.session, turn.inbound.channel.value, turn.inbound.address):
        return False
    held = {"flow": turn.conversation.flow, "step": turn.step}
    turn.conversation.flow, turn.step = FlowName.ASK_OFFICE, Step.OPEN
    turn.remember(**{ASKED: said_now(turn, text), HELD: held})
    send(turn)  # and back to the screen she wrote it on
    return True


# Words that say what a question is about, when she asks from the menu (folded as she may spell them).
TOPIC_WORDS = {
    "canteens": ("مقصف", "مقاصف", "المقصف", "canteen"),
    "trainings": ("دوره", "دورات", "الدوره", "تدريب", "ملتقى", "training", "course"),
    "registration": ("تسجيل", "تسجيلي", "سجلت", "اسجل", "register", "registration"),
    "tips": ("نصيحه", "نصائح", "سلامه الغذاء", "tip", "tips"),
}


def topic_of(text: str) -> str:
    """What her words are about, by the words in them; "other" when nothing says."""
    folded = f" {fold(text)} "
    for topic, words in TOPIC_WORDS.items():
        if any(fold(word) in folded for word in words):
            return topic
    return "other"


def _too_large(turn: Turn) -> None:
    if any(media.too_large for media in turn.inbound.media):
        turn.say(
            _(
                "This file is too large for your office to open (at most %(limit)s MB). Please send a "
                "smaller one, or a photo of it.",
                limit=LARGEST_MEDIA // (1024 * 1024),
            )
        )


def start(turn: Turn) -> None:
    forget(turn)
    turn.remember(**{TOPIC: "other"})
    onward(turn)


def onward(turn: Turn) -> None:
    """Where she goes from here: her open question, the office to choose, or the question to write."""
    thread = threads.open_thread(turn.session, turn.inbound.channel.value, turn.inbound.address)
    if thread is not None and turn.answers.get(ASKED):
        send(turn)  # added to her open question, to its office
        return
    if thread is not None:
        turn.step = Step.OPEN
        said = [
            _(
                "Your question to %(office)s is open: write more, or send a voice note or a photo, and "
                "it is added. Type “menu” to go back.",
                office=_office_name(turn, thread.office_code),
            )
        ]
        answered = threads.last_answer(turn.session, thread.id)
        if answered is not None:
            said.insert(0, _("Your office's latest answer: %(answer)s", answer=answered))
        turn.say("\n\n".join(said))
        return
    if _office_of(turn) is None:
        turn.step = Step.OFFICE
    elif turn.answers.get(ASKED):
        send(turn)
        return
    else:
        turn.step = Step.WRITING
    ask_my_office.ask(turn)


# -- her screens ----------------------------------------------------------------------------------------


def offer_question(turn: Turn) -> str:
    office = threads.open_office(turn.session, turn.inbound.channel.value, turn.inbound.address)
    if office is None:
        return _(
            "I could not answer this myself. Shall I send it to your office? A person will answer you here."
        )
    return _(
        "Shall I add this to your question to %(office)s? Its staff will answer you here.",
        office=_office_name(turn, office),
    )


OFFERING = Confirm(
    Step.OFFER,
    offer_question,
    yes=Offer(N_("Send it to my office"), Offered.SEND, aliases=SEND_WORDS),
    no=Offer(N_("No, do not send it"), Offered.NOT_NOW),
)


def which_office(turn: Turn) -> None:
    turn.say(_("Which social-security office serves you?"), office_options(turn))


def writing(turn: Turn) -> None:
    office = _office_of(turn)
    turn.say(
        _(
            "Write your question to %(office)s, or send a voice note or a photo. Type “menu” to go back.",
            office=_office_name(turn, office or ""),
        )
    )


def write_more(turn: Turn) -> None:
    turn.say(_("Write more, or type “menu” to go back."))


# -- what she chose -------------------------------------------------------------------------------------


def send_offered(turn: Turn, chosen: Offered) -> None:
    onward(turn)


def not_now(turn: Turn, chosen: Offered) -> None:
    """Back where she was, with nothing she had typed lost: the question she was at is asked again."""
    if (turn.answers.get(HELD) or {}).get("flow") not in (None, FlowName.ASK_OFFICE):
        turn.say(_("Nothing was sent to your office."))
    forget(turn, keys=(ASKED, TOPIC, OFFICE))  # where she was (`HELD`) is forgotten as she returns there
    turn.resume(HELD)


def forget(turn: Turn, keys: tuple[str, ...] = (ASKED, TOPIC, OFFICE, HELD)) -> None:
    """Forget what this flow kept (`keys`), and only that: another flow's answers (her registration) stay."""
    others = {key: value for key, value in turn.answers.items() if key not in keys}
    turn.clear_answers()
    turn.remember(**others)


def more_first(turn: Turn, answer: Answer) -> None:
    """More words before she chose: kept with the rest."""
    turn.remember(**{ASKED: turn.answers.get(ASKED, []) + said_now(turn, answer.text)})
    ask_my_office.ask(turn)


def office_chosen(turn: Turn, chosen: OfficeChoice) -> None:
    if offices.office(turn.session, chosen.code) is None:
        not_an_office(turn, chosen)
        return
    turn.remember(**{OFFICE: chosen.code})
    onward(turn)


def not_an_office(turn: Turn, chosen: object) -> None:
    turn.say(_("Please choose your office from the list."))
    ask_my_office.ask(turn)


def write(turn: Turn, answer: Answer) -> None:
    """Writing, or her open question: what she sends goes to her office; a wish said plainly («ابي اشوف
    الدورات») is done instead."""
    if not turn.inbound.media and not for_her_office(answer.text):  # "1", "؟", a «نعم» alone: nothing to add
        ask_my_office.ask(turn)
        return
    if turn.step == Step.OPEN and _plain_wish(answer.text):  # her question sent, she wants to go on
        forget(turn)
        if turn.dialogue.wishes(turn, answer):
            return
    turn.remember(**{ASKED: turn.answers.get(ASKED, []) + said_now(turn, answer.text)})
    send(turn)


def _plain_wish(text: str) -> bool:
    """A wish said plainly, and nothing more («ابي اشوف الدورات», «فيه مقاصف؟»), other than to write here; a
    question with more in it («كيف اسجل بنتي معكم؟») is for her office."""
    wish = intent(text)
    if wish is None or not wish.sure or wish.others or negated(text):
        return False
    return wish.intent is not Intent.ASK_OFFICE


def media(turn: Turn) -> None:
    """A file she sent while here (the engine's, for a message with no words)."""
    ask_my_office.answer(turn, Answer(text=""))


def send(turn: Turn) -> None:
    thread = threads.open_thread(turn.session, turn.inbound.channel.value, turn.inbound.address)
    office = thread.office_code if thread is not None else _office_of(turn)
    asked = turn.answers.get(ASKED, [])
    if office is None or (not asked and not turn.inbound.media):
        onward(turn)
        return
    said = [threads.Said(item.get("text", ""), _media(item.get("media"))) for item in asked]
    if not said:  # only a file too large to open: she was told to send a smaller one
        forget(turn)
        _too_large(turn)
        turn.step = Step.OPEN if thread is not None else turn.step
        return
    asker = threads.Asker(
        turn.inbound.channel.value,
        turn.inbound.address,
        office,
        family_id=turn.conversation.beneficiary_id,
        contact_id=_contact_id(turn),
    )
    thread, new = threads.ask(turn.session, asker, turn.answers.get(TOPIC, "other"), said, turn.now)
    _too_large(turn)
    name = _office_name(turn, thread.office_code)
    back = _place(turn.answers.get(HELD))
    forget(turn)
    turn.step = Step.OPEN
    if back is not None:  # asked from a screen (a quiz, her registration, a canteen): back to it
        went = _("Your question reached %(office)s. A person will answer you here.", office=name)
        turn.say(went if new else _("Added to your question to %(office)s.", office=name))
        turn.conversation.flow, turn.step = back
        turn.flow.ask(turn)
        return
    if not new:
        turn.say(_("Added to your question. Write more, or type “menu” to go back."))
        return
    lines = [
        _(
            "Your question reached %(office)s. A person will answer you here. You can add to it: write, "
            "or send a voice note or a photo. Type “menu” to go back.",
            office=name,
        )
    ]
    hours = offices.contact_of(turn.session, thread.office_code)
    if hours is not None and is_open(hours.hours, turn.now) is False:
        lines.append(
            _(
                "The office is closed now; it answers in its hours: %(hours)s.",
                hours=hours_text(hours.hours, turn.language),
            )
        )
    turn.say("\n\n".join(lines))


def leave(turn: Turn) -> None:
    forget(turn)
    if threads.open_thread(turn.session, turn.inbound.channel.value, turn.inbound.address) is not None:
        turn.say(_("Your question stays with your office, which will answer you here."))
    turn.go(FlowName.HOME)


def _place(held: Any) -> tuple[FlowName, str | None] | None:
    """Where she was when her words went to her office, if a screen of its own (not the menu, nor here)."""
    flow = held.get("flow") if isinstance(held, dict) else None
    if flow not in set(FlowName) or flow in (FlowName.HOME, FlowName.ASK_OFFICE):
        return None
    return FlowName(flow), held.get("step")


def _media(kept: dict[str, Any] | None) -> Media | None:
    return None if kept is None else Media(**kept)


def _office_of(turn: Turn) -> str | None:
    """Which office serves her: her family's, her office's list's, or the one she chose here."""
    family = turn.conversation.beneficiary_id
    if family is not None:
        return beneficiaries.office_of(turn.session, family)
    contact = imported_contact(turn)
    if contact is not None:
        return contact.office_code
    chosen = turn.answers.get(OFFICE)
    if isinstance(chosen, str):
        return chosen
    registering = OfficeChoice.unpack(turn.answers.get(registration.name, {}).get("office"))
    return registering.code if registering is not None else None  # the office her registration named


def _contact_id(turn: Turn) -> int | None:
    if turn.conversation.beneficiary_id is not None:
        return None
    contact = imported_contact(turn)
    return contact.id if contact is not None else None


def _office_name(turn: Turn, code: str) -> str:
    found = offices.office(turn.session, code)
    return found.name(turn.language) if found else code


def takes_files(turn: Turn) -> bool:
    """Whether a file she sends now can go to her office: not inside a form (she is asked to type there),
    nor from staff."""
    return not isinstance(turn.flow, Form) and turn.rights is None


class ToHerOffice:
    """The engine's `Handoff`: a file with no words is added to what she is writing to her office, or offered
    to it from anywhere but a form."""

    def files(self, turn: Turn) -> bool:
        if turn.conversation.flow == FlowName.ASK_OFFICE:
            media(turn)
            return True
        if takes_files(turn):
            offer(turn)
            return True
        return False

    def question(self, turn: Turn) -> bool:
        if turn.rights is not None or not has_words(turn.inbound.text):
            return False
        offer(turn, turn.inbound.text)  # "no" asks the form's question again, her answers kept
        return True

    def long_words(self, turn: Turn) -> bool:
        if turn.conversation.flow == FlowName.ASK_OFFICE:
            ask_my_office.answer(turn, Answer(text=turn.inbound.text))  # her question, or added to it
            return True
        if not takes_files(turn):
            return False
        kept = _("Your message is long, so I cannot take it as an answer here. I kept it as you wrote it.")
        if turn.inbound.cut:
            kept = _(
                "Your message is very long: I have kept its first %(limit)s characters.", limit=LONGEST_KEPT
            )
        turn.say(kept)
        offer(turn, turn.inbound.text)
        return True


ask_my_office = Screens(
    FlowName.ASK_OFFICE,
    first=start,
    # At her open question, as at a step of none, she is asked to write more (`start` begins the flow).
    screens={None: write_more, Step.OFFICE: which_office, Step.WRITING: writing, Step.OPEN: write_more},
    confirms=(OFFERING,),
    routes=(
        On(Offered.SEND, at=Step.OFFER, then=send_offered),
        On(Offered.NOT_NOW, at=Step.OFFER, then=not_now),
        On(TYPED, at=Step.OFFER, then=more_first),
        On(OfficeChoice, at=Step.OFFICE, then=office_chosen),
        On(*ANYTHING, at=Step.OFFICE, then=not_an_office),
        On(TYPED, then=write),  # writing, or her open question
    ),
    help_text=N_("What you write here goes to your office's staff, who answer you here."),
    on_cancel=leave,
)
