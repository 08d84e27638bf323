"""The words for the domain's values, in the reader's language, in one place: what a family makes, a school's
stage, an application's status, a guest's answer. Chat, exports and (later) the console say them alike."""

from __future__ import annotations

from conversations.i18n import N_, LazyText
from storage.models import ApplicationStatus, GuestStatus, Product, SchoolStage, Verification

PRODUCT_LABELS: dict[Product, LazyText] = {
    Product.COOKED_MEALS: N_("Cooked meals"),
    Product.BAKED_SWEETS: N_("Baked goods and sweets"),
    Product.DRINKS: N_("Drinks"),
    Product.CRAFTS: N_("Crafts"),
    Product.SEWING: N_("Sewing"),
    Product.OTHER: N_("Other"),
}

STAGES: dict[str, LazyText] = {
    SchoolStage.KINDERGARTEN: N_("Kindergarten"),
    SchoolStage.PRIMARY: N_("Primary school"),
    SchoolStage.INTERMEDIATE: N_("Intermediate school"),
    SchoolStage.SECONDARY: N_("Secondary school"),
}

APPLICATION_STATUSES: dict[str, LazyText] = {
    ApplicationStatus.APPLIED: N_("applied"),
    ApplicationStatus.WITHDRAWN: N_("withdrawn"),
    ApplicationStatus.SHORTLISTED: N_("shortlisted"),
    ApplicationStatus.ACCEPTED: N_("accepted"),
    ApplicationStatus.REJECTED: N_("not accepted"),
}

GUEST_ANSWERS: dict[str, LazyText] = {
    GuestStatus.INVITED: N_("invited, no answer yet"),
    GuestStatus.GOING: N_("going"),
    GuestStatus.NOT_GOING: N_("not going"),
    GuestStatus.WAITLISTED: N_("on the waiting list"),
}


VERIFICATION: dict[str, LazyText] = {
    Verification.WAITING: N_("waiting for verification"),
    Verification.VERIFIED: N_("verified"),
    Verification.CORRECTION: N_("asked to correct her registration"),
}

ACTIONS: dict[str, LazyText] = {
    "registrations.verify": N_("verified a registration"),
    "registrations.correction": N_("asked for a correction"),
    "registrations.corrected": N_("sent her registration back for review"),
    "registrations.unverify": N_("took a verification back"),
    "registrations.national_id": N_("corrected a national ID"),
    "registrations.changed": N_("changed her details"),
    "offices.edit": N_("changed how families reach an office"),
    "families.import": N_("imported a list of families"),
    "events.create": N_("created an event"),
    "events.edit": N_("changed an event"),
    "events.cancel": N_("cancelled an event"),
    "events.attendance": N_("marked attendance"),
    "events.attendance_undone": N_("took an attendance mark back"),
    "events.thank": N_("thanked those who came"),
    "canteens.publish": N_("published a canteen opportunity"),
    "canteens.edit": N_("changed a canteen opportunity"),
    "canteens.close": N_("closed applications"),
    "canteens.reopen": N_("opened applications again"),
    "canteens.decide": N_("decided on an application"),
    "announcements.create": N_("created an announcement"),
    "announcements.cancel": N_("cancelled an announcement"),
    "exports.families": N_("exported the families"),
    "exports.guests": N_("exported an event's guests"),
    "exports.applicants": N_("exported an opportunity's applicants"),
    "staff.add": N_("added or changed a staff member"),
    "staff.remove": N_("removed a staff member"),
}

OUTCOMES: dict[str, LazyText] = {
    "unchanged": N_("nothing changed"),
    "verified": N_("verified"),
    "correction": N_("correction asked"),
    "waiting": N_("waiting again"),
    "corrected": N_("corrected"),
    "imported": N_("imported"),
    "created": N_("created"),
    "scheduled": N_("scheduled"),
    "changed": N_("changed"),
    "moved": N_("new time or place, told"),
    "cancelled": N_("cancelled"),
    "marked": N_("marked"),
    "unmarked": N_("mark taken back"),
    "thanked": N_("thanked"),
    "published": N_("published"),
    "closed": N_("closed"),
    "reopened": N_("opened again"),
    "exported": N_("exported"),
    "added": N_("added"),
    "removed": N_("removed"),
    **APPLICATION_STATUSES,
}


def said(words: dict[str, LazyText], value: str) -> str:
    """The value in the reader's language (the value itself if it has no word)."""
    found = words.get(value)
    return str(found) if found is not None else value
