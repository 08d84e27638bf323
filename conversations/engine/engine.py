"""The conversation engine: one inbound message in, replies out, state saved in the same transaction.

First, as a message arrives, the sender's pace (`limits`): past 20 messages in 10 seconds she is told once
to wait, and for a minute her messages are set aside, without a transaction. A turn, in order:
1. load the person's conversation (or start one, greeting her in her phone's language or Arabic); a
   message longer than we read (`LONGEST_TEXT`, cut by `Inbound`) is not read: she is told, and asked
   again; if the channel vouches for a mobile that a registered family has, link them and show her menu;
2. a button she pressed must be one we are still offering, else she is told and asked again;
3. a photo, voice note or document without text is offered to her office (outside a form; in her open
   question, added to it); inside a form, a polite "please type" and the question again;
4. the global words work at every step: help, menu, cancel, language (or "English" / "العربية");
   a greeting or thanks alone is answered in kind, and the question asked again;
5. anything else is the current flow's answer, with the option it names already recognised.
Two messages from one person are answered one after the other (a lock per person in this process and
the conversation's version column across processes: a turn that raced another is run again). When one meets
the database away, those of hers already waiting behind it wait for the database too (`Unavailable`), so that
none is answered before it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import Enum
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from conversations.engine import understanding
from conversations.engine.courtesy import courtesy, returned_peace
from conversations.engine.forms import Form
from conversations.engine.identity import recognise, vouched_mobile
from conversations.engine.limits import InboundLimits, Verdict
from conversations.engine.options import match_one, offered_payloads
from conversations.engine.turn import Answer, Dialogue, FlowName, Setup, Turn
from core.channel import LONGEST_TEXT, Channel, Inbound, Reply, Unavailable, Unreadable
from core.i18n import N_, LazyText, _, use_language
from core.metrics import INBOUND, TURN_SECONDS
from core.payloads import Payload, parse
from core.text import fold, normalise
from locales import DEFAULT_LANGUAGE, LANGUAGES
from office import contacts, registrations, threads
from storage import beneficiaries, seen
from storage import conversations as saved
from storage.db import Database, is_unreachable

log = logging.getLogger(__name__)
Respond = Callable[[list[Reply]], Awaitable[None]]


class GlobalWord(Enum):
    HELP = ("help", "مساعدة", "مساعده", "?", "؟")
    MENU = ("menu", "main menu", "القائمة", "قائمة", "القائمة الرئيسية")
    CANCEL = ("cancel", "إلغاء", "الغاء", "إلغاء الأمر", "الغي", "ألغي", "كنسل", "خلاص الغي")
    # In a form: the previous question, its answer kept. Elsewhere these are ordinary words ("Back" options).
    BACK = ("back", "go back", "previous", "رجوع", "الرجوع", "ارجع", "ارجعي", "السابق", "السؤال السابق")
    LANGUAGE = ("language", "اللغة", "لغة", "change language", "تغيير اللغة")
    ENGLISH = ("english", "انجليزي", "إنجليزي", "الإنجليزية", "باللغة الإنجليزية")
    ARABIC = ("arabic", "عربي", "العربية", "عربية", "بالعربي")
    STOP = (
        "stop",
        "unsubscribe",
        "إيقاف",
        "ايقاف",
        "إلغاء الاشتراك",
        "الغاء الاشتراك",
        "إيقاف الاشتراك",
        "توقف",
        "توقفوا",
        "أوقف",
        "أوقفوا",
        "إيقاف الرسائل",
        "أوقفوا الرسائل",
        "وقف",
        "وقفوا",
        "وقفو",
        "وقف الرسائل",
        "وقفوا الرسائل",
    )
    START = ("start", "subscribe", "اشتراك", "الاشتراك", "تفعيل الاشتراك")


_GLOBAL_WORDS = {fold(word) or word: meaning for meaning in GlobalWord for word in meaning.value}


def global_word(text: str) -> GlobalWord | None:
    return _GLOBAL_WORDS.get(fold(text) or text.strip())


@dataclass
class Turns:
    """One key's lock, how many hold or wait for it, and whether a holder met the database away (those
    waiting behind it then wait for the database too, rather than overtake it)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0
    database_away: bool = False


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[object, Turns] = {}

    @asynccontextmanager
    async def hold(self, key: object) -> AsyncIterator[Turns]:
        turns = self._locks.setdefault(key, Turns())
        turns.users += 1
        try:
            async with turns.lock:
                yield turns
        finally:
            turns.users -= 1
            if turns.users == 0:
                del self._locks[key]


class Engine:
    def __init__(
        self,
        database: Database,
        dialogue: Dialogue,
        default_language: str = DEFAULT_LANGUAGE,
        setup: Setup | None = None,
        limits: InboundLimits | None = None,
    ) -> None:
        self.database = database
        self.dialogue = dialogue
        self.default_language = default_language
        self.setup = setup or Setup()
        self.limits = limits or InboundLimits()
        self._locks = KeyedLocks()
        self._in_progress = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def idle(self) -> None:
        """Until no message is being answered (a clean stop waits for this)."""
        await self._idle.wait()

    async def handle(self, inbound: Inbound, respond: Respond | None = None) -> list[Reply]:
        """Answer one message. `respond` delivers the replies while this person's next message waits,
        so that her answers reach her in the order she wrote. A sender beyond the limit of messages is told
        once to wait, then set aside for a while (`limits`): neither answered nor stored."""
        verdict = self.limits.admit(inbound)  # as it arrives, before it waits for anything
        if verdict is Verdict.SET_ASIDE:
            if respond is not None:
                await respond([])
            return []
        self._in_progress += 1
        self._idle.clear()
        try:
            async with self._locks.hold((inbound.channel, inbound.address)) as turns:
                if verdict is Verdict.NOTICE:  # after the answers to those before it, in her language
                    replies = [self._wait_notice(inbound)]
                    if respond is not None:
                        await respond(replies)
                    return replies
                if turns.database_away:  # her earlier message waits for the database: this one behind it
                    log.warning("a %s message waits: the database is out of reach", inbound.channel.value)
                    self.limits.not_taken(inbound)
                    raise Unavailable
                started = time.perf_counter()
                try:
                    replies = await self.database.run_short(partial(self._turn, inbound))
                    INBOUND.labels(inbound.channel.value).inc()
                    TURN_SECONDS.labels(inbound.channel.value).observe(time.perf_counter() - started)
                except Exception as exc:
                    if is_unreachable(exc):
                        log.warning("a %s message waits: the database is out of reach", inbound.channel.value)
                        turns.database_away = True
                        self.limits.not_taken(inbound)  # counted when it comes again
                        raise Unavailable from exc
                    # Never the message itself or the address: they may hold personal data.
                    log.exception("a %s turn failed", inbound.channel.value)
                    replies = [_apology()]
                if respond is not None:
                    await respond(replies)
                return replies
        finally:
            self._in_progress -= 1
            if self._in_progress == 0:
                self._idle.set()

    def _wait_notice(self, inbound: Inbound) -> Reply:
        """The one notice of a sender beyond the limit, in the language of her last answer (the message
        itself is not read: nothing of it is stored)."""
        language = self.limits.language_of(inbound) or (inbound.language_hint or "")[:2].lower()
        if language not in LANGUAGES:
            language = self.default_language
        with use_language(language):
            return Reply(text=str(TOO_FAST), language=language)

    def _turn(self, inbound: Inbound, session: Session) -> list[Reply]:
        if inbound.platform_id is not None and not seen.first_time(
            session, inbound.channel.value, inbound.platform_id, inbound.received_at
        ):
            return []  # this very message was answered before (a platform's retry, another process)
        conversation = saved.load(session, inbound.channel.value, inbound.address)
        is_new = conversation is None
        linked_before = None if conversation is None else conversation.beneficiary_id
        if conversation is None:
            hint = (inbound.language_hint or "")[:2].lower()
            language = hint if hint in LANGUAGES else self.default_language
            conversation = saved.start(inbound.channel.value, inbound.address, language, inbound.received_at)
        turn = Turn(
            session=session,
            conversation=conversation,
            inbound=inbound,
            dialogue=self.dialogue,
            is_new=is_new,
            setup=self.setup,
        )
        with use_language(conversation.language):
            if inbound.channel is Channel.WHATSAPP and not is_new:  # answers sent as "your office answered"
                for answer in threads.answers_to_read(
                    session, inbound.channel.value, inbound.address, turn.language
                ):
                    turn.say(answer)
            if inbound.too_long:
                _too_long(turn)
            elif recognise(turn):
                _subscription_in(turn)  # a STOP in the very message that found her still counts
            elif is_new:
                _first_message(turn)
            elif not _sent_twice(conversation, inbound):
                _route(turn)
        conversation.last_said = said_digest(inbound)
        self.limits.answered_in(inbound, conversation.language)
        _keyboard_closed(turn)
        if turn.forgotten:
            saved.forget(session, conversation)
        else:
            saved.save(session, conversation, inbound.received_at)
            _reachable_again(session, conversation, linked_before)
        return turn.replies


DOUBLE_SEND = timedelta(seconds=4)  # the same words again this soon were sent before she read our answer


def said_digest(inbound: Inbound) -> str | None:
    """A digest of the words she typed (not the words: they may be her ID number); None for a button."""
    text = fold(inbound.text)
    if inbound.payload is not None or inbound.media or not text:
        return None
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def _sent_twice(conversation: saved.ConversationState, inbound: Inbound) -> bool:
    """The same words as her previous message, a moment after it («نعم» «نعم»): her first was answered,
    and this one was typed before she saw the answer, so it is not an answer to the next question."""
    previous = conversation.last_inbound_at
    return (
        inbound.channel is not Channel.TERMINAL  # a script piped into `usar chat` is faster than anyone
        and previous is not None
        and conversation.last_said is not None
        and conversation.last_said == said_digest(inbound)
        and timedelta(0) <= inbound.received_at - previous <= DOUBLE_SEND
    )


def _keyboard_closed(turn: Turn) -> None:
    """The "share my number" keyboard goes once she has moved on from the question that showed it: the first
    reply of hers without buttons removes it (Telegram allows one keyboard a message, and inline buttons are
    one); where every reply of the turn has buttons, a later turn's does."""
    conversation = turn.conversation
    if not conversation.contact_keyboard or any(reply.contact_button for reply in turn.replies):
        return
    for index, reply in enumerate(turn.replies):
        if not reply.options:
            turn.replies[index] = replace(reply, close_keyboard=True)
            conversation.contact_keyboard = False
            return


def _reachable_again(
    session: Session, conversation: saved.ConversationState, linked_before: int | None
) -> None:
    """She wrote, so her family is reachable again: clear its "blocked" mark if it may have one — it had
    when her state was read, or this very turn linked her to a family whose mark we have not read."""
    family = conversation.beneficiary_id
    if family is not None and (conversation.family_blocked or family != linked_before):
        beneficiaries.reachable_again(session, family)


def _too_long(turn: Turn) -> None:
    """Too long to read as an answer (`Inbound.too_long`): kept for her office where a question can go to it
    (a new person is welcomed first); elsewhere (a form, the staff's chat) she is asked for a shorter
    message, and the question she was at is asked again."""
    if turn.is_new:
        turn.go(FlowName.HOME)  # welcomed first
    if turn.dialogue.handoff is not None and turn.dialogue.handoff.long_words(turn):
        return
    turn.say(
        _(
            "Your message is too long for me to read. Please send at most %(limit)s characters at a time.",
            limit=LONGEST_TEXT,
        )
    )
    if not turn.is_new:
        turn.flow.ask(turn)


def _first_message(turn: Turn) -> None:
    peace = returned_peace(normalise(turn.inbound.text))
    if peace is not None:  # her «السلام عليكم» is returned before anything else is said
        turn.say(str(peace))
    word = global_word(normalise(turn.inbound.text))
    if word is GlobalWord.ENGLISH:
        turn.switch_language("en")
    elif word is GlobalWord.ARABIC:
        turn.switch_language("ar")
    turn.go(FlowName.HOME)
    _subscription_in(turn)
    if turn.inbound.media and turn.dialogue.handoff is not None:  # her first message a voice note: not lost
        turn.dialogue.handoff.files(turn)
    elif word is None and _says_more_than_hello(turn.inbound.text):
        _route(turn)  # «ابغى اسجل», «كيف اسجل؟» as a first message: welcomed, then read as any message


def _says_more_than_hello(text: str) -> bool:
    said = normalise(text)
    return courtesy(said) is None and sum(character.isalpha() for character in said) >= 2


def _subscription_in(turn: Turn) -> None:
    word = global_word(normalise(turn.inbound.text))
    if word in (GlobalWord.STOP, GlobalWord.START):
        _subscription(turn, stop=word is GlobalWord.STOP)


def _route(turn: Turn) -> None:
    inbound = turn.inbound
    pressed = parse(inbound.payload)
    if turn.dialogue.standing(turn, pressed):
        turn.flow.ask(turn)
        return
    if inbound.payload is not None:
        if pressed is None or inbound.payload not in offered_payloads(turn.conversation.offered):
            turn.say(_("That choice is no longer available. Here is where we are:"))
            turn.flow.ask(turn)
            return
        turn.flow.answer(turn, Answer(text=normalise(inbound.text), choice=pressed))
        return
    if inbound.contact_phone:
        turn.flow.answer(turn, Answer(text=normalise(inbound.contact_phone)))
        return
    if inbound.foreign_contact:
        turn.say(_("Please share your own number with the button below, or type it."))
        turn.flow.ask(turn)
        return
    if inbound.unreadable is not None and not normalise(inbound.text):
        turn.say(str(UNREADABLE[inbound.unreadable]))
        turn.flow.ask(turn)
        return
    if inbound.has_media and isinstance(turn.flow, Form):  # a photo's caption is not a form's answer
        turn.say(_("I can only read typed messages. Please type your answer."))
        turn.flow.ask(turn)
        return
    text = normalise(inbound.text)
    if not text:
        if inbound.media and turn.dialogue.handoff is not None and turn.dialogue.handoff.files(turn):
            return  # a voice note or a photo for her office
        if inbound.has_media:
            turn.say(_("I can only read typed messages. Please type your answer."))
        turn.flow.ask(turn)
        return
    reading = read(turn.conversation.offered, text, in_form=isinstance(turn.flow, Form))
    if reading.choice is not None and turn.dialogue.standing(turn, reading.choice):  # typed: asked above
        turn.flow.ask(turn)
    elif reading.in_kind is not None:  # a greeting or thanks: never taken for an answer
        turn.say(str(reading.in_kind))
        turn.flow.ask(turn)
    elif reading.word is None:
        turn.flow.answer(turn, Answer(text=text, choice=reading.choice))
    else:
        act_on(turn, reading.word)


@dataclass(frozen=True)
class Reading:
    """What her typed words are before a flow reads them: a global word, an option of her screen, or a
    greeting or thanks to answer in kind; none of them, and the flow reads her words itself."""

    word: GlobalWord | None = None
    choice: Payload | None = None
    in_kind: LazyText | None = None


def read(offered: Sequence[dict[str, Any]], text: str, *, in_form: bool) -> Reading:
    """Her words against the global words and the options on her screen (`offered`). "back" outside a
    form is an ordinary word (a screen's "Back" option, or a wish)."""
    word = global_word(text)
    if word is not None and (word is not GlobalWord.BACK or in_form):
        return Reading(word=word)
    choice = parse(match_one(offered, text, partial=False))
    if choice is not None:
        return Reading(choice=choice)
    in_kind = courtesy(text)  # "سلام" is a greeting, not a start of "سلامة"
    if in_kind is None and understanding.unsure(text) and understanding.asks_yes_or_no(offered):
        in_kind = UNSURE  # «ما اظن» to "will you come?": neither yes nor no, so she is asked to choose
    return Reading(in_kind=in_kind) if in_kind is not None else Reading(choice=picked(offered, text))


UNREADABLE = {
    Unreadable.STICKER: N_("Thank you! I cannot read stickers. Here is where we are:"),
    Unreadable.LOCATION: N_("Your location arrived, but I cannot read locations. Here is where we are:"),
    Unreadable.CONTACT_CARD: N_(
        "I cannot read a contact card; to give us a number, please type it. Here is where we are:"
    ),
}
TOO_FAST = N_("We received many messages from you in a short time. Please wait a minute, then carry on.")
UNSURE = N_("I could not tell whether that is a yes or a no. Please choose one of the answers below.")


def picked(offered: Sequence[dict[str, Any]], text: str) -> Payload | None:
    """The option her own words name ("ايه", "الثاني", "مقاصف"). A near miss never picks a yes, a no or a
    way back: those she says plainly, so that a typo never confirms what is not undone."""
    found = understanding.pick(offered, text)
    if found is None or found.payload is None:
        return None
    if not found.sure and any(o["payload"] == found.payload and o.get("means") for o in offered):
        return None
    return parse(found.payload)


def act_on(turn: Turn, word: GlobalWord) -> None:
    """What a global word does, wherever she is (said plainly, or as a wish: `family.wishes`)."""
    if word is GlobalWord.HELP:
        specific = turn.flow.help(turn)
        general = _(
            "You can type the number of an option or its words. At any time: "
            "“menu” for the main menu, “cancel” to stop what you are doing, “back” for the previous "
            "question, “language” to switch between Arabic and English, “help” for this message."
        )
        turn.say(f"{specific}\n\n{general}" if specific else general)
        turn.flow.ask(turn)
    elif word is GlobalWord.MENU:
        turn.go(FlowName.HOME)
    elif word is GlobalWord.CANCEL:
        turn.flow.cancel(turn)
    elif word is GlobalWord.BACK and isinstance(turn.flow, Form):
        turn.flow.back(turn)
    elif word in (GlobalWord.STOP, GlobalWord.START):
        _subscription(turn, stop=word is GlobalWord.STOP)
        turn.flow.ask(turn)
    else:
        wanted = {GlobalWord.ENGLISH: "en", GlobalWord.ARABIC: "ar"}.get(word)
        if wanted is None:
            wanted = "en" if turn.language == "ar" else "ar"
        turn.switch_language(wanted)
        if turn.conversation.beneficiary_id is not None:
            registrations.change_language(turn.session, turn.conversation.beneficiary_id, wanted)
        turn.say(_("From now on I will write to you in English."))
        turn.flow.ask(turn)


def _subscription(turn: Turn, *, stop: bool) -> None:
    """STOP and START: announcements, tips and invitations to trainings stop or resume; answers to her own
    messages never stop."""
    family_id = turn.conversation.beneficiary_id
    mobile = vouched_mobile(turn.inbound) if family_id is None else None
    if mobile is not None and contacts.stop_messages(turn.session, mobile, turn.now, stop=stop):
        # Her office's list has her: its invitations to register stop (or start again).
        turn.say(
            _("We will not write to you again unless you write to us.")
            if stop
            else _("Welcome back: you will receive our messages again.")
        )
    elif family_id is None:
        turn.say(
            _("You do not receive announcements from us. You can register from the menu to receive them.")
        )
    elif stop:
        registrations.stop_messages(turn.session, family_id, turn.now, stop=True)
        turn.say(
            _(
                "You will no longer receive announcements, tips and invitations to trainings. You can "
                "still write to us at any time; send “start” to receive them again."
            )
        )
        if turn.conversation.flow not in (None, FlowName.HOME):
            turn.say(_("To leave what you were doing instead, type “cancel”."))
    else:
        registrations.stop_messages(turn.session, family_id, turn.now, stop=False)
        turn.say(_("Welcome back: you will receive announcements, tips and invitations to trainings again."))


def _apology() -> Reply:
    """In both languages: the turn that failed is the one that would have told us hers."""
    texts = []
    for language in LANGUAGES:
        with use_language(language):
            texts.append(_("Sorry, something went wrong on our side. Please send your message again."))
    return Reply(text="\n".join(texts))
