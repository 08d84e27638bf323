"""The Bot API calls that sending needs (sendMessage, sendDocument), over aiohttp, without aiogram.

Importing aiogram builds hundreds of pydantic models: 130 MB and seconds of a process's start-up, which a
worker that only sends should not pay (decision 0119). Its calls are few and plain: a form posted to
`<base>/bot<token>/<method>`, answered by `{"ok": true, "result": …}` or by an error with its code, its
description and, for a flood, the seconds to wait. The form is the one aiogram posts (each field a string,
objects as JSON, a file as a part named by `attach://`), so that any Bot API server reads it alike."""

from __future__ import annotations

import json
import secrets
from typing import Any

import aiohttp

TELEGRAM_API = "https://api.telegram.org"
TIMEOUT = 60  # seconds a call may take, aiogram's default


class BotApiError(Exception):
    """The Bot API's answer to a call it did not do: its code, its description, how long to wait."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after


class BotApi:
    """One bot's calls to the Bot API (Telegram's, or the server at `base`); its HTTP session is opened at
    the first call and closed by `close`."""

    def __init__(self, token: str, base: str | None = None, timeout: float = TIMEOUT) -> None:
        self._url = f"{(base or TELEGRAM_API).rstrip('/')}/bot{token}/"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send_message(self, chat_id: int, text: str, reply_markup: str | None = None) -> int:
        """The message's id; `reply_markup` is the keyboard as the Bot API's JSON."""
        fields: dict[str, str] = {"chat_id": str(chat_id), "text": text}
        if reply_markup is not None:
            fields["reply_markup"] = reply_markup
        return _message_id(await self.call("sendMessage", fields))

    async def send_document(self, chat_id: int, content: bytes, filename: str) -> int:
        """A file uploaded with the message; the message's id."""
        part = secrets.token_urlsafe(8)
        fields = {"chat_id": str(chat_id), "document": f"attach://{part}"}
        return _message_id(await self.call("sendDocument", fields, files={part: (filename, content)}))

    async def call(
        self, method: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None
    ) -> Any:
        """The result of `method`, or `BotApiError`; the network's own errors (aiohttp.ClientError,
        TimeoutError) as they come."""
        form = aiohttp.FormData(quote_fields=False)
        for name, value in fields.items():
            form.add_field(name, value)
        for name, (filename, content) in (files or {}).items():
            form.add_field(name, content, filename=filename)
        async with self._opened().post(self._url + method, data=form) as response:
            try:
                answer = json.loads(await response.read())
            except ValueError:
                raise BotApiError(response.status, response.reason or "not the Bot API's answer") from None
        if not isinstance(answer, dict):
            raise BotApiError(response.status, "not the Bot API's answer")
        if answer.get("ok"):
            return answer.get("result")
        parameters = answer.get("parameters") or {}
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise BotApiError(
            int(answer.get("error_code") or response.status),
            str(answer.get("description") or response.reason or ""),
            float(retry_after) if retry_after is not None else None,
        )

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _message_id(result: Any) -> int:
    if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
        raise BotApiError(200, "the Bot API answered without a message id")
    return int(result["message_id"])
