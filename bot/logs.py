"""Logging that never writes personal data or secrets: long digit runs (IDs, phone numbers) and the
console's session cookie are masked."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from core.channel import Unavailable

# Nine or more digits, possibly after a + and with spaces or dashes inside: a national ID, a phone number
# or a Telegram chat id. Masked wherever they appear in a record, arguments included.
_PERSONAL_NUMBER = re.compile(r"\+?\d(?:[\s-]?\d){8,}")


# The console's session token, as aiohttp quotes a request's headers when it cannot read one.
_SESSION_COOKIE = re.compile(r"(usar_console=)[^;\s'\"]*")


def redact(text: str) -> str:
    text = _SESSION_COOKIE.sub(r"\1***", text)
    return _PERSONAL_NUMBER.sub(lambda found: "***" + found.group()[-2:], text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class WithoutUnavailable(logging.Filter):
    """aiogram logs every exception of a handler with its traceback; a message that waits for the database
    is not a fault of the code (the engine says so in one line, and the webhook answers 503)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is Unavailable)


class RedactingFormatter(logging.Formatter):
    """Also masks what tracebacks carry (exception messages can quote values)."""

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


class JsonFormatter(RedactingFormatter):
    """One JSON object a line (USAR_LOG_FORMAT=json), for a log collector: time, level, logger, message, and
    the traceback if there is one, masked as the text lines are."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


# Libraries whose INFO lines are one per message, per migration step or per job run: noise at INFO, kept
# for DEBUG. aiogram's "Update id=… is handled. Duration … ms" alone would be a line (and its cost) per
# update; APScheduler's, two lines every two seconds in the middle of a terminal chat; Twilio's, eleven
# lines a request.
_CHATTY = ("alembic", "aiogram.event", "apscheduler", "twilio")


def configure(level: str, form: str = "text") -> None:
    """Logging at `level`, as text lines or (`form` "json") one JSON object a line."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.addFilter(WithoutUnavailable())
    handler.setFormatter(
        JsonFormatter()
        if form == "json"
        else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
    chosen = logging.getLevelName(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(chosen if chosen == logging.DEBUG else max(logging.WARNING, chosen))
