"""Useful services, in the menu: her own office first (how to reach it), then the help the seed's forum
pointed families to — the Chamber of Commerce's services for productive families, the municipality … — her
office's entries, then those for every office, each short: its name, how to use it, a phone or a link. The
entries are data staff edit (`usar services import`); the offices' contacts, data admins edit (`usar offices
edit`).

menu → Useful services → the list, and the menu again: she never stays here.
"""

from __future__ import annotations

from conversations.engine.screens import ANYTHING, On, Screens
from conversations.engine.turn import FlowName, Turn
from core.i18n import _
from office.offices import her_office
from storage import beneficiaries, tips


def entry(service: tips.ListedService, language: str) -> str:
    ar = language == "ar"
    lines = [
        f"🏢 {service.name_ar if ar else service.name_en}",
        _("How: %(how)s", how=service.how_ar if ar else service.how_en),
    ]
    if service.phone:
        lines.append(f"📞 {service.phone}")
    if service.link:
        lines.append(f"🔗 {service.link}")
    return "\n".join(lines)


def in_her_order(listed: list[tips.ListedService], office_code: str | None) -> list[tips.ListedService]:
    """Her office's entries first, then those for every office; another office's entries are not hers (a
    family not registered yet sees them all)."""
    if office_code is None:
        return listed
    hers = [service for service in listed if service.serves(office_code)]
    return hers + [service for service in listed if not service.offices]  # the staff's order within each


def listing(turn: Turn) -> None:
    """The list, then her menu: she never stays here."""
    family = turn.conversation.beneficiary_id
    office_code = beneficiaries.office_of(turn.session, family) if family is not None else None
    listed = in_her_order(tips.services(turn.session), office_code)
    contact = her_office(turn.session, office_code, turn.language, only_if_listed=True) if office_code else ""
    if listed:
        said = [
            _("Useful services for productive families:"),
            contact,
            *(entry(s, turn.language) for s in listed),
        ]
    else:
        said = [_("The list of useful services is not ready yet. Please ask your office."), contact]
    turn.say("\n\n".join(filter(None, said)))
    turn.go(FlowName.HOME)


def to_menu(turn: Turn) -> None:
    turn.go(FlowName.HOME)


def no_help(turn: Turn) -> None:
    return None


services = Screens(
    FlowName.SERVICES,
    first=listing,
    screens={None: to_menu},
    routes=(On(*ANYTHING, go=FlowName.HOME),),  # whatever she sends: the menu
    help_text=no_help,
    on_cancel=to_menu,
)
