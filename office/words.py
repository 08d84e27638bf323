"""The words for the domain's values, in the reader's language, in one place: what a family makes, a school's
stage, an application's status, a guest's answer. Chat, exports and (later) the console say them alike."""

from __future__ import annotations

from babel.lists import format_list

from core.dates import long_date
from core.domain import ApplicationStatus, GuestStatus, Product, SchoolStage, Verification
from core.i18n import N_, LazyText, _, current_language
from core.validators import mask
from storage.models import Beneficiary

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
    "walk_in": N_("came without an invitation"),  # `GuestLine.walked_in`: no status of its own
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
    "registrations.details": N_("corrected her details"),
    "registrations.reveal": N_("looked at a national ID in full"),
    "registrations.changed": N_("changed her details"),
    "registrations.data": N_("asked for a copy of her data"),
    "registrations.deleted": N_("deleted her data"),
    "offices.edit": N_("changed how families reach an office"),
    "offices.active": N_("made an office active or inactive"),
    "families.import": N_("imported a list of families"),
    "families.remove": N_("took a family off an imported list"),
    "families.restore": N_("put a family back on an imported list"),
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
    "exports.tips": N_("exported the tips"),
    "exports.services": N_("exported the useful services"),
    "tips.import": N_("imported a file of tips"),
    "services.import": N_("imported a file of useful services"),
    "staff.add": N_("added a staff member"),
    "staff.change": N_("changed a staff member's details"),
    "staff.remove": N_("removed a staff member"),
    "staff.password": N_("set a console password"),
    "staff.own_password": N_("changed her own console password"),
    "staff.unlock": N_("unlocked a console login"),
    "staff.sign_in": N_("signed in to the console"),
    "staff.sign_out": N_("signed out of the console"),
    "staff.wrong_password": N_("was refused: a wrong password for her login"),
    "inbox.answer": N_("answered a family's question"),
    "inbox.note": N_("left a note on a question"),
    "inbox.assign": N_("took or gave a question"),
    "inbox.close": N_("closed a question"),
    "inbox.reopen": N_("opened a question again"),
    "inbox.pass": N_("passed a question to another office"),
    "inbox.topic": N_("changed a question's topic"),
    "inbox.saved_reply": N_("kept the saved replies"),
}

# An action's outcome that goes without saying ("signed in to the console: signed in"): the audit log names
# the action alone then, and the outcome only when it is another ("verified a registration: nothing changed").
USUAL_OUTCOMES: dict[str, str] = {
    "registrations.verify": "verified",
    "registrations.correction": "correction",
    "registrations.corrected": "corrected",
    "registrations.reveal": "shown",
    "registrations.unverify": "waiting",
    "registrations.national_id": "corrected",
    "registrations.changed": "changed",
    "registrations.data": "sent",
    "registrations.deleted": "deleted",
    "offices.edit": "changed",
    "families.import": "imported",
    "families.remove": "removed",
    "families.restore": "restored",
    "events.create": "created",
    "events.cancel": "cancelled",
    "events.attendance": "marked",
    "events.attendance_undone": "unmarked",
    "events.thank": "thanked",
    "canteens.publish": "published",
    "canteens.close": "closed",
    "canteens.reopen": "reopened",
    "announcements.cancel": "cancelled",
    "exports.families": "exported",
    "exports.guests": "exported",
    "exports.applicants": "exported",
    "exports.tips": "exported",
    "exports.services": "exported",
    "tips.import": "imported",
    "services.import": "imported",
    "staff.add": "added",
    "staff.change": "changed",
    "staff.remove": "removed",
    "staff.password": "set",
    "staff.own_password": "changed",
    "staff.unlock": "unlocked",
    "staff.sign_in": "signed in",
    "staff.sign_out": "signed out",
    "staff.wrong_password": "refused",
    "inbox.answer": "answered",
    "inbox.note": "noted",
    "inbox.assign": "assigned",
    "inbox.close": "closed",
    "inbox.reopen": "reopened",
    "inbox.pass": "passed",
    "inbox.topic": "changed",
}

TARGETS: dict[str, LazyText] = {  # what an action touched, as the audit log names it
    "announcement": N_("announcement"),
    "application": N_("canteen application"),
    "contact": N_("imported family"),
    "event": N_("training"),
    "family": N_("family"),
    "list": N_("imported list"),
    "office": N_("office"),
    "opportunity": N_("canteen opportunity"),
    "staff": N_("staff member"),
    "families": N_("the families"),
    "tips": N_("the tips"),
    "services": N_("the useful services"),
    "thread": N_("question"),
    "saved_reply": N_("saved reply"),
}

FILE_KINDS: dict[str, LazyText] = {  # what a family sent with (or instead of) words
    "voice": N_("a voice note"),
    "audio": N_("an audio file"),
    "photo": N_("a photo"),
    "video": N_("a video"),
    "document": N_("a document"),
}

TOPICS: dict[str, LazyText] = {  # what a family's question to her office is about
    "registration": N_("registration"),
    "trainings": N_("trainings"),
    "canteens": N_("canteens"),
    "tips": N_("tips"),
    "other": N_("other"),
}

OUTCOMES: dict[str, LazyText] = {
    "unchanged": N_("nothing changed"),
    "verified": N_("verified"),
    "correction": N_("correction asked"),
    "waiting": N_("waiting again"),
    "corrected": N_("corrected"),
    "name": N_("her name"),
    "mobile": N_("her mobile"),
    "name_and_mobile": N_("her name and mobile"),
    "restored": N_("put back"),
    "imported": N_("imported"),
    "created": N_("created"),
    "scheduled": N_("scheduled"),
    "changed": N_("changed"),
    "deleted": N_("deleted"),
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
    "shown": N_("shown"),
    "set": N_("set"),
    "unlocked": N_("unlocked"),
    "answered": N_("answered"),
    "noted": N_("noted"),
    "assigned": N_("taken"),
    "passed": N_("passed on"),
    "active": N_("active"),
    "inactive": N_("inactive"),
    "signed in": N_("signed in"),
    "signed out": N_("signed out"),
    "refused": N_("refused"),
    "sent": N_("sent"),
    **APPLICATION_STATUSES,
}


CHANNEL_NAMES: dict[str, LazyText] = {
    "telegram": N_("Telegram"),
    "whatsapp": N_("WhatsApp"),
    "terminal": N_("the terminal chat"),
}

MESSAGE_KINDS: dict[str, LazyText] = {
    "announcement": N_("announcement"),
    "tip": N_("daily tip"),
    "invitation": N_("training invitation"),
    "event_thanks": N_("thanks for coming"),
    "reminder": N_("training reminder"),
    "event_change": N_("training changed"),
    "event_cancelled": N_("training cancelled"),
    "event_promoted": N_("a place at a training"),
    "canteen_shortlisted": N_("canteen: shortlisted"),
    "canteen_accepted": N_("canteen: accepted"),
    "canteen_rejected": N_("canteen: not accepted"),
    "registration_verified": N_("registration verified"),
    "registration_correction": N_("correction asked"),
    "reply": N_("an answer to a question"),
}

ANNOUNCEMENT_STAGES: dict[str, LazyText] = {
    "scheduled": N_("scheduled"),
    "queued": N_("queued"),
    "quiet": N_("waiting for the morning"),
    "sending": N_("being sent"),
    "done": N_("finished"),
    "cancelled": N_("cancelled"),
}

MESSAGE_OUTCOMES: dict[str, LazyText] = {
    "pending": N_("waiting to be sent"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "read": N_("read"),
    "undelivered": N_("not delivered"),
    "failed": N_("failed"),
    "blocked": N_("she blocked the bot"),
    "needs_template": N_("needs an approved WhatsApp template"),
    "cancelled": N_("not sent"),
}


# The same values as a family reads them about herself (her answer, what became of a message to her).
HER_ANSWERS: dict[str, LazyText] = {
    GuestStatus.INVITED: N_("no answer yet"),
    GuestStatus.GOING: N_("you are going"),
    GuestStatus.NOT_GOING: N_("you are not going"),
    GuestStatus.WAITLISTED: N_("on the waiting list"),
}

HER_MESSAGE_KINDS: dict[str, LazyText] = {
    **MESSAGE_KINDS,
    "invitation": N_("invitation to a training"),
    "reminder": N_("reminder of a training"),
    "event_change": N_("change to a training"),
    "event_cancelled": N_("training called off"),
    "event_promoted": N_("a place for you at a training"),
}

HER_APPLICATION_STATUSES: dict[str, LazyText] = {
    **APPLICATION_STATUSES,
    ApplicationStatus.WITHDRAWN: N_("you withdrew it"),
}

HER_OUTCOMES: dict[str, LazyText] = {
    **MESSAGE_OUTCOMES,
    "blocked": N_("not delivered"),
    "needs_template": N_("not delivered"),
}


def said(words: dict[str, LazyText], value: str) -> str:
    """The value in the reader's language (the value itself if it has no word)."""
    found = words.get(value)
    return str(found) if found is not None else value


def registration_lines(family: Beneficiary) -> list[str]:
    """Her registration's answers as she and her office read them (the end of her ID only)."""
    language = current_language()
    products = format_list([str(PRODUCT_LABELS[product]) for product in family.products], locale=language)
    return [
        _("National ID: %(value)s", value=mask(family.national_id)),
        _("Mobile: %(value)s", value=family.mobile),
        _("Office: %(value)s", value=family.office.name(language)),
        _("Products: %(value)s", value=products),
        _("Health certificate: %(value)s", value=_("Yes") if family.health_certificate else _("No")),
        _("School canteen: %(value)s", value=_("Yes") if family.canteen_interest else _("No")),
        _("Registered on: %(value)s", value=long_date(family.registered_at)),
    ]
