"""What she wants, in her own words, wherever she is: «ابي اشوف الدورات» on a canteen's page opens the
trainings, «ابغى اسجل» at the menu starts her registration. The engine's `understanding.intent` reads the
wish; this module does it, through the screen that would have done it had she tapped (the menu's, her
account's), so that every rule of that screen still holds. A table asks here only for words none of its
rows took; the staff's flows read their own words and never come here.

wish          registered family                        not registered
register      "already registered", the menu; asked      her registration (or its continuation)
              about: her details, verified or not
trainings,    that screen                              "for registered families", the menu
tips, …
details       change my details (the one named, at once)  as above
delete        "delete my data?" (asked first)          as above
applications  my applications and trainings            as above
my_office     my office                                her office (a question to it)
ask_office    a question to her office                 a question to her office
menu, help,   as the global words say                  as the global words say
language
stop, start   as the global words, when plainly said; a near miss is asked about first
back          the screen's way back, else the menu     the screen's way back, else the menu
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeAlias

from conversations.engine.engine import GlobalWord, act_on
from conversations.engine.forms import REVIEW, Form
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.engine.understanding import Intent, Understood, intent, negated
from conversations.family import ask_office, library, subscription
from conversations.family.account import AccountOption
from conversations.family.menu import MenuOption
from core.channel import Meaning
from core.i18n import _
from core.payloads import Payload, parse

Wish: TypeAlias = Callable[[Turn, Answer, Understood], None]

MENU_WISHES = {
    Intent.TRAININGS: MenuOption.TRAININGS,
    Intent.TIPS: MenuOption.TIPS,
    Intent.CANTEENS: MenuOption.CANTEENS,
    Intent.SERVICES: MenuOption.SERVICES,
    Intent.ACCOUNT: MenuOption.ACCOUNT,
}
ACCOUNT_WISHES = {
    Intent.DETAILS: AccountOption.CHANGE,
    Intent.APPLICATIONS: AccountOption.MINE,
    Intent.MY_OFFICE: AccountOption.OFFICE,
    Intent.DELETE: AccountOption.DELETE,  # which asks first: nothing is deleted on her words alone
}
GLOBAL_WISHES = {
    Intent.MENU: GlobalWord.MENU,
    Intent.HELP: GlobalWord.HELP,
    Intent.LANGUAGE: GlobalWord.LANGUAGE,
    Intent.STOP: GlobalWord.STOP,
    Intent.START: GlobalWord.START,
}


def wished(turn: Turn, answer: Answer) -> bool:
    """Do what her words say she wants, in this order: a wish said plainly («ابي اشوف الدورات»); a question
    the library answers («كيف اسخن الاكل البايت؟»); her reply to her office's answer; a wish inside a longer
    message. False if they say nothing of these (her office is offered them)."""
    if turn.rights is not None:
        return False
    wish = her_wish(answer.text)
    if wish is not None and (not wish.others or wish.intent is Intent.ASK_OFFICE):
        return _do(turn, answer, wish)  # "ابي اكلم موظفة عن الدورة": a person, not the library
    if library.answered(turn, answer.text, wish.intent if wish is not None else None):
        return True
    if ask_office.answering_office(turn, answer.text):
        return True
    return wish is not None and _do(turn, answer, wish)


def her_wish(text: str) -> Understood | None:
    """The wish her words say (`understanding.intent`); a "not" in it («لا توقفون الرسايل») makes a stop or a
    start one to ask about, and a "not" beside any other («ما ابي الدورات») no wish («ما فهمت» is help)."""
    found = intent(text)
    if found is None or found.intent is None:
        return None
    if found.intent in (Intent.STOP, Intent.START):  # «لا ترسلون لي رسايل»: a "not" in it, asked first
        return replace(found, sure=False) if negated(text) else found
    return None if negated(text, besides=found.phrase) else found


def _do(turn: Turn, answer: Answer, found: Understood) -> bool:
    assert found.intent is not None
    WISHES[found.intent](turn, answer, found)
    return True


def _through(flow: FlowName, choice: Payload) -> Wish:
    """The wish done as the option `choice` of the first screen of `flow`, as if she had tapped it there."""

    def chosen(turn: Turn, answer: Answer, found: Understood) -> None:
        turn.conversation.flow, turn.step = flow, None
        turn.flow.answer(turn, Answer(text=answer.text, choice=choice))

    return chosen


def _for_families(
    do: Callable[[Turn, Answer, Understood], None],
) -> Callable[[Turn, Answer, Understood], None]:
    def registered_first(turn: Turn, answer: Answer, found: Understood) -> None:
        if turn.registered:
            do(turn, answer, found)
            return
        turn.say(
            _(
                "This is for registered families. Register your family first: it takes a few minutes, "
                "and you can choose “Register my family” below."
            )
        )
        turn.go(FlowName.HOME)

    return registered_first


def _register(turn: Turn, answer: Answer, found: Understood) -> None:
    if not turn.registered:
        _through(FlowName.HOME, MenuOption.REGISTER)(turn, answer, found)
    elif found.others:  # «متى يتوثق تسجيلي»: her registration as it stands, with whether it is verified
        turn.say(_("Your family is registered already."))
        _through(FlowName.ACCOUNT, AccountOption.DETAILS)(turn, answer, found)
    else:
        turn.say(_("Your family is registered already. Here is the menu:"))
        turn.go(FlowName.HOME)


def _details(turn: Turn, answer: Answer, found: Understood) -> None:
    """Change my details; when her words name one of them («ابي اغير رقم جوالي»), that one at once."""
    _through(FlowName.ACCOUNT, AccountOption.CHANGE)(turn, answer, found)
    form = turn.flow
    if isinstance(form, Form) and turn.step == REVIEW and form.named_answer(turn, answer.text) is not None:
        form.answer(turn, Answer(text=answer.text))


def _my_office(turn: Turn, answer: Answer, found: Understood) -> None:
    choice = (FlowName.ACCOUNT, AccountOption.OFFICE) if turn.registered else (FlowName.HOME, MenuOption.ASK)
    _through(*choice)(turn, answer, found)


def _ask_office(turn: Turn, answer: Answer, found: Understood) -> None:
    """ "ابي اكلم موظفة" opens her question; "ابي اكلم موظفة عن الدورة الجاية" is one: it is offered."""
    if found.others:
        ask_office.offer(turn, answer.text)
    else:
        _through(FlowName.HOME, MenuOption.ASK)(turn, answer, found)


def _global(turn: Turn, answer: Answer, found: Understood) -> None:
    assert found.intent is not None
    word = GLOBAL_WISHES[found.intent]
    if word in (GlobalWord.STOP, GlobalWord.START) and not found.sure:
        subscription.ask_first(turn, stop=word is GlobalWord.STOP)  # a near miss: asked first
        return
    act_on(turn, word)


def _back(turn: Turn, answer: Answer, found: Understood) -> None:
    """The screen's own way back, if it has one; else the menu."""
    back = next(
        (o["payload"] for o in turn.conversation.offered if o.get("means") == Meaning.BACK.value), None
    )
    choice = parse(back)
    if choice is None:
        turn.go(FlowName.HOME)
    else:
        turn.flow.answer(turn, Answer(text=answer.text, choice=choice))


WISHES: dict[Intent, Wish] = {
    Intent.REGISTER: _register,
    **{wish: _for_families(_through(FlowName.HOME, option)) for wish, option in MENU_WISHES.items()},
    **{wish: _for_families(_through(FlowName.ACCOUNT, option)) for wish, option in ACCOUNT_WISHES.items()},
    Intent.DETAILS: _for_families(_details),
    Intent.MY_OFFICE: _my_office,
    Intent.ASK_OFFICE: _ask_office,
    **dict.fromkeys(GLOBAL_WISHES, _global),
    Intent.BACK: _back,
}
