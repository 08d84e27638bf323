"""What a family is told when staff decide on her canteen application (shortlisted, accepted, not accepted),
in her language, through the outbox: once per decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from conversations.i18n import _, use_language
from locales import LANGUAGES
from storage import deliveries
from storage.models import ApplicationStatus, CanteenApplication, CanteenOpportunity


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


def tell_decision(
    session: Session, application: CanteenApplication, opportunity: CanteenOpportunity, now: datetime
) -> int:
    payload = {}
    for language in LANGUAGES:
        with use_language(language):
            payload[language] = _text(application, opportunity)
    family = select(literal(application.beneficiary_id))
    return deliveries.enqueue(
        session, f"canteen_{application.status}", application.id, family, payload, now, now
    )
