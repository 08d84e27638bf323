"""A person talking to the engine, as tests write her sessions, and a clock the tests move by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from conversations.engine.engine import Engine
from core.channel import Channel, Inbound, Media, Reply
from core.i18n import _, use_language


def ar(message: str, **values: Any) -> str:
    with use_language("ar"):
        return _(message, **values)


def en(message: str, **values: Any) -> str:
    with use_language("en"):
        return _(message, **values)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 28, 6, 0, tzinfo=UTC))
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    async def sleep(self, seconds: float) -> None:
        """What a dispatcher's wait does on this clock: the time moves on at once, and the wait is written
        down in `slept`."""
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@dataclass
class Person:
    engine: Engine
    clock: Clock
    address: str
    channel: Channel = Channel.TERMINAL
    language_hint: str | None = None
    replies: list[Reply] = field(default_factory=list)

    async def _send(self, **message: Any) -> list[Reply]:
        inbound = Inbound(
            channel=self.channel,
            address=self.address,
            received_at=self.clock(),
            language_hint=self.language_hint,
            **message,
        )
        self.replies = await self.engine.handle(inbound)
        return self.replies

    async def says(self, text: str) -> list[Reply]:
        return await self._send(text=text)

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
