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

from conversations import canteen_notices
from conversations.audience_fields import is_admin
from conversations.canteen_form import SHOWN, edit_canteen, shown_opportunity
from conversations.i18n import N_, _
from conversations.staff import staff_member
from conversations.text import says_none
from conversations.turn import Answer, Offer, Turn
from conversations.validators import mask
from storage import beneficiaries, canteens, offices
from storage.canteens import Decided
from storage.models import ApplicationStatus, Beneficiary, StaffMember

SHOW = "canteens:show:"
APPLICANT = "canteens:applicant:"
DECIDE = "canteens:decide:"  # + shortlisted / accepted / rejected
NO_REASON = "canteens:no-reason"
NOT_NOW = "canteens:not-now"  # back from the reason, rejecting nothing
CLOSE = "canteens:close"
CHANGE = "canteens:change"
VERIFY_LIST = "canteens:pending"
VERIFY = "canteens:verify:"  # + the family's id
BACK = "canteens:back"
NEW = "canteens:new"
STAFF_MENU = "canteens:staff"
LIST, DETAIL, APPLICATION, REASON, PENDING = "list", "detail", "application", "reason", "pending"
CHOSEN = "canteen_application"
SHOWN_AT_ONCE = 20


class StaffCanteens:
    name = "staff_canteens"

    def begin(self, turn: Turn) -> None:
        member = staff_member(turn)
        if member is None:
            turn.go("home")
        else:
            self._list(turn, member)

    def ask(self, turn: Turn) -> None:
        member = staff_member(turn)
        if member is None:
            turn.go("home")
        elif turn.step == DETAIL:
            self._detail(turn, member)
        elif turn.step in (APPLICATION, REASON):
            self._application(turn, member)
        elif turn.step == PENDING:
            self._pending(turn, member)
        else:
            self._list(turn, member)

    def answer(self, turn: Turn, answer: Answer) -> None:
        member = staff_member(turn)
        choice = answer.choice or ""
        if member is None:
            turn.go("home")
        elif choice == STAFF_MENU:
            turn.go("staff")
        elif choice == NEW:
            turn.go("new_canteen")
        elif choice == BACK:
            self._list(turn, member)
        elif choice == VERIFY_LIST:
            self._pending(turn, member)
        elif turn.step == PENDING and choice.startswith(VERIFY) and choice[len(VERIFY) :].isdigit():
            self._verify(turn, member, int(choice[len(VERIFY) :]))
        elif turn.step == LIST and choice.startswith(SHOW) and choice[len(SHOW) :].isdigit():
            turn.remember(**{SHOWN: int(choice[len(SHOW) :])})
            self._detail(turn, member)
        elif turn.step == DETAIL and choice == CLOSE:
            self._close(turn, member)
        elif turn.step == DETAIL and choice == CHANGE:
            opportunity = shown_opportunity(turn, member)
            if opportunity is not None and canteens.is_open(opportunity, turn.now):
                edit_canteen.discard(turn)  # a change left unfinished was for this one or another: afresh
                turn.go("edit_canteen")
            else:  # a button from before it closed, or her rights changed
                turn.say(_("That opportunity can no longer be changed."))
                self._detail(turn, member)
        elif turn.step == DETAIL and choice.startswith(APPLICANT) and choice[len(APPLICANT) :].isdigit():
            turn.remember(**{CHOSEN: int(choice[len(APPLICANT) :])})
            self._application(turn, member)
        elif turn.step == APPLICATION and choice == f"{DECIDE}{ApplicationStatus.REJECTED.value}":
            turn.step = REASON
            turn.say(
                _("Why? She will read it. Type the reason, or choose “No reason”."),
                [Offer(label=N_("No reason"), payload=NO_REASON), Offer(label=N_("Back"), payload=NOT_NOW)],
            )
        elif turn.step == REASON and choice == NOT_NOW:
            self._application(turn, member)  # nothing decided
        elif turn.step == REASON:
            typed = " ".join(turn.inbound.text.split())[:500]
            reason = None if choice == NO_REASON or says_none(typed) else typed or None
            self._decide(turn, member, ApplicationStatus.REJECTED, reason)
        elif turn.step == APPLICATION and choice.startswith(DECIDE):
            status = choice[len(DECIDE) :]
            if status in (ApplicationStatus.SHORTLISTED.value, ApplicationStatus.ACCEPTED.value):
                self._decide(turn, member, ApplicationStatus(status), None)
            else:
                self.ask(turn)
        elif choice == f"{SHOW}back" and turn.step in (APPLICATION, PENDING):
            self._detail(turn, member)
        else:
            turn.say(_("Sorry, I did not understand that. Please choose from the menu by typing a number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _(
            "Here you publish canteen opportunities, review their applications and verify the registrations "
            "waiting for it. Many at once: `usar canteens import`."
        )

    def cancel(self, turn: Turn) -> None:
        member = staff_member(turn)
        if member is None:
            turn.go("home")
        else:
            self._list(turn, member)

    # -- screens --------------------------------------------------------------------------------------

    def _list(self, turn: Turn, member: StaffMember) -> None:
        turn.step = LIST
        found = canteens.of_office(turn.session, None if is_admin(member) else member.office_code or "-")
        offers = [
            Offer(
                label=f"{o.id}. {o.school_name}{'' if canteens.is_open(o, turn.now) else ' 🔒'}",
                payload=f"{SHOW}{o.id}",
            )
            for o in found[:SHOWN_AT_ONCE]
        ]
        text = (
            _("Canteen opportunities (🔒 closed). Choose one to see its applicants:")
            if found
            else _("There are no canteen opportunities yet.")
        )
        turn.say(
            text,
            [
                *offers,
                Offer(label=N_("Publish an opportunity"), payload=NEW),
                Offer(label=N_("Verify registrations"), payload=VERIFY_LIST),
                Offer(label=N_("Staff menu"), payload=STAFF_MENU),
            ],
        )

    def _detail(self, turn: Turn, member: StaffMember) -> None:
        opportunity = shown_opportunity(turn, member)
        if opportunity is None:
            turn.say(_("That opportunity is not one you can see."))
            self._list(turn, member)
            return
        turn.step = DETAIL
        found = canteens.applicants(turn.session, opportunity.id)
        lines = [
            f"{opportunity.id}. {opportunity.school_name}",
            _(
                "Places: %(places)s · accepted: %(accepted)s · applications: %(count)s",
                places=opportunity.places,
                accepted=canteens.accepted_count(turn.session, opportunity.id),
                count=sum(1 for a in found if a.status != ApplicationStatus.WITHDRAWN.value),
            ),
        ]
        offers = [
            Offer(label=f"{a.full_name} · {_status(a.status)}", payload=f"{APPLICANT}{a.application_id}")
            for a in found[:SHOWN_AT_ONCE]
            if a.status != ApplicationStatus.WITHDRAWN.value
        ]
        if canteens.is_open(opportunity, turn.now):
            offers.append(Offer(label=N_("Change the opportunity"), payload=CHANGE))
            offers.append(Offer(label=N_("Close applications now"), payload=CLOSE))
        offers.append(Offer(label=N_("Back"), payload=BACK))
        turn.say("\n".join(lines), offers)

    def _application(self, turn: Turn, member: StaffMember) -> None:
        opportunity = shown_opportunity(turn, member)
        number = turn.answers.get(CHOSEN)
        chosen = canteens.application_by_id(turn.session, number) if isinstance(number, int) else None
        if opportunity is None or chosen is None or chosen.opportunity_id != opportunity.id:
            self._list(turn, member)
            return
        turn.step = APPLICATION
        family = beneficiaries.beneficiary(turn.session, chosen.beneficiary_id)
        name = family.full_name if family else "?"
        marks = []
        if family is not None:
            marks.append(_("verified") if family.verified_at else _("not verified"))
            marks.append(_("health certificate") if family.health_certificate else _("no health certificate"))
        turn.say(
            "\n".join([f"{name} · {_status(chosen.status)}", ", ".join(marks)]),
            [
                Offer(label=N_("Shortlist"), payload=f"{DECIDE}{ApplicationStatus.SHORTLISTED.value}"),
                Offer(label=N_("Accept"), payload=f"{DECIDE}{ApplicationStatus.ACCEPTED.value}"),
                Offer(label=N_("Reject"), payload=f"{DECIDE}{ApplicationStatus.REJECTED.value}"),
                Offer(label=N_("Back"), payload=f"{SHOW}back"),
            ],
        )

    def _decide(self, turn: Turn, member: StaffMember, status: ApplicationStatus, reason: str | None) -> None:
        opportunity = shown_opportunity(turn, member)
        number = turn.answers.get(CHOSEN)
        if opportunity is None or not isinstance(number, int):
            self._list(turn, member)
            return
        result, application = canteens.decide(turn.session, number, status, reason, member.address, turn.now)
        if result is Decided.FULL:
            turn.say(
                _(
                    "All %(places)s places are taken: accepting one more is refused. To accept more "
                    "families, raise its places with “Change the opportunity”.",
                    places=opportunity.places,
                )
            )
        elif result is Decided.DONE and application is not None:
            canteen_notices.tell_decision(turn.session, application, opportunity, turn.now)
            turn.say(_("Saved: %(status)s. She is told in her language.", status=_status(application.status)))
        else:
            turn.say(_("Nothing was changed: she withdrew this application."))
        self._detail(turn, member)

    def _close(self, turn: Turn, member: StaffMember) -> None:
        opportunity = shown_opportunity(turn, member)
        if opportunity is not None and canteens.close(turn.session, opportunity, turn.now):
            turn.say(_("Applications are closed; later ones are refused with a clear message."))
        self._detail(turn, member)

    def _pending(self, turn: Turn, member: StaffMember) -> None:
        turn.step = PENDING
        waiting = beneficiaries.pending(
            turn.session, None if is_admin(member) else member.office_code or "-", SHOWN_AT_ONCE
        )
        if not waiting:
            turn.say(_("No registration is waiting for verification."))
            self._list(turn, member)
            return
        names = offices.names(turn.session, turn.language)
        turn.say(
            _("Registrations waiting for verification. Choose a family once you have checked her file:"),
            [
                *(
                    Offer(label=_pending_label(family, names), payload=f"{VERIFY}{family.id}")
                    for family in waiting
                ),
                Offer(label=N_("Back"), payload=BACK),
            ],
        )

    def _verify(self, turn: Turn, member: StaffMember, family_id: int) -> None:
        family = beneficiaries.beneficiary(turn.session, family_id)
        if family is not None and (is_admin(member) or family.office_code == member.office_code):
            beneficiaries.verify(turn.session, family.id, turn.now)
            turn.say(_("%(name)s is verified.", name=family.full_name))
        self._pending(turn, member)


def _pending_label(family: Beneficiary, office_names: dict[str, str]) -> str:
    """Her name, the end of her ID (two families may share a name) and her office."""
    office = office_names.get(family.office_code, family.office_code)
    return f"{family.full_name} · {mask(family.national_id)} · {office}"


STATUS = {
    ApplicationStatus.APPLIED: N_("applied"),
    ApplicationStatus.WITHDRAWN: N_("withdrawn"),
    ApplicationStatus.SHORTLISTED: N_("shortlisted"),
    ApplicationStatus.ACCEPTED: N_("accepted"),
    ApplicationStatus.REJECTED: N_("not accepted"),
}


def _status(status: str) -> str:
    return str(STATUS.get(ApplicationStatus(status), status))
