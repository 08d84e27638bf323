"""School-canteen opportunities: publish, list the open ones, close (early, or at the deadline by the
scheduler), apply and withdraw (one application per family and opportunity), review applicants.

Every change to an opportunity or an application is decided on the opportunity read under its lock
(`storage.locks`), the application read again after it: a double tap, two staff accepting at once, staff
accepting while she withdraws, she applying while staff close it — whichever commits second decides on what
the first did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from core.dates import RIYADH
from core.domain import ApplicationStatus
from storage import beneficiaries, locks, tallies
from storage.db import added
from storage.models import Beneficiary, CanteenApplication, CanteenDecision, CanteenOpportunity


@dataclass(frozen=True)
class NewOpportunity:
    school_name: str
    stage: str
    girls: bool
    district: str
    office_code: str
    students: int
    starts_on: date
    deadline: datetime
    places: int
    requirements: str = ""

    def decided_before_start(self) -> bool:
        """Applications close (Riyadh time) before the day the canteen starts."""
        return self.deadline.astimezone(RIYADH).date() < self.starts_on


class Applied(StrEnum):
    APPLIED = "applied"
    ALREADY = "already"  # she had applied: nothing changes
    CLOSED = "closed"  # past the deadline, or closed by staff
    WITHDRAWN = "withdrawn"
    NOT_APPLIED = "not_applied"
    DECIDED = "decided"  # staff have decided on it: no withdrawing by tapping


class Decided(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"  # the same decision again: nothing to tell her
    FULL = "full"  # accepting more than the places
    WITHDRAWN = "withdrawn"  # she withdrew: nothing to decide
    GONE = "gone"  # her data was deleted


def publish(session: Session, new: NewOpportunity, by: str, now: datetime) -> CanteenOpportunity:
    return added(session, CanteenOpportunity(**vars(new), created_by=by, created_at=now))


class FewerPlacesThanAccepted(Exception):
    def __init__(self, accepted: int) -> None:
        super().__init__(f"{accepted} families are already accepted")
        self.accepted = accepted


def edit(session: Session, opportunity: CanteenOpportunity, changed: NewOpportunity) -> None:
    """Change it; raise FewerPlacesThanAccepted if the places would not hold the families accepted. Checked
    under the opportunity's lock, as decisions are, so that an acceptance meanwhile cannot slip past."""
    locked(session, opportunity.id)
    accepted = accepted_count(session, opportunity.id)
    if changed.places < accepted:
        raise FewerPlacesThanAccepted(accepted)
    for name, value in vars(changed).items():
        setattr(opportunity, name, value)
    session.flush()


def find(session: Session, opportunity_id: int) -> CanteenOpportunity | None:
    return session.get(CanteenOpportunity, opportunity_id)


def locked(session: Session, opportunity_id: int) -> CanteenOpportunity | None:
    """The opportunity as it is now, locked until the transaction ends: what a change is decided on."""
    return locks.row(session, CanteenOpportunity, opportunity_id)


def open_ones(session: Session, office_first: str | None, now: datetime) -> list[CanteenOpportunity]:
    """Open opportunities, those of `office_first` first, then by deadline."""
    found = session.scalars(
        select(CanteenOpportunity)
        .where(CanteenOpportunity.closed_at.is_(None), CanteenOpportunity.deadline > now)
        .order_by(CanteenOpportunity.deadline, CanteenOpportunity.id)
    ).all()
    return sorted(found, key=lambda o: o.office_code != office_first)


def of_office(session: Session, office_code: str | None) -> Sequence[CanteenOpportunity]:
    """Every opportunity of one office (None: of every office), newest first."""
    query = select(CanteenOpportunity).order_by(CanteenOpportunity.id.desc())
    if office_code is not None:
        query = query.where(CanteenOpportunity.office_code == office_code)
    return session.scalars(query).all()


def close(session: Session, opportunity: CanteenOpportunity, now: datetime) -> bool:
    """Applications closed now (`opportunity` read with `locked`); False if they already were."""
    if opportunity.closed_at is not None:
        return False
    opportunity.closed_at = now
    return True


def reopen(session: Session, opportunity: CanteenOpportunity) -> None:
    opportunity.closed_at = None
    session.flush()


def close_due(session: Session, now: datetime) -> list[int]:
    """Close every opportunity whose deadline has passed; the ids closed (the scheduler's job)."""
    due = session.scalars(
        select(CanteenOpportunity).where(
            CanteenOpportunity.closed_at.is_(None), CanteenOpportunity.deadline <= now
        )
    ).all()
    for opportunity in due:
        opportunity.closed_at = opportunity.deadline
    return [opportunity.id for opportunity in due]


def application(session: Session, opportunity_id: int, beneficiary_id: int) -> CanteenApplication | None:
    return session.scalar(select(CanteenApplication).where(*_hers(opportunity_id, beneficiary_id)))


def _hers(opportunity_id: int, beneficiary_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        CanteenApplication.opportunity_id == opportunity_id,
        CanteenApplication.beneficiary_id == beneficiary_id,
    )


def application_by_id(session: Session, application_id: int) -> CanteenApplication | None:
    return session.get(CanteenApplication, application_id)


def apply(session: Session, opportunity_id: int, beneficiary_id: int, now: datetime) -> Applied:
    opportunity = locked(session, opportunity_id)
    if opportunity is None or not opportunity.is_open(now):
        return Applied.CLOSED
    existing = locks.first(session, CanteenApplication, *_hers(opportunity_id, beneficiary_id))
    if existing is None:
        session.add(
            CanteenApplication(
                opportunity_id=opportunity_id,
                beneficiary_id=beneficiary_id,
                status=ApplicationStatus.APPLIED.value,
                applied_at=now,
            )
        )
        session.flush()
        return Applied.APPLIED
    if existing.status == ApplicationStatus.WITHDRAWN.value:
        existing.status, existing.applied_at = ApplicationStatus.APPLIED.value, now
        return Applied.APPLIED
    return Applied.ALREADY


def withdraw(session: Session, opportunity_id: int, beneficiary_id: int, now: datetime) -> Applied:
    """Her application withdrawn, unless staff have decided on it (`DECIDED`) or applications are closed."""
    opportunity = locked(session, opportunity_id)
    existing = locks.first(session, CanteenApplication, *_hers(opportunity_id, beneficiary_id))
    if existing is None or existing.status == ApplicationStatus.WITHDRAWN.value:
        return Applied.NOT_APPLIED
    if opportunity is None or not opportunity.is_open(now):
        return Applied.CLOSED
    if existing.status != ApplicationStatus.APPLIED.value:
        return Applied.DECIDED
    existing.status = ApplicationStatus.WITHDRAWN.value
    return Applied.WITHDRAWN


@dataclass(frozen=True)
class Applicant:
    application_id: int
    beneficiary_id: int
    full_name: str
    national_id: str
    mobile: str
    office_code: str
    verified: bool
    health_certificate: bool
    status: str
    reason: str | None
    applied_at: datetime


def applicants(session: Session, opportunity_id: int) -> list[Applicant]:
    rows = session.execute(
        select(
            CanteenApplication.id,
            Beneficiary.id,
            *beneficiaries.WHO,
            Beneficiary.verified_at.is_not(None),
            Beneficiary.health_certificate,
            CanteenApplication.status,
            CanteenApplication.reason,
            CanteenApplication.applied_at,
        )
        .join(Beneficiary, Beneficiary.id == CanteenApplication.beneficiary_id)
        .where(CanteenApplication.opportunity_id == opportunity_id)
        .order_by(CanteenApplication.applied_at, CanteenApplication.id)
    ).all()
    return [Applicant(*row) for row in rows]


def accepted_count(session: Session, opportunity_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                CanteenApplication.opportunity_id == opportunity_id,
                CanteenApplication.status == ApplicationStatus.ACCEPTED.value,
            )
        )
        or 0
    )


def as_it_is_now(session: Session, application: CanteenApplication) -> CanteenOpportunity | None:
    """Its opportunity locked until the transaction ends, and both read again: she may have withdrawn, or
    other staff decided, since `application` was read. The opportunity; None if the application is gone (her
    data deleted meanwhile)."""
    opportunity = locked(session, application.opportunity_id)
    again = locks.row(session, CanteenApplication, application.id)  # the same object, refreshed
    return opportunity if again is not None else None


@dataclass(frozen=True)
class Decision:
    result: Decided
    application: CanteenApplication
    decision: CanteenDecision | None = None  # the new decision in force, when there is one
    earlier: tuple[int, ...] = ()  # the ids of the decisions before it


def decide(
    session: Session,
    application: CanteenApplication,
    status: ApplicationStatus,
    reason: str | None,
    by: str,
    now: datetime,
) -> Decision:
    """Shortlist, accept or reject, on the application as it is now (`as_it_is_now`); accepting more than
    the places is refused. Each new decision is a row."""
    opportunity = as_it_is_now(session, application)
    if opportunity is None:
        return Decision(Decided.GONE, application)
    if application.status == ApplicationStatus.WITHDRAWN.value:
        return Decision(Decided.WITHDRAWN, application)
    reason = reason if status is ApplicationStatus.REJECTED else None
    if application.status == status.value and application.reason == reason:
        return Decision(Decided.UNCHANGED, application)
    if (
        status is ApplicationStatus.ACCEPTED
        and application.status != ApplicationStatus.ACCEPTED.value
        and accepted_count(session, opportunity.id) >= opportunity.places
    ):
        return Decision(Decided.FULL, application)
    earlier = tuple(
        session.scalars(
            select(CanteenDecision.id).where(CanteenDecision.application_id == application.id)
        ).all()
    )
    application.status, application.decided_at, application.decided_by = status.value, now, by
    application.reason = reason
    decision = CanteenDecision(
        application_id=application.id, status=status.value, reason=reason, decided_by=by, decided_at=now
    )
    session.add(decision)
    session.flush()
    return Decision(Decided.DONE, application, decision, earlier)


def counts(session: Session, opportunity_id: int) -> dict[str, int]:
    where = CanteenApplication.opportunity_id == opportunity_id
    return tallies.by_status(session, CanteenApplication.status, where, ApplicationStatus)


def her_applications(
    session: Session, beneficiary_id: int
) -> list[tuple[CanteenApplication, CanteenOpportunity]]:
    """Every application she made, with its opportunity, the latest first."""
    rows = session.execute(
        select(CanteenApplication, CanteenOpportunity)
        .join(CanteenOpportunity, CanteenOpportunity.id == CanteenApplication.opportunity_id)
        .where(CanteenApplication.beneficiary_id == beneficiary_id)
        .order_by(CanteenApplication.applied_at.desc(), CanteenApplication.id.desc())
    ).all()
    return [(application, opportunity) for application, opportunity in rows]


def decisions_on(session: Session, application_ids: Sequence[int]) -> dict[int, list[CanteenDecision]]:
    """Each decision staff took on these applications, in the order taken, by application."""
    found: dict[int, list[CanteenDecision]] = {}
    if application_ids:
        for decision in session.scalars(
            select(CanteenDecision)
            .where(CanteenDecision.application_id.in_(list(application_ids)))
            .order_by(CanteenDecision.decided_at, CanteenDecision.id)
        ):
            found.setdefault(decision.application_id, []).append(decision)
    return found


def applications_of(session: Session, beneficiary_id: int) -> dict[int, str]:
    """Her applications: opportunity id → status."""
    return {
        opportunity_id: status
        for opportunity_id, status in session.execute(
            select(CanteenApplication.opportunity_id, CanteenApplication.status).where(
                CanteenApplication.beneficiary_id == beneficiary_id
            )
        )
    }
