"""Admins, in the staff chat: how families reach each office (the same as `usar offices edit`).

Offices (each with its phone) → an office → its contact as a summary → Change an answer → … → Save
                              → Back to the staff menu
What families read is what is saved here: wherever they are told to contact their office, and first in
"Useful services". Admins only, their rights read again on every turn: anyone else goes to the staff menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conversations.engine.choices import OfficeChoice
from conversations.engine.forms import Form, Invalid, Parser, Text, asked_again
from conversations.engine.screens import On, Screens, is_admin
from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Offer
from core.dates import hours_text, parse_hours, unreadable_hours
from core.i18n import N_, LazyText, _
from core.payloads import Options
from core.text import says_none
from office import offices
from office.errors import OfficeError, Refused
from storage.models import Office

CHOSEN = "office_contact_code"  # the office whose contact the form changes


class OfficesOption(Options, prefix="office-contacts"):
    """The offices' options, in the staff chat."""

    STAFF_MENU = "staff"


def listing(turn: Turn) -> None:
    no_phone = _("no phone yet")
    turn.say(
        _("How families reach each office. Choose one to change its phone, address or hours:"),
        [
            *(
                Offer(
                    label=f"{office.name(turn.language)} · {office.phone or no_phone}",
                    payload=OfficeChoice(office.code),
                )
                for office in offices.listing(turn.session)
            ),
            Offer(label=N_("Back to the staff menu"), payload=OfficesOption.STAFF_MENU),
        ],
    )


def open_office(turn: Turn, chosen: OfficeChoice) -> None:
    office_contact.discard(turn)  # from the office's contact as it is now
    turn.remember(**{CHOSEN: chosen.code})
    turn.go(FlowName.OFFICE_CONTACT)


def choose_one(turn: Turn, answer: Answer) -> None:
    turn.say(_("Please choose one of the options below."))
    listing(turn)


def to_staff_menu(turn: Turn) -> None:
    turn.go(FlowName.STAFF)


def _chosen(turn: Turn) -> Office | None:
    return next((o for o in offices.listing(turn.session) if o.code == turn.answers.get(CHOSEN)), None)


def as_stored(turn: Turn) -> dict[str, Any]:
    found = _chosen(turn)
    if found is None:
        return {}
    return {
        **{name: getattr(found, name) or "" for name in offices.CONTACT_FIELDS if name != "hours"},
        "hours": hours_text(found.hours, "en") if found.hours else "",
    }


def now_reached(turn: Turn) -> str:
    found = _chosen(turn)
    return _("The %(office)s office.", office=found.name(turn.language) if found else "")


def _phone(text: str, turn: Turn) -> str:
    return _checked(offices.dialled, text)


def _link(text: str, turn: Turn) -> str:
    return _checked(offices.map_link, text)


def _checked(check: Callable[[str], str], text: str) -> str:
    if says_none(text):
        return ""
    try:
        return check(text)
    except Invalid as wrong:
        raise Invalid(_("Please type %(what)s, or “-” to leave it empty.", what=wrong.message)) from wrong


def _words(text: str, turn: Turn) -> str:
    """A text, or "-" for none (it clears what was there)."""
    if says_none(text):
        return ""
    if len(text.strip()) > offices.TEXT_LENGTH:
        raise Invalid(_("Please keep it under %(limit)s characters.", limit=offices.TEXT_LENGTH))
    return text.strip()


def _hours(text: str, turn: Turn) -> str:
    if says_none(text):
        return ""
    hours = parse_hours(text)
    if hours is None:
        raise Invalid(
            _(
                "I could not read “%(part)s”. Please write the days and times like this: "
                "sun-thu 08:00-14:00; sat 09:00-12:00",
                part=unreadable_hours(text) or text,
            )
        )
    return hours_text(hours, "en")  # kept as it reads back


def save(turn: Turn, answers: dict[str, Any]) -> None:
    code = turn.answers.get(CHOSEN)
    changes = {**answers, "hours": parse_hours(answers["hours"]) or []}
    try:
        found = offices.edit(turn.session, turn.actor, str(code), changes, turn.now)
    except Refused as refused:
        raise asked_again(refused, {name: name for name in offices.CONTACT_FIELDS}, "phone") from refused
    except OfficeError as refused:  # no longer an admin
        turn.say(refused.message)
        turn.go(FlowName.STAFF)
        return
    turn.say(_("Saved. Families of %(office)s read it from now on.", office=found.name(turn.language)))
    turn.go(FlowName.STAFF_OFFICES)


@dataclass(frozen=True, kw_only=True)
class Contact(Text):
    """One of the office's contact details: "-" leaves it empty."""

    parse: Parser = _words
    hint: LazyText | None = field(default_factory=lambda: N_("Type “-” to leave it empty."))

    def show(self, turn: Turn, value: Any) -> str:
        return str(value) or "—"


@dataclass(frozen=True, kw_only=True)
class Hours(Contact):
    parse: Parser = _hours

    def show(self, turn: Turn, value: Any) -> str:
        return hours_text(parse_hours(value) or [], turn.language) or "—"


office_contact = Form(
    name=FlowName.OFFICE_CONTACT,
    intro=N_("How families reach this office."),
    resumed=N_("Let us continue with how families reach this office."),
    cancelled=N_("Nothing was changed."),
    review_intro=N_("How families reach this office (choose “Change an answer” to change one):"),
    prefill=as_stored,
    prefilled=now_reached,
    leave_to=FlowName.STAFF_OFFICES,
    leaving=N_("Leave without saving your changes? The office's details stay as they were."),
    leave_label=N_("Yes, leave without saving"),
    on_complete=save,
    fields=[
        Contact("phone", N_("Phone"), N_("Its phone number? (“-” for none)"), parse=_phone),
        Contact("whatsapp", N_("WhatsApp"), N_("Its WhatsApp number? (“-” for none)"), parse=_phone),
        Contact("address_ar", N_("Address in Arabic"), N_("Its address, in Arabic? (“-” for none)")),
        Contact("address_en", N_("Address in English"), N_("Its address, in English? (“-” for none)")),
        Contact("map_url", N_("Map link"), N_("A map link (https://…)? (“-” for none)"), parse=_link),
        Hours(
            "hours",
            N_("Opening hours"),
            N_("Its opening hours, like: sun-thu 08:00-14:00; sat 09:00-12:00 (“-” for none)"),
            hint=N_("Days, then times: sun-thu 08:00-14:00. Several: separate them with “;”."),
        ),
        Contact(
            "hours_note_ar",
            N_("Note on the hours, in Arabic"),
            N_("A note beside the hours, in Arabic? (“-” for none)"),
        ),
        Contact(
            "hours_note_en", N_("Note on the hours, in English"), N_("The note in English? (“-” for none)")
        ),
    ],
)


staff_offices = Screens(
    FlowName.STAFF_OFFICES,
    allowed=is_admin,  # rights are read again on every turn: staff no longer admins go back to their menu
    refused_to=FlowName.STAFF,
    screens={None: listing},
    routes=(
        On(OfficesOption.STAFF_MENU, go=FlowName.STAFF),
        On(OfficeChoice, then=open_office),
    ),
    otherwise=choose_one,
    help_text=N_("Choose an office to see and change how its families reach it."),
    on_cancel=to_staff_menu,
)
