"""Registration: the dialogue that turns a stranger into a registered productive family.

    name → national ID → mobile (skipped when the channel already knows it) → office → products →
    health certificate → canteen interest → consent → summary (save, or change any answer) → main menu

Every answer is checked as it is typed; a national ID or mobile already registered is told kindly
and asked again; nothing is stored as a beneficiary until she saves the summary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from conversations.engine.choices import OfficeChoice, ProductChoice, office_options, product_options
from conversations.engine.forms import (
    Choice,
    Consent,
    Form,
    Invalid,
    MultiChoice,
    SendBack,
    Text,
    YesNo,
    asked_again,
)
from conversations.engine.identity import vouched_mobile
from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Channel
from core.i18n import N_, LazyText, _
from core.payloads import kept
from core.validators import first_name, person_name, saudi_mobile, saudi_national_id
from office import registrations, threads
from office.errors import Refused
from storage import beneficiaries, contacts, offices
from storage.beneficiaries import Identifier, NewBeneficiary, OwnChanges
from storage.models import Contact


def _unregistered(identifier: Identifier, value: str, turn: Turn) -> str:
    if beneficiaries.is_registered(turn.session, identifier, value):
        raise Invalid(registrations.taken_message(identifier))
    return value


def national_id_answer(text: str, turn: Turn) -> str:
    return _unregistered(Identifier.NATIONAL_ID, saudi_national_id(text), turn)


def mobile_answer(text: str, turn: Turn) -> str:
    return _unregistered(Identifier.MOBILE, saudi_mobile(text), turn)


@dataclass(frozen=True, kw_only=True)
class Mobile(Text):
    """Her mobile, asked alike in registration and "Change my details", and whether the channel vouched for
    it (a contact she shared on Telegram) or she typed it: only a vouched-for number later lets another
    channel find her registration without more questions."""

    name: str = "mobile"
    label: LazyText = field(default_factory=lambda: N_("Mobile"))
    ask: LazyText = field(default_factory=lambda: N_("What is your mobile number?"))
    hint: LazyText | None = field(
        default_factory=lambda: N_(
            "Type your Saudi mobile number, like 05XXXXXXXX. We use it to reach you about trainings."
        )
    )
    request_contact: bool = True

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        number = self.parse(answer.text, turn)
        # Her number as we read it, to check at a glance; on Telegram this message removes the keyboard
        # that offered to share it.
        turn.say(_("Thank you. Your mobile number: %(number)s", number=number))
        return {"number": number, "vouched": turn.inbound.contact_phone is not None}

    def show(self, turn: Turn, value: Any) -> str:
        return str(value["number"])


def mobile_from_channel(turn: Turn) -> bool:
    """WhatsApp tells us her number: no need to ask it."""
    return turn.inbound.channel is Channel.WHATSAPP and vouched_mobile(turn.inbound) is not None


def known_to_her_office(turn: Turn) -> dict[str, Any]:
    """What her office's imported list says about the family writing from this (vouched-for) number."""
    contact = imported_contact(turn)
    if contact is None:
        return {}
    return {
        "full_name": contact.full_name,
        "national_id": contact.national_id,
        "office": OfficeChoice(contact.office_code).pack(),
    }


def imported_contact(turn: Turn) -> Contact | None:
    mobile = vouched_mobile(turn.inbound)
    contact = contacts.by_mobile(turn.session, mobile) if mobile else None
    if contact is None or beneficiaries.is_registered(
        turn.session, Identifier.NATIONAL_ID, contact.national_id
    ):
        return None
    return contact


# The questions a refused registration asks again, by the value the refusal is about.
ASKED_AGAIN = {"national_id": "national_id", "mobile": "mobile", "office": "office"}


def her_answers(answers: dict[str, Any], mobile: str, vouched: bool) -> OwnChanges:
    """What she told of her family, kept alike by registration and "Change my details" (registration keeps
    her national ID, language and consent too)."""
    return OwnChanges(
        full_name=answers["full_name"],
        mobile=mobile,
        mobile_vouched=vouched,
        office_code=kept(OfficeChoice, answers["office"]).code,
        products=[kept(ProductChoice, packed).product for packed in answers["products"]],
        health_certificate=answers["health_certificate"],
        canteen_interest=answers["canteen_interest"],
    )


def register_beneficiary(turn: Turn, answers: dict[str, Any]) -> None:
    typed = answers.get("mobile")
    mobile, vouched = (typed["number"], typed["vouched"]) if typed else (vouched_mobile(turn.inbound), True)
    if mobile is None:
        raise SendBack("mobile", _("What is your mobile number?"))
    new = NewBeneficiary(
        **asdict(her_answers(answers, mobile, vouched)),
        national_id=answers["national_id"],
        language=turn.language,
        consented_at=datetime.fromisoformat(answers["consent"]),
    )
    try:
        family = registrations.register(turn.session, new, turn.now)
    except Refused as refused:
        raise asked_again(refused, ASKED_AGAIN, "office") from refused
    turn.conversation.beneficiary_id = family
    threads.hers_now(turn.session, turn.inbound.channel.value, turn.inbound.address, family)
    turn.say(
        _(
            "Thank you, %(name)s! Your family is registered. Your office will review your registration; "
            "meanwhile, here is the main menu.",
            name=first_name(new.full_name),
        )
    )
    turn.go(FlowName.HOME)


# The questions registration asks that "Change my details" asks again.
FULL_NAME = Text(
    "full_name",
    N_("Name"),
    N_("What is your full name?"),
    hint=N_("Type your name as it appears on your ID: first name and family name at least."),
    parse=lambda text, _turn: person_name(text),
)


def office_name(turn: Turn, packed: Any) -> str:
    """An office's name, as chosen (packed), whether or not families may still choose it."""
    code = kept(OfficeChoice, str(packed)).code
    found = offices.office(turn.session, code)
    return found.name(turn.language) if found is not None else code


OFFICE = Choice(
    "office",
    N_("Office"),
    N_("Which social-security office serves you?"),
    hint=N_("Choose the office where your family's file is kept."),
    options=office_options,
    named=office_name,
)
PRODUCTS = MultiChoice(
    "products",
    N_("Products"),
    N_("What does your family make? Choose all that apply, then “Done”."),
    hint=N_("Type a number to select it or remove it; you can type several, like 1 3. Then “Done”."),
    options=product_options,
)
HEALTH_CERTIFICATE = YesNo(
    "health_certificate",
    N_("Health certificate"),
    N_("Do you hold a food-handler health certificate?"),
    hint=N_("The health certificate is issued by the municipality to people who prepare food for sale."),
)
CANTEEN_INTEREST = YesNo(
    "canteen_interest",
    N_("School canteen"),
    N_("Would you like to run a school canteen?"),
    hint=N_("Families of the Usar project can run canteens in girls' and boys' schools."),
)


registration = Form(
    name=FlowName.REGISTRATION,
    intro=N_("Let us register your family. It takes a few minutes; you can type “cancel” at any time."),
    resumed=N_("Welcome back! Let us continue your registration where you left it."),
    cancelled=N_("Registration cancelled. Nothing was saved."),
    prefill=known_to_her_office,
    prefilled=N_(
        "Your office has already given us your name, ID number and office. I only need a few more "
        "answers and your consent; you can correct anything in the summary at the end."
    ),
    on_complete=register_beneficiary,
    fields=[
        FULL_NAME,
        Text(
            "national_id",
            N_("National ID"),
            N_("What is your national ID number (10 digits)?"),
            hint=N_("The ID number is the 10 digits on your national ID card or residence permit (iqama)."),
            parse=national_id_answer,
        ),
        Mobile(parse=mobile_answer, skip_if=mobile_from_channel),
        OFFICE,
        PRODUCTS,
        HEALTH_CERTIFICATE,
        CANTEEN_INTEREST,
        Consent(
            "consent",
            N_("Consent"),
            N_(
                "We keep your name, ID number, mobile, office and answers so your office can verify your "
                "family and invite you to trainings and canteen opportunities. Do you agree?"
            ),
            hint=N_("Only your office's staff see your details. You can see or delete them at any time."),
            refused=N_(
                "We cannot register your family without your consent, so nothing was saved. "
                "You can register later from the menu."
            ),
        ),
    ],
)
