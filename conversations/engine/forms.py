"""Form-like flows: a declarative list of fields, asked in order, each answer checked, then a summary
where any answer can be changed before the form is completed.

The answers being collected are the form's draft, kept in the conversation state under the form's
name: leaving for the menu keeps them, "cancel" or a refused consent discards them, and nothing reaches
the domain until `on_complete` runs in the turn's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field, replace
from typing import Any

from babel.lists import format_list

from conversations.engine import understanding
from conversations.engine.options import match_many
from conversations.engine.turn import Answer, FlowName, Turn, match_keys
from core import payloads
from core.channel import Meaning, Offer
from core.i18n import N_, LazyText, _, current_language
from core.payloads import Options, Payload
from core.text import fold
from core.validators import Invalid as Invalid
from office.errors import (
    OfficeError,
    Refused,  # re-exported: the forms raise it
)


class SendBack(Exception):
    """Raised by `on_complete`: one answer turned out unacceptable at saving time; ask it again."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


class Abort(Exception):
    """The person chose to stop (refused consent): discard the draft and say why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


PENDING = object()  # an answer that changed the draft but does not finish the field (a toggled choice)
# The steps of a form besides its fields' own (each field's step is its name).
REVIEW = "review"
PICK = "review:pick"
STOPPING = "review:stop"  # "Leave this? What you typed here will be forgotten."
FEW = 2  # answers she may lose to "cancel" without being asked first
DECLINED = "_declined"  # consent refused once with many answers given: what to say if she confirms it
SENT_BACK = "_sent_back"  # the answer "Save" sent back, kept for a cancel (a temporary key: it starts with _)


class FormOption(Options, prefix="form"):
    """The options every form has."""

    SAVE = "save"  # at the summary
    CHANGE = "edit"  # at the summary: which answer to change
    TO_SUMMARY = "summary"  # in the list of answers to change: back to the summary, nothing changed
    KEEP_GOING = "keep"  # asked whether to leave: no, go on
    LEAVE = "stop"  # asked whether to leave: yes, forget the answers
    DONE = "done"  # the ticks of a question with several answers are complete


class ChangeAnswer(Payload, prefix="form:change"):
    """An answer chosen at the summary, to change it."""

    field: str


class Skip(Payload, prefix="form:skip"):
    """A question she may leave out, left out with its button ("No English title")."""

    field: str


class YesNoAnswer(Payload, prefix="form:said"):
    """A yes/no question's button, with its question's name: a "yes" left in the chat from an earlier question
    is refused as stale instead of answering this one."""

    field: str
    said: payloads.YesNo


Parser = Callable[[str, Turn], Any]
OptionsOf = Callable[[Turn], Sequence[Offer]]


@dataclass(frozen=True)
class Field:
    """A question: its name (the draft's key and the form's step), its label in the summary and what it asks
    (`Text("school", N_("School"), N_("What is the school's name?"), parse=…)`); the rest by keyword."""

    name: str
    label: LazyText
    ask: LazyText
    _: KW_ONLY
    hint: LazyText | None = None
    skip_if: Callable[[Turn], bool] | None = None

    def offers(self, turn: Turn, draft: dict[str, Any]) -> Sequence[Offer]:
        return ()

    def prompt(self, turn: Turn, draft: dict[str, Any]) -> None:
        turn.say(str(self.ask), self.offers(turn, draft))

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        raise NotImplementedError

    def show(self, turn: Turn, value: Any) -> str:
        return str(value)


@dataclass(frozen=True, kw_only=True)
class Text(Field):
    parse: Parser
    request_contact: bool = False

    def prompt(self, turn: Turn, draft: dict[str, Any]) -> None:
        turn.say(str(self.ask), request_contact=self.request_contact)

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        return self.parse(answer.text, turn)


@dataclass(frozen=True, kw_only=True)
class Choice(Field):
    options: OptionsOf
    # How a value no longer offered reads (an office made inactive since she chose it); else its payload.
    named: Callable[[Turn, Any], str] | None = None

    def offers(self, turn: Turn, draft: dict[str, Any]) -> Sequence[Offer]:
        return self.options(turn)

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        if answer.choice is not None:
            return answer.choice.pack()  # the draft keeps it packed; its type reads it back
        named = understanding.mentioned(turn.conversation.offered, answer.text)  # "مكتب الضمان بالجموم"
        if named is None:
            raise Invalid(_("Please choose one of the options below."))
        return named

    def show(self, turn: Turn, value: Any) -> str:
        offered = next((str(offer.label) for offer in self.options(turn) if offer.packed == value), None)
        if offered is not None:
            return offered
        return self.named(turn, value) if self.named is not None else str(value)


@dataclass(frozen=True, kw_only=True)
class MultiChoice(Field):
    """Several options: each one named toggles it (✅), and "Done" finishes once one is chosen."""

    options: OptionsOf

    def selected_key(self) -> str:
        """Where the draft keeps her ticks until she says \"Done\"."""
        return f"_selected:{self.name}"

    def offers(self, turn: Turn, draft: dict[str, Any]) -> Sequence[Offer]:
        selected = set(draft.get(self.selected_key(), draft.get(self.name, [])))
        marked = [
            replace(offer, label=f"✅ {offer.label}") if offer.packed in selected else offer
            for offer in self.options(turn)
        ]
        return [*marked, Offer(label=N_("Done"), payload=FormOption.DONE)]

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        """Each option named toggles it; the draft keeps them packed, in the order offered."""
        selected: list[str] = list(draft.get(self.selected_key(), draft.get(self.name, [])))
        done = FormOption.DONE.pack()
        named = [answer.choice.pack()] if answer.choice else _named(turn.conversation.offered, answer.text)
        if not named:
            raise Invalid(_("Please type the numbers of your choices, for example: 1 3"))
        for packed in named:
            if packed == done:
                continue
            if packed in selected:
                selected.remove(packed)
            else:
                selected.append(packed)
        draft[self.selected_key()] = selected
        if done in named:
            if not selected:
                raise Invalid(_("Please choose at least one, then “Done”."))
            order = [offer.packed for offer in self.options(turn)]
            del draft[self.selected_key()]
            return sorted(selected, key=order.index)
        return PENDING

    def show(self, turn: Turn, value: Any) -> str:
        labels = {offer.packed: str(offer.label) for offer in self.options(turn)}
        return format_list([labels.get(payload, payload) for payload in value], locale=current_language())


def _named(offered: Sequence[dict[str, Any]], text: str) -> list[str] | None:
    """The options she names at once: by numbers or labels ("1 3", "drinks, sewing"), else each word of hers
    that names one ("اسوي كيك وحلى", "الاول والثالث"), the words that name none aside."""
    found = match_many(offered, text)
    if found:
        return found
    named: list[str] = []
    for word in fold(text).split(" "):
        for said in (word, word[1:]) if word.startswith("و") and len(word) > 3 else (word,):
            picked = understanding.pick(offered, said)
            payload = picked.payload if picked is not None else understanding.mentioned(offered, said)
            if payload is not None:
                named.append(payload)
                break
    return list(dict.fromkeys(named)) or None


def yes_or_no(turn: Turn, answer: Answer, yes: Payload, no: Payload) -> Payload | None:
    """A confirmation's button, pressed or said in words ("نعم", "no"): `yes`, `no`, or None. Words count
    only while the confirmation is what she was last offered: an invitation that came since asks its own."""
    if answer.choice in (yes, no):
        return answer.choice
    offered = {str(option["payload"]): option for option in turn.conversation.offered}
    if answer.choice is None and yes.pack() in offered:
        said = understanding.yes_or_no(answer.text)
        if said is Meaning.YES and offered[yes.pack()].get("firm") and understanding.soft_yes(answer.text):
            return None  # «ان شاء الله» to "delete your data?": asked again, plainly
        if said is not None:
            return yes if said is Meaning.YES else no
    return None


@dataclass(frozen=True, kw_only=True)
class YesNo(Field):
    """Yes or no. Each question's buttons carry its own name (`YesNoAnswer`), so a "yes" button
    left in the chat from an earlier question is refused as stale instead of answering this one."""

    yes_label: LazyText = field(default_factory=lambda: N_("Yes"))
    no_label: LazyText = field(default_factory=lambda: N_("No"))

    def offers(self, turn: Turn, draft: dict[str, Any]) -> Sequence[Offer]:
        return (
            Offer(
                label=self.yes_label, payload=YesNoAnswer(self.name, payloads.YesNo.YES), means=Meaning.YES
            ),
            Offer(label=self.no_label, payload=YesNoAnswer(self.name, payloads.YesNo.NO), means=Meaning.NO),
        )

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        said = answer.choice.said if isinstance(answer.choice, YesNoAnswer) else None
        if said is None:
            meant = understanding.yes_or_no(answer.text)
            said = None if meant is None else payloads.YesNo(meant.value)
        if said is None:
            raise Invalid(_("Please choose “%(yes)s” or “%(no)s”.", yes=self.yes_label, no=self.no_label))
        return said is payloads.YesNo.YES

    def show(self, turn: Turn, value: Any) -> str:
        return _("Yes") if value else _("No")


@dataclass(frozen=True, kw_only=True)
class Consent(YesNo):
    """Explicit consent: "yes" records when she agreed; "no" ends the form without keeping anything."""

    refused: LazyText
    yes_label: LazyText = field(default_factory=lambda: N_("I agree"))
    no_label: LazyText = field(default_factory=lambda: N_("I do not agree"))

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        if not super().take(turn, answer, draft):
            raise Abort(str(self.refused))
        return turn.now.isoformat()

    def show(self, turn: Turn, value: Any) -> str:
        return _("Given")


@dataclass(frozen=True)
class Form:
    """A flow that asks `fields` in order, then shows a summary to confirm or correct, then completes."""

    name: FlowName
    fields: Sequence[Field]
    on_complete: Callable[[Turn, dict[str, Any]], None]
    intro: LazyText
    resumed: LazyText
    cancelled: LazyText
    review_intro: LazyText = field(default_factory=lambda: N_("Please check your answers:"))
    # Said before the summary each time it is shown: what the answers add up to (a count, a preview).
    before_review: Callable[[Turn, dict[str, Any]], None] | None = None
    # Answers known before she starts (her office imported them), and what to say when there are some.
    prefill: Callable[[Turn], dict[str, Any]] | None = None
    prefilled: LazyText | Callable[[Turn], str] | None = None
    leave_to: FlowName = FlowName.HOME  # the flow she goes back to when she leaves it
    # Asked before she leaves with answers given ("cancel", or "back" at the summary of what she changed).
    leaving: LazyText = field(
        default_factory=lambda: N_("Leave this? What you typed here will be forgotten.")
    )
    leave_label: LazyText = field(default_factory=lambda: N_("Yes, forget them"))

    # -- the Flow protocol --------------------------------------------------------------------------

    def begin(self, turn: Turn) -> None:
        draft = self._fresh(turn)
        known = self.prefill(turn) if self.prefill is not None and not self._answered(draft) else {}
        if known:
            draft.update(known)
            said = self.prefilled or self.intro
            turn.say(said(turn) if callable(said) else str(said))
        else:
            turn.say(str(self.resumed if self._answered(draft) else self.intro))
        self._next(turn, draft)

    def ask(self, turn: Turn) -> None:
        draft = self._draft(turn)
        if turn.step == STOPPING:
            self._ask_to_stop(turn)
        elif turn.step == REVIEW:
            self._review(turn, draft)
        elif turn.step == PICK:
            self._pick(turn, draft)
        else:
            self._field(turn.step).prompt(turn, draft)

    def answer(self, turn: Turn, answer: Answer) -> None:
        draft = self._draft(turn)
        if turn.step == STOPPING:
            self._answer_stop(turn, answer, draft)
        elif turn.step == REVIEW:
            self._answer_review(turn, answer, draft)
        elif turn.step == PICK:
            self._answer_pick(turn, answer, draft)
        else:
            self._answer_field(turn, self._field(turn.step), answer, draft)

    def help(self, turn: Turn) -> str | None:
        if turn.step == STOPPING:
            return _(
                "Choose “No, let us go on” to keep your answers, or “%(leave)s” to leave.",
                leave=self.leave_label,
            )
        if turn.step in (REVIEW, PICK):
            return _("Check each answer. Choose “Save” if all is right, or “Change an answer” to fix one.")
        current = self._field(turn.step)
        return str(current.hint) if current.hint else None

    def cancel(self, turn: Turn) -> None:
        draft = self._draft(turn)
        if turn.step == PICK or draft.get("_editing"):
            turn.say(_("Nothing was changed."))
            self._back_to_summary(turn, draft)
            return
        if turn.step != STOPPING and self._given(draft) > FEW:
            self._ask_to_stop(turn)  # a slip of "cancel" must not cost her every answer
            return
        self._stop(turn)  # a second "cancel" at the question confirms it

    def back(self, turn: Turn) -> None:
        """ "رجوع" / "back": the previous question, its answer kept and shown; from a correction or the list
        of answers, the summary; at the summary, the last question."""
        draft = self._draft(turn)
        if turn.step == STOPPING:  # as "No, let us go on"
            self._next(turn, draft)
            return
        if turn.step == PICK or draft.get("_editing"):
            self._back_to_summary(turn, draft)
            return
        stored = self._stored(turn, draft)
        if turn.step == REVIEW and stored is not None:  # she came in at the summary of what is stored
            if all(draft.get(name) == value for name, value in stored.items()):
                self.discard(turn)
                turn.say(_("Nothing was changed."))
                turn.go(self.leave_to)
            else:
                self._ask_to_stop(turn)  # what she changed is not lost without a question
            return
        asked = [f for f in self._asked(turn) if not isinstance(f, Consent)]
        here = next((i for i, f in enumerate(asked) if f.name == turn.step), len(asked))
        earlier = [f for f in asked[:here] if f.name in draft]
        if not earlier:
            turn.say(_("This is the first question."))
            self.ask(turn)
            return
        previous = earlier[-1]
        turn.step = previous.name
        turn.say(_("Your answer was: %(answer)s", answer=previous.show(turn, draft[previous.name])))
        previous.prompt(turn, draft)

    def _back_to_summary(self, turn: Turn, draft: dict[str, Any]) -> None:
        """The answers as they were, the one that "Save" sent back included (saving again says again what is
        wrong with it)."""
        self._keep(turn, _without_temporary({**draft, **draft.get(SENT_BACK, {})}))
        self._next(turn, self._draft(turn))  # the summary, unless an answer is still missing

    def _stop(self, turn: Turn) -> None:
        declined = self._draft(turn).get(DECLINED)
        self.discard(turn)
        turn.say(str(declined or self.cancelled))
        turn.go(self.leave_to)

    def _stored(self, turn: Turn, draft: dict[str, Any]) -> dict[str, Any] | None:
        """What the form was filled with, when every answer of the draft came from it (a form of stored
        details, such as "Change my details"); None when she answered questions of her own."""
        stored = self.prefill(turn) if self.prefill is not None else {}
        answered = [f.name for f in self.fields if f.name in draft]
        return stored if stored and all(name in stored for name in answered) else None

    def _ask_to_stop(self, turn: Turn) -> None:
        turn.step = STOPPING
        turn.say(
            _("Your answers will be deleted. Are you sure?")
            if self._draft(turn).get(DECLINED)
            else str(self.leaving),
            [
                Offer(label=N_("No, let us go on"), payload=FormOption.KEEP_GOING),
                Offer(label=self.leave_label, payload=FormOption.LEAVE),
            ],
        )

    def _answer_stop(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> None:
        said = yes_or_no(turn, answer, FormOption.LEAVE, FormOption.KEEP_GOING)
        if said == FormOption.LEAVE:
            self._stop(turn)
        elif said == FormOption.KEEP_GOING:
            self._next(turn, draft)  # where she was: the first question unanswered, or the summary
        else:
            self._ask_to_stop(turn)

    # -- steps ----------------------------------------------------------------------------------------

    def _answer_field(self, turn: Turn, current: Field, answer: Answer, draft: dict[str, Any]) -> None:
        if answer.choice is None and wants_back(answer.text):
            self._keep(turn, draft)
            self.back(turn)  # «ابي ارجع للسؤال اللي قبل»: "back" in her words, not a name
            return
        if answer.choice is None and current.name in draft and understanding.keeps(answer.text):
            self._next(turn, draft)  # «نفسه» to a question she came back to: her answer, as it was
            return
        try:
            value = current.take(turn, answer, draft)
        except Invalid as problem:
            self._keep(turn, draft)
            handoff = turn.dialogue.handoff
            if handoff is not None and understanding.is_question(answer.text) and handoff.question(turn):
                return  # «ليش تبون جوالي؟»: a question for her office; her "no" comes back here
            turn.say(problem.message)
            current.prompt(turn, draft)
            return
        except Abort as stop:
            if self._given(draft) > FEW and DECLINED not in draft:  # asked once before forgetting them
                self._keep(turn, {**draft, DECLINED: stop.message})
                self._ask_to_stop(turn)
                return
            self.discard(turn)
            turn.say(stop.message)
            turn.go(FlowName.HOME)
            return
        if value is PENDING:
            self._keep(turn, draft)
            current.prompt(turn, draft)
            return
        draft[current.name] = value
        draft.pop("_editing", None)
        draft.pop(SENT_BACK, None)
        self._next(turn, draft)  # back to the summary, unless the change calls for a question not yet asked

    def _next(self, turn: Turn, draft: dict[str, Any]) -> None:
        self._keep(turn, draft)
        missing = next((f for f in self._asked(turn) if f.name not in draft), None)
        if missing is None:
            self._review(turn, draft)
        else:
            turn.step = missing.name
            missing.prompt(turn, draft)

    def _review(self, turn: Turn, draft: dict[str, Any]) -> None:
        turn.step = REVIEW
        if self.before_review is not None:
            self.before_review(turn, draft)
        lines = [f"{f.label}: {f.show(turn, draft[f.name])}" for f in self._asked(turn) if f.name in draft]
        turn.say(
            "\n".join([str(self.review_intro), *lines]),
            [
                Offer(label=N_("Save"), payload=FormOption.SAVE, means=Meaning.YES),
                Offer(label=N_("Change an answer"), payload=FormOption.CHANGE),
            ],
        )

    def _answer_review(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> None:
        named = self.named_answer(turn, answer.text) if answer.choice is None else None
        if named is not None:  # «الاسم غلط», «ابي اغير الجوال»: that answer, to change it
            self._answer_pick(turn, Answer(text=answer.text, choice=ChangeAnswer(named.name)), draft)
        elif answer.choice == FormOption.CHANGE:
            self._pick(turn, draft)
        elif answer.choice == FormOption.SAVE:
            self._complete(turn, draft)
        else:
            turn.say(_("Please choose “Save” or “Change an answer”."))
            self._review(turn, draft)

    def named_answer(self, turn: Turn, text: str) -> Field | None:
        """The one answer of the summary her words name («الاسم غلط», «غلطت في المكتب»); None for none."""
        editable = {ChangeAnswer(f.name).pack(): f for f in self._editable(turn)}
        labels = [{"payload": packed, "labels": match_keys(f.label, ())} for packed, f in editable.items()]
        named = understanding.mentioned(labels, text)
        return None if named is None else editable[named]

    def _pick(self, turn: Turn, draft: dict[str, Any]) -> None:
        turn.step = PICK
        turn.say(
            _("Which answer would you like to change?"),
            [
                *(Offer(label=f.label, payload=ChangeAnswer(f.name)) for f in self._editable(turn)),
                Offer(label=N_("Back to the summary"), payload=FormOption.TO_SUMMARY),
            ],
        )

    def _answer_pick(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> None:
        if answer.choice == FormOption.TO_SUMMARY:
            self._review(turn, draft)
            return
        chosen = next((f for f in self._editable(turn) if answer.choice == ChangeAnswer(f.name)), None)
        if chosen is None:
            turn.say(_("Please choose one of the options below."))
            self._pick(turn, draft)
            return
        draft = _without_temporary(draft)
        draft["_editing"] = True
        self._keep(turn, draft)
        turn.step = chosen.name
        chosen.prompt(turn, draft)

    def _complete(self, turn: Turn, draft: dict[str, Any]) -> None:
        values = {f.name: draft[f.name] for f in self._asked(turn) if f.name in draft}
        self.discard(turn)
        try:
            self.on_complete(turn, values)
        except SendBack as problem:
            if problem.field_name in draft:
                draft[SENT_BACK] = {problem.field_name: draft.pop(problem.field_name)}
            draft["_editing"] = True
            self._keep(turn, draft)
            turn.say(problem.message)
            turn.step = problem.field_name
            self._field(problem.field_name).prompt(turn, draft)

    # -- the draft ------------------------------------------------------------------------------------

    def _fresh(self, turn: Turn) -> dict[str, Any]:
        """The draft without what an abandoned step left behind (ticks not confirmed, a correction)."""
        draft = _without_temporary(self._draft(turn))
        self._keep(turn, draft)
        return draft

    def _draft(self, turn: Turn) -> dict[str, Any]:
        """The answers so far; a choice no type reads any more (kept before an upgrade) is asked again."""
        draft = dict(turn.answers.get(self.name, {}))
        for asked in self.fields:
            unread = [asked.name] if isinstance(asked, Choice | MultiChoice) else []
            if isinstance(asked, MultiChoice):
                unread.append(asked.selected_key())  # her ticks before "Done"
            for key in unread:
                value = draft.get(key)
                values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
                if any(payloads.parse(each) is None for each in values):
                    del draft[key]
        return draft

    def _keep(self, turn: Turn, draft: dict[str, Any]) -> None:
        turn.remember(**{self.name: draft})

    def discard(self, turn: Turn) -> None:
        """Forget the answers collected so far."""
        remaining = turn.answers
        remaining.pop(self.name, None)
        turn.clear_answers()
        turn.remember(**remaining)

    def _given(self, draft: dict[str, Any]) -> int:
        return sum(f.name in draft for f in self.fields)

    def _answered(self, draft: dict[str, Any]) -> bool:
        return any(f.name in draft for f in self.fields)

    def _asked(self, turn: Turn) -> list[Field]:
        return [f for f in self.fields if f.skip_if is None or not f.skip_if(turn)]

    def _editable(self, turn: Turn) -> list[Field]:
        return [f for f in self._asked(turn) if not isinstance(f, Consent)]

    def _field(self, name: str | None) -> Field:
        return next(f for f in self.fields if f.name == name)

    def has_draft(self, turn: Turn) -> bool:
        return self._answered(self._draft(turn))


def _without_temporary(draft: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in draft.items() if not key.startswith("_")}


def asked_again(refused: Refused, fields: Mapping[str, str], otherwise: str) -> SendBack:
    """A form's answer the office action refused, asked again: the question of the value it was about."""
    problem = refused.problems[0]
    return SendBack(fields.get(problem.field or "", otherwise), problem.message)


@contextmanager
def asked_again_if_refused(turn: Turn, fields: Mapping[str, str], otherwise: str) -> Iterator[None]:
    """Around the office action a form completes with, and what she is told when it is done: a value the
    office refused is asked again (`asked_again`); any other refusal (she is no longer staff) is said
    instead, and the form goes on after the block."""
    try:
        yield
    except Refused as refused:
        raise asked_again(refused, fields, otherwise) from refused
    except OfficeError as refused:
        turn.say(refused.message)


def wants_back(text: str) -> bool:
    """Whether her words, which answer no question, ask for the previous one («ابي ارجع للسؤال اللي قبل»)."""
    found = understanding.intent(text)
    return (
        found is not None
        and found.intent is understanding.Intent.BACK
        and found.sure
        and not understanding.negated(text, besides=found.phrase)
    )
