"""A person talking to the engine, as tests write her sessions, and a clock the tests move by hand."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from conversations.engine.engine import Engine
from core.channel import Channel, Inbound, Media, Reply
from core.i18n import _, use_language
from tests.support.clock import Clock, reads

__all__ = ["Clock", "Person", "ar", "en"]  # Clock: where the tests have always found it


def ar(message: str, **values: Any) -> str:
    with use_language("ar"):
        return _(message, **values)


def en(message: str, **values: Any) -> str:
    with use_language("en"):
        return _(message, **values)


@dataclass
class Person:
    engine: Engine
    clock: Clock
    address: str
    channel: Channel = Channel.TERMINAL
    language_hint: str | None = None
    replies: list[Reply] = field(default_factory=list)
    # Her messages carry the platform's ids, as Telegram's and Twilio's do (each is written down as seen).
    platform_ids: bool = False

    async def _send(self, *, at_once: bool = False, **message: Any) -> list[Reply]:
        if not at_once:
            reads(self.clock)
        inbound = Inbound(
            channel=self.channel,
            address=self.address,
            received_at=self.clock(),
            language_hint=self.language_hint,
            platform_id=f"{self.channel.value}-{uuid.uuid4().hex}" if self.platform_ids else None,
            **message,
        )
        self.replies = await self.engine.handle(inbound)
        return self.replies

    async def says(self, text: str) -> list[Reply]:
        return await self._send(text=text)

    async def says_twice(self, text: str) -> list[Reply]:
        """The same words sent twice in a moment (a double tap on "send"); what the second one got."""
        await self.says(text)
        self.clock.advance(seconds=1)
        return await self._send(text=text, at_once=True)

    async def presses(self, payload: str) -> list[Reply]:
        return await self._send(payload=payload)

    async def sends_photo(self) -> list[Reply]:
        """A photo with no words, of a kind we cannot keep (as a sticker is)."""
        return await self._send(has_media=True)

    async def sends(self, *media: Media, caption: str = "") -> list[Reply]:
        """A voice note, photo or document (a caption with it, if given)."""
        return await self._send(text=caption, has_media=True, media=media)

    async def shares_contact(self, phone: str) -> list[Reply]:
        return await self._send(contact_phone=phone)

    @property
    def heard(self) -> str:
        """Everything the last answer said, options included."""
        return "\n".join(
            "\n".join([reply.text, *(option.label for option in reply.options)]) for reply in self.replies
        )

    @property
    def options(self) -> list[str]:
        offered = [reply for reply in self.replies if reply.options]
        return [option.label for option in offered[-1].options] if offered else []

    def number_of(self, label: str) -> str:
        """What she would type to choose the option whose label contains `label`."""
        for number, shown in enumerate(self.options, start=1):
            if label in shown:
                return str(number)
        raise AssertionError(f"no option {label!r} in {self.options}")

    async def chooses(self, label: str) -> list[Reply]:
        return await self.says(self.number_of(label))

    async def registers(
        self,
        *,
        name: str = "فاطمة أحمد الزهراني",
        national_id: str = "1000000008",
        mobile: str = "0551234567",
        language: str = "ar",
    ) -> None:
        """The whole registration, answered right the first time, in her language."""
        t = ar if language == "ar" else en
        await self.says("مرحبا" if language == "ar" else "hello")
        await self.chooses(t("Register my family"))
        typed = (name, national_id) if self.channel is Channel.WHATSAPP else (name, national_id, mobile)
        for answer in typed:  # WhatsApp knows her number and does not ask it
            await self.says(answer)
        await self.chooses("Makkah" if language == "en" else "مكة")
        await self.says("1")
        await self.chooses(t("Done"))
        await self.chooses(t("Yes"))
        await self.chooses(t("Yes"))
        await self.chooses(t("I agree"))
        await self.chooses(t("Save"))
        assert t("Main menu: what would you like to do?") in self.heard, self.heard
