"""The domain's closed vocabularies, shared by every layer: what a family makes, where her registration
stands, staff roles, and the statuses of a delivery, a guest and a canteen application. Stored as their
values; shown in words by `office.words`."""

from __future__ import annotations

from enum import StrEnum


class Product(StrEnum):
    """What a productive family makes."""

    COOKED_MEALS = "cooked_meals"
    BAKED_SWEETS = "baked_sweets"
    DRINKS = "drinks"
    CRAFTS = "crafts"
    SEWING = "sewing"
    OTHER = "other"


class Verification(StrEnum):
    """Where her registration stands with her office (from `verified_at` and `correction_asked_at`)."""

    WAITING = "waiting"  # for her office to check it
    VERIFIED = "verified"
    CORRECTION = "correction"  # her office asked her to correct something, and waits for her


class StaffRole(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its time (next_attempt_at)
    SENDING = "sending"  # claimed by a worker until claimed_until; after that, anyone's again
    SENT = "sent"
    BLOCKED = "blocked"  # she blocked the bot, or replied STOP to Twilio
    NEEDS_TEMPLATE = "needs_template"  # WhatsApp, outside the window, no template for its kind
    FAILED = "failed"  # permanently, or after the last attempt
    CANCELLED = "cancelled"


class GuestStatus(StrEnum):
    INVITED = "invited"  # the invitation went (or is going) out; no answer yet
    GOING = "going"
    NOT_GOING = "not_going"
    WAITLISTED = "waitlisted"  # said yes when the event was full: first in, first promoted


class SchoolStage(StrEnum):
    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    INTERMEDIATE = "intermediate"
    SECONDARY = "secondary"


class ApplicationStatus(StrEnum):
    APPLIED = "applied"
    WITHDRAWN = "withdrawn"
    SHORTLISTED = "shortlisted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
