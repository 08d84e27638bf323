"""The channel contract: what crosses the edge between a channel and the conversation engine (`Inbound`,
`Reply` with its `Option`s, a flow's `Offer`), what we send first (`Outbound`) and what became of it (the send
outcomes), a file she sent (`Media`), and the protocols a channel implements (`Sender`, `MediaSource`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from core.i18n import LazyText
from core.payloads import Payload

# The most of a message we read as an answer: Telegram's own limit for a text (4,096 characters; a genuine
# update never has more). A longer message (a long question on WhatsApp, a paste into the terminal) is kept,
# up to LONGEST_KEPT, for her office: she is offered to send it as a question, never made to type it again.
# Beyond that, only a forged request brings more: it is cut here, before anything reads it.
LONGEST_TEXT = 4096
LONGEST_KEPT = 16_384


# The largest file staff can open from a thread: Telegram's Bot API gives bots files up to 20 MB, and a voice
# note, a photo or a certificate's PDF is far smaller. Larger ones are refused clearly, never half-kept.
LARGEST_MEDIA = 20 * 1024 * 1024


@dataclass(frozen=True)
class Media:
    """A voice note, photo or document she sent: kept on the platform, known to us by its reference (a
    Telegram file_id, a Twilio media URL), fetched with our credentials when staff open it."""

    kind: str  # "voice", "audio", "photo", "video", "document"
    reference: str
    content_type: str = ""
    size: int | None = None  # bytes, where the platform says on arrival (Telegram); else known when fetched
    name: str = ""  # a document's file name, as she sent it

    @property
    def too_large(self) -> bool:
        return self.size is not None and self.size > LARGEST_MEDIA


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    TERMINAL = "terminal"

    @property
    def takes_files(self) -> bool:
        """Whether a reply can carry a file (`Attachment`) to her here: Telegram uploads it with the message;
        WhatsApp (Twilio) fetches media only from a public address, which her data never gets (decision
        0117); the terminal shows text."""
        return self is Channel.TELEGRAM


class Unreadable(StrEnum):
    """What she sent that carries no words we can read, each answered plainly (not "not understood")."""

    STICKER = "sticker"
    LOCATION = "location"  # a location pin
    CONTACT_CARD = "contact_card"  # a contact card on WhatsApp (Telegram's shared contact is `contact_phone`)


@dataclass(frozen=True)
class Inbound:
    """One message from a person, whatever channel it came through."""

    channel: Channel
    address: str
    received_at: datetime
    text: str = ""
    payload: str | None = None  # the option a button carried
    contact_phone: str | None = None  # a shared contact, already checked to be her own
    foreign_contact: bool = False  # she shared someone else's contact, which we do not accept
    has_media: bool = False
    media: tuple[Media, ...] = ()  # what of it we can keep (a sticker or a location is media we cannot)
    unreadable: Unreadable | None = None  # a sticker, a location pin, a contact card: no words in it
    page: int = 0  # of a list too long for one message, the page she asked for (WhatsApp's "more")
    language_hint: str | None = None  # used only to greet a person we have never seen
    # The platform's id of this message (Telegram's update_id, Twilio's MessageSid): the same message again
    # is answered once, by whichever process saw it first.
    platform_id: str | None = None
    too_long: bool = False  # she wrote more than LONGEST_TEXT characters: too long to read as an answer
    cut: bool = False  # she wrote more than LONGEST_KEPT: `text` holds only their start

    def __post_init__(self) -> None:
        # Every channel builds one of these: the text is cut here, before normalising, matching or
        # splitting spend time in proportion to it.
        if len(self.text) > LONGEST_TEXT:
            object.__setattr__(self, "too_long", True)
        if len(self.text) > LONGEST_KEPT:
            object.__setattr__(self, "text", self.text[:LONGEST_KEPT])
            object.__setattr__(self, "cut", True)


class Refused(Exception):
    """A platform refused what this installation gave it (a token, a webhook's address) when a channel
    started: the process cannot run that channel, and says so in one line."""


class Unavailable(Exception):
    """The database could not be reached: the message was neither answered nor marked seen, so the channel
    must have it delivered again (Telegram: a non-2xx answer) or keep it until the database is back."""


@dataclass(frozen=True)
class Option:
    label: str
    payload: str


class Meaning(StrEnum):
    """What an option means beside its words, for her own words to find it: the yes or no of a question
    ("ايه", "👍", "ما ابي"), or the way back ("رجوع")."""

    YES = "yes"
    NO = "no"
    BACK = "back"


@dataclass(frozen=True)
class Offer:
    """An option as a flow declares it: the label is translated when shown; the payload is typed, and packed
    once here (a payload too long for a button is refused as the option is made)."""

    label: LazyText | str
    payload: Payload
    aliases: tuple[str, ...] = ()  # other words for it, such as an office's name in the other language
    means: Meaning | None = None
    firm: bool = False  # a step not undone lightly: a soft yes («ان شاء الله») does not choose it
    packed: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "packed", self.payload.pack())


@dataclass(frozen=True)
class Attachment:
    """A file we send her with a reply (a copy of her data): where the channel takes files from us (Telegram's
    documents), it goes as one; elsewhere only the reply's text goes."""

    name: str  # as it is called on her phone
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = field(default=())
    contact_button: str | None = None  # label of a "share my number" button, where the channel has one
    # False where a typed number means something else (an hour): text channels list the options with "•".
    numbered: bool = True
    language: str | None = None  # hers: for words a channel adds (a WhatsApp list's button); None: Arabic
    close_keyboard: bool = False  # removes the "share my number" keyboard shown before (Telegram)
    attachment: Attachment | None = None  # a file that follows the text, where the channel takes one

    def option_lines(self) -> list[str]:
        """The options as a text channel lists them: "1. التسجيل", or "• 09:00" where numbers are answers."""
        return [
            f"{number}. {option.label}" if self.numbered else f"• {option.label}"
            for number, option in enumerate(self.options, start=1)
        ]


@dataclass(frozen=True)
class Outbound:
    """A message we send first (a reminder, an announcement, a tip), outside any conversation turn."""

    address: str
    reply: Reply
    kind: str = "message"  # what it is; on WhatsApp it picks the approved template for outside the window
    template_variables: tuple[tuple[str, str], ...] = ()  # the template's variables, ("1", "Fatima") …
    last_inbound_at: datetime | None = None  # when she last wrote on this channel


# What became of a proactive message handed to a channel's sender. A sender never raises for these.


@dataclass(frozen=True)
class Sent:
    message_id: str
    template: bool = False  # WhatsApp outside the 24 hours: the kind's approved template went, not the text


@dataclass(frozen=True)
class RetryAfter:
    """The platform asked us to wait (Telegram 429 with retry_after)."""

    seconds: float


@dataclass(frozen=True)
class NotSent:
    """It did not go, and the platform's words for why; which of the kinds below says what to do next."""

    reason: str


class Blocked(NotSent):
    """She blocked the bot, or the chat is gone: do not write again until she does."""


class TransientFailure(NotSent):
    """Worth trying again later: a 5xx, a time-out, a refused connection."""


class PermanentFailure(NotSent):
    """Sending this again will fail the same way (a 400: bad chat id, text too long …)."""


@dataclass(frozen=True)
class NeedsTemplate:
    """WhatsApp, outside the 24 hours after her last message, with no approved template for this kind."""

    kind: str


SendOutcome = Sent | RetryAfter | Blocked | TransientFailure | PermanentFailure | NeedsTemplate


class Sender(Protocol):
    """One channel's way to deliver a message, outside a conversation turn."""

    channel: Channel

    async def send(self, message: Outbound) -> SendOutcome: ...


# A file she sent, fetched from its platform with our credentials when staff open it.


class MediaTooLarge(Exception):
    """Larger than staff can open (`LARGEST_MEDIA`): not fetched, or not kept past the limit."""


class MediaUnavailable(Exception):
    """The platform would not give the file (gone, refused, out of reach): nothing to show now."""


class MediaSource(Protocol):
    """One channel's way to fetch a file by the reference it gave us."""

    async def fetch(self, reference: str, limit: int) -> bytes: ...
