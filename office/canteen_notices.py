"""What a family is told when staff decide on her canteen application (shortlisted, accepted, not accepted),
in her language, through the outbox: once per decision, and every change of decision too; a message of an
earlier decision not yet sent is not sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from core.domain import ApplicationStatus
from core.i18n import _
from storage import deliveries, kinds
from storage.kinds import Message
from storage.models import CanteenApplication, CanteenDecision, CanteenOpportunity


def _text(application: CanteenApplication, opportunity: CanteenOpportunity) -> str:
    school = opportunity.school_name
    if application.status == ApplicationStatus.SHORTLISTED.value:
        return _(
            "Good news: you are on the shortlist for the canteen of %(school)s. "
            "Your office will contact you.",
            school=school,
        )
    if application.status == ApplicationStatus.ACCEPTED.value:
        return _(
            "Congratulations! Your application to run the canteen of %(school)s is accepted. "
            "Your office will contact you about the next steps.",
            school=school,
        )
    text = _("Your application for the canteen of %(school)s was not accepted this time.", school=school)
    if application.reason:
        text += "\n" + _("Your office's reason: %(reason)s", reason=application.reason)
    return text + "\n" + _("Other opportunities will come; you will find them under “Canteen opportunities”.")


KINDS = {
    ApplicationStatus.SHORTLISTED.value: kinds.CANTEEN_SHORTLISTED,
    ApplicationStatus.ACCEPTED.value: kinds.CANTEEN_ACCEPTED,
    ApplicationStatus.REJECTED.value: kinds.CANTEEN_REJECTED,
}


def tell_decision(
    session: Session,
    application: CanteenApplication,
    decision: CanteenDecision,
    earlier: Sequence[int],
    opportunity: CanteenOpportunity,
    now: datetime,
) -> int:
    for kind in KINDS.values():
        deliveries.cancel_pending(session, kind, list(earlier), now)
    message = Message.written(lambda language: _text(application, opportunity))
    family = select(literal(application.beneficiary_id))
    return deliveries.enqueue(session, KINDS[decision.status], decision.id, family, message, now, now)
