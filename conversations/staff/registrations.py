"""Registrations in the staff chat: how many families each office has and how many wait; the registrations
waiting, one family's details before anything is decided, and where her registration goes from there.

Registrations → Verify registrations → one family (her details) → Verify → Undo · Next · Back
                                                                → Ask for a correction → the reason → Back
              → Find a family (her ID or mobile) → one family → … · Take the verification back → the reason
              → Staff menu
An office's staff see their office's families only; another office's answers as nobody.
"""

from __future__ import annotations

from enum import StrEnum

from conversations.engine.screens import TYPED, On, Screens, Shown, is_staff, refusal_said, she_may_see
from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Offer
from core.domain import Verification
from core.i18n import N_, _
from core.payloads import Options, Payload
from core.text import says_none
from core.validators import mask
from office import offices, registrations
from office.errors import OfficeError
from office.words import registration_lines
from storage.models import Beneficiary

ASKING = "registration_asking"  # what the reason is for (`Asking`), kept between her turns
SEEN = "registration_seen"  # where her registration's history stood when it was on her screen
PAGE = 20


class ShowFamily(Payload, prefix="registration"):
    family: int


class Step(StrEnum):
    WAITING = "waiting"  # also where the staff menu's and the canteens' "Verify registrations" lead
    FINDING = "finding"
    DETAIL = "detail"
    REASON = "reason"
    DONE = "done"  # just verified: Undo · Next · Back


class Asking(StrEnum):
    """What a reason is asked for, as the conversation keeps it (the values it has always stored)."""

    CORRECTION = "registration:correction"
    UNVERIFY = "registration:unverify"


class RegistrationsOption(Options, prefix="registrations"):
    """The registrations' options, in the staff chat."""

    WAITING_LIST = "waiting"
    FIND = "find"
    STAFF_MENU = "staff"
    OVERVIEW = "overview"
    VERIFY = "verify"
    CORRECTION = "correction"
    UNVERIFY = "unverify"
    UNDO = "undo"
    NEXT = "next"
    BACK = "back"


SHOWN_FAMILY = Shown("registration_family", she_may_see(registrations.family))  # the family on her screen


def overview(turn: Turn) -> None:
    turn.step = None
    lines = [_("Registered families:")]
    waiting = 0
    for office in registrations.overview(turn.session, turn.actor):
        waiting += office.waiting
        lines.append(
            _(
                "%(office)s: %(registered)s registered, %(waiting)s waiting for verification, "
                "%(correction)s asked to correct their registration",
                office=office.name(turn.language),
                registered=office.registered,
                waiting=office.waiting,
                correction=office.correction,
            )
        )
    turn.say(
        "\n".join(lines),
        [
            Offer(
                label=_("Verify registrations (%(count)s waiting)", count=waiting),
                payload=RegistrationsOption.WAITING_LIST,
            ),
            Offer(label=N_("Find a family"), payload=RegistrationsOption.FIND),
            Offer(label=N_("Staff menu"), payload=RegistrationsOption.STAFF_MENU),
        ],
    )


def waiting_list(turn: Turn) -> None:
    waiting = registrations.waiting(turn.session, turn.actor, PAGE)
    if not waiting:
        turn.say(_("No registration is waiting for verification."))
        overview(turn)
        return
    turn.step = Step.WAITING
    names = offices.names(turn.session, turn.language)
    turn.say(
        _("Registrations waiting for verification. Choose a family to see her details:"),
        [
            *(Offer(label=_label(family, names), payload=ShowFamily(family.id)) for family in waiting),
            Offer(label=N_("Back"), payload=RegistrationsOption.OVERVIEW),
        ],
    )


def finding(turn: Turn) -> None:
    turn.step = Step.FINDING
    turn.say(
        _("Type her national ID or her mobile number."),
        [Offer(label=N_("Back"), payload=RegistrationsOption.OVERVIEW)],
    )


def detail(turn: Turn) -> None:
    family = SHOWN_FAMILY.get_or(turn, overview, N_("That family is not one you can see."))
    if family is None:
        return
    turn.step = Step.DETAIL
    turn.remember(**{SEEN: registrations.last_change(turn.session, turn.actor, family.id)})
    state = family.verification
    offers = (
        [Offer(label=N_("Take the verification back"), payload=RegistrationsOption.UNVERIFY)]
        if state is Verification.VERIFIED
        else [
            Offer(label=N_("Verify"), payload=RegistrationsOption.VERIFY),
            Offer(label=N_("Ask for a correction"), payload=RegistrationsOption.CORRECTION),
        ]
    )
    turn.say(details(turn, family), [*offers, Offer(label=N_("Back"), payload=RegistrationsOption.BACK)])


def reason(turn: Turn) -> None:
    """The reason asked again, for what it was asked for."""
    _ask_reason(turn, Asking.UNVERIFY if turn.answers.get(ASKING) == Asking.UNVERIFY else Asking.CORRECTION)


def _ask_reason(turn: Turn, asking: Asking) -> None:
    turn.remember(**{ASKING: asking.value})
    turn.step = Step.REASON
    turn.say(
        _("What should she correct? She will read it, so write it to her.")
        if asking is Asking.CORRECTION
        else _("Why is the verification taken back? It is kept in the log; she is not told."),
        [Offer(label=N_("Back"), payload=RegistrationsOption.BACK)],
    )


# -- what she chose ------------------------------------------------------------------------------------


def open_family(turn: Turn, chosen: ShowFamily) -> None:
    SHOWN_FAMILY.keep(turn, chosen.family)
    detail(turn)


def found(turn: Turn, answer: Answer) -> None:
    """Her national ID or mobile, typed: the family it finds."""
    try:
        family = registrations.find(turn.session, turn.actor, answer.text)
    except OfficeError as refused:
        turn.say(refused.message)
        finding(turn)
        return
    SHOWN_FAMILY.keep(turn, family.id)
    detail(turn)


def verify(turn: Turn, chosen: RegistrationsOption) -> None:
    family = SHOWN_FAMILY.get_or(turn, overview)
    if family is None:
        return
    try:
        registrations.verify(turn.session, turn.actor, family.id, turn.now, seen=_seen(turn))
    except OfficeError as refused:
        turn.say(refused.message)
        detail(turn)
        return
    turn.step = Step.DONE
    turn.say(
        _("%(name)s is verified. She is told.", name=family.full_name),
        [
            Offer(label=N_("Undo"), payload=RegistrationsOption.UNDO),
            Offer(label=N_("Next registration"), payload=RegistrationsOption.NEXT),
            Offer(label=N_("Back"), payload=RegistrationsOption.OVERVIEW),
        ],
    )


def undo(turn: Turn, chosen: RegistrationsOption) -> None:
    family = SHOWN_FAMILY.get(turn)
    if family is not None:
        with refusal_said(turn):
            registrations.unverify(turn.session, turn.actor, family.id, _("Undone at once"), turn.now)
            turn.say(_("Undone: her registration waits for verification again."))
    detail(turn)


def reason_for(turn: Turn, chosen: RegistrationsOption) -> None:
    """A correction asked, or the verification taken back: the reason first."""
    _ask_reason(turn, Asking.UNVERIFY if chosen is RegistrationsOption.UNVERIFY else Asking.CORRECTION)


def with_reason(turn: Turn, answer: Answer) -> None:
    family = SHOWN_FAMILY.get(turn)
    written = " ".join(turn.inbound.text.split())
    if family is None:
        overview(turn)
        return
    if not written or says_none(written):
        turn.say(_("Please give the reason."))
        reason(turn)
        return
    with refusal_said(turn):
        if turn.answers.get(ASKING) == Asking.UNVERIFY:
            registrations.unverify(turn.session, turn.actor, family.id, written, turn.now, seen=_seen(turn))
            turn.say(_("The verification is taken back: her registration waits for verification again."))
        else:
            registrations.ask_correction(
                turn.session, turn.actor, family.id, written, turn.now, seen=_seen(turn)
            )
            turn.say(_("She is asked to correct her registration, with your words."))
    detail(turn)


def nothing_changed(turn: Turn) -> None:
    """Cancelling: nothing decided, back to the overview."""
    turn.say(_("Nothing was changed."))
    overview(turn)


def _seen(turn: Turn) -> int | None:
    """Her registration's history as it stood on the screen she decides from (None: not known)."""
    seen = turn.answers.get(SEEN)
    return seen if isinstance(seen, int) else None


def details(turn: Turn, family: Beneficiary) -> str:
    """What staff check before deciding: her details (the ID's end only), and where her registration is."""
    state = {
        Verification.WAITING: _("waiting for verification"),
        Verification.VERIFIED: _("verified"),
        Verification.CORRECTION: _("asked to correct it: %(reason)s", reason=family.correction_reason or ""),
    }[family.verification]
    return "\n".join(
        [family.full_name, *registration_lines(family), _("Registration: %(state)s", state=state)]
    )


def _label(family: Beneficiary, office_names: dict[str, str]) -> str:
    """Her name, the end of her ID (two families may share a name) and her office."""
    office = office_names.get(family.office_code, family.office_code)
    return f"{family.full_name} · {mask(family.national_id)} · {office}"


staff_registrations = Screens(
    FlowName.STAFF_REGISTRATIONS,
    allowed=is_staff,
    # Once verified (DONE), a question asked again shows her details.
    screens={
        None: overview,
        Step.WAITING: waiting_list,
        Step.FINDING: finding,
        Step.REASON: reason,
        Step.DETAIL: detail,
        Step.DONE: detail,
    },
    routes=(
        On(RegistrationsOption.STAFF_MENU, go=FlowName.STAFF),
        On(RegistrationsOption.OVERVIEW, show=overview),
        On(RegistrationsOption.WAITING_LIST, RegistrationsOption.NEXT, show=waiting_list),
        On(RegistrationsOption.FIND, show=finding),
        On(ShowFamily, at=Step.WAITING, then=open_family),
        On(TYPED, at=Step.FINDING, then=found),
        On(RegistrationsOption.BACK, at=Step.REASON, show=detail),
        On(RegistrationsOption.BACK, show=waiting_list),
        On(RegistrationsOption.VERIFY, at=Step.DETAIL, then=verify),
        On(RegistrationsOption.CORRECTION, RegistrationsOption.UNVERIFY, at=Step.DETAIL, then=reason_for),
        On(TYPED, at=Step.REASON, then=with_reason),
        On(RegistrationsOption.UNDO, at=Step.DONE, then=undo),
    ),
    help_text=N_(
        "Here you check the registrations of your office: verify one, ask a family to correct hers (she "
        "reads your reason), or find a family by her ID or mobile."
    ),
    on_cancel=nothing_changed,
)
