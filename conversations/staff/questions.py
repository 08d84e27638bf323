"""Questions from families, in the staff chat: her office's open questions, waiting longest first; one of
them read in full; what she types next is her answer, on its way to the family at once.

staff menu → Questions from families → a question → (type the answer) → sent → the question again
                                                  → Close this question? → Yes → the questions
"""

from __future__ import annotations

from enum import StrEnum

from conversations.engine.screens import ANYTHING, On, Screens, refusal_said
from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Offer
from core.dates import short_stamp
from core.i18n import N_, _
from core.payloads import Options, Payload
from office import threads
from office.errors import OfficeError
from office.words import FILE_KINDS, TOPICS, said
from storage.threads import FAMILY, NOTE, Listed

PAGE = 10
ICONS = {"voice": "🎤", "audio": "🎵", "photo": "🖼️", "video": "🎞️", "document": "📄"}  # on her phone
OPEN_THREAD = "thread"  # the number of the question she has open, in her answers


class ShowQuestion(Payload, prefix="question"):
    thread: int


class Step(StrEnum):
    THREAD = "thread"  # a question read in full: what she types is her answer


class QuestionsOption(Options, prefix="questions"):
    """The questions' options, in the staff chat."""

    CLOSE = "close"
    BACK = "back"
    MENU = "menu"
    CLOSING = "closing"
    BACK_TO_IT = "keep"


def opening(turn: Turn) -> None:
    turn.clear_answers()
    listing(turn)


def listing(turn: Turn) -> None:
    turn.step = None
    try:
        found = threads.inbox(turn.session, turn.actor, limit=PAGE)
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


def question(turn: Turn) -> None:
    turn.step = Step.THREAD
    try:
        file = threads.thread_file(turn.session, turn.actor, _open_thread(turn))
    except OfficeError as refused:
        turn.say(refused.message)
        listing(turn)
        return
    who_she_is = file.name or _("A family not registered")
    lines = [f"{who_she_is} · {said(TOPICS, file.thread.topic)}"]
    for message in file.messages:
        when = short_stamp(message.at)
        who = {FAMILY: _("she"), NOTE: _("note")}.get(message.author, _("office"))
        what = message.text
        if message.media_kind:
            kept = message.media_reference is not None  # forgotten a while after the question closed
            shown = (
                _file(message.media_kind)
                + " "
                + (_("(open it in the console)") if kept else _("(no longer kept)"))
            )
            what = f"{shown}\n{what}" if what else shown
        lines.append(f"{when} · {who}: {what}")
    turn.say(
        "\n".join(lines) + "\n\n" + _("Type your answer and it is sent to her."),
        [
            Offer(N_("Back to the questions"), QuestionsOption.BACK),
            Offer(N_("Close this question"), QuestionsOption.CLOSE),
        ],
    )


def asking_to_close(turn: Turn) -> None:
    """Asked on the question's own step: a yes or no typed here is not mapped, it is her answer."""
    turn.say(
        _("Close this question? She can write again whenever she needs."),
        [
            Offer(N_("Yes, close it"), QuestionsOption.CLOSING),
            Offer(N_("No, keep it open"), QuestionsOption.BACK_TO_IT),
        ],
    )


# -- what she chose ------------------------------------------------------------------------------------


def open_question(turn: Turn, chosen: ShowQuestion) -> None:
    turn.remember(**{OPEN_THREAD: chosen.thread})
    question(turn)


def close(turn: Turn, chosen: QuestionsOption) -> None:
    with refusal_said(turn):
        threads.close(turn.session, turn.actor, _open_thread(turn), turn.now)
        turn.say(_("Closed. She can write again whenever she needs."))
    listing(turn)


def send_answer(turn: Turn, chosen: Payload | Answer) -> None:
    written = turn.inbound.text  # as she typed it: the family reads her own words
    with refusal_said(turn):
        threads.answer(turn.session, turn.actor, _open_thread(turn), written, turn.now, in_arabic=True)
        if threads.needs_template(turn.session, turn.actor, _open_thread(turn), turn.setup.senders, turn.now):
            turn.say(
                _(
                    "Your answer is kept on the question, but it cannot reach her: she last wrote on "
                    "WhatsApp more than 24 hours ago, and no approved WhatsApp template for answers is set "
                    "up. Call her, or answer again once she writes."
                )
            )
        else:
            turn.say(_("Your answer is on its way to her."))
    question(turn)


def to_the_list(turn: Turn, answer: Answer) -> None:
    listing(turn)


def to_staff_menu(turn: Turn) -> None:
    turn.go(FlowName.STAFF)


def _open_thread(turn: Turn) -> int:
    return int(turn.answers.get(OPEN_THREAD, 0))


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


# No `allowed=`: her office's inbox refuses whoever is not staff, and says so before she goes.
staff_questions = Screens(
    FlowName.STAFF_QUESTIONS,
    first=opening,
    screens={None: listing, Step.THREAD: question},
    routes=(
        On(QuestionsOption.MENU, go=FlowName.STAFF),
        On(ShowQuestion, then=open_question),
        On(QuestionsOption.BACK, at=Step.THREAD, show=listing),
        On(QuestionsOption.CLOSE, at=Step.THREAD, show=asking_to_close),
        On(QuestionsOption.CLOSING, at=Step.THREAD, then=close),
        On(QuestionsOption.BACK_TO_IT, at=Step.THREAD, show=question),
        On(*ANYTHING, at=Step.THREAD, then=send_answer),  # whatever else she writes is her answer
    ),
    otherwise=to_the_list,  # on the list, anything but a question shows the list again
    help_text=N_("Choose a question to read it; then type your answer, and it is sent to her."),
    on_cancel=to_staff_menu,
)
