"""Home: the welcome for people not yet registered, and the main menu for registered families.

not registered:  Register (or Continue registration) · About Usar · Ask my office · English/العربية
registered:      Trainings · Food-safety tips · Canteen opportunities · Useful services · My account ·
                 Ask my office
Words not understood here are offered to her office (`ask_office`).
"""

from __future__ import annotations

from conversations.engine.screens import On, Screens, is_registered, not_registered
from conversations.engine.turn import FlowName, Turn
from conversations.family import ask_office
from conversations.family.registration import imported_contact, registration
from core.channel import Offer
from core.i18n import N_, _
from core.payloads import Options
from core.validators import first_name


class MenuOption(Options, prefix="menu"):
    """The menu's options."""

    REGISTER = "register"
    ABOUT = "about"
    LANGUAGE = "language"
    TRAININGS = "trainings"
    TIPS = "tips"
    CANTEENS = "canteens"
    ACCOUNT = "account"
    SERVICES = "services"
    ASK = "ask"


def welcome(turn: Turn) -> None:
    """Staff go to their menu; someone new is welcomed (by name when her office's list has her)."""
    if turn.rights is not None:
        turn.go(FlowName.STAFF)
        return
    contact = imported_contact(turn) if turn.is_new and not turn.registered else None
    if contact is not None:
        turn.say(
            _(
                "Welcome, %(name)s! Your office has added your family to Usar (أسر), the assistant of "
                "the productive families project. Registering now takes only a few questions.",
                name=first_name(contact.full_name),
            )
        )
    elif turn.is_new:
        turn.say(
            _(
                "Welcome to Usar (أسر), the assistant of the productive families project. "
                "I can register your family and keep you informed about trainings, food-safety tips "
                "and school-canteen opportunities."
            )
        )
    menu(turn)


def menu(turn: Turn) -> None:
    turn.step = None
    if turn.registered:
        turn.say(
            _("Main menu: what would you like to do?"),
            [
                Offer(label=N_("Trainings"), payload=MenuOption.TRAININGS),
                Offer(label=N_("Food-safety tips"), payload=MenuOption.TIPS),
                Offer(label=N_("Canteen opportunities"), payload=MenuOption.CANTEENS),
                Offer(label=N_("Useful services"), payload=MenuOption.SERVICES),
                Offer(label=N_("My account"), payload=MenuOption.ACCOUNT),
                Offer(label=N_("Ask my office"), payload=MenuOption.ASK),
            ],
        )
        return
    registering = registration.has_draft(turn)
    turn.say(
        _("How can I help you?"),
        [
            Offer(
                label=N_("Continue registration") if registering else N_("Register my family"),
                payload=MenuOption.REGISTER,
            ),
            Offer(label=N_("About Usar"), payload=MenuOption.ABOUT),
            Offer(label=N_("Ask my office"), payload=MenuOption.ASK),
            # The label is the other language's own name for itself, so each can find it.
            Offer(label="English" if turn.language == "ar" else "العربية", payload=MenuOption.LANGUAGE),
        ],
    )


def about(turn: Turn, chosen: MenuOption) -> None:
    turn.say(
        _(
            "Usar supports productive social-security families in moving from welfare to "
            "development: training, food-safety guidance, and the chance to run school canteens. "
            "Your office's staff follow your registration."
        )
    )
    menu(turn)


def other_language(turn: Turn, chosen: MenuOption) -> None:
    turn.switch_language("en" if turn.language == "ar" else "ar")
    menu(turn)


def cancel(turn: Turn) -> None:
    if not turn.registered and registration.has_draft(turn):
        registration.discard(turn)  # her unfinished registration, national ID and all
        turn.say(str(registration.cancelled))
    else:
        turn.say(_("There is nothing to cancel."))
    menu(turn)


home = Screens(
    FlowName.HOME,
    first=welcome,
    screens={None: menu},
    routes=(
        On(MenuOption.REGISTER, when=not_registered, go=FlowName.REGISTRATION),
        On(MenuOption.ACCOUNT, when=is_registered, go=FlowName.ACCOUNT),
        On(MenuOption.TRAININGS, when=is_registered, go=FlowName.TRAININGS),
        On(MenuOption.TIPS, when=is_registered, go=FlowName.TIPS),
        On(MenuOption.SERVICES, when=is_registered, go=FlowName.SERVICES),
        On(MenuOption.CANTEENS, when=is_registered, go=FlowName.CANTEENS),
        On(MenuOption.ASK, go=FlowName.ASK_OFFICE),
        On(MenuOption.ABOUT, then=about),
        On(MenuOption.LANGUAGE, then=other_language),
    ),
    otherwise=ask_office.not_understood,
    help_text=N_("This is the menu. Type the number of what you would like to do."),
    on_cancel=cancel,
)
