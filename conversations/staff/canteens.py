"""Canteen opportunities in the staff chat: the office's opportunities, their applicants, a decision on each
(shortlist, accept, reject with an optional reason — she is told), closing one early; and verifying the
registrations waiting for it (canteen eligibility needs it).

Canteen opportunities → one → applicants → one applicant → Shortlist · Accept · Reject (reason) → back
                            → Change the opportunity · Close applications now (while it is open)
                      → Verify registrations → one family → Verify
                      → Publish an opportunity (conversations.canteen_form)
An office's staff act on their office's only.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.engine.forms import yes_or_no
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.canteen_form import SHOWN, edit_canteen, shown_opportunity
from conversations.staff.registrations import Step as RegistrationsStep
from core.channel import Offer
from core.domain import ApplicationStatus
from core.i18n import N_, _
from core.payloads import Options, Payload
from core.text import comma_list, says_none
from office import canteens, registrations
from office.errors import OfficeError
from office.words import APPLICATION_STATUSES, said
from storage import offices
from storage.canteens import is_open
from storage.models import CanteenApplication, CanteenOpportunity

LIST, DETAIL, APPLICATION, REASON, DECIDING, CLOSING = (
    "list",
    "detail",
    "application",
    "reason",
    "deciding",
    "closing",
)
CHOSEN = "canteen_application"
DECISION = "canteen_decision"  # the decision waiting for her "yes": every decision is told to the family
SHOWN_AT_ONCE = 20


@dataclass(frozen=True)
class ShowOpportunity(Payload, prefix="opportunity"):
    opportunity: int


@dataclass(frozen=True)
class ShowApplication(Payload, prefix="applicant"):
    application: int


@dataclass(frozen=True)
class Decide(Payload, prefix="decide"):
    status: ApplicationStatus


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


class StaffCanteens:
    name = FlowName.STAFF_CANTEENS

    def begin(self, turn: Turn) -> None:
        if turn.staff is None:
            turn.go(FlowName.HOME)
        else:
            self._list(turn)

    def ask(self, turn: Turn) -> None:
        if turn.staff is None:
            turn.go(FlowName.HOME)
        elif turn.step == DETAIL:
            self._detail(turn)
        elif turn.step in (APPLICATION, REASON, DECIDING):
            self._application(turn)
        elif turn.step == CLOSING:
            self._detail(turn)
        else:
            self._list(turn)

    def answer(self, turn: Turn, answer: Answer) -> None:
        choice = answer.choice
        if turn.step == DECIDING:  # "نعم" or "no" typed answers the question too
            choice = (
                yes_or_no(turn, answer, OpportunitiesOption.DECIDE_YES, OpportunitiesOption.DECIDE_NO)
                or choice
            )
        elif turn.step == CLOSING:
            choice = (
                yes_or_no(turn, answer, OpportunitiesOption.CLOSE_YES, OpportunitiesOption.CLOSE_NO) or choice
            )
        if turn.staff is None:
            turn.go(FlowName.HOME)
        elif choice == OpportunitiesOption.STAFF_MENU:
            turn.go(FlowName.STAFF)
        elif choice == OpportunitiesOption.NEW:
            turn.go(FlowName.NEW_CANTEEN)
        elif choice == OpportunitiesOption.BACK:
            self._list(turn)
        elif choice == OpportunitiesOption.VERIFY_LIST:
            turn.go(FlowName.STAFF_REGISTRATIONS, at=RegistrationsStep.WAITING)
        elif turn.step == LIST and (shown := ShowOpportunity.unpack(choice)):
            turn.remember(**{SHOWN: shown.opportunity})
            self._detail(turn)
        elif turn.step == DETAIL and choice == OpportunitiesOption.CLOSE:
            self._ask_closing(turn)
        elif turn.step == CLOSING and choice in (OpportunitiesOption.CLOSE_YES, OpportunitiesOption.CLOSE_NO):
            if choice == OpportunitiesOption.CLOSE_YES:
                self._close(turn)
            else:
                self._unchanged(turn)
        elif turn.step == DETAIL and choice == OpportunitiesOption.REOPEN:
            self._reopen(turn)
        elif turn.step == DETAIL and choice == OpportunitiesOption.CHANGE:
            opportunity = shown_opportunity(turn)
            if opportunity is not None and is_open(opportunity, turn.now):
                edit_canteen.discard(turn)  # a change left unfinished was for this one or another: afresh
                turn.go(FlowName.EDIT_CANTEEN)
            else:  # a button from before it closed, or her rights changed
                turn.say(_("That opportunity can no longer be changed."))
                self._detail(turn)
        elif turn.step == DETAIL and (application := ShowApplication.unpack(choice)):
            turn.remember(**{CHOSEN: application.application})
            self._application(turn)
        elif turn.step == APPLICATION and Decide.unpack(choice) == Decide(ApplicationStatus.REJECTED):
            self._ask_reason(turn)
        elif turn.step == REASON and choice == OpportunitiesOption.NOT_NOW:
            self._application(turn)  # nothing decided
        elif turn.step == REASON:
            self._with_reason(turn, choice)
        elif turn.step == APPLICATION and (decided := Decide.unpack(choice)):
            self._ask_decision(turn, decided.status, None)
        elif turn.step == DECIDING and choice in (
            OpportunitiesOption.DECIDE_YES,
            OpportunitiesOption.DECIDE_NO,
        ):
            pending = turn.answers.get(DECISION) or {}
            turn.remember(**{DECISION: None})
            if choice == OpportunitiesOption.DECIDE_YES and pending:
                self._decide(
                    turn, ApplicationStatus(pending["status"]), pending["reason"], pending.get("seen")
                )
            else:
                turn.say(_("Nothing was changed."))
                self._application(turn)
        elif choice == OpportunitiesOption.TO_OPPORTUNITY and turn.step == APPLICATION:
            self._detail(turn)
        else:
            turn.say(_("Sorry, I did not understand that. Please choose from the menu by typing a number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _(
            "Here you publish canteen opportunities, review their applications and verify the registrations "
            "waiting for it. Many at once: `usar canteens import`."
        )

    def cancel(self, turn: Turn) -> None:
        if turn.staff is None:
            turn.go(FlowName.HOME)
        else:
            self._list(turn)

    # -- screens --------------------------------------------------------------------------------------

    def _list(self, turn: Turn) -> None:
        turn.step = LIST
        found = canteens.listing(turn.session, turn.actor)
        several = len({o.office_code for o in found}) > 1
        offices_shown = offices.names(turn.session, turn.language) if several else {}
        offers = [
            Offer(
                label=_opportunity_label(turn, o, offices_shown),
                payload=ShowOpportunity(o.id),
            )
            for o in found[:SHOWN_AT_ONCE]
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

    def _detail(self, turn: Turn) -> None:
        opportunity = shown_opportunity(turn)
        if opportunity is None:
            turn.say(_("That opportunity is not one you can see."))
            self._list(turn)
            return
        turn.step = DETAIL
        found = canteens.applicants(turn.session, turn.actor, opportunity.id)
        lines = [
            f"{opportunity.id}. {opportunity.school_name}",
            _(
                "Places: %(places)s · accepted: %(accepted)s · applications: %(count)s",
                places=opportunity.places,
                accepted=sum(1 for a in found if a.status == ApplicationStatus.ACCEPTED.value),
                count=sum(1 for a in found if a.status != ApplicationStatus.WITHDRAWN.value),
            ),
        ]
        offers = [
            Offer(label=f"{a.full_name} · {_status(a.status)}", payload=ShowApplication(a.application_id))
            for a in found[:SHOWN_AT_ONCE]
            if a.status != ApplicationStatus.WITHDRAWN.value
        ]
        if is_open(opportunity, turn.now):
            offers.append(Offer(label=N_("Change the opportunity"), payload=OpportunitiesOption.CHANGE))
            offers.append(Offer(label=N_("Close applications now"), payload=OpportunitiesOption.CLOSE))
        elif turn.now < opportunity.deadline:
            offers.append(Offer(label=N_("Open applications again"), payload=OpportunitiesOption.REOPEN))
        offers.append(Offer(label=N_("Back"), payload=OpportunitiesOption.BACK))
        turn.say("\n".join(lines), offers)

    def _chosen(self, turn: Turn) -> tuple[CanteenApplication, CanteenOpportunity] | None:
        """The application on screen, if it is still one she may see, of the opportunity on screen."""
        number = turn.answers.get(CHOSEN)
        opportunity = shown_opportunity(turn)
        if opportunity is None or not isinstance(number, int):
            return None
        try:
            chosen, of = canteens.application(turn.session, turn.actor, number)
        except OfficeError:
            return None
        return (chosen, of) if of.id == opportunity.id else None

    def _application(self, turn: Turn) -> None:
        shown = self._chosen(turn)
        if shown is None:
            self._list(turn)
            return
        chosen, _opportunity = shown
        turn.step = APPLICATION
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

    def _ask_reason(self, turn: Turn) -> None:
        turn.step = REASON
        turn.say(
            _("Why? She will read it. Type the reason, or choose “No reason”."),
            [
                Offer(label=N_("No reason"), payload=OpportunitiesOption.NO_REASON),
                Offer(label=N_("Back"), payload=OpportunitiesOption.NOT_NOW),
            ],
        )

    def _with_reason(self, turn: Turn, choice: Payload | None) -> None:
        typed = " ".join(turn.inbound.text.split())
        if len(typed) > canteens.REASON_LENGTH:  # asked again: cutting it would lose what was typed
            turn.say(_("Please keep it under %(limit)s characters.", limit=canteens.REASON_LENGTH))
            self._ask_reason(turn)
            return
        reason = None if choice == OpportunitiesOption.NO_REASON or says_none(typed) else typed or None
        self._ask_decision(turn, ApplicationStatus.REJECTED, reason)

    def _ask_decision(self, turn: Turn, status: ApplicationStatus, reason: str | None) -> None:
        """Every decision is told to her: staff confirm it first, and are told when it reverses one she was
        told."""
        shown = self._chosen(turn)
        if shown is None:
            self._list(turn)
            return
        chosen, _opportunity = shown
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
        if reason:
            lines.append(_("With your reason, which she reads: %(reason)s", reason=reason))
        turn.remember(**{DECISION: {"status": status.value, "reason": reason, "seen": chosen.status}})
        turn.step = DECIDING
        turn.say(
            "\n".join(lines),
            [
                Offer(label=N_("Yes, decide it"), payload=OpportunitiesOption.DECIDE_YES),
                Offer(label=N_("No"), payload=OpportunitiesOption.DECIDE_NO),
            ],
        )

    def _decide(self, turn: Turn, status: ApplicationStatus, reason: str | None, seen: str | None) -> None:
        shown = self._chosen(turn)
        if shown is None:
            self._list(turn)
            return
        chosen, _opportunity = shown
        try:  # asked just before, reversal included, about the application as it was then (`seen`)
            decided = canteens.decide(
                turn.session, turn.actor, chosen.id, status, reason, turn.now, confirmed=True, seen=seen
            )
        except OfficeError as refused:
            turn.say(refused.message)
        else:
            if decided.decision is None:
                turn.say(_("Nothing was changed: that is already the decision."))
            else:
                now_in_force = _status(decided.application.status)
                turn.say(_("Saved: %(status)s. She is told in her language.", status=now_in_force))
        self._detail(turn)

    def _ask_closing(self, turn: Turn) -> None:
        turn.step = CLOSING
        turn.say(
            _(
                "Close applications now? Families can no longer apply; you can open them again until the "
                "deadline."
            ),
            [
                Offer(label=N_("Yes, close them"), payload=OpportunitiesOption.CLOSE_YES),
                Offer(label=N_("No"), payload=OpportunitiesOption.CLOSE_NO),
            ],
        )

    def _unchanged(self, turn: Turn) -> None:
        turn.say(_("Nothing was changed."))
        self._detail(turn)

    def _reopen(self, turn: Turn) -> None:
        opportunity = shown_opportunity(turn)
        if opportunity is not None:
            try:
                canteens.reopen(turn.session, turn.actor, opportunity.id, turn.now)
            except OfficeError as refused:
                turn.say(refused.message)
            else:
                turn.say(_("Applications are open again until the deadline."))
        self._detail(turn)

    def _close(self, turn: Turn) -> None:
        opportunity = shown_opportunity(turn)
        if opportunity is not None:
            try:
                if canteens.close(turn.session, turn.actor, opportunity.id, turn.now):
                    turn.say(_("Applications are closed; later ones are refused with a clear message."))
            except OfficeError as refused:
                turn.say(refused.message)
        self._detail(turn)


def _opportunity_label(turn: Turn, opportunity: CanteenOpportunity, offices_shown: dict[str, str]) -> str:
    """Its school and number (#3, as the command line names it), and its office when several are listed."""
    office = offices_shown.get(opportunity.office_code)
    lock = "" if is_open(opportunity, turn.now) else " 🔒"
    return f"{opportunity.school_name} #{opportunity.id}{f' · {office}' if office else ''}{lock}"


def _status(status: str) -> str:
    return said(APPLICATION_STATUSES, status)
