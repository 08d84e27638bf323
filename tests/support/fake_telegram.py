"""A fake Telegram Bot API server on 127.0.0.1 that the real aiogram client talks to over HTTP.

It answers getMe, getUpdates (long polling on updates the test queues), sendMessage (recorded, or failed
as the test asks), sendDocument (the file recorded), answerCallbackQuery, setWebhook and deleteWebhook — and
builds the updates a person's phone would send (`on_phone`), delivered by polling or posted to our webhook as
Telegram posts them (`webhook_poster`).

Run on its own (`python -m tests.support.fake_telegram [--token T] [--count-only]`), it serves in that
process on an ephemeral port, prints its URL as the first line of standard output and stops when standard
input closes. GET /fake/sends answers how many messages it was sent, and with ?times=1 when each went
(time.monotonic(), on Linux one clock for every process); POST /fake/reset forgets them. The announcement
benchmark (bench/broadcast.py) runs it so that the server does not take the sending process's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from bot.settings import Settings
from handlers.telegram.webhook import TELEGRAM_WEBHOOK
from tests.support.clock import reads

if TYPE_CHECKING:
    from bot.service import Service
    from tests.support.people import Clock

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
WAIT_LIMIT = 10.0  # seconds
BOT_USER = {"id": 42, "is_bot": True, "first_name": "Usar", "username": "usar_test_bot"}


@dataclass
class FakeTelegram:
    token: str = TOKEN
    pending: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    faults: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)  # for sendMessage
    answer_faults: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)  # answerCallbackQuery
    next_update_id: int = 1
    next_message_id: int = 1000
    url: str = ""
    sent_at: list[float] = field(default_factory=list)  # time.monotonic() of each message sent
    keep_messages: bool = True  # False: only count and time them (a benchmark's hundred thousand)
    on_send: Callable[[], object] | None = None  # called after each message sent (a test's fault injection)
    # Awaited with the updates a getUpdates call is about to answer, before the answer leaves (a test's way
    # to have something happen while the answer is on its way).
    answering_updates: Callable[[list[dict[str, Any]]], Awaitable[None]] | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # what families sent, by file_id
    # Where the file server sends the bot instead of giving it a file's bytes (a redirect), by file_id.
    moved: dict[str, str] = field(default_factory=dict)
    down_for: int = 0  # the next calls, of any method, answered 502 Bad Gateway: Telegram out of reach

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_get("/fake/sends", self._sends)
        app.router.add_post("/fake/reset", self._reset)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what tests do ----------------------------------------------------------------------------------

    async def queue(self, *updates: dict[str, Any]) -> None:
        """Updates for the next getUpdates; several at once come in one answer (she typed quickly)."""
        async with self._changed:
            self.pending.extend(updates)
            self._changed.notify_all()

    def fail_next_send(self, status: int, description: str, **parameters: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.faults.append((status, body))

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [message for message in self.sent if message["chat_id"] == chat_id]

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        """Until `condition` holds; a test that waits longer than WAIT_LIMIT has failed."""
        async with asyncio.timeout(WAIT_LIMIT), self._changed:
            await self._changed.wait_for(condition)

    # -- the Bot API ------------------------------------------------------------------------------------

    async def _call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"].lower()
        if self.down_for > 0:
            self.down_for -= 1
            self.calls.append(f"{method} (down)")
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        params = {key: _decode(value) for key, value in (await request.post()).items()}
        self.calls.append(method)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        response: web.Response = await handler(params)
        return response

    async def _getfile(self, params: dict[str, Any]) -> web.Response:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return _bad_request("invalid file_id")
        if len(self.files[file_id]) > 20 * 1024 * 1024:
            return _bad_request("file is too big")
        found = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id])}
        return _ok({**found, "file_path": f"files/{file_id}"})

    async def _file(self, request: web.Request) -> web.Response:
        """A file's bytes, as Telegram's file server gives them to the bot."""
        path = request.match_info["path"]
        if request.match_info["token"] != self.token or not path.startswith("files/"):
            return web.Response(status=404)
        file_id = path.removeprefix("files/")
        if file_id in self.moved:
            raise web.HTTPFound(self.moved[file_id])
        found = self.files.get(file_id)
        return web.Response(status=404) if found is None else web.Response(body=found)

    async def _getme(self, params: dict[str, Any]) -> web.Response:
        return _ok(BOT_USER)

    async def _deletewebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = None
        return _ok(True)

    async def _setwebhook(self, params: dict[str, Any]) -> web.Response:
        async with self._changed:
            self.webhook = params
            self._changed.notify_all()
        return _ok(True)

    async def _getupdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset", 0))
        limit = max(1, min(int(params.get("limit", 100)), 100))  # Telegram's: 1 to 100, 100 by default
        wait = min(float(params.get("timeout", 0)), 0.2)  # a short long-poll: tests stop quickly
        async with self._changed:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
            if not self.pending and wait:
                try:
                    async with asyncio.timeout(wait):
                        await self._changed.wait_for(lambda: bool(self.pending))
                except TimeoutError:
                    pass
            answer = self.pending[:limit]
        if self.answering_updates is not None:
            await self.answering_updates(answer)
        return _ok(answer)

    async def _sendmessage(self, params: dict[str, Any]) -> web.Response:
        if self.faults:
            status, body = self.faults.popleft()
            return web.json_response(body, status=status)
        message_id = self.next_message_id
        self.next_message_id += 1
        chat_id = int(params["chat_id"])
        self.sent_at.append(time.monotonic())
        if self.keep_messages:
            async with self._changed:
                self.sent.append({**params, "chat_id": chat_id, "message_id": message_id})
                self._changed.notify_all()
        if self.on_send is not None:
            self.on_send()
        return _ok(
            {
                "message_id": message_id,
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params["text"],
            }
        )

    async def _senddocument(self, params: dict[str, Any]) -> web.Response:
        """A file uploaded to a chat (multipart): recorded as a message with its `document` (name, bytes)."""
        upload = params.get(str(params["document"]).removeprefix("attach://"))  # aiogram's: the part named
        if not isinstance(upload, web.FileField):
            return _bad_request("a document is uploaded here, not named")
        message_id = self.next_message_id
        self.next_message_id += 1
        chat_id = int(params["chat_id"])
        document = {"file_name": upload.filename, "content": upload.file.read()}
        async with self._changed:
            self.sent.append({"chat_id": chat_id, "message_id": message_id, "text": "", "document": document})
            self._changed.notify_all()
        return _ok(
            {
                "message_id": message_id,
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "document": {"file_id": f"document-{message_id}", "file_unique_id": f"d{message_id}",
                             "file_name": upload.filename},
            }
        )  # fmt: skip

    async def _answercallbackquery(self, params: dict[str, Any]) -> web.Response:
        if self.answer_faults:
            status, body = self.answer_faults.popleft()
            return web.json_response(body, status=status)
        async with self._changed:
            self.callback_answers.append(params)
            self._changed.notify_all()
        return _ok(True)

    # -- what a test in another process asks ----------------------------------------------------------------

    async def _sends(self, request: web.Request) -> web.Response:
        """How many messages were sent; with ?times=1, also when each went."""
        answer: dict[str, Any] = {"count": len(self.sent_at)}
        if request.query.get("times") == "1":
            answer["at"] = self.sent_at
        return web.json_response(answer)

    async def _reset(self, request: web.Request) -> web.Response:
        self.sent.clear()
        self.sent_at.clear()
        return _ok(True)

    # -- what a phone sends -----------------------------------------------------------------------------

    def _update_id(self) -> int:
        self.next_update_id += 1
        return self.next_update_id - 1

    def message(self, user: TelegramUser, **content: Any) -> dict[str, Any]:
        update_id = self._update_id()
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(user.clock().timestamp()),
                "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                "from": user.as_sender(),
                **content,
            },
        }

    def button(self, user: TelegramUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        update_id = self._update_id()
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"callback-{update_id}",
                "from": user.as_sender(),
                "chat_instance": "instance",
                "data": data,
                "message": {
                    "message_id": message["message_id"],
                    "date": int(user.clock().timestamp()),
                    "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                    "from": BOT_USER,
                    "text": message["text"],
                },
            },
        }


@dataclass
class TelegramUser:
    """A person on her phone: what she types or taps becomes an update, delivered by polling or webhook."""

    fake: FakeTelegram
    id: int
    deliver: Callable[[dict[str, Any]], Any]
    clock: Callable[[], datetime]
    first_name: str = "Fatima"
    language_code: str = "ar"
    mark: int = 0

    def as_sender(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    async def _send(self, update: dict[str, Any]) -> None:
        reads(self.clock)
        self.mark = len(self.fake.sent_to(self.id))
        await self.deliver(update)

    async def says(self, text: str) -> None:
        await self._send(self.fake.message(self, text=text))

    async def sends_photo(self, size: int | None = None) -> None:
        photo = [{"file_id": "photo", "file_unique_id": "photo-1", "width": 90, "height": 90}]
        if size is not None:
            photo[0]["file_size"] = size
        await self._send(self.fake.message(self, photo=photo))

    async def sends_sticker(self) -> None:
        sticker = {"file_id": "sticker", "file_unique_id": "sticker-1", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
        await self._send(self.fake.message(self, sticker=sticker))

    async def sends_location(self) -> None:
        await self._send(self.fake.message(self, location={"latitude": 21.4225, "longitude": 39.8262}))

    async def sends_voice_note(self, seconds: int = 12, size: int = 30_000) -> None:
        voice = {"file_id": f"voice-{seconds}", "file_unique_id": f"voice-{seconds}", "duration": seconds,
                 "mime_type": "audio/ogg", "file_size": size}  # fmt: skip
        await self._send(self.fake.message(self, voice=voice))

    async def shares_contact(self, phone: str, *, of_user: int | None = None) -> None:
        contact = {
            "phone_number": phone,
            "first_name": "Someone",
            "user_id": self.id if of_user is None else of_user,
        }
        await self._send(self.fake.message(self, contact=contact))

    async def presses(self, label: str) -> None:
        message, data = self.button_for(label)
        await self._send(self.fake.button(self, message, data))

    async def presses_data(self, data: str) -> None:
        """A button press carrying whatever data: an old message's button, or a forged one."""
        await self._send(self.fake.button(self, self.fake.sent_to(self.id)[-1], data))

    def button_for(self, label: str) -> tuple[dict[str, Any], str]:
        for message in reversed(self.fake.sent_to(self.id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return message, button["callback_data"]
        raise AssertionError(f"no button {label!r} in the messages she has")

    @property
    def new_messages(self) -> list[dict[str, Any]]:
        return self.fake.sent_to(self.id)[self.mark :]

    async def hears(self, text: str) -> dict[str, Any]:
        """Wait for the answer to what she last sent to contain `text`; the message that does."""

        def found() -> bool:
            return any(text in message["text"] for message in self.new_messages)

        try:
            await self.fake.wait_for(found)
        except TimeoutError:
            raise AssertionError(
                f"she never heard {text!r}; she got {[m['text'] for m in self.new_messages]}"
            ) from None
        return next(message for message in self.new_messages if text in message["text"])


def on_phone(fake: FakeTelegram, user_id: int, clock: Clock, **details: Any) -> TelegramUser:
    """She, on her phone: what she sends is queued for the bot's next getUpdates."""
    return TelegramUser(fake, user_id, deliver=fake.queue, clock=clock, **details)


def webhook_poster(service: Service, secret: str | None) -> Callable[[dict[str, Any]], Any]:
    """Telegram posting an update to our webhook (with this secret header, if any); the answer's status."""

    async def post(update: dict[str, Any]) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{service.port}{TELEGRAM_WEBHOOK}"
            async with http.post(url, json=update, headers=headers) as response:
                return response.status

    return post


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        return json.loads(value)
    return value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def serve(token: str, keep_messages: bool) -> None:
    """The fake in this process until standard input closes (the process that started it ended it)."""
    fake = FakeTelegram(token=token, keep_messages=keep_messages)
    print(await fake.start(), flush=True)
    try:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await fake.stop()


def settings_for(database_url: str, fake: FakeTelegram, **more: Any) -> Settings:
    """Usar's settings for a bot whose Bot API is `fake`."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        telegram_token=TOKEN,
        telegram_api_base=fake.url,
        http_port=0,
        **more,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API server on 127.0.0.1.")
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--count-only", action="store_true", help="count and time messages, keep none")
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.token, keep_messages=not arguments.count_only))


def _bad_request(why: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 400, "description": f"Bad Request: {why}"}, status=400
    )
