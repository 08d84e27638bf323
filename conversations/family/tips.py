"""Food-safety tips, in a registered family's menu: topics, a tip at a time, a three-question quiz after a
topic, and the daily tip at the hour she chooses.

Food-safety tips → a topic → tip 1 of 6 → Next tip · Take the quiz · Another topic · Main menu
                 → 🔔 Daily tip → an hour (or type one) · Stop daily tips · Back
Quiz: three questions, each answered at once (right, or the right answer and why); her score is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conversations.engine.turn import Answer, FlowName, Turn
from conversations.family import ask_office
from core.channel import Offer
from core.dates import off_the_hour, spoken_hour
from core.i18n import N_, _
from core.payloads import Options, Payload
from storage import tips
from storage.models import QuizQuestion, Tip

# The hours offered as options; on that screen a number typed is an hour ("9" is 09:00, "4" 16:00), never an
# option's number: the options are listed without numbers and chosen by button or words.
HOURS_OFFERED = (9, 12, 16, 20)
READING, QUIZZING, DAILY_STEP = "reading", "quiz", "daily"
AT = "tips_at"  # {"topic": id, "index": n} or, in a quiz, {"topic", "question": n, "score": n}


@dataclass(frozen=True)
class TipTopic(Payload, prefix="tips:topic"):
    topic: str


@dataclass(frozen=True)
class TipHour(Payload, prefix="tips:hour"):
    hour: int


@dataclass(frozen=True)
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


class FoodSafety:
    name = FlowName.TIPS

    def begin(self, turn: Turn) -> None:
        self._topics(turn)

    def ask(self, turn: Turn) -> None:
        if turn.step == READING:
            self._tip(turn)
        elif turn.step == QUIZZING:
            self._question(turn)
        elif turn.step == DAILY_STEP:
            self._daily(turn)
        else:
            self._topics(turn)

    def answer(self, turn: Turn, answer: Answer) -> None:
        choice = answer.choice
        if not turn.registered or choice == TipsOption.MENU:
            turn.go(FlowName.HOME)
        elif choice == TipsOption.TOPICS:
            self._topics(turn)
        elif topic := TipTopic.unpack(choice):
            turn.remember(**{AT: {"topic": topic.topic, "index": 0}})
            self._tip(turn)
        elif choice == TipsOption.NEXT and turn.step == READING:
            at = _at(turn)
            turn.remember(**{AT: {**at, "index": int(at.get("index", 0)) + 1}})
            self._tip(turn)
        elif choice == TipsOption.QUIZ and turn.step == READING:
            turn.remember(**{AT: {"topic": _at(turn).get("topic"), "question": 0, "score": 0}})
            self._question(turn)
        elif turn.step == QUIZZING and (picked := QuizChoice.unpack(choice)):
            self._answer_question(turn, picked)
        elif choice == TipsOption.DAILY:
            self._daily(turn)
        elif turn.step == DAILY_STEP:
            self._answer_daily(turn, choice, answer.text)
        else:
            ask_office.not_understood(turn, answer)

    def help(self, turn: Turn) -> str | None:
        if turn.step == QUIZZING:
            return _("Type the number of the answer you think is right.")
        return _(
            "Choose a topic to read its tips one at a time; after a topic, a short quiz checks what you "
            "learnt."
        )

    def cancel(self, turn: Turn) -> None:
        turn.go(FlowName.HOME)

    # -- reading --------------------------------------------------------------------------------------

    def _topics(self, turn: Turn) -> None:
        turn.step = None
        subscribed = tips.subscription(turn.session, turn.conversation.beneficiary_id or 0)
        daily = (
            _("🔔 Daily tip: at %(hour)s:00", hour=f"{subscribed.hour:02d}")
            if subscribed
            else _("🔔 Daily tip: off")
        )
        turn.say(
            _("Food-safety tips: choose a topic."),
            [
                *(
                    Offer(label=t.name(turn.language), payload=TipTopic(t.id))
                    for t in tips.topics(turn.session)
                ),
                Offer(label=daily, payload=TipsOption.DAILY),
                Offer(label=N_("Main menu"), payload=TipsOption.MENU),
            ],
        )

    def _tip(self, turn: Turn) -> None:
        at = _at(turn)
        topic = tips.topic(turn.session, str(at.get("topic")))
        shown = tips.tips_of(turn.session, topic.id) if topic else []
        if topic is None or not shown:
            self._topics(turn)
            return
        turn.step = READING
        index = min(int(at.get("index", 0)), len(shown) - 1)
        tip: Tip = shown[index]
        tips.mark_seen(turn.session, turn.conversation.beneficiary_id or 0, tip.id)
        last = index == len(shown) - 1
        lines = [
            _(
                "%(topic)s (%(number)s of %(count)s)",
                topic=topic.name(turn.language),
                number=index + 1,
                count=len(shown),
            ),
            tip.text(turn.language),
            _("Source: %(source)s", source=tip.source_in(turn.language)),
        ]
        if last:
            lines.append(_("That was the last tip on this topic. Would you like a short quiz?"))
        offers = [] if last else [Offer(label=N_("Next tip"), payload=TipsOption.NEXT)]
        if tips.quiz_of(turn.session, topic.id):
            offers.append(Offer(label=N_("Take the quiz"), payload=TipsOption.QUIZ))
        offers += [
            Offer(label=N_("Another topic"), payload=TipsOption.TOPICS),
            Offer(label=N_("Main menu"), payload=TipsOption.MENU),
        ]
        turn.say("\n\n".join(lines), offers)

    # -- the quiz -------------------------------------------------------------------------------------

    def _questions(self, turn: Turn) -> list[QuizQuestion]:
        return list(tips.quiz_of(turn.session, str(_at(turn).get("topic"))))

    def _question(self, turn: Turn) -> None:
        questions = self._questions(turn)
        number = int(_at(turn).get("question", 0))
        if not questions or number >= len(questions):
            self._topics(turn)
            return
        turn.step = QUIZZING
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

    def _answer_question(self, turn: Turn, picked: QuizChoice) -> None:
        at = _at(turn)
        questions = self._questions(turn)
        number = int(at.get("question", 0))
        if number >= len(questions) or questions[number].id != picked.question:
            self._question(turn)  # a button from an earlier question: ask the current one again
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
            self._question(turn)
            return
        self._finish(turn, str(at.get("topic")), score, len(questions))

    def _finish(self, turn: Turn, topic_id: str, score: int, total: int) -> None:
        passed = tips.record_quiz(
            turn.session, turn.conversation.beneficiary_id or 0, topic_id, score, total, turn.now
        )
        turn.remember(**{AT: {"topic": topic_id, "index": 0}})
        if passed:
            turn.say(_("You got %(score)s of %(total)s: passed ✅. Well done!", score=score, total=total))
            self._topics(turn)
            return
        turn.step = READING  # at the topic's first tip: the quiz, or its tips, are one choice away
        turn.say(
            _(
                "You got %(score)s of %(total)s. Read the tips of this topic again and try once more.",
                score=score,
                total=total,
            ),
            [
                Offer(label=N_("Read its tips again"), payload=TipTopic(topic_id)),
                Offer(label=N_("Take the quiz again"), payload=TipsOption.QUIZ),
                Offer(label=N_("Another topic"), payload=TipsOption.TOPICS),
                Offer(label=N_("Main menu"), payload=TipsOption.MENU),
            ],
        )

    # -- the daily tip --------------------------------------------------------------------------------

    def _daily(self, turn: Turn) -> None:
        turn.step = DAILY_STEP
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
        offers.append(Offer(label=N_("Back"), payload=TipsOption.TOPICS))
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

    def _answer_daily(self, turn: Turn, choice: Payload | None, text: str) -> None:
        family = turn.conversation.beneficiary_id or 0
        allowed = open_hours(turn)
        offered = TipHour.unpack(choice)
        hour = offered.hour if offered is not None else spoken_hour(text, allowed) if text else None
        if hour is None and choice == TipsOption.STOP:
            tips.unsubscribe(turn.session, family)
            turn.say(_("Daily tips stopped. You can start them again here at any time."))
            self._topics(turn)
            return
        if hour is None:
            turn.say(_("I could not read that as an hour. Type one like 9, 4 pm or noon."))
            self._daily(turn)
            return
        if hour not in allowed:
            turn.say(
                _(
                    "At %(hour)s:00 we send nothing: those are the quiet hours. Tips can come from %(first)s "
                    "to %(last)s.",
                    hour=f"{hour:02d}",
                    **hours_span(allowed),
                )
            )
            self._daily(turn)
            return
        tips.subscribe(turn.session, family, hour, turn.now)
        if offered is None and off_the_hour(text):
            turn.say(_("Tips come on the hour, so yours comes at %(hour)s:00.", hour=f"{hour:02d}"))
        turn.say(_("Done: a tip every day at %(hour)s:00, Riyadh time.", hour=f"{hour:02d}"))
        self._topics(turn)


def open_hours(turn: Turn) -> list[int]:
    """The hours a daily tip may come at: those outside this installation's quiet hours."""
    found = turn.setup.quiet.open_hours() if turn.setup.quiet is not None else []
    return found or list(range(24))


def hours_span(allowed: list[int]) -> dict[str, str]:
    return {"first": f"{allowed[0]:02d}:00", "last": f"{allowed[-1]:02d}:00"}


def _at(turn: Turn) -> dict[str, Any]:
    at = turn.answers.get(AT)
    return dict(at) if isinstance(at, dict) else {}


def _q(question: QuizQuestion, turn: Turn) -> str:
    return question.question_ar if turn.language == "ar" else question.question_en
