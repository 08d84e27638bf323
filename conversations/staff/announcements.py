"""Announcements in the staff chat: start a new one, follow the latest ones, cancel one.

Announcements → New announcement (conversations.announcing)
              → Recent announcements → one of them: its progress → Cancel it (yes/no) · Refresh · Back
              → Staff menu
An office's staff see and cancel their office's announcements; admins every one. Rights are read again
on every turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.engine.forms import yes_or_no
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.announcement_form import excerpt
from conversations.staff.audience_fields import describe
from core.channel import Offer
from core.dates import long_time, short_time
from core.i18n import N_, _
from core.payloads import Options, Payload
from office import announcements
from office.announcements import Stage, status_of
from office.errors import OfficeError
from storage import announcements as stored
from storage.announcements import Progress
from storage.audiences import Audience
from storage.models import Announcement

LIST, DETAIL, CONFIRM = "list", "detail", "confirm"
SHOWN = "announcement_shown"  # the id of the announcement on screen, in the conversation's answers
BAR = 10


@dataclass(frozen=True)
class ShowAnnouncement(Payload, prefix="announcement"):
    announcement: int


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


class Announcements:
    name = FlowName.ANNOUNCEMENTS

    def begin(self, turn: Turn) -> None:
        self._menu(turn)

    def ask(self, turn: Turn) -> None:
        member = turn.staff
        if member is None:
            turn.go(FlowName.HOME)
        elif turn.step == LIST:
            self._list(turn)
        elif turn.step == CONFIRM:
            self._confirm(turn)
        elif turn.step == DETAIL:
            self._detail(turn)
        else:
            self._menu(turn)

    def answer(self, turn: Turn, answer: Answer) -> None:
        member = turn.staff
        choice = answer.choice
        if turn.step == CONFIRM:  # "نعم" or "no" typed answers the question too
            choice = (
                yes_or_no(turn, answer, AnnouncementsOption.CONFIRM_YES, AnnouncementsOption.CONFIRM_NO)
                or choice
            )
        if member is None:  # no longer staff
            turn.go(FlowName.HOME)
        elif choice == AnnouncementsOption.NEW:
            turn.go(FlowName.NEW_ANNOUNCEMENT)
        elif choice == AnnouncementsOption.RECENT:
            self._list(turn)
        elif choice == AnnouncementsOption.STAFF_MENU:
            turn.go(FlowName.STAFF)
        elif choice == AnnouncementsOption.MENU:
            self._menu(turn)
        elif turn.step == LIST and (shown := ShowAnnouncement.unpack(choice)):
            turn.remember(**{SHOWN: shown.announcement})
            self._detail(turn)
        elif turn.step == DETAIL and choice == AnnouncementsOption.REFRESH:
            self._detail(turn)
        elif turn.step == DETAIL and choice == AnnouncementsOption.CANCEL:
            self._confirm(turn)
        elif turn.step == CONFIRM and choice in (
            AnnouncementsOption.CONFIRM_YES,
            AnnouncementsOption.CONFIRM_NO,
        ):
            if choice == AnnouncementsOption.CONFIRM_YES:
                self._cancel(turn)
            else:
                turn.say(_("Nothing was changed."))
            self._detail(turn)
        else:
            turn.say(_("Sorry, I did not understand that. Please choose from the menu by typing a number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _(
            "Here you write announcements to families and follow them: how many were sent and delivered, "
            "and cancel one that has not finished."
        )

    def cancel(self, turn: Turn) -> None:
        turn.say(_("There is nothing to cancel."))
        self.ask(turn)

    # -- screens --------------------------------------------------------------------------------------

    def _menu(self, turn: Turn) -> None:
        turn.step = None
        turn.say(
            _("Announcements: what would you like to do?"),
            [
                Offer(label=N_("New announcement"), payload=AnnouncementsOption.NEW),
                Offer(label=N_("Recent announcements"), payload=AnnouncementsOption.RECENT),
                Offer(label=N_("Staff menu"), payload=AnnouncementsOption.STAFF_MENU),
            ],
        )

    def _list(self, turn: Turn) -> None:
        latest = announcements.recent(turn.session, turn.actor)
        if not latest:
            turn.say(_("There are no announcements yet."))
            self._menu(turn)
            return
        turn.step = LIST
        turn.say(
            _("The latest announcements. Choose one to see its progress:"),
            [
                *(
                    Offer(
                        label=_line(turn, a, stored.progress(turn.session, a.id)),
                        payload=ShowAnnouncement(a.id),
                    )
                    for a in latest
                ),
                Offer(label=N_("Back"), payload=AnnouncementsOption.MENU),
            ],
        )

    def _detail(self, turn: Turn) -> None:
        found = _visible(turn)
        if found is None:
            turn.say(_("That announcement is not one you can see."))
            self._menu(turn)
            return
        turn.step = DETAIL
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

    def _confirm(self, turn: Turn) -> None:
        turn.step = CONFIRM
        turn.say(
            _("Cancel this announcement? What has not been sent yet will not be sent."),
            [
                Offer(label=N_("Yes, cancel it"), payload=AnnouncementsOption.CONFIRM_YES),
                Offer(label=N_("No, keep it"), payload=AnnouncementsOption.CONFIRM_NO),
            ],
        )

    def _cancel(self, turn: Turn) -> None:
        number = turn.answers.get(SHOWN)
        try:
            if isinstance(number, int) and announcements.cancel(turn.session, turn.actor, number, turn.now):
                turn.say(_("Announcement %(number)s is cancelled.", number=number))
        except OfficeError as refused:
            turn.say(refused.message)


def _visible(turn: Turn) -> tuple[Announcement, Progress] | None:
    """The announcement on screen and its progress, if she may see it (an office's staff: their office's)."""
    number = turn.answers.get(SHOWN)
    if not isinstance(number, int):
        return None
    try:
        return announcements.progress(turn.session, turn.actor, number)
    except OfficeError:
        return None


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
                total=progress.total,
                sent=progress.sent,
                delivered=progress.delivered,
                pending=progress.pending,
                blocked=progress.blocked,
                template=progress.needs_template,
                failed=progress.failed,
                cancelled=progress.cancelled,
            ),
        ]
    )
