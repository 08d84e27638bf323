"""Home: the welcome for people not yet registered, and the main menu for registered families.

not registered:  Register (or Continue registration) · About Usar · Ask my office · English/العربية
registered:      Trainings · Food-safety tips · Canteen opportunities · Useful services · My account ·
                 Ask my office
Words not understood here are offered to her office (`ask_office`).
"""

from __future__ import annotations

from conversations.engine.turn import Answer, FlowName, Turn
from conversations.family import ask_office
from conversations.family.registration import imported_contact, registration
from core.channel import Offer
from core.i18n import N_, _
from core.payloads import Options


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


class Home:
    name = FlowName.HOME

    def begin(self, turn: Turn) -> None:
        if turn.staff is not None:
            turn.go(FlowName.STAFF)
            return
        contact = imported_contact(turn) if turn.is_new and not turn.registered else None
        if contact is not None:
            turn.say(
                _(
                    "Welcome, %(name)s! Your office has added your family to Usar (أسر), the assistant of "
                    "the productive families project. Registering now takes only a few questions.",
                    name=contact.full_name.split(" ")[0],
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
        self.ask(turn)

    def ask(self, turn: Turn) -> None:
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

    def answer(self, turn: Turn, answer: Answer) -> None:
        choice = answer.choice
        if choice == MenuOption.REGISTER and not turn.registered:
            turn.go(FlowName.REGISTRATION)
        elif choice == MenuOption.ACCOUNT and turn.registered:
            turn.go(FlowName.ACCOUNT)
        elif choice == MenuOption.TRAININGS and turn.registered:
            turn.go(FlowName.TRAININGS)
        elif choice == MenuOption.TIPS and turn.registered:
            turn.go(FlowName.TIPS)
        elif choice == MenuOption.SERVICES and turn.registered:
            turn.go(FlowName.SERVICES)
        elif choice == MenuOption.CANTEENS and turn.registered:
            turn.go(FlowName.CANTEENS)
        elif choice == MenuOption.ASK:
            turn.go(FlowName.ASK_OFFICE)
        elif choice == MenuOption.ABOUT:
            turn.say(
                _(
                    "Usar supports productive social-security families in moving from welfare to "
                    "development: training, food-safety guidance, and the chance to run school canteens. "
                    "Your office's staff follow your registration."
                )
            )
            self.ask(turn)
        elif choice == MenuOption.LANGUAGE:
            turn.switch_language("en" if turn.language == "ar" else "ar")
            self.ask(turn)
        else:
            ask_office.not_understood(turn, answer.text)

    def help(self, turn: Turn) -> str | None:
        return _("This is the menu. Type the number of what you would like to do.")

    def cancel(self, turn: Turn) -> None:
        if not turn.registered and registration.has_draft(turn):
            registration.discard(turn)  # her unfinished registration, national ID and all
            turn.say(str(registration.cancelled))
            self.ask(turn)
            return
        turn.say(_("There is nothing to cancel."))
        self.ask(turn)
