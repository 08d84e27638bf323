"""School-canteen opportunities: publish one (or many from a file), change an open one, close it early, see
the applicants and decide on each (she is told every decision in force). An office's staff act on their
office's opportunities alone; another office's answers as an unknown one. A family applies, and withdraws
her application, here too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from sqlalchemy.orm import Session

from core.dates import parse_day, parse_deadline, short_time
from core.domain import ApplicationStatus, SchoolStage
from core.i18n import _, current_language, ngettext
from core.text import ascii_digits_only, fold, normalise
from core.validators import LARGEST_COUNT
from office import canteen_notices, eligibility
from office.audit import action, record
from office.errors import NotAllowed, NotFound, OfficeError, Problem, Refused, RejectedFile, too_long
from office.offices import by_any_name as office_names
from office.offices import codes as office_codes
from office.offices import listing as every_office
from office.rights import Actor, Rights, rights
from office.tables import Line
from office.words import APPLICATION_STATUSES, STAGES, said
from storage import beneficiaries, canteens
from storage.canteens import Applicant, Applied, Decided, Decision, NewOpportunity
from storage.models import Beneficiary, CanteenApplication, CanteenOpportunity

COLUMNS = {
    "school": ("school", "school name", "المدرسة", "اسم المدرسة"),
    "stage": ("stage", "المرحلة"),
    "gender": ("gender", "girls/boys", "بنين/بنات", "النوع"),
    "district": ("district", "الحي"),
    "office": ("office", "المكتب"),
    "students": ("students", "عدد الطلاب", "عدد الطالبات"),
    "start": ("start", "start date", "تاريخ البدء"),
    "deadline": ("deadline", "آخر موعد للتقديم", "الموعد النهائي"),
    "places": ("places", "عدد الأماكن", "المقاعد"),
    "requirements": ("requirements", "الشروط", "المتطلبات"),
}
GIRLS = ("girls", "g", "بنات")
BOYS = ("boys", "b", "بنين")
STAGE_NAMES = {
    fold(name): stage
    for name, stage in (
        *((stage.value, stage.value) for stage in SchoolStage),
        ("روضة", "kindergarten"),
        ("روضة أطفال", "kindergarten"),
        ("رياض أطفال", "kindergarten"),
        ("رياض الأطفال", "kindergarten"),
        ("ابتدائي", "primary"),
        ("ابتدائية", "primary"),
        ("متوسط", "intermediate"),
        ("متوسطة", "intermediate"),
        ("ثانوي", "secondary"),
        ("ثانوية", "secondary"),
    )
}
# What a change may touch: the stage, girls or boys and the office decided who could apply, and stay.
CHANGEABLE = ("school_name", "district", "students", "starts_on", "deadline", "places", "requirements")
FINAL = (ApplicationStatus.ACCEPTED.value, ApplicationStatus.REJECTED.value)
REASON_LENGTH = 500  # a rejection's reason, which she reads


class NeedsConfirmation(OfficeError):
    """The action reverses what she was told: ask, then run it again with `confirmed`."""


def problems(
    new: NewOpportunity,
    now: datetime,
    known_offices: Sequence[str],
    *,
    check_dates: bool = True,
    office_names: Mapping[str, str] | None = None,  # each office's name in her language, to say them
) -> list[Problem]:
    """What makes an opportunity unusable; empty when it is fine."""
    found = []
    if not new.school_name.strip():
        found.append(Problem("school", _("Write the school's name.")))
    if new.stage not in {stage.value for stage in SchoolStage}:
        stages = format_list([said(STAGES, stage.value) for stage in SchoolStage], "or", current_language())
        found.append(Problem("stage", _("one of %(stages)s", stages=stages)))
    if not new.district.strip():
        found.append(Problem("district", _("Write its district.")))
    if new.office_code not in known_offices:
        found.append(
            Problem(
                "office",
                _(
                    "unknown office “%(office)s”; the offices are: %(known)s",
                    office=new.office_code,
                    known=format_list(list(office_names.values()), locale=current_language())
                    if office_names
                    else ", ".join(known_offices),
                ),
            )
        )
    for name, number in (("students", new.students), ("places", new.places)):
        if number < 1:
            found.append(Problem(name, _("at least 1")))
        elif number > LARGEST_COUNT:
            found.append(Problem(name, _("at most %(largest)s", largest=LARGEST_COUNT)))
    if new.deadline <= now:
        found.append(Problem("deadline", _("That time has already passed.")))
    elif check_dates and not new.decided_before_start():
        found.append(
            Problem(
                "deadline",
                _(
                    "Applications must close before the canteen starts (%(start)s).",
                    start=format_date(new.starts_on, format="long", locale=current_language()),
                ),
            )
        )
    texts = {"school_name": new.school_name, "district": new.district}
    return found + too_long(CanteenOpportunity, texts, named={"school_name": "school"})


def _unknown(number: int) -> NotFound:
    return NotFound(_("There is no canteen opportunity %(number)s.", number=number))


def _visible(by: Rights, found: CanteenOpportunity | None, number: int) -> CanteenOpportunity:
    if found is None or not by.sees(found.office_code):
        raise _unknown(number)
    return found


def opportunity(session: Session, actor: Actor, number: int) -> CanteenOpportunity:
    return _visible(rights(session, actor), canteens.find(session, number), number)


def listing(session: Session, actor: Actor) -> Sequence[CanteenOpportunity]:
    """Every opportunity she may see, newest first."""
    return canteens.of_office(session, rights(session, actor).scope)


def applicants(session: Session, actor: Actor, number: int) -> list[Applicant]:
    return canteens.applicants(session, opportunity(session, actor, number).id)


def counts(session: Session, actor: Actor, number: int) -> dict[str, int]:
    """How many of its applications stand at each status (withdrawn ones included)."""
    return canteens.counts(session, opportunity(session, actor, number).id)


def _no_application(number: int) -> NotFound:
    return NotFound(_("There is no application %(number)s.", number=number))


def application(session: Session, actor: Actor, number: int) -> tuple[CanteenApplication, CanteenOpportunity]:
    """An application and its opportunity, if she may see them."""
    found = canteens.application_by_id(session, number)
    if found is None:
        raise _no_application(number)
    by = rights(session, actor)
    shown = canteens.find(session, found.opportunity_id)
    if shown is None or not by.sees(shown.office_code):
        raise _no_application(number)
    return found, shown


@dataclass(frozen=True)
class ApplicationFile:
    """An application as staff decide on it: hers, its opportunity, and each check of eligibility as she is
    now (in the staff member's language)."""

    application: CanteenApplication
    opportunity: CanteenOpportunity
    family: Beneficiary
    checks: list[eligibility.Check]


def application_file(session: Session, actor: Actor, number: int) -> ApplicationFile:
    """An application she may see, with what its decision rests on."""
    found, shown = application(session, actor, number)
    family = beneficiaries.beneficiary(session, found.beneficiary_id)
    if family is None:
        raise _no_application(number)
    return ApplicationFile(
        found, shown, family, eligibility.checks(session, family, shown, current_language())
    )


def check(session: Session, new: NewOpportunity, now: datetime) -> list[Problem]:
    """What publishing `new` would refuse in it (a form says it all at once, with what it could not read)."""
    return problems(new, now, office_codes(session), office_names=_names(session))


def _names(session: Session) -> dict[str, str]:
    language = current_language()
    return {office.code: office.name(language) for office in every_office(session)}


def _may_publish_for(by: Rights, office_code: str) -> None:
    if not by.sees(office_code):
        raise NotAllowed(_("Staff of an office can only publish for their own office."))


@action
def publish(session: Session, actor: Actor, new: NewOpportunity, now: datetime) -> CanteenOpportunity:
    by = rights(session, actor)
    _may_publish_for(by, new.office_code)
    found = problems(new, now, office_codes(session), office_names=_names(session))
    if found:
        raise Refused(found)
    return _published(session, by, new, now)


def _published(session: Session, by: Rights, new: NewOpportunity, now: datetime) -> CanteenOpportunity:
    created = canteens.publish(session, new, by.name, now)
    record(
        session,
        by,
        "canteens.publish",
        office=created.office_code,
        target="opportunity",
        target_id=created.id,
        outcome="published",
        now=now,
    )
    return created


@action
def publish_file(
    session: Session, actor: Actor, lines: Sequence[Line], now: datetime
) -> list[CanteenOpportunity]:
    """Every line checked first; a bad line (with its number) and none is published."""
    by = rights(session, actor)
    return [_published(session, by, new, now) for new in checked_file(session, actor, lines, now)]


def checked_file(
    session: Session, actor: Actor, lines: Sequence[Line], now: datetime
) -> list[NewOpportunity]:
    """The opportunities a list names, each line checked as publishing checks it; nothing is published.
    RejectedFile with every bad line and its number."""
    by = rights(session, actor)
    known = office_codes(session)
    names = office_names(session)
    bad: list[tuple[int, str]] = []
    found: list[NewOpportunity] = []
    published = {_same(each): each.id for each in canteens.of_office(session, by.scope)}
    seen: dict[tuple[str, str, date], int] = {}
    for line in lines:
        new, wrong = _from_line(line, names, now, known, _names(session))
        if new is not None and not by.sees(new.office_code):
            wrong.append(Problem("office", _("you can only publish for your office")))
        if new is not None and _same(new) in published:
            number = published[_same(new)]
            wrong.append(Problem("school", _("already published (opportunity %(number)s)", number=number)))
        elif new is not None and _same(new) in seen:
            wrong.append(Problem("school", _("the same as line %(line)s", line=seen[_same(new)])))
        elif new is not None:
            seen[_same(new)] = line.number
        bad += [(line.number, _in_her_words(problem)) for problem in wrong]
        if new is not None and not wrong:
            found.append(new)
    if bad:
        raise RejectedFile.at_lines(bad)
    return found


def _same(opportunity: NewOpportunity | CanteenOpportunity) -> tuple[str, str, date]:
    """What makes two opportunities one: the school (as spelt either way), its office, the day it starts."""
    return fold(opportunity.school_name), opportunity.office_code, opportunity.starts_on


def _in_her_words(problem: Problem) -> str:
    """A line's problem, named by its column as a file names it in her language ("deadline", «آخر موعد»)."""
    names = COLUMNS.get(problem.field or "", ())
    arabic = [name for name in names if not name.isascii()]
    column = arabic[0] if current_language() == "ar" and arabic else problem.field
    return f"{column}: {problem.message}" if column else problem.message


def _from_line(
    line: Line, names: dict[str, str], now: datetime, known: list[str], office_names: dict[str, str]
) -> tuple[NewOpportunity | None, list[Problem]]:
    values = line.values
    wrong: list[Problem] = []
    gender = fold(values["gender"])
    if gender not in GIRLS + BOYS:
        wrong.append(
            Problem(
                "gender", _("“%(value)s” is neither girls nor boys (بنات أو بنين)", value=values["gender"])
            )
        )
    numbers: dict[str, int] = {}
    for column in ("students", "places"):
        digits = normalise(values[column])
        if not ascii_digits_only(digits):
            wrong.append(Problem(column, _("“%(value)s” is not a whole number", value=values[column])))
        elif len(digits.lstrip("0")) > len(str(LARGEST_COUNT)):  # (problems() says so of the rest)
            wrong.append(Problem(column, _("at most %(largest)s", largest=LARGEST_COUNT)))
        else:
            numbers[column] = int(digits)
    starts_on, deadline = parse_day(values["start"]), parse_deadline(values["deadline"])
    if starts_on is None:
        wrong.append(
            Problem("start", _("“%(value)s” is not a day such as 2027-01-10", value=values["start"]))
        )
    if deadline is None:
        wrong.append(
            Problem(
                "deadline",
                _(
                    "“%(value)s” is not a last day such as 2026-12-15, or a day and time",
                    value=values["deadline"],
                ),
            )
        )
    if starts_on is None or deadline is None:
        return None, wrong
    new = NewOpportunity(
        school_name=values["school"],
        stage=STAGE_NAMES.get(_stage_named(values["stage"]), values["stage"]),
        girls=gender in GIRLS,
        district=values["district"],
        office_code=names.get(fold(values["office"]), values["office"]),
        students=numbers.get("students", 1),
        starts_on=starts_on,
        deadline=deadline,
        places=numbers.get("places", 1),
        requirements=values["requirements"],
    )
    wrong += problems(new, now, known, office_names=office_names)
    return (None if wrong else new), wrong


def _stage_named(written: str) -> str:
    """A stage as lists write it, or as the console names it: «المرحلة الابتدائية», «مدرسة ابتدائية» and
    «الابتدائية» are «ابتدائية»; "Primary school" is "primary"."""
    folded = fold(written).removesuffix(" school")
    for prefix in (fold("المرحلة"), fold("مرحلة"), fold("مدرسة")):
        folded = folded.removeprefix(prefix + " ")
    bare = folded.removeprefix(fold("ال"))
    return bare if folded not in STAGE_NAMES and bare in STAGE_NAMES else folded


@action
def edit(
    session: Session, actor: Actor, number: int, changes: Mapping[str, Any], now: datetime
) -> CanteenOpportunity:
    """Change an open opportunity: what is given of `CHANGEABLE`, never fewer places than families
    accepted. It tells nobody: families see it as it is when they next look."""
    by = rights(session, actor)
    found = _visible(by, canteens.locked(session, number), number)
    if not found.is_open(now):
        raise Refused([Problem(None, _("That opportunity is closed: it can no longer be changed."))])
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable: {', '.join(sorted(unknown))}")
    current = NewOpportunity(**{field.name: getattr(found, field.name) for field in fields(NewOpportunity)})
    changed = replace(current, **changes)
    # One published before deadlines had to precede the start stays editable while its dates stay as they are.
    dates_changed = (changed.deadline, changed.starts_on) != (found.deadline, found.starts_on)
    wrong = problems(changed, now, office_codes(session), check_dates=dates_changed)
    if wrong:
        raise Refused(wrong)
    try:
        canteens.edit(session, found, changed)
    except canteens.FewerPlacesThanAccepted as fewer:
        raise Refused(
            [
                Problem(
                    "places",
                    ngettext(
                        "%(count)s family is already accepted: the places cannot be fewer.",
                        "%(count)s families are already accepted: the places cannot be fewer.",
                        fewer.accepted,
                        count=fewer.accepted,
                    ),
                )
            ]
        ) from fewer
    record(
        session,
        by,
        "canteens.edit",
        office=found.office_code,
        target="opportunity",
        target_id=found.id,
        outcome="changed",
        now=now,
        details={"changed": sorted(name for name in changes if getattr(current, name) != changes[name])},
    )
    return found


@action
def close(session: Session, actor: Actor, number: int, now: datetime) -> bool:
    """Applications closed now; False if they already were."""
    by = rights(session, actor)
    found = _visible(by, canteens.locked(session, number), number)
    done = canteens.close(session, found, now)
    record(
        session,
        by,
        "canteens.close",
        office=found.office_code,
        target="opportunity",
        target_id=found.id,
        outcome="closed" if done else "unchanged",
        now=now,
    )
    return done


@action
def reopen(session: Session, actor: Actor, number: int, now: datetime) -> None:
    """Applications closed early are open again, until the deadline."""
    by = rights(session, actor)
    found = _visible(by, canteens.locked(session, number), number)
    if found.closed_at is None:
        raise Refused([Problem(None, _("Applications to it are open already."))])
    if now >= found.deadline:
        raise Refused([Problem(None, _("Its deadline has passed: applications cannot open again."))])
    canteens.reopen(session, found)
    record(
        session,
        by,
        "canteens.reopen",
        office=found.office_code,
        target="opportunity",
        target_id=found.id,
        outcome="reopened",
        now=now,
    )


def reverses(application: CanteenApplication, status: ApplicationStatus) -> bool:
    """A decision she was told (accepted, not accepted) changed into another: staff are asked first."""
    return application.status in FINAL and application.status != status.value


@action
def decide(
    session: Session,
    actor: Actor,
    application_id: int,
    status: ApplicationStatus,
    reason: str | None,
    now: datetime,
    *,
    confirmed: bool = False,
    seen: str | None = None,
) -> Decision:
    """Shortlist, accept (never more than the places) or reject (with a reason she reads). She is told the
    decision in force each time it changes; one not yet sent is replaced. Reversing a decision she was told
    needs `confirmed`.

    Decided on the application as it is now, under its opportunity's lock: her withdrawal or another staff
    member's decision meanwhile is seen. `seen`: the status staff had on screen when they chose (and
    confirmed); if it is no longer that, nothing is changed and they are told what it is now."""
    by = rights(session, actor)
    found, shown = application(session, actor, application_id)
    if reason and len(reason) > REASON_LENGTH:
        raise Refused(
            [Problem("reason", _("Please keep it under %(limit)s characters.", limit=REASON_LENGTH))]
        )
    if canteens.as_it_is_now(session, found) is None:
        raise _no_application(application_id)
    _still_as_seen(found, status, seen)
    if reverses(found, status) and not confirmed:
        raise NeedsConfirmation(
            _(
                "This changes the decision she was told (%(before)s). She will be told the new one.",
                before=status_name(found.status),
            )
        )
    decided = canteens.decide(session, found, status, normalise(reason) if reason else None, by.name, now)
    if decided.result is Decided.FULL:
        raise Refused(
            [
                Problem(
                    None,
                    ngettext(
                        "Its %(count)s place is taken: accepting one more is refused. To accept more "
                        "families, raise its places first.",
                        "All %(count)s places are taken: accepting one more is refused. To accept more "
                        "families, raise its places first.",
                        shown.places,
                        count=shown.places,
                    ),
                )
            ]
        )
    if decided.result is Decided.WITHDRAWN:  # seen above, under the lock already held
        raise _withdrew()
    if decided.result is Decided.GONE:
        raise _no_application(application_id)
    if decided.decision is not None:
        canteen_notices.tell_decision(session, found, decided.decision, decided.earlier, shown, now)
    record(
        session,
        by,
        "canteens.decide",
        office=shown.office_code,
        target="application",
        target_id=found.id,
        outcome=found.status if decided.result is Decided.DONE else "unchanged",
        now=now,
    )
    return decided


def _still_as_seen(found: CanteenApplication, status: ApplicationStatus, seen: str | None) -> None:
    """Refused if she withdrew it, or if it changed since staff chose on `seen` (unless into the very
    decision they chose: that one is made once, and told once)."""
    if found.status == ApplicationStatus.WITHDRAWN.value:
        raise _withdrew()
    if seen is None or found.status in (seen, status.value):
        return
    raise Refused(
        [
            Problem(
                None,
                _(
                    "Nothing was changed: meanwhile it was decided “%(status)s” (%(time)s). Look at it "
                    "again before deciding.",
                    status=status_name(found.status),
                    time=_hour(found.decided_at),
                ),
            )
        ]
    )


def _withdrew() -> Refused:
    return Refused([Problem(None, _("Nothing was changed: she withdrew this application."))])


def _hour(moment: datetime | None) -> str:
    """The hour, Riyadh time, of what changed meanwhile (since staff opened the screen, so mostly today)."""
    return short_time(moment) if moment is not None else "?"


def status_name(status: str) -> str:
    """An application's status in the reader's language."""
    return said(APPLICATION_STATUSES, status)


@action
def apply(session: Session, family_id: int, opportunity_id: int, now: datetime) -> Applied:
    """She applies, while applications are open, if she passes every check of eligibility as she is now (she
    saw them before confirming; something may have changed since): APPLIED (again, after a withdrawal),
    ALREADY or CLOSED."""
    family = beneficiaries.beneficiary(session, family_id)
    opportunity = canteens.find(session, opportunity_id)
    if family is None or opportunity is None:
        raise _unknown(opportunity_id)
    if not eligibility.eligible(eligibility.checks(session, family, opportunity, family.language)):
        raise Refused(
            [Problem(None, _("Something changed and you cannot apply now. Please look at the checks again."))]
        )
    return canteens.apply(session, opportunity_id, family_id, now)


@action
def withdraw(session: Session, family_id: int, opportunity_id: int, now: datetime) -> Applied:
    """She withdraws her application, while applications are open and her office has not decided on it:
    WITHDRAWN, NOT_APPLIED, CLOSED or DECIDED."""
    return canteens.withdraw(session, opportunity_id, family_id, now)
