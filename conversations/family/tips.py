"""Food-safety tips, in a registered family's menu: topics, a tip at a time, a three-question quiz after a
topic, and the daily tip at the hour she chooses.

Food-safety tips → a topic → tip 1 of 6 → Next tip · Take the quiz · Another topic · Main menu
                 → 🔔 Daily tip → an hour (or type one) · Stop daily tips · Back
Quiz: three questions, each answered at once (right, or the right answer and why); her score is kept.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from conversations.engine import understanding
from conversations.engine.screens import ANYTHING, TYPED, On, Screens, not_registered
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.family import ask_office
from core.channel import Meaning, Offer
from core.dates import off_the_hour, spoken_hour
from core.i18n import N_, _
from core.payloads import Options, Payload, parse
from office import tips as office_tips
from storage import tips
from storage.models import QuizQuestion, Tip

# The hours offered as options; on that screen a number typed is an hour ("9" is 09:00, "4" 16:00), never an
# option's number: the options are listed without numbers and chosen by button or words.
HOURS_OFFERED = (9, 12, 16, 20)
AT = "tips_at"  # {"topic": id, "index": n} or, in a quiz, {"topic", "question": n, "score": n}


class Step(StrEnum):
    READING = "reading"
    QUIZZING = "quiz"
    DAILY = "daily"


class ShowTopic(Payload, prefix="tips:topic"):
    topic: str


class TipHour(Payload, prefix="tips:hour"):
    hour: int


class QuizChoice(Payload, prefix="quiz"):
    question: str
    choice: int


class TipsOption(Options, prefix="tips"):
    """The tips' options."""

    NEXT = "next"
    QUIZ = "quiz"
    TOPICS = "topics"
    MENU = "menu"
    DAILY = "daily"
    STOP = "stop"


# -- reading --------------------------------------------------------------------------------------------


def topics(turn: Turn) -> None:
    turn.step = None
    subscribed = tips.subscription(turn.session, turn.conversation.beneficiary_id or 0)
    daily_label = (
        _("🔔 Daily tip: at %(hour)s:00", hour=f"{subscribed.hour:02d}")
        if subscribed
        else _("🔔 Daily tip: off")
    )
    turn.say(
        _("Food-safety tips: choose a topic."),
        [
            *(Offer(label=t.name(turn.language), payload=ShowTopic(t.id)) for t in tips.topics(turn.session)),
            Offer(label=daily_label, payload=TipsOption.DAILY),
            Offer(label=N_("Main menu"), payload=TipsOption.MENU),
        ],
    )


def tip(turn: Turn) -> None:
    at = _at(turn)
    topic = tips.topic(turn.session, str(at.get("topic")))
    shown = tips.tips_of(turn.session, topic.id) if topic else []
    if topic is None or not shown:
        topics(turn)
        return
    turn.step = Step.READING
    index = min(int(at.get("index", 0)), len(shown) - 1)
    this: Tip = shown[index]
    office_tips.seen(turn.session, turn.conversation.beneficiary_id or 0, this.id)
    last = index == len(shown) - 1
    lines = [
        _(
            "%(topic)s (%(number)s of %(count)s)",
            topic=topic.name(turn.language),
            number=index + 1,
            count=len(shown),
        ),
        this.text(turn.language),
        _("Source: %(source)s", source=this.source_in(turn.language)),
    ]
    if last:
        lines.append(_("That was the last tip on this topic. Would you like a short quiz?"))
    offers = [] if last else [Offer(label=N_("Next tip"), payload=TipsOption.NEXT)]
    if tips.quiz_of(turn.session, topic.id):
        offers.append(Offer(label=N_("Take the quiz"), payload=TipsOption.QUIZ))
    offers += [
        Offer(label=N_("Another topic"), payload=TipsOption.TOPICS, means=Meaning.BACK),  # «رجوع»: the topics
        Offer(label=N_("Main menu"), payload=TipsOption.MENU),
    ]
    turn.say("\n\n".join(lines), offers)


def open_topic(turn: Turn, chosen: ShowTopic) -> None:
    turn.remember(**{AT: {"topic": chosen.topic, "index": 0}})
    tip(turn)


def next_tip(turn: Turn, chosen: TipsOption) -> None:
    at = _at(turn)
    turn.remember(**{AT: {**at, "index": int(at.get("index", 0)) + 1}})
    tip(turn)


# -- the quiz -------------------------------------------------------------------------------------------


def question(turn: Turn) -> None:
    questions = _questions(turn)
    number = int(_at(turn).get("question", 0))
    if not questions or number >= len(questions):
        topics(turn)
        return
    turn.step = Step.QUIZZING
    asked = questions[number]
    options = asked.options_ar if turn.language == "ar" else asked.options_en
    turn.say(
        _(
            "Question %(number)s of %(count)s: %(question)s",
            number=number + 1,
            count=len(questions),
            question=_q(asked, turn),
        ),
        [Offer(label=label, payload=QuizChoice(asked.id, n)) for n, label in enumerate(options, start=1)],
    )


def take_quiz(turn: Turn, chosen: TipsOption) -> None:
    turn.remember(**{AT: {"topic": _at(turn).get("topic"), "question": 0, "score": 0}})
    question(turn)


def answer_question(turn: Turn, picked: QuizChoice) -> None:
    at = _at(turn)
    questions = _questions(turn)
    number = int(at.get("question", 0))
    if number >= len(questions) or questions[number].id != picked.question:
        question(turn)  # a button from an earlier question: ask the current one again
        return
    asked = questions[number]
    right = picked.choice == asked.answer
    options = asked.options_ar if turn.language == "ar" else asked.options_en
    explanation = asked.explain_ar if turn.language == "ar" else asked.explain_en
    if right:
        turn.say(_("✅ Right! %(why)s", why=explanation))
    else:
        turn.say(
            _(
                "❌ Not quite. The right answer: %(right)s. %(why)s",
                right=options[asked.answer - 1],
                why=explanation,
            )
        )
    score = int(at.get("score", 0)) + (1 if right else 0)
    if number + 1 < len(questions):
        turn.remember(**{AT: {**at, "question": number + 1, "score": score}})
        question(turn)
        return
    _finish(turn, str(at.get("topic")), score, len(questions))


def no_such_answer(turn: Turn, answer: Answer) -> bool:
    """An answer that names none of the question's answers («ايه» where two answers open with «نعم», «ما
    ادري», «اربعين» where none is 40, «احطه في مويه حاره»): she is asked to choose one. A question of hers
    («طيب والفريزر كم حرارته؟») or a wish («ابي اشوف الدورات») is not one."""
    return not understanding.is_question(answer.text) and understanding.intent(answer.text) is None


def named_choice(turn: Turn, answer: Answer) -> bool:
    """Her answer names one choice by a word only it has («بعد ما اخلص»: "when the cooking is finished")."""
    return understanding.mentioned(turn.conversation.offered, answer.text) is not None


def answer_named(turn: Turn, answer: Answer) -> None:
    named = parse(understanding.mentioned(turn.conversation.offered, answer.text))
    assert isinstance(named, QuizChoice)
    answer_question(turn, named)


def choose_an_answer(turn: Turn, answer: Answer) -> None:
    turn.say(_("Please choose one of the answers below."))
    question(turn)


def _questions(turn: Turn) -> list[QuizQuestion]:
    return list(tips.quiz_of(turn.session, str(_at(turn).get("topic"))))


def _finish(turn: Turn, topic_id: str, score: int, total: int) -> None:
    passed = office_tips.quiz_taken(
        turn.session, turn.conversation.beneficiary_id or 0, topic_id, score, total, turn.now
    )
    turn.remember(**{AT: {"topic": topic_id, "index": 0}})
    if passed:
        turn.say(_("You got %(score)s of %(total)s: passed ✅. Well done!", score=score, total=total))
        topics(turn)
        return
    turn.step = Step.READING  # at the topic's first tip: the quiz, or its tips, are one choice away
    turn.say(
        _(
            "You got %(score)s of %(total)s. Read the tips of this topic again and try once more.",
            score=score,
            total=total,
        ),
        [
            Offer(label=N_("Read its tips again"), payload=ShowTopic(topic_id)),
            Offer(label=N_("Take the quiz again"), payload=TipsOption.QUIZ),
            Offer(label=N_("Another topic"), payload=TipsOption.TOPICS),
            Offer(label=N_("Main menu"), payload=TipsOption.MENU),
        ],
    )


# -- the daily tip --------------------------------------------------------------------------------------


def daily(turn: Turn) -> None:
    turn.step = Step.DAILY
    subscribed = tips.subscription(turn.session, turn.conversation.beneficiary_id or 0)
    state = (
        _("You receive a tip every day at %(hour)s:00 (Riyadh time).", hour=f"{subscribed.hour:02d}")
        if subscribed
        else _("You do not receive a daily tip yet.")
    )
    allowed = open_hours(turn)
    offers = [
        Offer(label=f"{hour:02d}:00", payload=TipHour(hour)) for hour in HOURS_OFFERED if hour in allowed
    ]
    if subscribed:
        offers.append(Offer(label=N_("Stop daily tips"), payload=TipsOption.STOP))
    offers.append(Offer(label=N_("Back"), payload=TipsOption.TOPICS, means=Meaning.BACK))
    turn.say(
        "\n".join(
            [
                state,
                _(
                    "At what hour would you like it? Type the hour, like 9, 4 pm or noon (from %(first)s "
                    "to %(last)s), or choose one:",
                    **hours_span(allowed),
                ),
            ]
        ),
        offers,
        numbered=False,  # "4" is an hour here, not the fourth option
    )


def hour_chosen(turn: Turn, chosen: TipHour) -> None:
    _daily_at(turn, chosen.hour, typed=None)


def hour_typed(turn: Turn, answer: Answer) -> None:
    """ "9", "4 pm", «بعد العصر»: the hour she means; anything else is asked again."""
    hour = spoken_hour(answer.text, open_hours(turn)) if answer.text else None
    if hour is None:
        turn.say(_("I could not read that as an hour. Type one like 9, 4 pm or noon."))
        daily(turn)
        return
    _daily_at(turn, hour, typed=answer.text)


def _daily_at(turn: Turn, hour: int, *, typed: str | None) -> None:
    """A tip every day at `hour`, unless it is in the quiet hours; `typed`: the words she said it in."""
    allowed = open_hours(turn)
    if hour not in allowed:
        turn.say(
            _(
                "At %(hour)s:00 we send nothing: those are the quiet hours. Tips can come from %(first)s "
                "to %(last)s.",
                hour=f"{hour:02d}",
                **hours_span(allowed),
            )
        )
        daily(turn)
        return
    office_tips.subscribe(turn.session, turn.conversation.beneficiary_id or 0, hour, turn.now)
    if typed is not None and off_the_hour(typed):
        turn.say(_("Tips come on the hour, so yours comes at %(hour)s:00.", hour=f"{hour:02d}"))
    turn.say(_("Done: a tip every day at %(hour)s:00, Riyadh time.", hour=f"{hour:02d}"))
    topics(turn)


def stop_daily(turn: Turn, chosen: TipsOption) -> None:
    office_tips.unsubscribe(turn.session, turn.conversation.beneficiary_id or 0)
    turn.say(_("Daily tips stopped. You can start them again here at any time."))
    topics(turn)


def open_hours(turn: Turn) -> list[int]:
    """The hours a daily tip may come at: those outside this installation's quiet hours."""
    found = turn.setup.quiet.open_hours() if turn.setup.quiet is not None else []
    return found or list(range(24))


def hours_span(allowed: list[int]) -> dict[str, str]:
    return {"first": f"{allowed[0]:02d}:00", "last": f"{allowed[-1]:02d}:00"}


# -- the flow -------------------------------------------------------------------------------------------


def help_text(turn: Turn) -> str:
    if turn.step == Step.QUIZZING:
        return _("Type the number of the answer you think is right.")
    return _(
        "Choose a topic to read its tips one at a time; after a topic, a short quiz checks what you learnt."
    )


def leave(turn: Turn) -> None:
    turn.go(FlowName.HOME)


def _at(turn: Turn) -> dict[str, Any]:
    at = turn.answers.get(AT)
    return dict(at) if isinstance(at, dict) else {}


def _q(asked: QuizQuestion, turn: Turn) -> str:
    return asked.question_ar if turn.language == "ar" else asked.question_en


food_safety = Screens(
    FlowName.TIPS,
    screens={None: topics, Step.READING: tip, Step.QUIZZING: question, Step.DAILY: daily},
    routes=(
        # Tips are a registered family's: anyone else goes to the menu, whatever she sends.
        On(*ANYTHING, when=not_registered, go=FlowName.HOME),
        On(TipsOption.MENU, go=FlowName.HOME),
        On(TipsOption.TOPICS, show=topics),
        On(ShowTopic, then=open_topic),
        On(TipsOption.NEXT, at=Step.READING, then=next_tip),
        On(TipsOption.QUIZ, at=Step.READING, then=take_quiz),
        On(QuizChoice, at=Step.QUIZZING, then=answer_question),
        On(TYPED, at=Step.QUIZZING, when=named_choice, then=answer_named),
        On(TYPED, at=Step.QUIZZING, when=no_such_answer, then=choose_an_answer),  # «ايه» to a quiz question
        On(TipsOption.DAILY, show=daily),
        On(TipHour, at=Step.DAILY, then=hour_chosen),
        On(TipsOption.STOP, at=Step.DAILY, then=stop_daily),
        On(TYPED, at=Step.DAILY, then=hour_typed),
    ),
    otherwise=ask_office.not_understood,
    help_text=help_text,
    on_cancel=leave,
)
