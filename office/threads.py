"""Ask the office: a family's questions reach her office's staff, and their answers reach her.

Her side (`ask`): what she writes (words, voice notes, photos, documents) goes on her open thread with her
office, or opens one; she may add to it while it is open. Staff's side, every action checked and audited:
the inbox of her office (`inbox`), a thread (`thread_file`), an answer (`answer`, delivered through the outbox
to the channel and address she wrote from, in order, never held by quiet hours; on WhatsApp outside the 24
hours as the "reply" template, the answer itself shown when she next writes), a note staff keep for each
other (`note`), taking a thread (`assign`), closing and reopening it, passing it to another office, and its
topic.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from core.channel import LARGEST_MEDIA, Media
from core.dates import working_hours_between
from core.i18n import _
from office import offices as office_list
from office.audit import action, record
from office.errors import NotAllowed, NotFound, Problem, Refused
from office.rights import Actor, Rights, rights
from storage import deliveries, kinds, offices, threads
from storage.kinds import WHATSAPP_WINDOW, Message, Senders
from storage.models import Delivery, SavedReply, Thread, ThreadMessage
from storage.offices import OfficeContact
from storage.threads import ALL, FAMILY, MINE, NOTE, PASSED, STAFF, UNASSIGNED, Listed, NewThread

log = logging.getLogger(__name__)

TOPICS = ("registration", "trainings", "canteens", "tips", "other")
WHOSE = (ALL, MINE, UNASSIGNED, PASSED)  # the inbox's filters: every question, hers, nobody's, passed on
LONGEST_SEARCH = 100  # characters searched for in the messages
FOUND_AT_MOST = 50  # questions a search lists
CLOSED_AT_ONCE = 100  # questions closed at once, at most
LONGEST_ANSWER = 2000  # characters: a few WhatsApp messages at most
LONGEST_NOTE = 2000


@dataclass(frozen=True)
class Asker:
    """Who asks, from where, and which office serves her (her family's, her office's list's, or the one
    she chose)."""

    channel: str
    address: str
    office_code: str
    family_id: int | None = None
    contact_id: int | None = None


@dataclass(frozen=True)
class Said:
    """One message of hers: words, a file, or both."""

    text: str = ""
    media: Media | None = None


def open_thread(session: Session, channel: str, address: str) -> Thread | None:
    """Her open thread on this channel and address, if she has one."""
    return threads.open_thread_at(session, channel, address)


def ask(
    session: Session, asker: Asker, topic: str, said: Sequence[Said], now: datetime
) -> tuple[Thread, bool]:
    """Her messages on her open thread, or on a new one with her office; the thread, and whether it is new.
    A file over the size staff can open is kept as "too large" (she is told by the conversation)."""
    thread = threads.open_thread_at(session, asker.channel, asker.address)
    if thread is not None:  # taken in turn with staff: one closing it now is not written past
        thread = threads.locked(session, thread.id)
        if thread is not None and thread.status != threads.OPEN:
            thread = None
    new = thread is None
    if thread is None:
        thread = threads.start(
            session,
            NewThread(
                office_code=asker.office_code,
                channel=asker.channel,
                address=asker.address,
                topic=topic if topic in TOPICS else "other",
                family_id=asker.family_id,
                contact_id=asker.contact_id,
            ),
            now,
        )
    for message in said:
        threads.add(session, thread, FAMILY, now, text=message.text, media=message.media)
    if new:
        log.info("question %d opened with office %s (%s)", thread.id, thread.office_code, thread.topic)
    return thread, new


def open_office(session: Session, channel: str, address: str) -> str | None:
    """The office her open question on this chat is with; None if she has none open."""
    return threads.open_office_at(session, channel, address)


def answered_open(session: Session, channel: str, address: str) -> bool:
    """Whether she has an open question on this chat that her office answered."""
    return threads.answered_open(session, channel, address)


def last_answer(session: Session, thread_id: int) -> str | None:
    """Her office's latest answer on her question, if it answered."""
    answers = [message.text for message in threads.messages(session, thread_id) if message.author == STAFF]
    return answers[-1] if answers else None


def hers_now(session: Session, channel: str, address: str, family_id: int) -> None:
    """She registered (or was recognised): her questions from here are her family's, named in the inbox."""
    threads.link_family(session, channel, address, family_id)


def answers_to_read(session: Session, channel: str, address: str, language: str) -> list[str]:
    """Her office's answers that reached her only as "your office answered" (WhatsApp, outside the 24
    hours), as she reads them now; from now on read."""
    waiting = threads.unread_answers(session, channel, address)
    threads.mark_read(session, [message.id for message in waiting])
    read = []
    for message in waiting:
        thread = threads.thread(session, message.thread_id)
        office = offices.office(session, thread.office_code) if thread else None
        name = office.name(language) if office else ""
        read.append(_("Your office (%(office)s) answers:", office=name) + "\n" + message.text)
    return read


# -- staff ---------------------------------------------------------------------------------------------------


def _unknown() -> NotFound:
    return NotFound(_("No such question from a family."))


def _passed_by_hers(by: Rights, thread: Thread) -> bool:
    """Her office passed the thread to the office it is with now: hers to read, not to change."""
    return thread.passed_from is not None and by.sees(thread.passed_from) and not by.sees(thread.office_code)


def _hers_to_see(
    session: Session, by: Rights, thread_id: int, *, lock: bool = False, to_read: bool = False
) -> Thread:
    """The thread, if her office's (`to_read`: or one her office passed on; another office's: as unknown)."""
    found = threads.locked(session, thread_id) if lock else threads.thread(session, thread_id)
    if found is None:
        raise _unknown()
    if not by.sees(found.office_code) and not (to_read and _passed_by_hers(by, found)):
        if _passed_by_hers(by, found):
            raise NotAllowed(_("This question is with another office now: you can read it, not change it."))
        raise _unknown()
    return found


def _to_change(session: Session, actor: Actor, thread_id: int) -> tuple[Rights, Thread]:
    """Her rights, and the thread she acts on read under its lock (another office's: as unknown)."""
    by = rights(session, actor)
    return by, _hers_to_see(session, by, thread_id, lock=True)


def inbox(
    session: Session,
    actor: Actor,
    closed: bool = False,
    topic: str | None = None,
    limit: int = 100,
    office_code: str | None = None,
    whose: str = ALL,
    words: str = "",
) -> list[Listed]:
    """Her office's threads (admins: every office's, or one's), open or closed, those waiting longest
    first: every one, those she took (`MINE`), those nobody took, or those her office passed to another.
    With `words`, open and closed alike: those with a message holding them (the newest first, at most
    `FOUND_AT_MOST`). Every open one ("all") is what the menu counts (`open_count`)."""
    by = rights(session, actor)
    words = " ".join(words.split())
    if len(words) > LONGEST_SEARCH:
        raise Refused([Problem("words", _("Search for at most %(limit)s characters.", limit=LONGEST_SEARCH))])
    if whose == MINE and by.staff_id is None:
        return []
    return threads.inbox(
        session,
        by.scope or office_code or None,
        None if words else threads.CLOSED if closed else threads.OPEN,
        topic if topic in TOPICS else None,
        min(limit, FOUND_AT_MOST) if words else limit,
        whose=whose if whose in WHOSE else ALL,
        staff_id=by.staff_id,
        words=words,
    )


@dataclass(frozen=True)
class ThreadFile:
    thread: Thread
    name: str
    messages: Sequence[ThreadMessage]
    staff_names: dict[int, str]  # who wrote each answer and note
    assigned_to: str | None
    # What became of each answer (and notice) sent to her, by its message: the outbox's row, and the
    # platform's last report (delivered, read, failed …).
    deliveries: dict[int, tuple[Delivery, str | None]]
    language: str  # the language she reads: "ar" or "en"
    colleagues: list[tuple[int, str]]  # the staff of its office, who may be given it
    read_only: bool  # her office passed it on: she reads it, she does not change it
    passed_by: str | None  # who passed it to the office it is with now


def thread_file(session: Session, actor: Actor, thread_id: int) -> ThreadFile:
    """A thread and everything said on it, for staff who may see it (another office's is not found; one her
    office passed on is read-only)."""
    by = rights(session, actor)
    found = _hers_to_see(session, by, thread_id, to_read=True)
    said = threads.messages(session, found.id)
    ids = {message.staff_id for message in said if message.staff_id is not None}
    ids |= {i for i in (found.assigned_staff_id, found.passed_by_staff_id) if i is not None}
    names = threads.staff_names(session, ids)
    assigned = names.get(found.assigned_staff_id) if found.assigned_staff_id is not None else None
    passed_by = names.get(found.passed_by_staff_id) if found.passed_by_staff_id is not None else None
    sent = deliveries.answers_on(session, found.id)
    read_only = not by.sees(found.office_code)
    return ThreadFile(
        found, threads.name_of(session, found), said, names, assigned, sent,
        language=threads.reach_all(session, [found.id])[found.id].language,
        colleagues=[] if read_only else threads.colleagues(session, found.office_code),
        read_only=read_only, passed_by=passed_by,
    )  # fmt: skip


@dataclass(frozen=True)
class File:
    """A file on a thread, as staff open it: where to fetch it and how it is served."""

    channel: str
    reference: str
    content_type: str
    name: str
    too_large: bool


def file_of(session: Session, actor: Actor, thread_id: int, message_id: int) -> File:
    """A file she sent, on a thread staff may see (another office's is not found; nor is a message with no
    file)."""
    thread = _hers_to_see(session, rights(session, actor), thread_id, to_read=True)
    message = threads.message(session, message_id)
    if message is None or message.thread_id != thread.id or message.media_reference is None:
        raise _unknown()
    return File(
        thread.channel, message.media_reference, message.media_type, message.media_name, message.too_large
    )


@action
def too_large_to_open(session: Session, actor: Actor, thread_id: int, message_id: int, now: datetime) -> None:
    """A file found too large when fetched (WhatsApp gives no size before): staff see "too large to show",
    and she is told, once, to send a smaller one."""
    thread = _hers_to_see(session, rights(session, actor), thread_id, lock=True, to_read=True)
    message = threads.message(session, message_id)
    if message is None or message.thread_id != thread.id or message.too_large:
        return
    message.too_large = True
    office = offices.office(session, thread.office_code)
    said = Message.written(
        lambda language: _(
            "Your office could not open the file you sent: it is larger than %(limit)s MB. Please send a "
            "smaller one, or a photo of it.",
            limit=LARGEST_MEDIA // (1024 * 1024),
        ),
        template_variables={"1": office.name_ar if office else thread.office_code},
    )
    deliveries.enqueue(
        session, kinds.REPLY, message.id, select(literal(thread.id)), said, now, now, recipient="thread_id"
    )


def _written(text: str, longest: int) -> str:
    written = text.strip()
    if not written:
        raise Refused([Problem("text", _("Please write something first."))])
    if len(written) > longest:
        raise Refused([Problem("text", _("Please keep it under %(limit)s characters.", limit=longest))])
    return written


def _recorded(session: Session, by: Rights, what: str, thread: Thread, outcome: str, now: datetime) -> int:
    return record(
        session, by, what, office=thread.office_code, target="thread", target_id=thread.id, outcome=outcome,
        now=now,
    )  # fmt: skip


def _arabic_only_reply(session: Session, thread: Thread, written: str) -> SavedReply | None:
    """A saved reply with no English text whose Arabic is in the answer, when she reads English."""
    if threads.reach_all(session, [thread.id])[thread.id].language != "en":
        return None
    for reply in threads.saved_replies(session, thread.office_code):
        if not reply.text_en and reply.text_ar and reply.text_ar in written:
            return reply
    return None


def arabic_only_replies(session: Session, actor: Actor, thread_id: int) -> set[int]:
    """The saved replies (by id) that have no English text, when she reads English: using one is said
    before sending."""
    by = rights(session, actor)
    thread = _hers_to_see(session, by, thread_id, to_read=True)
    if threads.reach_all(session, [thread.id])[thread.id].language != "en":
        return set()
    return {reply.id for reply in threads.saved_replies(session, by.scope) if not reply.text_en}


@action
def answer(
    session: Session, actor: Actor, thread_id: int, text: str, now: datetime, in_arabic: bool = False
) -> ThreadMessage:
    """Her office answers: the answer is on the thread, and on its way to her (the outbox: in the order
    written, on the channel she wrote from, whatever the hour). An answer holding a saved reply that has no
    English text, to a family who reads English, is refused unless she said to send it in Arabic
    (`in_arabic`): she has seen it is Arabic."""
    by, thread = _to_change(session, actor, thread_id)
    written = _written(text, LONGEST_ANSWER)
    arabic = _arabic_only_reply(session, thread, written)
    if arabic is not None and not in_arabic:
        raise Refused([Problem("in_arabic", arabic_reply_warning(arabic.title))])
    if thread.status == threads.CLOSED:  # an answer on a closed thread opens it again, if it is her only one
        _no_other_open(session, thread)
        thread.status, thread.closed_at = threads.OPEN, None
    message = threads.add(session, thread, STAFF, now, text=written, staff_id=by.staff_id)
    office = offices.office(session, thread.office_code)

    def render(language: str) -> str:
        name = office.name(language) if office else thread.office_code
        return _("Your office (%(office)s) answers:", office=name) + "\n" + written

    said = Message.written(render, template_variables={"1": office.name_ar if office else thread.office_code})
    deliveries.enqueue(
        session, kinds.REPLY, message.id, select(literal(thread.id)), said, now, now, recipient="thread_id"
    )
    _recorded(session, by, "inbox.answer", thread, "answered", now)
    return message


def arabic_reply_warning(title: str) -> str:
    return _(
        "The saved reply “%(title)s” has no English text, and she reads English. Write it in English, or "
        "tick “Send it in Arabic” to send it as it is.",
        title=title,
    )


def needs_template(
    session: Session, actor: Actor, thread_id: int, senders: Senders | None, now: datetime
) -> bool:
    """Whether an answer on this thread cannot reach her now: she wrote on WhatsApp more than 24 hours ago
    and this installation has no approved template for answers (the outbox would keep it as "needs a
    template", sending nothing). False when what it sends on is not known here."""
    thread = _hers_to_see(session, rights(session, actor), thread_id, to_read=True)
    if senders is None or thread.channel != "whatsapp" or kinds.REPLY.name in senders.templates:
        return False
    last = threads.reach_all(session, [thread.id])[thread.id].last_inbound_at
    return last is None or now - last >= WHATSAPP_WINDOW


@action
def note(session: Session, actor: Actor, thread_id: int, text: str, now: datetime) -> ThreadMessage:
    """A note for her office's staff on the thread; she never sees it."""
    by, thread = _to_change(session, actor, thread_id)
    written = _written(text, LONGEST_NOTE)
    message = threads.add(session, thread, NOTE, now, text=written, staff_id=by.staff_id)
    _recorded(session, by, "inbox.note", thread, "noted", now)
    return message


@action
def assign(session: Session, actor: Actor, thread_id: int, now: datetime, to: int | None = None) -> str:
    """She takes the thread (`to` None), or gives it to a colleague of its office (`to`: a staff member's
    id): everyone sees whose it is. Who has it now, as the thread names her."""
    by, thread = _to_change(session, actor, thread_id)
    if to is None:
        if by.staff_id is None:
            raise Refused([Problem(None, _("Only a staff member can take a question."))])
        to = by.staff_id
    named = dict(threads.colleagues(session, thread.office_code))
    if to not in named:
        raise Refused([Problem("staff", _("Choose a colleague of the office this question is with."))])
    thread.assigned_staff_id = to
    record(
        session, by, "inbox.assign", office=thread.office_code, target="thread", target_id=thread.id,
        outcome="assigned", now=now, details=None if to == by.staff_id else {"staff": to},
    )  # fmt: skip
    return named[to]


@action
def close(session: Session, actor: Actor, thread_id: int, now: datetime) -> None:
    """Answered, or nothing more to do: off the open inbox. She may write again (a new thread)."""
    by, thread = _to_change(session, actor, thread_id)
    if thread.status == threads.CLOSED:
        return
    thread.status, thread.closed_at, thread.waiting_since = threads.CLOSED, now, None
    _recorded(session, by, "inbox.close", thread, "closed", now)


@action
def close_several(session: Session, actor: Actor, thread_ids: Sequence[int], now: datetime) -> int:
    """The questions she ticked, closed at once, each audited as if closed alone; how many were open. None
    ticked, or one not of her office's, closes nothing."""
    by = rights(session, actor)
    ids = sorted(set(thread_ids))
    if not ids:
        raise Refused([Problem("thread", _("Tick the questions to close first."))])
    if len(ids) > CLOSED_AT_ONCE:
        raise Refused(
            [Problem("thread", _("Close at most %(limit)s questions at once.", limit=CLOSED_AT_ONCE))]
        )
    closed = 0
    for thread_id in ids:  # in order of id: two closing overlapping ticks take their locks in turn
        thread = _hers_to_see(session, by, thread_id, lock=True)
        if thread.status == threads.CLOSED:
            continue
        thread.status, thread.closed_at, thread.waiting_since = threads.CLOSED, now, None
        _recorded(session, by, "inbox.close", thread, "closed", now)
        closed += 1
    return closed


def _no_other_open(session: Session, thread: Thread) -> None:
    """A closed thread opens again only if she has no other open one: one open thread per channel and
    address."""
    other = threads.open_thread_at(session, thread.channel, thread.address)
    if other is not None and other.id != thread.id:
        there = _("She has another question open: answer her there (question %(number)d).", number=other.id)
        raise Refused([Problem(None, there)])


@action
def reopen(session: Session, actor: Actor, thread_id: int, now: datetime) -> None:
    by, thread = _to_change(session, actor, thread_id)
    if thread.status == threads.OPEN:
        return
    _no_other_open(session, thread)
    thread.status, thread.closed_at = threads.OPEN, None
    waiting = threads.first_unanswered(session, thread.id)
    thread.waiting_since = waiting.at if waiting is not None else None
    _recorded(session, by, "inbox.reopen", thread, "reopened", now)


@action
def pass_to(session: Session, actor: Actor, thread_id: int, office_code: str, now: datetime) -> None:
    """Another office serves her: the thread is theirs now (not assigned to anyone there). Her office still
    reads it, read-only; who passed it, and when, is kept on it."""
    by, thread = _to_change(session, actor, thread_id)
    if not office_code:
        raise Refused([Problem("office", _("Choose the office that serves her."))])
    if office_code not in office_list.codes(session):
        raise Refused([office_list.unknown(session, office_code)])
    if office_code == thread.office_code:
        return
    record(
        session, by, "inbox.pass", office=thread.office_code, target="thread", target_id=thread.id,
        outcome="passed", now=now, details={"to": office_code},
    )  # fmt: skip
    thread.passed_from, thread.passed_by_staff_id, thread.passed_at = thread.office_code, by.staff_id, now
    thread.office_code, thread.assigned_staff_id = office_code, None


@action
def set_topic(session: Session, actor: Actor, thread_id: int, topic: str, now: datetime) -> None:
    by, thread = _to_change(session, actor, thread_id)
    if topic not in TOPICS:
        raise Refused([Problem("topic", _("Choose one of the topics."))])
    if topic != thread.topic:
        thread.topic = topic
        _recorded(session, by, "inbox.topic", thread, "changed", now)


MEASURED = timedelta(days=30)


@dataclass(frozen=True)
class Measure:
    """An office's inbox in two numbers: questions open now, and how long families waited for a first answer
    (the median, over the questions opened in the last 30 days that were answered)."""

    office_code: str
    name_ar: str
    name_en: str
    open: int
    median_first_answer: timedelta | None

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


def open_count(session: Session, actor: Actor) -> int:
    """Her office's open questions (admins: every office's): the menu says how many on every page."""
    return threads.open_count(session, rights(session, actor).scope)


def measures(session: Session, actor: Actor, now: datetime) -> list[Measure]:
    """Her office's measures (admins: every office's that has questions, or is active)."""
    scope = rights(session, actor).scope
    opened, waits = threads.measured(session, scope, now - MEASURED)
    found = []
    for office in offices.every_office(session):
        if (scope is not None and office.code != scope) or not (office.active or office.code in opened):
            continue
        waited = sorted(waits.get(office.code, []))
        found.append(
            Measure(
                office.code,
                office.name_ar,
                office.name_en,
                opened.get(office.code, 0),
                statistics.median_low(waited) if waited else None,
            )
        )
    return found


# -- saved replies -------------------------------------------------------------------------------------------

LONGEST_TITLE = 80


def saved_replies(session: Session, actor: Actor) -> Sequence[SavedReply]:
    """Her office's saved replies (admins: every office's)."""
    return threads.saved_replies(session, rights(session, actor).scope)


def _saved_reply_to_change(session: Session, by: Rights, reply_id: int) -> SavedReply:
    found = threads.saved_reply(session, reply_id)
    if found is None or not by.sees(found.office_code):
        raise NotFound(_("No such saved reply."))
    return found


def saved_reply_for(session: Session, actor: Actor, reply_id: int, thread_id: int) -> str:
    """A saved reply's text for this question: in the language she reads (the other one if it has none)."""
    by = rights(session, actor)
    found = _saved_reply_to_change(session, by, reply_id)
    thread = _hers_to_see(session, by, thread_id)
    language = threads.reach_all(session, [thread.id])[thread.id].language
    return (found.text_en or found.text_ar) if language == "en" else (found.text_ar or found.text_en)


@action
def keep_saved_reply(
    session: Session,
    actor: Actor,
    office_code: str,
    title: str,
    text_ar: str,
    text_en: str,
    now: datetime,
    reply_id: int | None = None,
) -> SavedReply:
    """A saved reply added to an office's, or one of them changed: a title and its text in Arabic, English or
    both."""
    by = rights(session, actor)
    office_code = by.scope or office_code
    if office_code not in office_list.codes(session):
        raise Refused([office_list.unknown(session, office_code)])
    problems = []
    title, text_ar, text_en = title.strip(), text_ar.strip(), text_en.strip()
    if not title or len(title) > LONGEST_TITLE:
        problems.append(
            Problem("title", _("Give it a short title (at most %(limit)s characters).", limit=LONGEST_TITLE))
        )
    if not (text_ar or text_en):
        problems.append(Problem("text_ar", _("Write its text, in Arabic, English or both.")))
    if max(len(text_ar), len(text_en)) > LONGEST_ANSWER:
        problems.append(Problem("text_ar", _("at most %(limit)s characters", limit=LONGEST_ANSWER)))
    if problems:
        raise Refused(problems)
    if reply_id is None:
        found = SavedReply(
            office_code=office_code, title=title, text_ar=text_ar, text_en=text_en, updated_at=now
        )
        session.add(found)
    else:
        found = _saved_reply_to_change(session, by, reply_id)
        found.title, found.text_ar, found.text_en, found.updated_at = title, text_ar, text_en, now
    session.flush()
    record(
        session, by, "inbox.saved_reply", office=found.office_code, target="saved_reply", target_id=found.id,
        outcome="added" if reply_id is None else "changed", now=now,
    )  # fmt: skip
    return found


@action
def remove_saved_reply(session: Session, actor: Actor, reply_id: int, now: datetime) -> None:
    by = rights(session, actor)
    found = _saved_reply_to_change(session, by, reply_id)
    record(
        session, by, "inbox.saved_reply", office=found.office_code, target="saved_reply", target_id=found.id,
        outcome="removed", now=now,
    )  # fmt: skip
    session.delete(found)
    session.flush()


# -- questions waiting too long ------------------------------------------------------------------------------

UNANSWERED_HOURS = 8.0  # working hours of her office, by default (USAR_UNANSWERED_HOURS)


def remind_unanswered(session: Session, now: datetime, after_hours: float = UNANSWERED_HOURS) -> int:
    """Questions waiting longer than `after_hours` of their office's opening hours are flagged in the inbox,
    and the office's staff are told once, in the staff chat (the scheduler's); how many."""
    reminded = 0
    for thread in threads.waiting_unreminded(session, now - timedelta(hours=after_hours)):
        office = offices.contact_of(session, thread.office_code)
        opening = office.hours if office is not None else []
        assert thread.waiting_since is not None  # as selected
        waited = working_hours_between(opening, thread.waiting_since, now)
        if waited < after_hours:
            continue
        thread.reminded_at = now
        first = threads.first_unanswered(session, thread.id)  # each wait is told once: keyed by its start
        deliveries.enqueue(
            session, kinds.STAFF_REMINDER, first.id if first else thread.id,
            threads.office_staff(thread.office_code), _waited_too_long(office, thread, waited), now, now,
            recipient="staff_id",
        )  # fmt: skip
        reminded += 1
    return reminded


def _waited_too_long(office: OfficeContact | None, thread: Thread, waited: float) -> Message:
    def render(language: str) -> str:
        return _(
            "A family's question to %(office)s has waited %(hours)d working hours for an answer. "
            "Answer it in “Questions from families” in the staff menu, or in the console.",
            office=office.name(language) if office else thread.office_code,
            hours=int(waited),
        )

    return Message.written(render)
