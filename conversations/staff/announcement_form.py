"""Writing an announcement in the staff chat: the text in Arabic (and English, or Arabic for everyone), the
office (admins choose; an office's staff address their own), who in it, when; then how many families it
reaches and a preview exactly as they will read it, and the summary to save or correct.

New announcement → Arabic text → English text → office (admins) → who → products (if chosen) → when
                 → count · preview · summary → Save → Announcements
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conversations.engine.forms import Form, Invalid, Skip, Text, asked_again_if_refused
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.audience_fields import When, audience_fields, is_now, moment, requested_audience
from core.channel import Offer
from core.dates import long_time
from core.i18n import N_, _, ngettext
from core.text import fold, normalise, says_none
from office import announcements

MAX_LENGTH = announcements.MAX_LENGTH


def announcement_text(text: str, turn: Turn) -> str:
    """The text as she typed it (line breaks and digits kept), trimmed."""
    written = turn.inbound.text.strip()
    if not normalise(written):
        raise Invalid(_("Please type the text of the announcement."))
    if len(written) > MAX_LENGTH:
        raise Invalid(
            _(
                "That is %(length)s characters; an announcement can have at most %(limit)s. "
                "Please shorten it and send it again.",
                length=len(written),
                limit=MAX_LENGTH,
            )
        )
    return written


def excerpt(text: str, length: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


@dataclass(frozen=True, kw_only=True)
class AnnouncementText(Text):
    parse: Any = announcement_text

    def show(self, turn: Turn, value: Any) -> str:
        return excerpt(str(value)) if value else _("None: Arabic for everyone")


@dataclass(frozen=True, kw_only=True)
class EnglishText(AnnouncementText):
    """English is optional: a button says "Arabic for everyone"."""

    def prompt(self, turn: Turn, draft: dict[str, Any]) -> None:
        turn.say(str(self.ask), [Offer(label=N_("No English: Arabic for everyone"), payload=Skip(self.name))])

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        if (
            answer.choice == Skip(self.name)
            or says_none(answer.text)
            or fold(answer.text) in _ARABIC_FOR_EVERYONE
        ):
            return ""
        return super().take(turn, answer, draft)


# The button's words typed without the button ("Arabic for everyone" is not an English text).
_ARABIC_FOR_EVERYONE = frozenset(
    fold(words)
    for words in (
        "arabic for everyone",
        "arabic only",
        "العربية للجميع",
        "عربي للجميع",
        "عربي فقط",
        "العربية فقط",
    )
)


def count_and_preview(turn: Turn, draft: dict[str, Any]) -> None:
    reach = announcements.reach(
        turn.session,
        turn.actor,
        requested_audience(draft),
        moment(draft["when"], turn.now),
        quiet=turn.setup.quiet,
        senders=turn.setup.senders,
    )
    count = reach.count
    turn.say(_("This is how families who read Arabic will see it:"))
    turn.say(draft["ar"])
    if draft.get("en"):
        turn.say(_("And those who read English:"))
        turn.say(draft["en"])
    said = ngettext("It will reach %(count)s family.", "It will reach %(count)s families.", count.reached)
    if count.stopped or count.blocked:
        said += " " + _(
            "Left out: %(stopped)s who stopped announcements and %(blocked)s who blocked the bot.",
            stopped=count.stopped,
            blocked=count.blocked,
        )
    if count.reached == 0:  # a warning, not a refusal: a scheduled one reaches who matches when it is sent
        said += " " + _("As it stands no family would receive it: check who it is for (“Change an answer”).")
    elif reach.unreachable:
        said += " " + ngettext(
            "%(count)s of them cannot be reached by what is set up here: a channel that is not set up, or "
            "WhatsApp more than a day after her last message without an approved template.",
            "%(count)s of them cannot be reached by what is set up here: a channel that is not set up, or "
            "WhatsApp more than a day after their last message without an approved template.",
            reach.unreachable,
        )
    if reach.quiet_until is not None and turn.setup.quiet is not None:
        said += " " + _(
            "That is in quiet hours (%(hours)s): it goes out from %(time)s.",
            hours=str(turn.setup.quiet),
            time=long_time(reach.quiet_until),
        )
    turn.say(said)


def send_announcement(turn: Turn, answers: dict[str, Any]) -> None:
    if turn.rights is None:  # her rights were taken away while she was writing
        turn.say(_("Only staff can send announcements. Nothing was sent."))
        turn.go(FlowName.HOME)
        return
    scheduled = not is_now(answers["when"])
    send_at = moment(answers["when"], turn.now)
    with asked_again_if_refused(turn, FIELDS, "ar"):
        created = announcements.create(
            turn.session,
            turn.actor,
            answers["ar"],
            answers.get("en") or None,
            requested_audience(answers),
            send_at,
            turn.now,
        )
        held = turn.setup.quiet.holds(send_at) if turn.setup.quiet is not None else None
        if scheduled or held is not None:
            turn.say(
                _(
                    "Announcement %(number)s is scheduled for %(when)s. "
                    "You can cancel it until then under “Recent announcements”.",
                    number=created.id,
                    when=long_time(held or send_at),  # quiet hours: when they end
                )
            )
        else:
            turn.say(
                _(
                    "Announcement %(number)s is on its way. Follow it under “Recent announcements”.",
                    number=created.id,
                )
            )
    turn.go(FlowName.ANNOUNCEMENTS)


# The office action's names for the values the form asks.
FIELDS = {"ar": "ar", "en": "en", "send_at": "when", "office": "office", "audience": "who"}


announce = Form(
    name=FlowName.NEW_ANNOUNCEMENT,
    intro=N_("A new announcement. You can type “cancel” at any time; nothing is sent before you save."),
    resumed=N_("Let us continue the announcement you were writing."),
    cancelled=N_("The announcement was discarded. Nothing was sent."),
    review_intro=N_("Please check the announcement:"),
    before_review=count_and_preview,
    on_complete=send_announcement,
    fields=[
        AnnouncementText(
            "ar",
            N_("Arabic text"),
            N_("Please write the announcement in Arabic, as the families will read it."),
        ),
        EnglishText(
            "en",
            N_("English text"),
            N_("Now the same in English, for families who chose English; or choose “Arabic for everyone”."),
        ),
        *audience_fields(FlowName.NEW_ANNOUNCEMENT, with_contacts=True),
        When(
            "when",
            N_("When"),
            N_("When should it be sent? Choose “Now”, or type a Riyadh date and time, like %(example)s."),
        ),
    ],
)
