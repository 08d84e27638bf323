"""The words for the domain's values, in the reader's language, in one place: what a family makes, a school's
stage, an application's status, a guest's answer. Chat, exports and (later) the console say them alike."""

from __future__ import annotations

from conversations.i18n import N_, LazyText
from storage.models import ApplicationStatus, GuestStatus, Product, SchoolStage

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


def said(words: dict[str, LazyText], value: str) -> str:
    """The value in the reader's language (the value itself if it has no word)."""
    found = words.get(value)
    return str(found) if found is not None else value
