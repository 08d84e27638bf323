"""Announcements in the staff chat: start a new one, follow the latest ones, cancel one.

Announcements → New announcement (conversations.staff.announcement_form)
              → Recent announcements → one of them: its progress → Cancel it (yes/no) · Refresh · Back
              → Staff menu
An office's staff see and cancel their office's announcements; admins every one. Rights are read again
on every turn.
"""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum

from conversations.engine.screens import (
    Confirm,
    On,
    Screens,
    Shown,
    is_staff,
    nothing_changed,
    refusal_said,
    she_may_see,
)
from conversations.engine.turn import FlowName, Turn
from conversations.staff.announcement_form import excerpt
from conversations.staff.audience_fields import describe
from core.channel import Offer
from core.dates import long_time, short_time
from core.i18n import N_, _
from core.payloads import Options, Payload
from office import announcements
from office.announcements import Stage, status_of
from storage.announcements import Progress
from storage.audiences import Audience
from storage.models import Announcement

BAR = 10


class ShowAnnouncement(Payload, prefix="announcement"):
    announcement: int


class Step(StrEnum):
    LIST = "list"
    DETAIL = "detail"
    CONFIRM = "confirm"


class AnnouncementsOption(Options, prefix="announcements"):
    """The announcements' options."""

    NEW = "new"
    RECENT = "recent"
    STAFF_MENU = "back"
    MENU = "menu"
    REFRESH = "refresh"
    CANCEL = "cancel"
    CONFIRM_YES = "cancel-yes"
    CONFIRM_NO = "cancel-no"


# The announcement on her screen and its progress, if she may see it (an office's staff: their office's).
SHOWN_ANNOUNCEMENT = Shown("announcement_shown", she_may_see(announcements.progress))


def menu(turn: Turn) -> None:
    turn.step = None
    turn.say(
        _("Announcements: what would you like to do?"),
        [
            Offer(label=N_("New announcement"), payload=AnnouncementsOption.NEW),
            Offer(label=N_("Recent announcements"), payload=AnnouncementsOption.RECENT),
            Offer(label=N_("Staff menu"), payload=AnnouncementsOption.STAFF_MENU),
        ],
    )


def listing(turn: Turn) -> None:
    latest = announcements.recent_progress(turn.session, turn.actor)
    if not latest:
        turn.say(_("There are no announcements yet."))
        menu(turn)
        return
    turn.step = Step.LIST
    turn.say(
        _("The latest announcements. Choose one to see its progress:"),
        [
            *(
                Offer(label=_line(turn, found, progress), payload=ShowAnnouncement(found.id))
                for found, progress in latest
            ),
            Offer(label=N_("Back"), payload=AnnouncementsOption.MENU),
        ],
    )


def detail(turn: Turn) -> None:
    found = SHOWN_ANNOUNCEMENT.get_or(turn, menu, N_("That announcement is not one you can see."))
    if found is None:
        return
    turn.step = Step.DETAIL
    shown, progress = found
    stage = said(turn, shown, progress)
    offers = [Offer(label=N_("Refresh"), payload=AnnouncementsOption.REFRESH)]
    open_still = shown.cancelled_at is None and (shown.enqueued_at is None or progress.pending)
    if open_still and announcements.may_cancel(turn.session, turn.actor, shown):
        offers.append(Offer(label=N_("Cancel this announcement"), payload=AnnouncementsOption.CANCEL))
    offers.append(Offer(label=N_("Back to announcements"), payload=AnnouncementsOption.MENU))
    turn.say(
        "\n".join(
            [
                _("Announcement %(number)s: %(status)s", number=shown.id, status=stage),
                _("To: %(audience)s", audience=describe(turn, Audience.from_json(shown.audience))),
                _("When: %(when)s", when=long_time(shown.send_at)),
                excerpt(shown.text_ar, 200),
                *([progress_lines(progress)] if progress.total else []),
            ]
        ),
        offers,
    )


CANCELLING = Confirm(
    Step.CONFIRM,
    N_("Cancel this announcement? What has not been sent yet will not be sent."),
    yes=Offer(label=N_("Yes, cancel it"), payload=AnnouncementsOption.CONFIRM_YES),
    no=Offer(label=N_("No, keep it"), payload=AnnouncementsOption.CONFIRM_NO),
)


# -- what she chose ------------------------------------------------------------------------------------


def open_announcement(turn: Turn, chosen: ShowAnnouncement) -> None:
    SHOWN_ANNOUNCEMENT.keep(turn, chosen.announcement)
    detail(turn)


def cancel_announcement(turn: Turn, chosen: AnnouncementsOption) -> None:
    # By its number, not loaded first: if she may no longer see or cancel it, the office's refusal says why.
    number = turn.answers.get(SHOWN_ANNOUNCEMENT.key)
    with refusal_said(turn):
        if isinstance(number, int) and announcements.cancel(turn.session, turn.actor, number, turn.now):
            turn.say(_("Announcement %(number)s is cancelled.", number=number))
    detail(turn)


def _line(turn: Turn, announcement: Announcement, progress: Progress) -> str:
    return f"{excerpt(announcement.text_ar, 30)} #{announcement.id} · {said(turn, announcement, progress)}"


def said(turn: Turn, announcement: Announcement, progress: Progress) -> str:
    """What is really happening to it, in words."""
    status = status_of(announcement, progress, turn.now, turn.setup.quiet)
    if status.stage is Stage.SCHEDULED:
        return _("scheduled for %(when)s", when=long_time(status.send_at))
    if status.stage is Stage.QUEUED:
        return _("queued: its messages go out in a moment")
    if status.stage is Stage.QUIET and status.resumes_at is not None:
        return _(
            "waiting for the end of quiet hours (until %(time)s)",
            time=short_time(status.resumes_at),
        )
    if status.stage is Stage.SENDING:
        return _("being sent")
    if status.stage is Stage.DONE:
        return _("finished") if progress.total else _("finished: no family matched when it was sent")
    return _("cancelled")


def progress_lines(progress: Progress) -> str:
    done = progress.total - progress.pending
    filled = round(BAR * done / progress.total) if progress.total else BAR
    percent = round(100 * done / progress.total) if progress.total else 100
    return "\n".join(
        [
            f"{'▓' * filled}{'░' * (BAR - filled)} {percent}%",
            _(
                "%(total)s families: %(sent)s sent (%(delivered)s delivered), %(pending)s waiting, "
                "%(blocked)s blocked the bot, %(template)s need a WhatsApp template, %(failed)s failed, "
                "%(cancelled)s cancelled.",
                template=progress.needs_template,
                **asdict(progress),
            ),
        ]
    )


staff_announcements = Screens(
    FlowName.ANNOUNCEMENTS,
    allowed=is_staff,
    screens={None: menu, Step.LIST: listing, Step.DETAIL: detail},
    confirms=(CANCELLING,),
    routes=(
        On(AnnouncementsOption.NEW, go=FlowName.NEW_ANNOUNCEMENT),
        On(AnnouncementsOption.RECENT, show=listing),
        On(AnnouncementsOption.STAFF_MENU, go=FlowName.STAFF),
        On(AnnouncementsOption.MENU, show=menu),
        On(ShowAnnouncement, at=Step.LIST, then=open_announcement),
        On(AnnouncementsOption.REFRESH, at=Step.DETAIL, show=detail),
        On(AnnouncementsOption.CANCEL, at=Step.DETAIL, show=CANCELLING.ask),
        On(AnnouncementsOption.CONFIRM_YES, at=Step.CONFIRM, then=cancel_announcement),
        On(AnnouncementsOption.CONFIRM_NO, at=Step.CONFIRM, then=nothing_changed(detail)),
    ),
    help_text=N_(
        "Here you write announcements to families and follow them: how many were sent and delivered, "
        "and cancel one that has not finished."
    ),
)
