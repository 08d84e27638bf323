"""Send me my data, from "My account": everything stored about her, read once (`registrations.her_data`) and
written twice — as messages in her language, a part for each kind of data (the channel splits a long part
between lines, under its limit), and, where the channel takes files (Telegram), as a JSON file with every
message we sent her in full. On WhatsApp the messages alone: its media must sit at a public address, which
her data never does (decision 0117).

My account → Send me my data → her registration · where she writes from · trainings · canteen applications
· quizzes · daily tips · messages we sent her · her questions to her office (· the file) → My account
"""

from __future__ import annotations

from babel.lists import format_list

from conversations.engine.turn import Turn
from core.channel import Attachment
from core.dates import long_date, long_time, short_stamp
from core.domain import Product
from core.i18n import _, current_language, ngettext
from core.validators import mask
from office import registrations
from office.her_data import (
    FILE_TYPE,
    Application,
    HerData,
    Invitation,
    Question,
    QuizTaken,
    Registration,
    Sent,
    as_file,
    file_name,
    in_language,
)
from office.words import (
    CHANNEL_NAMES,
    FILE_KINDS,
    HER_ANSWERS,
    HER_APPLICATION_STATUSES,
    HER_MESSAGE_KINDS,
    HER_OUTCOMES,
    PRODUCT_LABELS,
    TOPICS,
    said,
)
from storage.conversations import Chat

OPENING = 80  # characters of each message we sent her, in the chat (the file has it whole)


def send(turn: Turn, family_id: int) -> None:
    """Her data, as messages, and as a file where the channel takes one."""
    data = registrations.her_data(turn.session, family_id, turn.now)
    for part in parts(data):
        turn.say(part)
    if turn.inbound.channel.takes_files:
        attachment = Attachment(file_name(data), as_file(data), FILE_TYPE)
        turn.attach(_("The same, with every message we sent you in full, is in this file."), attachment)


def parts(data: HerData) -> list[str]:
    """The messages that carry her data, one for each kind, in her language (the turn's)."""
    language = current_language()
    return [
        _("Here is everything we store about you, as of %(date)s.", date=long_date(data.made_at)),
        _lines(_("Your registration:"), registration(data.registration, language)),
        _lines(_("Where you write to us from:"), [_chat(chat) for chat in data.chats]),
        _lines(_("Your trainings:"), [_invitation(one, language) for one in data.invitations])
        if data.invitations
        else _("You have not been invited to a training."),
        _lines(_("Your canteen applications:"), [_application(one) for one in data.applications])
        if data.applications
        else _("You have not applied to a canteen yet."),
        _lines(_("Your quizzes:"), [_quiz(quiz, language) for quiz in data.quizzes])
        if data.quizzes
        else _("You have not taken a quiz."),
        _tips(data),
        _lines(
            ngettext(
                "The message we sent you (%(count)d):",
                "The messages we sent you (%(count)d):",
                len(data.messages),
            ),
            [_sent(message, language) for message in data.messages],
        )
        if data.messages
        else _("We have not sent you any message."),
        _lines(_("Your questions to your office:"), [_question(one, language) for one in data.questions])
        if data.questions
        else _("You have not asked your office anything."),
    ]


def _lines(title: str, lines: list[str]) -> str:
    return "\n".join([title, *lines])


def registration(found: Registration, language: str) -> list[str]:
    """Her registration's answers and dates (the end of her ID only, as everywhere she is shown it)."""
    products = format_list([str(PRODUCT_LABELS[Product(value)]) for value in found.products], locale=language)
    lines = [
        _("Name: %(value)s", value=found.full_name),
        _("National ID: %(value)s", value=mask(found.national_id)),
        _("Mobile: %(value)s", value=found.mobile),
        _("Office: %(value)s", value=in_language(found.office, language)),
        _("Products: %(value)s", value=products),
        _("Health certificate: %(value)s", value=_("Yes") if found.health_certificate else _("No")),
        _("School canteen: %(value)s", value=_("Yes") if found.canteen_interest else _("No")),
        _("Language: %(value)s", value="العربية" if found.language == "ar" else "English"),
        _("Consent given on: %(value)s", value=long_date(found.consented_at)),
        _("Registered on: %(value)s", value=long_date(found.registered_at)),
        _("Verified by your office on: %(value)s", value=long_date(found.verified_at))
        if found.verified_at
        else _("Verified by your office: %(value)s", value=_("Not yet")),
    ]
    if found.correction_asked_at is not None:
        lines.append(_("Your office asks you to correct: %(reason)s", reason=found.correction_reason or ""))
    if found.mobile_confirmed_at is not None:
        lines.append(
            _(
                "Your mobile was confirmed from your phone on: %(value)s",
                value=long_date(found.mobile_confirmed_at),
            )
        )
    if found.messages_stopped_at is not None:
        lines.append(
            _("Announcements and tips stopped on: %(value)s", value=long_date(found.messages_stopped_at))
        )
    if found.blocked_at is not None:
        lines.append(_("Our messages stopped reaching you on: %(value)s", value=long_date(found.blocked_at)))
    return lines


def _chat(chat: Chat) -> str:
    return "• " + _(
        "%(channel)s (%(address)s), since %(date)s",
        channel=said(CHANNEL_NAMES, chat.channel),
        address=chat.address,
        date=long_date(chat.started_at),
    )


def _invitation(found: Invitation, language: str) -> str:
    lines = [
        "• "
        + _("%(title)s, %(when)s", title=in_language(found.title, language), when=long_time(found.starts_at)),
        "  " + _("Invited on: %(value)s", value=long_date(found.invited_at)) if found.invited_at else "",
        "  " + _("Your answer: %(value)s", value=said(HER_ANSWERS, found.answer)),
        "  " + _("You attended.") if found.attended_at else "",
    ]
    return "\n".join(line for line in lines if line)


def _application(found: Application) -> str:
    lines = [
        "• " + _("%(school)s, %(district)s", school=found.school_name, district=found.district),
        "  " + _("Applied on: %(value)s", value=long_date(found.applied_at)),
        *(
            "  "
            + _(
                "Your office's decision on %(date)s: %(decision)s",
                date=long_date(decision.decided_at),
                decision=said(HER_APPLICATION_STATUSES, decision.status),
            )
            + (f" («{decision.reason}»)" if decision.reason else "")
            for decision in found.decisions
        ),
        "  " + _("Now: %(value)s", value=said(HER_APPLICATION_STATUSES, found.status)),
    ]
    return "\n".join(lines)


def _quiz(found: QuizTaken, language: str) -> str:
    return "• " + _(
        "%(topic)s, %(date)s: %(score)s of %(total)s, %(result)s",
        topic=in_language(found.topic, language),
        date=long_date(found.taken_at),
        score=found.score,
        total=found.total,
        result=_("passed") if found.passed else _("not passed"),
    )


def _tips(data: HerData) -> str:
    tips = data.tips
    daily = (
        _(
            "Daily tip: every day at %(hour)02d:00 Riyadh time, since %(date)s.",
            hour=tips.daily_at_hour,
            date=long_date(tips.daily_since),
        )
        if tips.daily_at_hour is not None and tips.daily_since is not None
        else _("You have not asked for a daily tip.")
    )
    seen = ngettext("You have seen %(count)d tip.", "You have seen %(count)d tips.", len(tips.seen))
    return "\n".join([daily, seen])


def _sent(found: Sent, language: str) -> str:
    text = " ".join(in_language(found.text, language).split())
    # Cut between words, and with no quotation mark left open inside her quote.
    opening = text if len(text) <= OPENING else text[:OPENING].rsplit(" ", 1)[0].rstrip("،,.:«") + "…"
    if opening.count("«") != opening.count("»"):
        opening = opening.replace("«", "").replace("»", "")
    said_of_it = [long_time(found.made_at), said(HER_MESSAGE_KINDS, found.kind)]
    if found.channel:
        said_of_it.append(said(CHANNEL_NAMES, found.channel))
    head = "• " + " — ".join([*said_of_it, said(HER_OUTCOMES, found.outcome)])
    return f"{head}\n  «{opening}»" if opening else head


def _question(found: Question, language: str) -> str:
    lines = [
        "• "
        + _(
            "Question %(number)s to %(office)s (%(topic)s), %(date)s: %(status)s",
            number=found.number,
            office=in_language(found.office, language),
            topic=said(TOPICS, found.topic),
            date=long_date(found.opened_at),
            status=_("open") if found.status == "open" else _("closed"),
        )
    ]
    for message in found.said:
        who = _("You") if message.by == "family" else _("Your office")
        what = message.text or ""
        if message.file:
            kind = said(FILE_KINDS, message.file)
            what = f"{what} [{kind}{': ' + message.file_name if message.file_name else ''}]".strip()
        lines.append(f"  {short_stamp(message.at)} {who}: {what}")
    return "\n".join(lines)
