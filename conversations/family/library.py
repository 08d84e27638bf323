"""Answers from the library: a question she writes that no option of her screen and no wish took is answered
from what Usar already knows, when one entry answers it plainly: a food-safety tip, a useful service, and
for a registered family her own trainings, her office's details and her canteen applications. The answer
says where it comes from; she is asked whether it helped, and may send her words, as she wrote them, to her
office. When nothing answers plainly, nothing is shown: her office is offered her words (`ask_office`).

«كيف اسخن الاكل البايت؟» → the tip, from "Cook thoroughly" → Did this answer your question?
                                                           ✅ Yes, thank you → where she was
                                                           No, it did not → "send it to your office?"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from conversations.engine.screens import ANYTHING, Confirm, On, Screens
from conversations.engine.search import index, library_words, wish_terms
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.engine.understanding import Intent
from conversations.family import ask_office
from conversations.family.canteens import her_applications
from conversations.family.services import entry
from core.channel import Offer
from core.domain import GuestStatus
from core.i18n import N_, _
from core.payloads import Options, Payload
from locales import LANGUAGES
from office import event_messages
from office.offices import her_office
from storage import beneficiaries, events, tips
from storage.models import Event

ASKED = "library_asked"  # her question, as she wrote it, for her office if the answer did not help
HELD = "library_held"  # where she asked it: {"flow", "step"}


class Step(StrEnum):
    ANSWERED = "answered"


class Helped(Options, prefix="library"):
    YES = "helped"
    NO = "ask"  # the payload kept from when "no" sent her words at once: a screen shown before still works


@dataclass(frozen=True)
class Entry:
    """One thing the library can say: found by `text`, said by `say` (in her language)."""

    key: str
    text: str
    say: Callable[[Turn], str]


def entries(turn: Turn) -> list[Entry]:
    """What the library holds for her: the tips and services, and her own pages if she is registered; read
    once while the library stays as it is (`tips.library_signature`)."""
    key = (tips.library_signature(turn.session), turn.language, turn.registered)
    found = _KEPT.get(key)
    if found is None:
        if len(_KEPT) >= len(LANGUAGES) * 2:
            _KEPT.clear()  # the library changed: what was kept is of the old one
        found = _KEPT[key] = _read(turn)
    return found


_KEPT: dict[tuple[object, ...], list[Entry]] = {}


def _read(turn: Turn) -> list[Entry]:
    ar = turn.language == "ar"
    found = [
        Entry(
            f"tip:{tip.id}",
            f"{tip.topic_ar if ar else tip.topic_en} {tip.text_ar if ar else tip.text_en}",
            _tip(tip),
        )
        for tip in tips.library(turn.session)
    ]
    found += [
        Entry(
            f"service:{service.id}",
            " ".join(
                (service.name_ar, service.about_ar, service.how_ar)
                if ar
                else (service.name_en, service.about_en, service.how_en)
            ),
            _service(service),
        )
        for service in tips.services(turn.session)
    ]
    if turn.registered:
        pages = library_words().pages
        found += [Entry(page, " ".join(pages[page]), say) for page, say in PAGES.items()]
    return found


def search(turn: Turn, text: str, wish: Intent | None = None) -> list[Entry]:
    """The entry that answers her question plainly (or the two tips that answer it alike), besides the
    `wish` she said in it («متى الدوره الجايه» is the trainings, and asks when); none when nothing does."""
    listed = {each.key: each for each in entries(turn)}
    besides = wish_terms(wish.value) if wish is not None else frozenset()
    found = index(tuple((key, each.text) for key, each in listed.items())).answers(text, besides)
    return [listed[each.key] for each in found]


def answered(turn: Turn, text: str, wish: Intent | None = None) -> bool:
    """Her question answered from the library (True), or nothing found (False)."""
    found = search(turn, text, wish)
    if not found:
        return False
    turn.say("\n\n".join(each.say(turn) for each in found))
    turn.hold(HELD)
    turn.conversation.flow = FlowName.LIBRARY
    turn.remember(**{ASKED: text})
    HELPED.ask(turn)
    return True


# -- what each entry says ---------------------------------------------------------------------------------


def _tip(tip: tips.LibraryTip) -> Callable[[Turn], str]:
    def say(turn: Turn) -> str:
        ar = turn.language == "ar"
        return "\n\n".join(
            (
                _("From the food-safety tips (%(topic)s):", topic=tip.topic_ar if ar else tip.topic_en),
                tip.text_ar if ar else tip.text_en,
                _("Source: %(source)s", source=tip.source_ar or tip.source if ar else tip.source),
            )
        )

    return say


def _service(service: tips.ListedService) -> Callable[[Turn], str]:
    def say(turn: Turn) -> str:
        return "\n\n".join((_("From the useful services:"), entry(service, turn.language)))

    return say


def _trainings(turn: Turn) -> str:
    family = beneficiaries.beneficiary(turn.session, turn.conversation.beneficiary_id or 0)
    if family is None:
        return _("There are no upcoming trainings for your office at the moment.")
    upcoming = events.open_to(turn.session, family.id, family.office_code, turn.now)
    if not upcoming:
        return _("From your trainings: there are no upcoming trainings for your office at the moment.")
    # Her next training is one she is coming to (or waiting for), else one she has not answered; never one
    # she said she will not come to («متى دورتي الجايه؟»).
    answers = {event.id: _answer(turn, event, family.id) for event in upcoming}
    event = next(
        (e for e in upcoming if answers[e.id] in (GuestStatus.GOING, GuestStatus.WAITLISTED)),
        next((e for e in upcoming if answers[e.id] is not GuestStatus.NOT_GOING), upcoming[0]),
    )
    lines = [
        _("From your trainings: the next one is %(title)s.", title=event.title(turn.language)),
        event_messages.details(event, turn.language),
    ]
    if event.capacity is not None:
        left = max(event.capacity - events.going_count(turn.session, event.id), 0)
        lines.append(_("Places left: %(left)s of %(capacity)s", left=left, capacity=event.capacity))
    if len(upcoming) > 1:
        lines.append(
            _("There are %(count)s upcoming trainings: see them all in “Trainings”.", count=len(upcoming))
        )
    return "\n\n".join(lines)


def _answer(turn: Turn, event: Event, family_id: int) -> GuestStatus:
    guest = events.guest(turn.session, event.id, family_id)
    return GuestStatus(guest.status) if guest is not None else GuestStatus.INVITED


def _office(turn: Turn) -> str:
    family = beneficiaries.beneficiary(turn.session, turn.conversation.beneficiary_id or 0)
    contact = her_office(turn.session, family.office_code, turn.language) if family is not None else ""
    return "\n\n".join(filter(None, (_("From your office's details:"), contact)))


def _applications(turn: Turn) -> str:
    family_id = turn.conversation.beneficiary_id or 0
    lines = her_applications(turn, family_id)
    if not lines:
        return _("From your applications: you have not applied to a canteen yet.")
    return "\n".join((_("From your canteen applications:"), *lines))


PAGES: dict[str, Callable[[Turn], str]] = {
    "trainings": _trainings,
    "office": _office,
    "application": _applications,
}


# -- did it help? ----------------------------------------------------------------------------------------


HELPED = Confirm(
    Step.ANSWERED,
    N_("Did this answer your question?"),
    yes=Offer(N_("Yes, thank you"), Helped.YES),
    no=Offer(N_("No, it did not"), Helped.NO),
)


def helped(turn: Turn, chosen: Helped) -> None:
    turn.say(_("Glad to help."))
    _forget(turn)
    turn.resume(HELD)


def did_not_help(turn: Turn, chosen: Helped) -> None:
    """Her question, in her own words, offered to her office (nothing is sent until she says yes), from
    where she asked it: her "no" to the offer takes her back there."""
    text = str(turn.answers.get(ASKED, ""))
    _forget(turn)
    turn.back_to(HELD)
    ask_office.offer(turn, text)


def something_else(turn: Turn, chosen: Payload | Answer) -> None:
    """Anything else she sends is read where she was, as if the answer had not been asked about."""
    _forget(turn)
    turn.resume(HELD, chosen)


def _forget(turn: Turn) -> None:
    kept = {key: value for key, value in turn.answers.items() if key != ASKED}
    turn.clear_answers()
    turn.remember(**kept)


def leave(turn: Turn) -> None:
    _forget(turn)
    turn.resume(HELD)


library = Screens(
    FlowName.LIBRARY,
    screens={None: HELPED.ask},
    confirms=(HELPED,),
    routes=(
        On(Helped.YES, at=Step.ANSWERED, then=helped),
        On(Helped.NO, at=Step.ANSWERED, then=did_not_help),
        On(*ANYTHING, then=something_else),
    ),
    help_text=N_("Say whether the answer helped. If it did not, I can send your question to your office."),
    on_cancel=leave,
)
