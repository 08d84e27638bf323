"""Questions from families, in the staff chat: her office's open questions, waiting longest first; one of
them read in full; what she types next is her answer, on its way to the family at once.

staff menu → Questions from families → a question → (type the answer) → sent → the question again
                                                  → Close this question → the questions
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Offer
from core.dates import short_stamp
from core.i18n import N_, _
from core.payloads import Options, Payload
from office import inbox
from office.errors import OfficeError
from office.words import FILE_KINDS, TOPICS, said
from storage.threads import FAMILY, NOTE, Listed

SHOWN = 10
ICONS = {"voice": "🎤", "audio": "🎵", "photo": "🖼️", "video": "🎞️", "document": "📄"}  # on her phone
THREAD = "thread"  # the question she has open


@dataclass(frozen=True)
class ShowQuestion(Payload, prefix="question"):
    thread: int


class QuestionsOption(Options, prefix="questions"):
    """The questions' options, in the staff chat."""

    CLOSE = "close"
    BACK = "back"
    MENU = "menu"
    CLOSING = "closing"
    BACK_TO_IT = "keep"


class StaffQuestions:
    name = FlowName.STAFF_QUESTIONS

    def begin(self, turn: Turn) -> None:
        turn.clear_answers()
        self._list(turn)

    def ask(self, turn: Turn) -> None:
        if turn.step == THREAD:
            self._show(turn)
        else:
            self._list(turn)

    def _list(self, turn: Turn) -> None:
        turn.step = None
        try:
            found = inbox.inbox(turn.session, turn.actor, limit=SHOWN)
        except OfficeError as refused:
            turn.say(refused.message)
            turn.go(FlowName.STAFF)
            return
        if not found:
            turn.say(_("No question from a family is open."))
            turn.go(FlowName.STAFF)
            return
        offers = [
            Offer(
                label=" · ".join(
                    filter(None, [_named(listed), said(TOPICS, listed.thread.topic), _latest(listed)])
                ),
                payload=ShowQuestion(listed.thread.id),
            )
            for listed in found
        ]
        turn.say(
            _("Questions from families, those waiting longest first:"),
            [*offers, Offer(N_("Back to the staff menu"), QuestionsOption.MENU)],
        )

    def _show(self, turn: Turn) -> None:
        try:
            file = inbox.thread_file(turn.session, turn.actor, int(turn.answers.get(THREAD, 0)))
        except OfficeError as refused:
            turn.say(refused.message)
            self._list(turn)
            return
        who_she_is = file.name or _("A family not registered")
        lines = [f"{who_she_is} · {said(TOPICS, file.thread.topic)}"]
        for message in file.messages:
            when = short_stamp(message.at)
            who = {FAMILY: _("she"), NOTE: _("note")}.get(message.author, _("office"))
            what = message.text
            if message.media_kind:
                shown = _file(message.media_kind) + " " + _("(open it in the console)")
                what = f"{shown}\n{what}" if what else shown
            lines.append(f"{when} · {who}: {what}")
        turn.say(
            "\n".join(lines) + "\n\n" + _("Type your answer and it is sent to her."),
            [
                Offer(N_("Back to the questions"), QuestionsOption.BACK),
                Offer(N_("Close this question"), QuestionsOption.CLOSE),
            ],
        )

    def answer(self, turn: Turn, answer: Answer) -> None:
        choice = answer.choice
        if choice == QuestionsOption.MENU:
            turn.go(FlowName.STAFF)
        elif isinstance(choice, ShowQuestion):
            turn.remember(**{THREAD: choice.thread})
            turn.step = THREAD
            self._show(turn)
        elif turn.step != THREAD or choice == QuestionsOption.BACK:
            self._list(turn)
        elif choice == QuestionsOption.CLOSE:
            turn.say(
                _("Close this question? She can write again whenever she needs."),
                [
                    Offer(N_("Yes, close it"), QuestionsOption.CLOSING),
                    Offer(N_("No, keep it open"), QuestionsOption.BACK_TO_IT),
                ],
            )
        elif choice == QuestionsOption.CLOSING:
            if self._act(turn, lambda thread: inbox.close(turn.session, turn.actor, thread, turn.now)):
                turn.say(_("Closed. She can write again whenever she needs."))
            self._list(turn)
        elif choice == QuestionsOption.BACK_TO_IT:
            self._show(turn)
        else:
            written = turn.inbound.text  # as she typed it: the family reads her own words
            if self._act(
                turn, lambda thread: inbox.answer(turn.session, turn.actor, thread, written, turn.now)
            ):
                turn.say(_("Your answer is on its way to her."))
            self._show(turn)

    def _act(self, turn: Turn, work: Callable[[int], object]) -> bool:
        try:
            work(int(turn.answers.get(THREAD, 0)))
        except OfficeError as refused:
            turn.say(refused.message)
            return False
        return True

    def help(self, turn: Turn) -> str | None:
        return _("Choose a question to read it; then type your answer, and it is sent to her.")

    def cancel(self, turn: Turn) -> None:
        turn.go(FlowName.STAFF)


def _file(kind: str) -> str:
    return f"{ICONS.get(kind, '📎')} {said(FILE_KINDS, kind)}"


def _named(listed: Listed) -> str:
    return listed.name or _("a family not registered")


def _latest(listed: Listed) -> str:
    """Her latest message in a few words, or the kind of file it was."""
    if listed.last_text:
        return _short(listed.last_text)
    return _file(listed.last_media) if listed.last_media else ""


def _short(text: str, longest: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= longest else flat[: longest - 1] + "…"
