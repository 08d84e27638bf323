"""Writing an announcement in the staff chat: the text in Arabic (and English, or Arabic for everyone), the
office (admins choose; an office's staff address their own), who in it, when; then how many families it
reaches and a preview exactly as they will read it, and the summary to save or correct.

New announcement → Arabic text → English text → office (admins) → who → products (if chosen) → when
                 → count · preview · summary → Save → Announcements
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.lists import format_list

from conversations.dates import RIYADH, long_time, parse_local_time
from conversations.forms import Choice, Field, Form, Invalid, MultiChoice, SendBack, Text
from conversations.i18n import N_, LazyText, _, current_language, ngettext
from conversations.registration import PRODUCT_LABELS, product_options
from conversations.staff import staff_member
from conversations.text import normalise
from conversations.turn import Answer, Offer, Turn
from storage import announcements, audiences, offices
from storage.audiences import Audience
from storage.models import StaffMember, StaffRole

FORM = "announce"
MAX_LENGTH = 1500  # under WhatsApp's 1,600 characters a message; Telegram allows 4,096
NOW = "when:now"
EVERY_OFFICE = "office:all"
NOBODY = "-"  # an office code no office has: the audience of someone without rights

EVERYONE = "who:all"
CONTACTS = "who:contacts"
SEGMENTS: dict[str, LazyText] = {
    EVERYONE: N_("Everyone"),
    "who:verified": N_("Verified by their office"),
    "who:pending": N_("Not yet verified"),
    "who:canteen": N_("Interested in a school canteen"),
    "who:certificate": N_("Holders of a health certificate"),
    "who:product": N_("Makers of certain products"),
    "who:telegram": N_("On Telegram"),
    "who:whatsapp": N_("On WhatsApp"),
    CONTACTS: N_("Not yet registered: families of the office's list (WhatsApp)"),
}
ALONE = (EVERYONE, CONTACTS)  # choices that cannot be combined with others


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
        turn.say(str(self.ask), [Offer(label=N_("No English: Arabic for everyone"), payload="en:none")])

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        return "" if answer.choice == "en:none" else super().take(turn, answer, draft)


@dataclass(frozen=True, kw_only=True)
class Segments(MultiChoice):
    """Who in the office(s): filters that combine; "Everyone" stands alone."""

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        chosen = super().take(turn, answer, draft)
        if not isinstance(chosen, list):
            return chosen
        alone = next((payload for payload in ALONE if payload in chosen), None)
        if alone is not None and len(chosen) > 1:
            draft[f"_selected:{self.name}"] = chosen
            raise Invalid(
                _(
                    "“%(choice)s” cannot be combined with other choices: untick one or the other.",
                    choice=SEGMENTS[alone],
                )
            )
        if {"who:verified", "who:pending"} <= set(chosen):
            draft[f"_selected:{self.name}"] = chosen
            raise Invalid(_("Please choose “Verified” or “Not yet verified”, not both."))
        return chosen


@dataclass(frozen=True, kw_only=True)
class When(Field):
    """Now, or a Riyadh date and time in the future."""

    ask: LazyText = field(default_factory=lambda: N_("When should it be sent?"))

    def offers(self, turn: Turn, draft: dict[str, Any]) -> Sequence[Offer]:
        return (Offer(label=N_("Now"), payload=NOW),)

    def prompt(self, turn: Turn, draft: dict[str, Any]) -> None:
        example = f"{turn.now.astimezone(RIYADH) + timedelta(days=1):%Y-%m-%d} 09:00"
        text = _(
            "When should it be sent? Choose “Now”, or type a Riyadh date and time, like %(example)s.",
            example=example,
        )
        turn.say(text, self.offers(turn, draft))

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        if answer.choice == NOW:
            return NOW
        local = parse_local_time(answer.text)
        if local is None:
            raise Invalid(_("I could not read that date and time."))
        if local < turn.now:
            raise Invalid(_("That time has already passed."))
        return local.astimezone(UTC).isoformat()

    def show(self, turn: Turn, value: Any) -> str:
        return _("Now") if value == NOW else long_time(datetime.fromisoformat(value))


def is_admin(member: StaffMember | None) -> bool:
    return member is not None and member.role == StaffRole.ADMIN.value


def office_choices(turn: Turn) -> Sequence[Offer]:
    every = Offer(label=N_("All offices"), payload=EVERY_OFFICE)
    return [every, *(Offer(label=o.name(turn.language), payload=f"office:{o.code}") for o in _offices(turn))]


def _offices(turn: Turn) -> Sequence[Any]:
    return offices.active_offices(turn.session)


def segment_choices(turn: Turn) -> Sequence[Offer]:
    return [Offer(label=label, payload=payload) for payload, label in SEGMENTS.items()]


def _draft(turn: Turn) -> dict[str, Any]:
    return dict(turn.answers.get(FORM, {}))


def audience_of(member: StaffMember | None, answers: dict[str, Any]) -> Audience:
    """The audience the answers describe, within her rights: an office's staff reach their office only."""
    who = set(answers.get("who", ()))
    if is_admin(member):
        office = answers.get("office", EVERY_OFFICE)
        chosen: tuple[str, ...] = () if office == EVERY_OFFICE else (office.removeprefix("office:"),)
    else:
        chosen = (member.office_code or NOBODY,) if member is not None else (NOBODY,)
    channels = who & {"who:telegram", "who:whatsapp"}
    return Audience(
        contacts=CONTACTS in who,
        offices=chosen,
        verified=True if "who:verified" in who else False if "who:pending" in who else None,
        canteen_interest=True if "who:canteen" in who else None,
        health_certificate=True if "who:certificate" in who else None,
        products=tuple(answers.get("products", ())) if "who:product" in who else (),
        channel=channels.pop().removeprefix("who:") if len(channels) == 1 else None,
    )


def describe(turn: Turn, audience: Audience) -> str:
    """The audience in words: "Makkah: Verified by their office, Makers of certain products (Sewing)"."""
    names = {office.code: office.name(turn.language) for office in _offices(turn)}
    where = format_list([names.get(code, code) for code in audience.offices], locale=current_language())
    if audience.contacts:
        return _(
            "%(where)s: %(who)s",
            where=where if audience.offices else _("All offices"),
            who=SEGMENTS[CONTACTS],
        )
    who = [
        str(SEGMENTS[payload])
        for payload, wanted in (
            ("who:verified", audience.verified is True),
            ("who:pending", audience.verified is False),
            ("who:canteen", audience.canteen_interest),
            ("who:certificate", audience.health_certificate),
            ("who:telegram", audience.channel == "telegram"),
            ("who:whatsapp", audience.channel == "whatsapp"),
        )
        if wanted
    ]
    if audience.products:
        labels = {product.value: str(label) for product, label in PRODUCT_LABELS.items()}
        made = format_list([labels.get(p, p) for p in audience.products], locale=current_language())
        who.append(_("makers of %(products)s", products=made))
    return _(
        "%(where)s: %(who)s",
        where=where if audience.offices else _("All offices"),
        who=format_list(who, locale=current_language()) if who else _("everyone"),
    )


def count_and_preview(turn: Turn, draft: dict[str, Any]) -> None:
    count = audiences.count(turn.session, audience_of(staff_member(turn), draft))
    turn.say(_("This is how families who read Arabic will see it:"))
    turn.say(draft["ar"])
    if draft.get("en"):
        turn.say(_("And those who read English:"))
        turn.say(draft["en"])
    reach = ngettext("It will reach %(count)s family.", "It will reach %(count)s families.", count.reached)
    if count.stopped or count.blocked:
        reach += " " + _(
            "Left out: %(stopped)s who stopped announcements and %(blocked)s who blocked the bot.",
            stopped=count.stopped,
            blocked=count.blocked,
        )
    turn.say(reach)


def send_announcement(turn: Turn, answers: dict[str, Any]) -> None:
    member = staff_member(turn)
    if member is None:  # her rights were taken away while she was writing
        turn.say(_("Only staff can send announcements. Nothing was sent."))
        turn.go("home")
        return
    scheduled = answers["when"] != NOW
    send_at = datetime.fromisoformat(answers["when"]) if scheduled else turn.now
    if send_at < turn.now:
        raise SendBack("when", _("That time passed while we were talking. Please choose the time again."))
    created = announcements.create(
        turn.session,
        answers["ar"],
        answers.get("en") or None,
        audience_of(member, answers),
        member.address,
        send_at,
        turn.now,
    )
    if scheduled:
        turn.say(
            _(
                "Announcement %(number)s is scheduled for %(when)s. "
                "You can cancel it until then under “Recent announcements”.",
                number=created.id,
                when=long_time(send_at),
            )
        )
    else:
        turn.say(
            _(
                "Announcement %(number)s is on its way. Follow it under “Recent announcements”.",
                number=created.id,
            )
        )
    turn.go("announcements")


def _products_wanted(turn: Turn) -> bool:
    return "who:product" in _draft(turn).get("who", ())


announce = Form(
    name=FORM,
    intro=N_("A new announcement. You can type “cancel” at any time; nothing is sent before you save."),
    resumed=N_("Let us continue the announcement you were writing."),
    cancelled=N_("The announcement was discarded. Nothing was sent."),
    review_intro=N_("Please check the announcement:"),
    before_review=count_and_preview,
    on_complete=send_announcement,
    fields=[
        AnnouncementText(
            name="ar",
            label=N_("Arabic text"),
            ask=N_("Please write the announcement in Arabic, as the families will read it."),
        ),
        EnglishText(
            name="en",
            label=N_("English text"),
            ask=N_(
                "Now the same in English, for families who chose English; or choose “Arabic for everyone”."
            ),
        ),
        Choice(
            name="office",
            label=N_("Office"),
            ask=N_("Which office's families should receive it?"),
            options=office_choices,
            skip_if=lambda turn: not is_admin(staff_member(turn)),
        ),
        Segments(
            name="who",
            label=N_("Who"),
            ask=N_("Who among them? Choose one or more, then “Done”."),
            hint=N_("Choices combine: “Verified” and “On WhatsApp” means verified families on WhatsApp."),
            options=segment_choices,
        ),
        MultiChoice(
            name="products",
            label=N_("Products"),
            ask=N_("Makers of which products? Choose one or more, then “Done”."),
            options=product_options,
            skip_if=lambda turn: not _products_wanted(turn),
        ),
        When(name="when", label=N_("When")),
    ],
)
