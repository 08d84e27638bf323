"""Useful services, in the menu: the help the seed's forum pointed families to — the Chamber of Commerce's
services for productive families, the municipality, her social-security office … — each with how to reach
it. The entries are data staff edit (`usar services import`)."""

from __future__ import annotations

from conversations.i18n import _
from conversations.turn import Answer, Turn
from storage import tips


def entry(service: tips.ListedService, language: str) -> str:
    ar = language == "ar"
    lines = [
        f"🏢 {service.name_ar if ar else service.name_en}",
        service.about_ar if ar else service.about_en,
        _("How: %(how)s", how=service.how_ar if ar else service.how_en),
    ]
    if service.link:
        lines.append(f"🔗 {service.link}")
    return "\n".join(lines)


class Services:
    name = "services"

    def begin(self, turn: Turn) -> None:
        listed = tips.services(turn.session)
        if listed:
            turn.say(
                "\n\n".join(
                    [
                        _("Useful services for productive families:"),
                        *(entry(s, turn.language) for s in listed),
                    ]
                )
            )
        else:
            turn.say(_("The list of useful services is not ready yet. Please ask your office."))
        turn.go("home")

    def ask(self, turn: Turn) -> None:
        turn.go("home")

    def answer(self, turn: Turn, answer: Answer) -> None:
        turn.go("home")

    def help(self, turn: Turn) -> str | None:
        return None

    def cancel(self, turn: Turn) -> None:
        turn.go("home")
