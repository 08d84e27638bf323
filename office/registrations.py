"""Registrations: the families of an office, those waiting for verification, and where each stands —
waiting, verified, or a correction asked of her (with the staff's reason, which she is told); she corrects it
and it waits again. Each change is an audit entry, which is its history. Admins correct a national ID.

Her own actions on her registration are here too: she registers, changes her details, sends a correction
back, confirms her mobile, chooses her language, stops or resumes our messages, asks for a copy of her data,
and deletes it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.dates import short_time
from core.domain import Verification
from core.i18n import _
from core.text import fold, normalise
from core.validators import Invalid, person_name, saudi_mobile, saudi_national_id
from office import registration_notices, uploads
from office.audit import action, record, record_her_own
from office.errors import NotFound, Problem, Refused
from office.her_data import HerData, gather
from office.rights import Actor, Rights, mobile_address, rights
from storage import (
    audit,
    beneficiaries,
    canteens,
    contacts,
    deliveries,
    events,
    offices,
    threads,
    tips,
    traces,
)
from storage.audiences import Audience
from storage.audit import Line
from storage.beneficiaries import (
    AlreadyRegistered,
    Found,
    Identifier,
    NewBeneficiary,
    Order,
    OwnChanges,
    Reach,
    Search,
)
from storage.models import (
    Beneficiary,
    CanteenApplication,
    CanteenOpportunity,
    Delivery,
    Event,
    EventGuest,
    QuizResult,
    Thread,
    TipTopic,
)
from storage.threads import OPEN

log = logging.getLogger(__name__)

REASON_LENGTH = 500


@dataclass(frozen=True)
class OfficeFamilies:
    code: str
    name_ar: str
    name_en: str
    registered: int
    waiting: int  # for the office to verify them
    correction: int  # asked to correct their registration

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


def overview(session: Session, actor: Actor) -> list[OfficeFamilies]:
    """Families per office (an office's staff: their own): registered, waiting, asked to correct."""
    scope = rights(session, actor).scope
    counts = {count.office_code: count for count in beneficiaries.counts_by_office(session, scope)}
    found = []
    for office in offices.every_office(session):
        if (scope is not None and office.code != scope) or not (office.active or office.code in counts):
            continue
        count = counts.get(office.code)
        registered, verified, correction = (
            (count.registered, count.verified, count.correction) if count else (0, 0, 0)
        )
        found.append(
            OfficeFamilies(
                office.code,
                office.name_ar,
                office.name_en,
                registered,
                registered - verified - correction,
                correction,
            )
        )
    return found


WAITING_COUNTED = 1000  # past this, "more than 1,000" (as the list says of its families)


def waiting_count(session: Session, actor: Actor, office_code: str | None = None) -> int:
    """How many registrations wait for her office (admins: any office, or the one they chose) to verify
    them, up to `WAITING_COUNTED` + 1: more than `WAITING_COUNTED` says "more than 1,000"."""
    scope = rights(session, actor).scope
    return beneficiaries.waiting_count(session, scope or office_code or None, WAITING_COUNTED + 1)


def waiting(session: Session, actor: Actor, limit: int) -> Sequence[Beneficiary]:
    """Registrations waiting for verification, oldest first: of her office, or of all for admins."""
    return beneficiaries.pending(session, rights(session, actor).scope, limit)


def _unknown() -> NotFound:
    return NotFound(_("No registered family with this national ID or mobile."))


def family(session: Session, actor: Actor, family_id: int) -> Beneficiary:
    """A registered family she may see; another office's answers exactly as an unknown one."""
    found = beneficiaries.beneficiary(session, family_id)
    if found is None or not rights(session, actor).sees(found.office_code):
        raise _unknown()
    return found


def find(session: Session, actor: Actor, typed: str) -> Beneficiary:
    """The family a national ID or a mobile names (as staff type them, any digits). Neither a valid ID nor a
    valid mobile says what is wrong with it, which reveals nothing about who is registered."""
    value = normalise(typed)
    problems = []
    for identifier, parse in ((Identifier.NATIONAL_ID, saudi_national_id), (Identifier.MOBILE, saudi_mobile)):
        try:
            parsed = parse(value)
        except Invalid as problem:
            problems.append(problem.message)
            continue
        found = beneficiaries.find_by(session, identifier, parsed)
        if found is not None:
            return family(session, actor, found)
        problems = []  # a valid number that nobody has
        break
    if problems:
        looks_like_a_mobile = value.lstrip("+").startswith(("05", "5", "9665", "009665"))
        raise Refused([Problem(None, problems[1] if looks_like_a_mobile else problems[0])])
    raise _unknown()


def last_change(session: Session, actor: Actor, family_id: int) -> int:
    """Where her registration's history stands (its newest entry; 0 before any): what a screen showing her
    details remembers, so that an action taken from it is refused if she, or other staff, changed it since
    (`seen`)."""
    found = family(session, actor, family_id)
    newest = _newest_change(session, found.id)
    return newest.id if newest is not None else 0


LOOKS = frozenset({"registrations.reveal"})  # audited, but they change nothing of hers


def _newest_change(session: Session, family_id: int) -> Line | None:
    entries = audit.lines(session, target=("family", family_id), newest_first=True, batch=20)
    return next((line for line in entries if line.action not in LOOKS), None)


def _to_change(session: Session, by: Rights, family_id: int, seen: int | None) -> Beneficiary:
    """Her registration as it is now, locked until the transaction ends, if she may see it. With `seen`
    (`last_change` when staff opened it), refused if it changed since: they decided on what they read."""
    found = beneficiaries.locked(session, family_id)
    if found is None or not by.sees(found.office_code):
        raise _unknown()
    newest = _newest_change(session, found.id) if seen is not None else None
    if seen is None or newest is None or newest.id <= seen:
        return found
    when = short_time(newest.at)
    if newest.by_family:
        said = _(
            "Nothing was changed: she changed her registration at %(time)s, after you opened it. Here it is "
            "as it is now.",
            time=when,
        )
    else:
        said = _(
            "Nothing was changed: other staff changed her registration at %(time)s, after you opened it. "
            "Here it is as it is now.",
            time=when,
        )
    raise Refused([Problem(None, said)])


def history(session: Session, actor: Actor, family_id: int) -> list[Line]:
    """The changes of her registration, newest first (the audit entries about her)."""
    found = family(session, actor, family_id)
    return list(audit.lines(session, target=("family", found.id), newest_first=True, limit=20))


@action
def verify(
    session: Session, actor: Actor, family_id: int, now: datetime, *, seen: int | None = None, note: str = ""
) -> bool:
    """Her office checked her registration (canteen eligibility needs it); she is told. A note the staff
    member typed (what she checked) is kept with it in the log, where her page's history shows it; she is
    not told it. False if it already was verified."""
    by = rights(session, actor)
    found = _to_change(session, by, family_id, seen)
    written = _note(note)
    details = {"reason": written} if written else None
    if found.verification is Verification.VERIFIED:
        _recorded(session, by, "registrations.verify", found, "unchanged", now, details)
        return False
    beneficiaries.verify(session, found, now)
    change = _recorded(session, by, "registrations.verify", found, "verified", now, details)
    registration_notices.tell_verified(session, found.id, found.canteen_interest, change, now)
    return True


def _recorded(
    session: Session,
    by: Rights,
    what: str,
    found: Beneficiary,
    outcome: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> int:
    return record(
        session,
        by,
        what,
        office=found.office_code,
        target="family",
        target_id=found.id,
        outcome=outcome,
        now=now,
        details=details,
    )


def _note(note: str) -> str:
    """A note that may be left empty (kept with a verification), as a reason is written."""
    written = " ".join(note.split())
    if len(written) > REASON_LENGTH:
        raise Refused(
            [Problem("reason", _("Please keep it under %(limit)s characters.", limit=REASON_LENGTH))]
        )
    return written


def _reason(reason: str, *, she_reads_it: bool) -> str:
    written = " ".join(reason.split())
    if not written:
        missing = (
            _("Please give the reason: she reads it.")
            if she_reads_it
            else _("Please give the reason: it is kept in the log; she is not told.")
        )
        raise Refused([Problem("reason", missing)])
    if len(written) > REASON_LENGTH:
        raise Refused(
            [Problem("reason", _("Please keep it under %(limit)s characters.", limit=REASON_LENGTH))]
        )
    return written


@action
def ask_correction(
    session: Session, actor: Actor, family_id: int, reason: str, now: datetime, *, seen: int | None = None
) -> None:
    """Something in her registration must be corrected: she is told what, in the staff's words, and her
    registration waits for her (verified no longer)."""
    by = rights(session, actor)
    found = _to_change(session, by, family_id, seen)
    written = _reason(reason, she_reads_it=True)
    beneficiaries.ask_correction(session, found, written, now)
    change = _recorded(
        session, by, "registrations.correction", found, "correction", now, details={"reason": written}
    )
    registration_notices.tell_correction(session, found.id, found.office_code, written, change, now)


@action
def unverify(
    session: Session, actor: Actor, family_id: int, reason: str, now: datetime, *, seen: int | None = None
) -> None:
    """A verification taken back (by mistake, or no longer true): her registration waits again."""
    by = rights(session, actor)
    found = _to_change(session, by, family_id, seen)
    if found.verification is not Verification.VERIFIED:
        raise Refused([Problem(None, _("Her registration is not verified."))])
    written = _reason(reason, she_reads_it=False)
    beneficiaries.back_to_waiting(session, found)
    registration_notices.withdraw_earlier(session, found.id, now)  # "verified", if not sent yet
    _recorded(session, by, "registrations.unverify", found, "waiting", now, {"reason": written})


def to_change_together(
    session: Session, actor: Actor, family_ids: Sequence[int], verified: bool
) -> list[Beneficiary]:
    """Of the families chosen on the list, those she may see whose verification would change (to verified,
    or back to waiting), for her to confirm before anything is done."""
    by = rights(session, actor)
    found = (beneficiaries.beneficiary(session, family_id) for family_id in family_ids[:PAGE])
    return [
        family
        for family in found
        if family is not None
        and by.sees(family.office_code)
        and (family.verification is Verification.VERIFIED) != verified
    ]


def verify_together(session: Session, actor: Actor, family_ids: Sequence[int], now: datetime) -> int:
    """Several families verified at once, each as if alone (each is told); how many were verified."""
    return sum(verify(session, actor, family_id, now) for family_id in family_ids[:PAGE])


def unverify_together(
    session: Session, actor: Actor, family_ids: Sequence[int], reason: str, now: datetime
) -> int:
    """Several verifications taken back at once, for one reason; those not verified are left as they are.
    How many went back to waiting."""
    _reason(reason, she_reads_it=False)  # asked once, before any is changed
    chosen = to_change_together(session, actor, family_ids, verified=False)
    for family in chosen:
        unverify(session, actor, family.id, reason, now)
    return len(chosen)


def taken_message(identifier: Identifier) -> str:
    """What she is told when the national ID or mobile she gives is already a registered family's."""
    if identifier is Identifier.NATIONAL_ID:
        return _(
            "This ID number is already registered with us. If it is yours, you do not need to register "
            "again: please contact your office. Otherwise, check the number and type it again."
        )
    return _(
        "This mobile number is already registered with us. If it is yours, please contact your office. "
        "Otherwise, type another mobile number."
    )


@action
def register(session: Session, new: NewBeneficiary, now: datetime) -> int:
    """She registers her family: her office must still be one families may choose, and her national ID and
    mobile nobody's (she was told as she typed them; a registration that lost a race learns it here). Her
    office's list, if it had her, keeps her no longer: she is a family now. Her family's id; refused with the
    answer to ask again."""
    if new.office_code not in {office.code for office in offices.active_offices(session)}:
        raise Refused(
            [Problem("office", _("That office is no longer on the list. Please choose your office again."))]
        )
    try:
        family = beneficiaries.register(session, new, now)
    except AlreadyRegistered as taken:
        raise Refused([Problem(taken.identifier.value, taken_message(taken.identifier))]) from taken
    contacts.forget(session, new.national_id, new.mobile)
    log.info("family %d registered with office %s", family, new.office_code)
    return family


@action
def confirm_mobile(session: Session, family_id: int, now: datetime) -> None:
    """She typed her family's national ID on a channel that vouches for her number: her mobile now counts as
    vouched for, so that another channel finds her registration by it without asking."""
    beneficiaries.mark_mobile_verified(session, family_id, now)


@action
def change_language(session: Session, family_id: int, language: str) -> None:
    """She chose the language we write to her in (what is sent to her later is in it too)."""
    beneficiaries.set_language(session, family_id, language)


@action
def stop_messages(session: Session, family_id: int, now: datetime, *, stop: bool) -> None:
    """STOP (`stop`) or START: the announcements and tips she receives stop, or resume; answers to her own
    messages never stop."""
    beneficiaries.set_opted_out(session, family_id, now if stop else None)


@action
def forget(session: Session, family_id: int, now: datetime) -> None:
    """She deleted her data (her right under PDPL): everything stored about her (`storage.traces`) — her
    registration, conversations, questions, applications and answers, the messages we sent her, the offices'
    lists' rows with her national ID or mobile —, what staff typed about her in the audit log, which keeps
    its entries by number only, and any file staff checked and have not yet confirmed that names her
    (`uploads`). That it was done is recorded too, by her number alone: her office can show it was."""
    found = beneficiaries.beneficiary(session, family_id)
    if found is None:
        return
    office = found.office_code
    uploads.forget_naming(session, found.national_id, found.mobile)
    traces.forget(session, family_id)
    record_her_own(session, "registrations.deleted", office, family_id, "deleted", now)


@action
def her_data(session: Session, family_id: int, now: datetime) -> HerData:
    """She asked for a copy of everything stored about her (her right under PDPL): read in one place, for the
    messages and the file she is sent (`office.her_data`). Recorded in the audit log, by number."""
    found = gather(session, family_id, now)
    if found is None:
        raise _unknown()
    record_her_own(session, "registrations.data", found.registration.office_code, family_id, "sent", now)
    return found


@action
def sent_back(session: Session, family_id: int, now: datetime) -> bool:
    """She corrected what her office asked: her registration waits for the office again. False if no
    correction was asked of her (or her office has verified it meanwhile)."""
    found = beneficiaries.locked(session, family_id)
    if found is None or found.verification is not Verification.CORRECTION:
        return False
    beneficiaries.back_to_waiting(session, found)
    registration_notices.withdraw_earlier(session, found.id, now)  # what to correct: done
    record_her_own(session, "registrations.corrected", found.office_code, found.id, "waiting", now)
    return True


# A change of these sends a registration back to her office: they are what the office checked.
CHECKED = ("full_name", "office_code")


@dataclass(frozen=True)
class Changed:
    fields: list[str]
    back_to_office: bool  # her registration waits for her office's verification again


def changes_that_need_review(family: Beneficiary, changes: OwnChanges) -> bool:
    """Whether saving these would send her registration back to her office (she is told before saving)."""
    return family.verification is not Verification.WAITING and any(
        getattr(family, name) != getattr(changes, name) for name in CHECKED
    )


@action
def change_own(session: Session, family_id: int, changes: OwnChanges, now: datetime) -> Changed:
    """She changed her own details: name, mobile, office, products, certificate, canteen interest. A new
    mobile must be nobody else's; a new name or office sends her registration back to her office (a new
    office leaves her applications and invitations as they are). Recorded in the audit log, by name of
    field only. Decided on her registration as it is now: verified a moment ago, a new name goes back."""
    found = beneficiaries.locked(session, family_id)
    if found is None:
        raise _unknown()
    holder = beneficiaries.find_by(session, Identifier.MOBILE, changes.mobile)
    if holder is not None and holder != found.id:
        raise Refused([Problem("mobile", _("This mobile number is already registered with us."))])
    if offices.office(session, changes.office_code) is None:
        raise Refused([Problem("office", _("That office is no longer on the list. Please choose it again."))])
    back = changes_that_need_review(found, changes)
    changed = beneficiaries.change(session, found, changes, now)
    if back:
        beneficiaries.back_to_waiting(session, found)
        registration_notices.withdraw_earlier(session, found.id, now)
    if changed:
        outcome = "waiting" if back else "changed"
        details = {"changed": changed}
        record_her_own(session, "registrations.changed", found.office_code, found.id, outcome, now, details)
    return Changed(changed, back)


@action
def correct_national_id(session: Session, actor: Actor, family_id: int, typed: str, now: datetime) -> None:
    """An admin corrects a family's national ID (she cannot). Neither number is written in the log."""
    by = rights(session, actor)
    by.require_admin()
    found = _to_change(session, by, family_id, None)
    try:
        national_id = saudi_national_id(normalise(typed))
    except Invalid as problem:
        raise Refused([Problem("national_id", problem.message)]) from None
    other = beneficiaries.find_by(session, Identifier.NATIONAL_ID, national_id)
    if other is not None and other != found.id:
        raise Refused([Problem("national_id", _("Another registered family has this ID number."))])
    beneficiaries.set_national_id(session, found, national_id)
    _recorded(session, by, "registrations.national_id", found, "corrected", now)


@action
def correct_details(
    session: Session,
    actor: Actor,
    family_id: int,
    full_name: str,
    mobile: str,
    now: datetime,
    *,
    seen: int | None = None,
) -> list[str]:
    """Her office's staff (or an admin) correct her name or her mobile, as she gave them wrongly or they
    changed, read as registration reads them (a full name; a Saudi mobile in any digits). A new mobile must
    be nobody else's, registered or on a list, and counts as typed (not vouched for by a channel). Her
    search keys follow. Her verification stays: the office itself made the change. The audit entry names
    the fields changed, never their values. The names of the fields changed (none: nothing recorded)."""
    by = rights(session, actor)
    found = _to_change(session, by, family_id, seen)
    problems = []
    try:
        name = person_name(normalise(full_name))
    except Invalid as problem:
        problems.append(Problem("full_name", problem.message))
    try:
        number = saudi_mobile(normalise(mobile))
    except Invalid as problem:
        problems.append(Problem("mobile", problem.message))
    if problems:
        raise Refused(problems)
    if number != found.mobile:
        holder = beneficiaries.find_by(session, Identifier.MOBILE, number)
        if holder is not None and holder != found.id:
            raise Refused([Problem("mobile", _("Another registered family has this mobile."))])
        listed = contacts.by_mobile(session, number)
        if listed is not None and listed.national_id != found.national_id:
            raise Refused([Problem("mobile", _("A family on an imported list has this mobile."))])
    changed = beneficiaries.correct(session, found, name, number)
    if changed:
        outcome = "name_and_mobile" if len(changed) == 2 else "name" if changed == ["full_name"] else "mobile"
        _recorded(session, by, "registrations.details", found, outcome, now, {"changed": changed})
    return changed


PAGE = 50  # families on a page of the console's list


def listing(
    session: Session,
    actor: Actor,
    typed: str = "",
    segment: Audience = Audience(),  # noqa: B008 (frozen: shared safely)
    reach: Reach | None = None,
    order: Order = Order.NEWEST,
    *,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
    correction: bool | None = None,
) -> Found:
    """A page of the registered families she may see (a staff member: her office's, whatever was asked),
    found by what she typed: part of a name (spelt as families spell it), the last four digits of an ID,
    a whole ID, or a mobile. The first page; the next after the family numbered `after` or the previous
    before the one numbered `before` (the last of the page she saw, or its first); or the last page."""
    search = search_for(session, actor, Wanted(typed, segment, reach, order, correction))
    found = beneficiaries.search(session, search, PAGE, after=after, before=before, last=last)
    if not found.families and (after, before) != (None, None):  # past an end (she verified the last page)
        found = beneficiaries.search(session, search, PAGE, last=after is not None)
    return found


@dataclass(frozen=True)
class Wanted:
    """Which families she asked the list for, as the page's search and filters say: the list and its
    download (`office.exports.families`) find them alike."""

    typed: str = ""
    segment: Audience = Audience()  # noqa: RUF009 (frozen: shared safely)
    reach: Reach | None = None
    order: Order = Order.NEWEST
    correction: bool | None = None


def search_for(session: Session, actor: Actor, wanted: Wanted) -> Search:
    """The search of what she asked, within what she may see (a staff member: her office's families);
    Refused if what she typed is none of a name, 4 digits, an ID or a mobile."""
    scope = rights(session, actor).scope
    segment = wanted.segment if scope is None else replace(wanted.segment, offices=(scope,))
    return replace(
        _typed(wanted.typed),
        segment=segment,
        reach=wanted.reach,
        order=wanted.order,
        correction=wanted.correction,
    )


def names_one_family(typed: str) -> bool:
    """Whether a search names one family (a whole national ID or a mobile), rather than finds a list."""
    try:
        wanted = _typed(typed)
    except Refused:
        return False
    return wanted.national_id is not None or wanted.mobile is not None


def _typed(typed: str) -> Search:
    value = normalise(typed)
    digits = value.replace(" ", "").replace("-", "")
    if not value:
        return Search()
    if not digits.lstrip("+").isdigit():
        return Search(name_key=fold(value))
    if len(digits) == 4:
        return Search(national_id_tail=digits)
    if len(digits) == 10 and digits[0] in "12":
        return Search(national_id=digits)
    try:
        mobile = mobile_address(digits)
    except Invalid:
        mobile = None
    if mobile is None:
        raise Refused(
            [
                Problem(
                    "search",
                    _("a name, the last 4 digits of an ID, a whole ID, or a mobile such as 0551234567"),
                )
            ]
        )
    return Search(mobile=mobile)


MESSAGES_PAGE = 50  # on her page, the latest


@dataclass(frozen=True)
class FamilyFile:
    """All her office keeps about her, for her page in the console."""

    family: Beneficiary
    seen: int  # where her history stood (`last_change`): what the page's actions are decided against
    history: list[Line]  # the changes of her registration, newest first
    invitations: list[tuple[Event, EventGuest]]
    applications: list[tuple[CanteenApplication, CanteenOpportunity]]
    quizzes: list[tuple[QuizResult, TipTopic]]
    messages: list[tuple[Delivery, str | None]]  # with the platform's last report
    questions: list[tuple[Thread, bool]]  # hers to her office that the staff member may open; whether open


def family_file(session: Session, actor: Actor, family_id: int) -> FamilyFile:
    """Her page: another office's family answers exactly as an unknown one."""
    found = family(session, actor, family_id)
    newest = _newest_change(session, found.id)
    return FamilyFile(
        found,
        newest.id if newest is not None else 0,
        list(audit.lines(session, target=("family", found.id), newest_first=True, limit=20)),
        events.invitations_of(session, found.id),
        canteens.her_applications(session, found.id),
        tips.results_of(session, found.id),
        deliveries.sent_to(session, found.id, MESSAGES_PAGE),
        [
            (question, question.status == OPEN)
            for question in threads.of_family(session, found.id, MESSAGES_PAGE)
            if rights(session, actor).sees(question.office_code)
        ],
    )


@action
def reveal_national_id(session: Session, actor: Actor, family_id: int, now: datetime) -> str:
    """Her national ID in full, for a staff member who asks to see it; the audit log keeps who and when."""
    by = rights(session, actor)
    found = family(session, actor, family_id)
    _recorded(session, by, "registrations.reveal", found, "shown", now)
    return found.national_id
