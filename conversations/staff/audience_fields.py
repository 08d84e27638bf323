"""The questions that choose an audience, shared by the staff's announcement and event forms: the office
(admins only; an office's staff address their own), who in it (segments that combine), which products;
and a time that is "now" or a Riyadh date and time. `audience_of` turns the answers into an `Audience`
within her rights; `describe` says an audience in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.lists import format_list

from conversations.engine.choices import OfficeChoice, ProductChoice, office_options, product_options
from conversations.engine.forms import Choice, Field, Invalid, MultiChoice, OptionsOf
from conversations.engine.screens import is_admin
from conversations.engine.turn import Answer, Turn
from core.channel import Offer
from core.dates import long_time, parse_local_time, short_day, short_time
from core.i18n import N_, LazyText, _, current_language
from core.payloads import Options, kept
from office import offices
from office.words import PRODUCT_LABELS
from storage.audiences import Audience
from storage.offices import OfficeEntry


class Moment(Options, prefix="when"):
    NOW = "now"


class EveryOffice(Options, prefix="offices"):
    ALL = "all"


class Segment(Options, prefix="who"):
    """Who among an office's families: filters that combine, but for the two that stand alone."""

    EVERYONE = "all"
    VERIFIED = "verified"
    PENDING = "pending"
    CANTEEN = "canteen"
    CERTIFICATE = "certificate"
    PRODUCT = "product"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    CONTACTS = "contacts"


SEGMENTS: dict[Segment, LazyText] = {
    Segment.EVERYONE: N_("Everyone"),
    Segment.VERIFIED: N_("Verified by their office"),
    Segment.PENDING: N_("Not yet verified"),
    Segment.CANTEEN: N_("Interested in a school canteen"),
    Segment.CERTIFICATE: N_("Holders of a health certificate"),
    Segment.PRODUCT: N_("Makers of certain products"),
    Segment.TELEGRAM: N_("On Telegram"),
    Segment.WHATSAPP: N_("On WhatsApp"),
    Segment.CONTACTS: N_("Not yet registered: families of the office's list (WhatsApp)"),
}
ALONE = (Segment.EVERYONE, Segment.CONTACTS)  # choices that cannot be combined with others


def segments_of(packed: Sequence[str]) -> set[Segment]:
    """The segments a form's answer keeps (packed)."""
    return {kept(Segment, each) for each in packed}


def is_now(value: str) -> bool:
    """A When answer that says "now"."""
    return Moment.unpack(value) is Moment.NOW


def _offices(turn: Turn) -> Sequence[OfficeEntry]:
    return offices.active(turn.session)


def office_choices(turn: Turn) -> Sequence[Offer]:
    return [Offer(label=N_("All offices"), payload=EveryOffice.ALL), *office_options(turn)]


@dataclass(frozen=True, kw_only=True)
class Segments(MultiChoice):
    """Who in the office(s): filters that combine; "Everyone" (and the office's list) stand alone."""

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        chosen = super().take(turn, answer, draft)
        if not isinstance(chosen, list):
            return chosen
        segments = segments_of(chosen)
        alone = next((segment for segment in ALONE if segment in segments), None)
        if alone is not None and len(chosen) > 1:
            draft[self.selected_key()] = chosen
            raise Invalid(
                _(
                    "“%(choice)s” cannot be combined with other choices: untick one or the other.",
                    choice=SEGMENTS[alone],
                )
            )
        if {Segment.VERIFIED, Segment.PENDING} <= segments:
            draft[self.selected_key()] = chosen
            raise Invalid(_("Please choose “Verified” or “Not yet verified”, not both."))
        return chosen


def office_question(ask: LazyText, options: OptionsOf) -> Choice:
    """Which office's families: asked of admins alone (an office's staff act for their own office)."""
    return Choice("office", N_("Office"), ask, options=options, skip_if=lambda turn: not is_admin(turn))


def audience_fields(form_name: str, with_contacts: bool) -> list[Field]:
    """Office (admins only), who, and which products when she chose makers of certain products."""

    def segments(turn: Turn) -> Sequence[Offer]:
        return [
            Offer(label=label, payload=segment)
            for segment, label in SEGMENTS.items()
            if with_contacts or segment is not Segment.CONTACTS
        ]

    def products_wanted(turn: Turn) -> bool:
        return Segment.PRODUCT in segments_of(turn.answers.get(form_name, {}).get("who", ()))

    return [
        office_question(N_("Which office's families should receive it?"), office_choices),
        Segments(
            "who",
            N_("Who"),
            N_("Who among them? Choose one or more, then “Done”."),
            hint=N_("Choices combine: “Verified” and “On WhatsApp” means verified families on WhatsApp."),
            options=segments,
        ),
        MultiChoice(
            "products",
            N_("Products"),
            N_("Makers of which products? Choose one or more, then “Done”."),
            options=product_options,
            skip_if=lambda turn: not products_wanted(turn),
        ),
    ]


def requested_audience(answers: dict[str, Any]) -> Audience:
    """The audience the answers describe. An office's staff are not asked the office: the office actions
    address theirs (`office.audiences`)."""
    who = segments_of(answers.get("who", ()))
    office = OfficeChoice.unpack(answers.get("office"))  # None: every office, or not asked
    # "office:all" was every office before it had a payload of its own (a draft kept since then).
    chosen: tuple[str, ...] = (office.code,) if office is not None and office.code != "all" else ()
    channels = who & {Segment.TELEGRAM, Segment.WHATSAPP}
    products = [kept(ProductChoice, each).product.value for each in answers.get("products", ())]
    return Audience(
        contacts=Segment.CONTACTS in who,
        offices=chosen,
        verified=True if Segment.VERIFIED in who else False if Segment.PENDING in who else None,
        canteen_interest=True if Segment.CANTEEN in who else None,
        health_certificate=True if Segment.CERTIFICATE in who else None,
        products=tuple(products) if Segment.PRODUCT in who else (),
        channel=channels.pop().value if len(channels) == 1 else None,
    )


def describe(turn: Turn, audience: Audience) -> str:
    """The audience in words: "Makkah: Verified by their office, makers of Sewing"."""
    names = {office.code: office.name(turn.language) for office in _offices(turn)}
    where = format_list([names.get(code, code) for code in audience.offices], locale=current_language())
    where = where if audience.offices else _("All offices")
    if audience.contacts:
        return _("%(where)s: %(who)s", where=where, who=SEGMENTS[Segment.CONTACTS])
    who = [
        str(SEGMENTS[segment])
        for segment, wanted in (
            (Segment.VERIFIED, audience.verified is True),
            (Segment.PENDING, audience.verified is False),
            (Segment.CANTEEN, audience.canteen_interest),
            (Segment.CERTIFICATE, audience.health_certificate),
            (Segment.TELEGRAM, audience.channel == "telegram"),
            (Segment.WHATSAPP, audience.channel == "whatsapp"),
        )
        if wanted
    ]
    if audience.products:
        labels = {product.value: str(label) for product, label in PRODUCT_LABELS.items()}
        made = format_list([labels.get(p, p) for p in audience.products], locale=current_language())
        who.append(_("makers of %(products)s", products=made))
    return _(
        "%(where)s: %(who)s",
        where=where,
        who=format_list(who, locale=current_language()) if who else _("everyone"),
    )


@dataclass(frozen=True, kw_only=True)
class When(Field):
    """Now (if `now_allowed`), or a Riyadh date and time in the future. `ask` shows %(example)s."""

    now_allowed: bool = True
    daytime: bool = False  # a training's time: "4:00" is taken for 04:00, so a night hour is questioned

    def offers(self, turn: Turn, draft: dict[str, Any]) -> Sequence[Offer]:
        return (Offer(label=N_("Now"), payload=Moment.NOW),) if self.now_allowed else ()

    def prompt(self, turn: Turn, draft: dict[str, Any]) -> None:
        example = f"{short_day(turn.now + timedelta(days=1))} 09:00"
        turn.say(self.ask.render(example=example), self.offers(turn, draft))

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        if answer.choice == Moment.NOW and self.now_allowed:
            return Moment.NOW.pack()
        local = parse_local_time(answer.text)
        if local is None:
            raise Invalid(_("I could not read that date and time."))
        if local < turn.now:
            raise Invalid(_("That time has already passed."))
        if self.daytime:
            refuse_night(local)
        return local.astimezone(UTC).isoformat()

    def show(self, turn: Turn, value: Any) -> str:
        return _("Now") if is_now(value) else long_time(datetime.fromisoformat(value))


NIGHT_ENDS = 7  # hours before this are not a training's: "4:00" most likely meant 16:00


def refuse_night(local: datetime) -> None:
    if local.hour < NIGHT_ENDS:
        raise Invalid(
            _(
                "%(time)s is at night. Please type the time on the 24-hour clock, like %(afternoon)s for "
                "the afternoon.",
                time=short_time(local),
                afternoon=f"{local.hour + 12:02d}:{local:%M}",
            )
        )


def moment(value: str, now: datetime) -> datetime:
    """A When answer as a time: now, or the one she typed."""
    return now if is_now(value) else datetime.fromisoformat(value)
