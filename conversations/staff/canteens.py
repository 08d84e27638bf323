"""Canteen opportunities in the staff chat: the office's opportunities, their applicants, a decision on each
(shortlist, accept, reject with an optional reason — she is told, so staff confirm it first), closing one
early or opening it again; and verifying the registrations waiting for it (canteen eligibility needs it).

Canteen opportunities → one → its applicants → one applicant → Shortlist · Accept · Reject (reason)
                                                             → Decide it? Yes → the opportunity · No
                            → Next applicants · Previous applicants (20 a page, the withdrawn left out)
                            → Change the opportunity (conversations.staff.canteen_form)
                            → Close applications now? Yes (while it is open) · Open applications again
                      → Verify registrations (conversations.staff.registrations: those waiting)
                      → Publish an opportunity (conversations.staff.canteen_form)
An office's staff act on their office's only. Rights are read again on every turn.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from conversations.engine.screens import (
    ANYTHING,
    Confirm,
    On,
    Screens,
    Shown,
    is_staff,
    nothing_changed,
    refusal_said,
)
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.canteen_form import SHOWN_OPPORTUNITY, edit_canteen
from conversations.staff.registrations import Step as RegistrationsStep
from core.channel import Offer
from core.domain import ApplicationStatus
from core.i18n import N_, _
from core.payloads import Options, Payload
from core.text import comma_list, says_none
from office import canteens, offices, registrations
from office.errors import OfficeError
from office.words import APPLICATION_STATUSES, said
from storage.models import CanteenApplication, CanteenOpportunity

DECISION = "canteen_decision"  # the decision waiting for her "yes": every decision is told to the family
PAGE = 20
FIRST_APPLICANT = "canteen_applicants_from"  # the page of applicants on her screen: the first one's place


class ShowOpportunity(Payload, prefix="opportunity"):
    opportunity: int


class ShowApplication(Payload, prefix="applicant"):
    application: int


class ApplicantsFrom(Payload, prefix="applicants"):
    """Another page of an opportunity's applicants: those from the `first`-th (0-based) of the live ones."""

    first: int


class Decide(Payload, prefix="decide"):
    status: ApplicationStatus


class Step(StrEnum):
    LIST = "list"
    DETAIL = "detail"
    APPLICATION = "application"
    REASON = "reason"
    DECIDING = "deciding"
    CLOSING = "closing"


class OpportunitiesOption(Options, prefix="opportunities"):
    """The canteen opportunities' options, in the staff chat."""

    TO_OPPORTUNITY = "opportunity"  # back from an application to its opportunity
    NO_REASON = "no-reason"
    NOT_NOW = "not-now"  # back from the reason, rejecting nothing
    DECIDE_YES = "decide-yes"
    DECIDE_NO = "decide-no"
    CLOSE = "close"
    CLOSE_YES = "close-yes"
    CLOSE_NO = "close-no"
    REOPEN = "reopen"
    CHANGE = "change"
    VERIFY_LIST = "pending"
    BACK = "back"
    NEW = "new"
    STAFF_MENU = "staff"


def _application_she_may_see(turn: Turn, number: int) -> tuple[CanteenApplication, CanteenOpportunity] | None:
    """The application, if it is still one she may see, of the opportunity on her screen."""
    opportunity = SHOWN_OPPORTUNITY.get(turn)
    if opportunity is None:
        return None
    try:
        chosen, of = canteens.application(turn.session, turn.actor, number)
    except OfficeError:
        return None
    return (chosen, of) if of.id == opportunity.id else None


SHOWN_APPLICATION = Shown("canteen_application", _application_she_may_see)  # the application on her screen


# -- screens ---------------------------------------------------------------------------------------------


def listing(turn: Turn) -> None:
    turn.step = Step.LIST
    found = canteens.listing(turn.session, turn.actor)
    several = len({o.office_code for o in found}) > 1
    offices_shown = offices.names(turn.session, turn.language) if several else {}
    offers = [
        Offer(
            label=_opportunity_label(turn, o, offices_shown),
            payload=ShowOpportunity(o.id),
        )
        for o in found[:PAGE]
    ]
    text = (
        _("Canteen opportunities (🔒: applications closed). Choose one to see its applicants:")
        if found
        else _("There are no canteen opportunities yet.")
    )
    turn.say(
        text,
        [
            *offers,
            Offer(label=N_("Publish an opportunity"), payload=OpportunitiesOption.NEW),
            Offer(label=N_("Verify registrations"), payload=OpportunitiesOption.VERIFY_LIST),
            Offer(label=N_("Staff menu"), payload=OpportunitiesOption.STAFF_MENU),
        ],
    )


def detail(turn: Turn) -> None:
    """The opportunity and its live applicants (withdrawn ones are counted apart), a page at a time."""
    opportunity = SHOWN_OPPORTUNITY.get_or(turn, listing, N_("That opportunity is not one you can see."))
    if opportunity is None:
        return
    turn.step = Step.DETAIL
    found = canteens.applicants(turn.session, turn.actor, opportunity.id)
    live = [a for a in found if a.status != ApplicationStatus.WITHDRAWN.value]
    first = min(int(turn.answers.get(FIRST_APPLICANT, 0)), max(len(live) - 1, 0)) // PAGE * PAGE
    shown = live[first : first + PAGE]
    lines = [
        f"{opportunity.id}. {opportunity.school_name}",
        _(
            "Places: %(places)s · accepted: %(accepted)s · applications: %(count)s",
            places=opportunity.places,
            accepted=sum(1 for a in found if a.status == ApplicationStatus.ACCEPTED.value),
            count=len(live),
        ),
    ]
    if len(live) > PAGE:
        lines.append(
            _(
                "Applicants %(first)s–%(last)s of %(count)s:",
                first=first + 1,
                last=first + len(shown),
                count=len(live),
            )
        )
    offers = [
        Offer(label=f"{a.full_name} · {_status(a.status)}", payload=ShowApplication(a.application_id))
        for a in shown
    ]
    if first + PAGE < len(live):
        offers.append(Offer(label=N_("Next applicants"), payload=ApplicantsFrom(first + PAGE)))
    if first > 0:
        offers.append(Offer(label=N_("Previous applicants"), payload=ApplicantsFrom(first - PAGE)))
    if opportunity.is_open(turn.now):
        offers.append(Offer(label=N_("Change the opportunity"), payload=OpportunitiesOption.CHANGE))
        offers.append(Offer(label=N_("Close applications now"), payload=OpportunitiesOption.CLOSE))
    elif turn.now < opportunity.deadline:
        offers.append(Offer(label=N_("Open applications again"), payload=OpportunitiesOption.REOPEN))
    offers.append(Offer(label=N_("Back"), payload=OpportunitiesOption.BACK))
    turn.say("\n".join(lines), offers)


def application(turn: Turn) -> None:
    shown = SHOWN_APPLICATION.get_or(turn, listing)
    if shown is None:
        return
    chosen, _opportunity = shown
    turn.step = Step.APPLICATION
    family = registrations.family(turn.session, turn.actor, chosen.beneficiary_id)
    marks = [
        _("verified") if family.verified_at else _("not verified"),
        _("health certificate") if family.health_certificate else _("no health certificate"),
    ]
    turn.say(
        "\n".join([f"{family.full_name} · {_status(chosen.status)}", comma_list(marks, turn.language)]),
        [
            Offer(label=N_("Shortlist"), payload=Decide(ApplicationStatus.SHORTLISTED)),
            Offer(label=N_("Accept"), payload=Decide(ApplicationStatus.ACCEPTED)),
            Offer(label=N_("Reject"), payload=Decide(ApplicationStatus.REJECTED)),
            Offer(label=N_("Back"), payload=OpportunitiesOption.TO_OPPORTUNITY),
        ],
    )


def asking_reason(turn: Turn) -> None:
    turn.step = Step.REASON
    turn.say(
        _("Why? She will read it. Type the reason, or choose “No reason”."),
        [
            Offer(label=N_("No reason"), payload=OpportunitiesOption.NO_REASON),
            Offer(label=N_("Back"), payload=OpportunitiesOption.NOT_NOW),
        ],
    )


def _decision_question(turn: Turn) -> str:
    """The decision waiting for her "yes", about the application on her screen (`_ask_decision` found it just
    before): staff are told when it reverses a decision the family was told."""
    pending = turn.answers[DECISION]
    shown = SHOWN_APPLICATION.get(turn)
    assert shown is not None, "asked only about an application found just before, in this turn"
    chosen, _opportunity = shown
    status = ApplicationStatus(pending["status"])
    family = registrations.family(turn.session, turn.actor, chosen.beneficiary_id)
    lines = []
    if canteens.reverses(chosen, status):
        lines.append(
            _(
                "This changes the decision she was told (%(before)s). She will be told the new one.",
                before=_status(chosen.status),
            )
        )
    lines.append(
        _(
            "Decide “%(status)s” for %(name)s? She will be told in her language.",
            status=_status(status.value),
            name=family.full_name,
        )
    )
    if pending["reason"]:
        lines.append(_("With your reason, which she reads: %(reason)s", reason=pending["reason"]))
    return "\n".join(lines)


DECIDING = Confirm(
    Step.DECIDING,
    _decision_question,
    yes=Offer(label=N_("Yes, decide it"), payload=OpportunitiesOption.DECIDE_YES),
    no=Offer(label=N_("No"), payload=OpportunitiesOption.DECIDE_NO),
)

CLOSING = Confirm(
    Step.CLOSING,
    N_("Close applications now? Families can no longer apply; you can open them again until the deadline."),
    yes=Offer(label=N_("Yes, close them"), payload=OpportunitiesOption.CLOSE_YES),
    no=Offer(label=N_("No"), payload=OpportunitiesOption.CLOSE_NO),
)


# -- what she chose --------------------------------------------------------------------------------------


def open_opportunity(turn: Turn, chosen: ShowOpportunity) -> None:
    SHOWN_OPPORTUNITY.keep(turn, chosen.opportunity)
    turn.remember(**{FIRST_APPLICANT: 0})
    detail(turn)


def applicants_from(turn: Turn, chosen: ApplicantsFrom) -> None:
    turn.remember(**{FIRST_APPLICANT: max(chosen.first, 0)})
    detail(turn)


def close(turn: Turn, chosen: OpportunitiesOption) -> None:
    opportunity = SHOWN_OPPORTUNITY.get(turn)
    if opportunity is not None:
        with refusal_said(turn):
            if canteens.close(turn.session, turn.actor, opportunity.id, turn.now):
                turn.say(_("Applications are closed; later ones are refused with a clear message."))
    detail(turn)


def reopen(turn: Turn, chosen: OpportunitiesOption) -> None:
    opportunity = SHOWN_OPPORTUNITY.get(turn)
    if opportunity is not None:
        with refusal_said(turn):
            canteens.reopen(turn.session, turn.actor, opportunity.id, turn.now)
            turn.say(_("Applications are open again until the deadline."))
    detail(turn)


def change(turn: Turn, chosen: OpportunitiesOption) -> None:
    opportunity = SHOWN_OPPORTUNITY.get(turn)
    if opportunity is not None and opportunity.is_open(turn.now):
        edit_canteen.discard(turn)  # a change left unfinished was for this one or another: afresh
        turn.go(FlowName.EDIT_CANTEEN)
    else:  # a button from before it closed, or her rights changed
        turn.say(_("That opportunity can no longer be changed."))
        detail(turn)


def open_application(turn: Turn, chosen: ShowApplication) -> None:
    SHOWN_APPLICATION.keep(turn, chosen.application)
    application(turn)


def with_reason(turn: Turn, chosen: Payload | Answer) -> None:
    """Whatever she sends for the reason is taken as it: "No reason" (or "-", "none" typed) for none."""
    typed = " ".join(turn.inbound.text.split())
    if len(typed) > canteens.REASON_LENGTH:  # asked again: cutting it would lose what was typed
        turn.say(_("Please keep it under %(limit)s characters.", limit=canteens.REASON_LENGTH))
        asking_reason(turn)
        return
    reason = None if chosen == OpportunitiesOption.NO_REASON or says_none(typed) else typed or None
    _ask_decision(turn, ApplicationStatus.REJECTED, reason)


def decision_chosen(turn: Turn, chosen: Decide) -> None:
    _ask_decision(turn, chosen.status, None)


def _ask_decision(turn: Turn, status: ApplicationStatus, reason: str | None) -> None:
    """Every decision is told to her: staff confirm it first, about the application as they saw it."""
    shown = SHOWN_APPLICATION.get_or(turn, listing)
    if shown is None:
        return
    chosen, _opportunity = shown
    turn.remember(**{DECISION: {"status": status.value, "reason": reason, "seen": chosen.status}})
    DECIDING.ask(turn)


def decide(turn: Turn, chosen: OpportunitiesOption) -> None:
    pending = _answered(turn)
    if not pending:
        _nothing_decided(turn)
        return
    status, reason, seen = ApplicationStatus(pending["status"]), pending["reason"], pending.get("seen")
    shown = SHOWN_APPLICATION.get_or(turn, listing)
    if shown is None:
        return
    decided_on, _opportunity = shown
    with refusal_said(turn):
        # asked just before, reversal included, about the application as it was then (`seen`)
        decided = canteens.decide(
            turn.session, turn.actor, decided_on.id, status, reason, turn.now, confirmed=True, seen=seen
        )
        if decided.decision is None:
            turn.say(_("Nothing was changed: that is already the decision."))
        else:
            now_in_force = _status(decided.application.status)
            turn.say(_("Saved: %(status)s. She is told in her language.", status=now_in_force))
    detail(turn)


def keep_decision(turn: Turn, chosen: OpportunitiesOption) -> None:
    _answered(turn)
    _nothing_decided(turn)


def _answered(turn: Turn) -> dict[str, Any]:
    """The decision that waited for her answer, forgotten now that she gave it."""
    pending: dict[str, Any] = turn.answers.get(DECISION) or {}
    turn.remember(**{DECISION: None})
    return pending


def _nothing_decided(turn: Turn) -> None:
    turn.say(_("Nothing was changed."))
    application(turn)


def cancel(turn: Turn) -> None:
    """Back to the opportunities, her rights read again (the table reads them at every step, not here)."""
    if is_staff(turn):
        listing(turn)
    else:
        turn.go(FlowName.HOME)


def _opportunity_label(turn: Turn, opportunity: CanteenOpportunity, offices_shown: dict[str, str]) -> str:
    """Its school and number (#3, as the command line names it), and its office when several are listed."""
    office = offices_shown.get(opportunity.office_code)
    lock = "" if opportunity.is_open(turn.now) else " 🔒"
    return f"{opportunity.school_name} #{opportunity.id}{f' · {office}' if office else ''}{lock}"


def _status(status: str) -> str:
    return said(APPLICATION_STATUSES, status)


staff_canteens = Screens(
    FlowName.STAFF_CANTEENS,
    allowed=is_staff,
    # Asked again, a yes/no shows the screen it was asked from.
    screens={
        None: listing,
        Step.LIST: listing,
        Step.DETAIL: detail,
        Step.APPLICATION: application,
        Step.REASON: application,
        Step.DECIDING: application,
        Step.CLOSING: detail,
    },
    confirms=(DECIDING, CLOSING),
    routes=(
        On(OpportunitiesOption.STAFF_MENU, go=FlowName.STAFF),
        On(OpportunitiesOption.NEW, go=FlowName.NEW_CANTEEN),
        On(OpportunitiesOption.BACK, show=listing),
        On(OpportunitiesOption.VERIFY_LIST, go=FlowName.STAFF_REGISTRATIONS, go_at=RegistrationsStep.WAITING),
        On(ShowOpportunity, at=Step.LIST, then=open_opportunity),
        On(OpportunitiesOption.CLOSE, at=Step.DETAIL, show=CLOSING.ask),
        On(OpportunitiesOption.CLOSE_YES, at=Step.CLOSING, then=close),
        On(OpportunitiesOption.CLOSE_NO, at=Step.CLOSING, then=nothing_changed(detail)),
        On(OpportunitiesOption.REOPEN, at=Step.DETAIL, then=reopen),
        On(OpportunitiesOption.CHANGE, at=Step.DETAIL, then=change),
        On(ShowApplication, at=Step.DETAIL, then=open_application),
        On(ApplicantsFrom, at=Step.DETAIL, then=applicants_from),
        On(Decide(ApplicationStatus.REJECTED), at=Step.APPLICATION, show=asking_reason),
        On(OpportunitiesOption.NOT_NOW, at=Step.REASON, show=application),  # nothing decided
        On(*ANYTHING, at=Step.REASON, then=with_reason),  # anything else is the reason, or none
        On(Decide, at=Step.APPLICATION, then=decision_chosen),
        On(OpportunitiesOption.DECIDE_YES, at=Step.DECIDING, then=decide),
        On(OpportunitiesOption.DECIDE_NO, at=Step.DECIDING, then=keep_decision),
        On(OpportunitiesOption.TO_OPPORTUNITY, at=Step.APPLICATION, show=detail),
    ),
    help_text=N_(
        "Here you publish canteen opportunities, review their applications and verify the registrations "
        "waiting for it. Many at once: `usar canteens import`."
    ),
    on_cancel=cancel,
)
