"""`usar canteens`: staff publish school-canteen opportunities (one, or many from a CSV/XLSX file), list them,
see and decide on applicants, close one early, export its applicants; `usar beneficiaries verify` marks a
registration verified, which eligibility needs.

An office's staff (`--as`) act on their office's opportunities and families only; admins on all.
"""

from __future__ import annotations

import argparse
import csv
from datetime import date, datetime, time
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from bot.broadcast import BroadcastError, staff_office
from bot.tables import Line, RejectedFile, read_lines
from conversations import canteen_notices
from conversations.dates import RIYADH, hijri_date, parse_local_time
from conversations.forms import Invalid
from conversations.text import fold, normalise
from conversations.validators import saudi_mobile, saudi_national_id
from storage import beneficiaries, canteens, offices
from storage.beneficiaries import Identifier
from storage.canteens import Decided, NewOpportunity
from storage.models import ApplicationStatus, CanteenOpportunity, SchoolStage

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
        ("رياض أطفال", "kindergarten"),
        ("ابتدائي", "primary"),
        ("ابتدائية", "primary"),
        ("متوسط", "intermediate"),
        ("متوسطة", "intermediate"),
        ("ثانوي", "secondary"),
        ("ثانوية", "secondary"),
    )
}
DECISIONS = {
    "shortlist": ApplicationStatus.SHORTLISTED,
    "accept": ApplicationStatus.ACCEPTED,
    "reject": ApplicationStatus.REJECTED,
}
APPLICANT_FIELDS = (
    "application",
    "name",
    "national_id",
    "mobile",
    "office",
    "verified",
    "certificate",
    "status",
    "reason",
    "applied_at",
)


class CanteenError(BroadcastError):
    """A staff typo, an unknown opportunity or a right she lacks: said in one line, nothing changed."""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    command = commands.add_parser("canteens", help="school-canteen opportunities: publish, review, close")
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="publish an opportunity")
    create.add_argument("--school", required=True)
    create.add_argument("--stage", required=True, choices=[stage.value for stage in SchoolStage])
    gender = create.add_mutually_exclusive_group(required=True)
    gender.add_argument("--girls", action="store_true", help="a girls' school")
    gender.add_argument("--boys", action="store_true", help="a boys' school")
    create.add_argument("--district", required=True)
    create.add_argument("--office", required=True, help="office code")
    create.add_argument("--students", type=int, required=True)
    create.add_argument("--start", required=True, help="YYYY-MM-DD, when the canteen starts")
    create.add_argument(
        "--deadline", required=True, help='Riyadh time "YYYY-MM-DD HH:MM", or a day (until 23:59)'
    )
    create.add_argument("--places", type=int, required=True, help="how many families can be accepted")
    create.add_argument("--requirements", default="", help="what is asked of the family, in words")
    edit = actions.add_parser("edit", help="change an open opportunity (only what is given)")
    edit.add_argument("id", type=int)
    for option in ("--school", "--district", "--start", "--deadline", "--requirements"):
        edit.add_argument(option)
    edit.add_argument("--students", type=int)
    edit.add_argument("--places", type=int)
    importing = actions.add_parser(
        "import", help="publish many from a CSV or XLSX file; a bad line publishes none"
    )
    importing.add_argument("file", type=Path)
    actions.add_parser("list", help="every opportunity, with its applications")
    for name, text in (("show", "an opportunity and its applicants"), ("close", "close applications now")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
    export = actions.add_parser("export", help="the applicants as CSV (UTF-8 with BOM), with IDs and mobiles")
    export.add_argument("id", type=int)
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    decide = actions.add_parser("decide", help="shortlist, accept or reject an application; she is told")
    decide.add_argument("application", type=int)
    decide.add_argument("decision", choices=list(DECISIONS))
    decide.add_argument("--reason", help="why, with a rejection (she reads it)")
    for action in (create, importing, decide, export, *actions.choices.values()):
        if not any(option.dest == "staff" for option in action._actions):
            action.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")
    return command


def add_verify(
    family_actions: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    verify = family_actions.add_parser(
        "verify", help="mark a family's registration as verified by its office"
    )
    verify.add_argument("who", help="her national ID or mobile")
    verify.add_argument("--as", dest="staff", help="the staff member's address, whose office applies")
    return verify


def _deadline(text: str) -> datetime:
    cleaned = normalise(text)
    moment = parse_local_time(cleaned)
    if moment is None:
        try:
            moment = datetime.combine(date.fromisoformat(cleaned), time(23, 59), tzinfo=RIYADH)
        except ValueError:
            raise CanteenError(
                f'deadline {text!r}: write "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (Riyadh time)'
            ) from None
    return moment


def _day(text: str) -> date:
    try:
        return date.fromisoformat(normalise(text))
    except ValueError:
        raise CanteenError(f'start {text!r}: write the day as "YYYY-MM-DD"') from None


def _allowed_office(session: Session, staff: str | None, office: str) -> None:
    own = staff_office(session, staff)
    if own is not None and office != own:
        raise CanteenError("staff of an office can only manage their own office's opportunities")


def create(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    _allowed_office(session, arguments.staff, arguments.office)
    new = NewOpportunity(
        school_name=arguments.school.strip(),
        stage=arguments.stage,
        girls=bool(arguments.girls),
        district=arguments.district.strip(),
        office_code=arguments.office,
        students=arguments.students,
        starts_on=_day(arguments.start),
        deadline=_deadline(arguments.deadline),
        places=arguments.places,
        requirements=arguments.requirements.strip(),
    )
    problems = new.problems(now, [office.code for office in offices.active_offices(session)])
    if problems:
        raise CanteenError("; ".join(problems))
    opportunity = canteens.publish(session, new, arguments.staff or "command line", now)
    return f"Opportunity {opportunity.id} published: {describe(opportunity)}"


def import_file(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    known = [office.code for office in offices.active_offices(session)]
    names = {
        fold(name): office.code
        for office in offices.active_offices(session)
        for name in (office.code, office.name_ar, office.name_en)
    }
    own = staff_office(session, arguments.staff)
    problems: list[str] = []
    found: list[NewOpportunity] = []
    for line in read_lines(arguments.file, COLUMNS, max_rows=5_000):
        new, wrong = _opportunity(line, names, now, known)
        if new is not None and own is not None and new.office_code != own:
            wrong.append(f"office: you can only publish for {own}")
        problems += [f"line {line.number}: {problem}" for problem in wrong]
        if new is not None and not wrong:
            found.append(new)
    if problems:
        raise RejectedFile(problems)
    for new in found:
        canteens.publish(session, new, arguments.staff or "command line", now)
    return f"{len(found)} opportunities published."


def _opportunity(
    line: Line, names: dict[str, str], now: datetime, known: list[str]
) -> tuple[NewOpportunity | None, list[str]]:
    values = line.values
    wrong: list[str] = []
    gender = fold(values["gender"])
    if gender not in GIRLS + BOYS:
        wrong.append("gender: girls or boys (بنات أو بنين)")
    stage = STAGE_NAMES.get(fold(values["stage"]), values["stage"])
    numbers: dict[str, int] = {}
    for column in ("students", "places"):
        digits = normalise(values[column])
        if not digits.isdigit():
            wrong.append(f"{column}: a whole number")
        else:
            numbers[column] = int(digits)
    try:
        starts_on, deadline = _day(values["start"]), _deadline(values["deadline"])
    except CanteenError as problem:
        wrong.append(str(problem))
        return None, wrong
    new = NewOpportunity(
        school_name=values["school"],
        stage=stage,
        girls=gender in GIRLS,
        district=values["district"],
        office_code=names.get(fold(values["office"]), values["office"]),
        students=numbers.get("students", 0),
        starts_on=starts_on,
        deadline=deadline,
        places=numbers.get("places", 0),
        requirements=values["requirements"],
    )
    wrong += [
        problem
        for problem in new.problems(now, known)
        if not problem.startswith(("students", "places")) or not wrong
    ]
    return (None if wrong else new), wrong


def _opportunity_of(session: Session, arguments: argparse.Namespace, number: int) -> CanteenOpportunity:
    opportunity = canteens.find(session, number)
    if opportunity is None:
        raise CanteenError(f"no opportunity {number}")
    _allowed_office(session, arguments.staff, opportunity.office_code)
    return opportunity


def describe(opportunity: CanteenOpportunity) -> str:
    deadline = opportunity.deadline.astimezone(RIYADH)
    state = " (closed)" if opportunity.closed_at else ""
    return (
        f"{opportunity.school_name}{state} — {opportunity.stage}, {'girls' if opportunity.girls else 'boys'},"
        f" {opportunity.district} ({opportunity.office_code}), {opportunity.students} students, starts"
        f" {opportunity.starts_on}; apply by {deadline:%Y-%m-%d %H:%M} Riyadh time"
        f" ({hijri_date(deadline.date(), 'en')}); {opportunity.places} places"
    )


def listing(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    found = canteens.of_office(session, staff_office(session, arguments.staff))
    if not found:
        return "No opportunities yet."
    return "\n".join(f"{o.id}. {describe(o)}\n   {_counts(session, o)}" for o in found)


def _counts(session: Session, opportunity: CanteenOpportunity) -> str:
    tally = canteens.counts(session, opportunity.id)
    return "  ".join(f"{status} {number}" for status, number in tally.items())


def show(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    opportunity = _opportunity_of(session, arguments, arguments.id)
    lines = [f"Opportunity {opportunity.id}: {describe(opportunity)}", _counts(session, opportunity)]
    for applicant in canteens.applicants(session, opportunity.id):
        marks = [
            mark
            for mark, held in (
                ("verified", applicant.verified),
                ("certificate", applicant.health_certificate),
            )
            if held
        ]
        lines.append(
            f"  application {applicant.application_id}: {applicant.full_name} — {applicant.status}"
            + (f" ({', '.join(marks)})" if marks else "")
        )
    return "\n".join(lines)


def edit(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    opportunity = _opportunity_of(session, arguments, arguments.id)
    if not canteens.is_open(opportunity, now):
        raise CanteenError(f"opportunity {opportunity.id} is closed")
    changed = NewOpportunity(
        school_name=(arguments.school or opportunity.school_name).strip(),
        stage=opportunity.stage,
        girls=opportunity.girls,
        district=(arguments.district or opportunity.district).strip(),
        office_code=opportunity.office_code,
        students=arguments.students if arguments.students is not None else opportunity.students,
        starts_on=_day(arguments.start) if arguments.start else opportunity.starts_on,
        deadline=_deadline(arguments.deadline) if arguments.deadline else opportunity.deadline,
        places=arguments.places if arguments.places is not None else opportunity.places,
        requirements=(
            arguments.requirements if arguments.requirements is not None else opportunity.requirements
        ),
    )
    # One published before deadlines had to precede the start stays editable while its dates stay as they are.
    dates_changed = (changed.deadline, changed.starts_on) != (opportunity.deadline, opportunity.starts_on)
    known = [office.code for office in offices.active_offices(session)]
    problems = changed.problems(now, known, check_dates=dates_changed)
    if problems:
        raise CanteenError("; ".join(problems))
    try:
        canteens.edit(session, opportunity, changed)
    except canteens.FewerPlacesThanAccepted as fewer:
        raise CanteenError(f"places: fewer than the {fewer.accepted} families already accepted") from fewer
    return f"Opportunity {opportunity.id} changed: {describe(opportunity)}"


def close(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    opportunity = _opportunity_of(session, arguments, arguments.id)
    if not canteens.close(session, opportunity, now):
        return f"Opportunity {opportunity.id} was already closed."
    return f"Opportunity {opportunity.id} closed; later applications are refused with a clear message."


def decide(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    found = canteens.application_by_id(session, arguments.application)
    if found is None:
        raise CanteenError(f"no application {arguments.application}")
    opportunity = _opportunity_of(session, arguments, found.opportunity_id)
    status = DECISIONS[arguments.decision]
    reason = normalise(arguments.reason) if arguments.reason else None
    result, application = canteens.decide(
        session, found.id, status, reason, arguments.staff or "command line", now
    )
    if result is Decided.FULL:
        raise CanteenError(f"all {opportunity.places} places are taken: accepting one more is refused")
    if result is Decided.WITHDRAWN:
        raise CanteenError("she withdrew this application")
    assert application is not None
    canteen_notices.tell_decision(session, application, opportunity, now)
    return f"Application {application.id}: {application.status}; she is told in her language."


def write_applicants(arguments: argparse.Namespace, session: Session, out: TextIO) -> int:
    opportunity = _opportunity_of(session, arguments, arguments.id)
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=APPLICANT_FIELDS)
    writer.writeheader()
    found = canteens.applicants(session, opportunity.id)
    for a in found:
        writer.writerow(
            {
                "application": a.application_id,
                "name": a.full_name,
                "national_id": a.national_id,
                "mobile": a.mobile,
                "office": a.office_code,
                "verified": "yes" if a.verified else "",
                "certificate": "yes" if a.health_certificate else "",
                "status": a.status,
                "reason": a.reason or "",
                "applied_at": f"{a.applied_at.astimezone(RIYADH):%Y-%m-%d %H:%M}",
            }
        )
    return len(found)


def verify(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    family_id = None
    for identifier, parse in ((Identifier.NATIONAL_ID, saudi_national_id), (Identifier.MOBILE, saudi_mobile)):
        try:
            family_id = beneficiaries.find_by(session, identifier, parse(arguments.who))
        except Invalid:
            continue
        if family_id is not None:
            break
    family = beneficiaries.beneficiary(session, family_id) if family_id is not None else None
    if family is None:
        raise CanteenError("no registered family with this national ID or mobile")
    own = staff_office(session, arguments.staff)
    if own is not None and family.office_code != own:
        raise CanteenError("staff of an office can only verify their own office's families")
    if family.verified_at is not None:
        return f"Family {family.id} was already verified."
    beneficiaries.verify(session, family.id, now)
    return f"Family {family.id} is verified."
