"""Canteen opportunities, in a registered family's menu: the open ones (her office's first), each with its
requirements and deadline (Gregorian and Hijri); whether she may apply, check by check; apply with a
confirmation; withdraw before the deadline, with a confirmation.

Canteen opportunities → one school → Apply → the checks → Confirm (yes/no) → applied
                                   → Withdraw my application → Confirm (no/yes) → withdrawn
                                   → Back to the list
                      → My applications → (listed) → Canteen opportunities
                      → Main menu
Asked again at the confirmation to apply, she sees the school (and Apply) again. Words not understood here
are offered to her office.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from babel.dates import format_date

from conversations.engine.screens import ANYTHING, Confirm, On, Screens, Shown, not_registered
from conversations.engine.turn import FlowName, Turn
from conversations.family import ask_office
from core.channel import Meaning, Offer
from core.dates import RIYADH, hijri_date, long_time
from core.domain import ApplicationStatus
from core.i18n import N_, LazyText, _, ngettext, npgettext
from core.payloads import Options, Payload
from office import canteens as office_canteens
from office import eligibility
from office.errors import OfficeError
from office.offices import her_office
from office.words import APPLICATION_STATUSES, STAGES
from storage import beneficiaries, canteens, offices
from storage.canteens import Applied
from storage.models import Beneficiary, CanteenOpportunity

HER_APPLICATION: dict[str, LazyText] = {
    ApplicationStatus.APPLIED: N_("You have applied. Your office will review the applications."),
    ApplicationStatus.WITHDRAWN: N_("You withdrew your application."),
    ApplicationStatus.SHORTLISTED: N_("You are on the shortlist."),
    ApplicationStatus.ACCEPTED: N_("Your application was accepted."),
    ApplicationStatus.REJECTED: N_("Your application was not accepted this time."),
}


class ShowCanteen(Payload, prefix="canteen"):
    opportunity: int


class CanteenOption(Options, prefix="canteens"):
    """The canteen opportunities' options."""

    APPLY = "apply"
    CONFIRM_YES = "apply-yes"
    CONFIRM_NO = "apply-no"
    WITHDRAW = "withdraw"
    WITHDRAW_YES = "withdraw-yes"
    WITHDRAW_NO = "withdraw-no"
    LIST = "list"
    MENU = "menu"
    MINE = "mine"


class Step(StrEnum):
    DETAIL = "detail"
    CONFIRM = "confirm"
    WITHDRAWING = "withdrawing"


def _find(turn: Turn, number: int) -> CanteenOpportunity | None:
    return canteens.find(turn.session, number)


SHOWN_CANTEEN = Shown("canteen_shown", _find)  # the opportunity on her screen


def _family(turn: Turn) -> Beneficiary | None:
    return beneficiaries.beneficiary(turn.session, turn.conversation.beneficiary_id or 0)


def her_applications(turn: Turn, family_id: int) -> list[str]:
    """Each application she made, as she follows it: the school, where it stands and since when, and the
    reason her office gave. A decision stays listed after the deadline; one still waiting then is closed."""
    lines = []
    for application, opportunity in canteens.her_applications(turn.session, family_id):
        status = application.status
        if status == ApplicationStatus.APPLIED.value and not opportunity.is_open(turn.now):
            said_status = _("closed without a decision")
        else:
            said_status = str(APPLICATION_STATUSES.get(status, status))
        since = application.decided_at or application.applied_at
        lines.append(f"• {opportunity.school_name}: {said_status} ({_day(since, turn)})")
        if application.reason and status == ApplicationStatus.REJECTED.value:
            lines.append("  " + _("Your office's reason: %(reason)s", reason=application.reason))
    return lines


# -- screens -------------------------------------------------------------------------------------------


def listing(turn: Turn) -> None:
    turn.step = None
    family = _family(turn)
    if family is None:
        turn.go(FlowName.HOME)
        return
    found = canteens.open_ones(turn.session, family.office_code, turn.now)
    mine_lines = her_applications(turn, family.id)
    if not found:
        turn.say(
            "\n".join(
                [
                    _("There are no canteen opportunities open right now. We will announce new ones."),
                    *([_("Your applications:"), *mine_lines] if mine_lines else []),
                ]
            )
        )
        turn.go(FlowName.HOME)
        return
    mine = canteens.applications_of(turn.session, family.id)
    applied = {number for number, status in mine.items() if status != ApplicationStatus.WITHDRAWN.value}
    office_names = offices.names(turn.session, turn.language)

    def label(o: CanteenOpportunity) -> str:
        other = "" if o.office_code == family.office_code else f" · 📍 {office_names.get(o.office_code, '')}"
        return f"{o.school_name} · {_day(o.deadline, turn)}{other}{' ✅' if o.id in applied else ''}"

    offers = [Offer(label=label(o), payload=ShowCanteen(o.id)) for o in found[:10]]
    if mine_lines:
        offers.append(Offer(label=N_("My applications"), payload=CanteenOption.MINE))
    turn.say(
        _(
            "Open canteen opportunities, your office's first, with the deadline beside each "
            "(📍 another office's, for its families). Choose one:"
        ),
        [*offers, Offer(label=N_("Main menu"), payload=CanteenOption.MENU)],
    )


def detail(turn: Turn) -> None:
    opportunity = SHOWN_CANTEEN.get_or(turn, listing, N_("That opportunity is no longer on the list."))
    if opportunity is None:
        return
    turn.step = Step.DETAIL
    mine = canteens.application(turn.session, opportunity.id, turn.conversation.beneficiary_id or 0)
    open_now = opportunity.is_open(turn.now)
    lines = [describe(turn, opportunity)]
    if mine is not None:
        lines.append(str(HER_APPLICATION[mine.status]))
    if not open_now:
        lines.append(_("Applications are closed."))
    offers = []
    if open_now and (mine is None or mine.status == ApplicationStatus.WITHDRAWN.value):
        offers.append(Offer(label=N_("Apply"), payload=CanteenOption.APPLY))
    if open_now and mine is not None and mine.status == ApplicationStatus.APPLIED.value:
        offers.append(Offer(label=N_("Withdraw my application"), payload=CanteenOption.WITHDRAW))
    offers.append(Offer(label=N_("Back to the list"), payload=CanteenOption.LIST, means=Meaning.BACK))
    turn.say("\n\n".join(lines), offers)


# Asked by `check_first`, with the checks she passed; asked again, the school is shown (see `screens`).
SEND_IT = N_("You can apply:\n%(checks)s\n\nSend your application to %(school)s?")
APPLYING = Confirm(
    Step.CONFIRM,
    SEND_IT,
    yes=Offer(label=N_("Yes, apply"), payload=CanteenOption.CONFIRM_YES),
    no=Offer(label=N_("No"), payload=CanteenOption.CONFIRM_NO),
)

# Asked by `confirm_withdrawal`, with the school's name. "No" first: a "1" typed once too often after
# applying keeps her place.
WITHDRAW_IT = N_("Withdraw your application to %(school)s?")
WITHDRAWING = Confirm(
    Step.WITHDRAWING,
    WITHDRAW_IT,
    yes=Offer(label=N_("Yes, withdraw it"), payload=CanteenOption.WITHDRAW_YES),
    no=Offer(label=N_("No, keep my application"), payload=CanteenOption.WITHDRAW_NO),
    safe_first=True,
)


def confirm_withdrawal(turn: Turn) -> None:
    opportunity = SHOWN_CANTEEN.get_or(turn, listing)
    if opportunity is None:
        return
    turn.step = WITHDRAWING.step
    turn.say(WITHDRAW_IT.render(school=opportunity.school_name), [WITHDRAWING.no, WITHDRAWING.yes])


# -- what she chose ------------------------------------------------------------------------------------


def show_mine(turn: Turn, chosen: CanteenOption) -> None:
    turn.say(
        "\n".join([_("Your applications:"), *her_applications(turn, turn.conversation.beneficiary_id or 0)])
    )
    listing(turn)


def open_canteen(turn: Turn, chosen: ShowCanteen) -> None:
    SHOWN_CANTEEN.keep(turn, chosen.opportunity)
    detail(turn)


def check_first(turn: Turn, chosen: CanteenOption) -> None:
    """Apply: the checks; if she passes them all, whether to send it (`APPLYING`)."""
    opportunity = SHOWN_CANTEEN.get(turn)
    family = _family(turn)
    if opportunity is None or family is None:
        listing(turn)
        return
    found = eligibility.checks(turn.session, family, opportunity, turn.language)
    lines = "\n".join(check.line() for check in found)
    if not eligibility.eligible(found):
        said = [_("You cannot apply yet:\n%(checks)s", checks=lines)]
        if family.verified_at is None:  # only her office can verify her: how to reach it
            said.append(her_office(turn.session, family.office_code, turn.language))
        turn.say("\n\n".join(said))
        detail(turn)
        return
    turn.step = APPLYING.step
    turn.say(SEND_IT.render(checks=lines, school=opportunity.school_name), [APPLYING.yes, APPLYING.no])


def apply(turn: Turn, chosen: CanteenOption) -> None:
    opportunity = SHOWN_CANTEEN.get(turn)
    family = _family(turn)
    if opportunity is not None and family is not None:
        _apply(turn, opportunity, family)
    detail(turn)


def _apply(turn: Turn, opportunity: CanteenOpportunity, family: Beneficiary) -> None:
    try:
        result = office_canteens.apply(turn.session, family.id, opportunity.id, turn.now)
    except OfficeError as refused:
        turn.say(refused.message)
        return
    turn.say(
        {
            Applied.APPLIED: _("Your application is sent. We will tell you your office's decision here."),
            Applied.ALREADY: _("You had already applied; your application stands."),
            Applied.CLOSED: _("Sorry, the office has closed applications for this school.")
            if _closed_early(opportunity)
            else _("Sorry, applications for this school closed at its deadline."),
        }.get(result, _("Nothing was changed."))
    )


def not_sent(turn: Turn, chosen: CanteenOption) -> None:
    turn.say(_("Nothing was sent."))
    detail(turn)


def withdraw(turn: Turn, chosen: CanteenOption) -> None:
    opportunity = SHOWN_CANTEEN.get(turn)
    family = _family(turn) if opportunity is not None else None
    if opportunity is not None and family is not None:
        _withdraw(turn, opportunity, family)
    detail(turn)


def _withdraw(turn: Turn, opportunity: CanteenOpportunity, family: Beneficiary) -> None:
    result = office_canteens.withdraw(turn.session, family.id, opportunity.id, turn.now)
    if result is Applied.DECIDED:
        turn.say(
            _("Your office has already decided on your application; please contact them.")
            + "\n\n"
            + her_office(turn.session, family.office_code, turn.language)
        )
        return
    turn.say(
        {
            Applied.WITHDRAWN: _("Your application is withdrawn. You can apply again until the deadline."),
            Applied.CLOSED: _(
                "The office has closed applications, so the application can no longer be withdrawn."
            )
            if _closed_early(opportunity)
            else _("The deadline has passed, so the application can no longer be withdrawn."),
        }.get(result, _("Nothing was changed."))
    )


def kept(turn: Turn, chosen: CanteenOption) -> None:
    turn.say(_("Your application stays as it is."))
    detail(turn)


def cancel(turn: Turn) -> None:
    if turn.step == Step.CONFIRM:
        turn.say(_("Nothing was sent."))
        detail(turn)
    else:
        turn.go(FlowName.HOME)


canteen_opportunities = Screens(
    FlowName.CANTEENS,
    # Asked again while she is asked to confirm, she sees the school (the checks are not worked out again).
    screens={None: listing, Step.DETAIL: detail, Step.CONFIRM: detail, Step.WITHDRAWING: confirm_withdrawal},
    confirms=(APPLYING, WITHDRAWING),
    routes=(
        On(*ANYTHING, when=not_registered, go=FlowName.HOME),  # whatever she chose
        On(CanteenOption.MENU, go=FlowName.HOME),
        On(CanteenOption.MINE, then=show_mine),
        On(CanteenOption.LIST, show=listing),
        On(CanteenOption.APPLY, at=Step.DETAIL, then=check_first),
        On(CanteenOption.CONFIRM_YES, at=Step.CONFIRM, then=apply),
        On(CanteenOption.CONFIRM_NO, at=Step.CONFIRM, then=not_sent),
        On(CanteenOption.WITHDRAW, at=Step.DETAIL, show=confirm_withdrawal),
        On(CanteenOption.WITHDRAW_YES, at=Step.WITHDRAWING, then=withdraw),
        On(CanteenOption.WITHDRAW_NO, at=Step.WITHDRAWING, then=kept),
        On(ShowCanteen, then=open_canteen),
    ),
    otherwise=ask_office.not_understood,
    help_text=N_(
        "These are the school canteens open to applications. Choose one to read its requirements and "
        "deadline, to see whether you can apply, and to apply."
    ),
    on_cancel=cancel,
)


def _closed_early(opportunity: CanteenOpportunity) -> bool:
    """Its office closed it before the deadline (as read under its lock, when she applied or withdrew)."""
    return opportunity.closed_at is not None and opportunity.closed_at < opportunity.deadline


def _day(moment: datetime, turn: Turn) -> str:
    return format_date(moment.astimezone(RIYADH).date(), format="d MMM", locale=turn.language)


def _students(opportunity: CanteenOpportunity) -> str:
    """A girls' school counts «طالبات», a boys' «طلاب»."""
    if opportunity.girls:
        return npgettext("girls' school", "%(count)s student", "%(count)s students", opportunity.students)
    return npgettext("boys' school", "%(count)s student", "%(count)s students", opportunity.students)


def describe(turn: Turn, opportunity: CanteenOpportunity) -> str:
    """The opportunity as she reads it: school, stage, district, students, start, deadline, places, needs."""
    office = offices.office(turn.session, opportunity.office_code)
    starts = format_date(opportunity.starts_on, format="long", locale=turn.language)
    hijri = hijri_date(opportunity.starts_on, turn.language)
    lines = [
        f"🏫 {opportunity.school_name}",
        _(
            "%(stage)s for %(who)s, %(district)s (%(office)s office)",
            stage=STAGES.get(opportunity.stage, N_("School")),
            who=_("girls") if opportunity.girls else _("boys"),
            district=opportunity.district,
            office=office.name(turn.language) if office else opportunity.office_code,
        ),
        _students(opportunity),
        _("Starts: %(day)s", day=f"{starts} ({hijri})" if hijri else starts),
        _("Apply by: %(deadline)s", deadline=long_time(opportunity.deadline)),
        ngettext("%(count)s place", "%(count)s places", opportunity.places),
    ]
    if opportunity.requirements:
        lines.append(_("Requirements: %(requirements)s", requirements=opportunity.requirements))
    return "\n".join(lines)
