"""Settings from USAR_* environment variables and an optional .env file in the working directory."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import (
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as PydanticSettingsError
from sqlalchemy.engine import make_url

from office.retention import Periods
from storage.db import DatabaseURLError, async_url
from storage.kinds import QuietHours, Senders

_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
PERIOD = r"^\d{1,5}[mhd]$"  # a number of minutes, hours or days: 30m, 1h, 90d
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# The shortest and the longest each retention period may be (docs/OPERATIONS.md, "Retention").
KEEP_BOUNDS = {
    # Long enough to confirm a list once checked; a day at most (issue 29): it holds IDs and mobiles.
    "keep_uploads": (timedelta(minutes=10), timedelta(hours=24)),
    # A week at least: a typed «ايه» answers the last message that asked her something (its options).
    "keep_delivery_texts": (timedelta(days=7), timedelta(days=3650)),
    "keep_thread_files": (timedelta(days=7), timedelta(days=3650)),
    # A month at least: an office's list is invited, and answers, before its families go.
    "keep_contacts": (timedelta(days=30), timedelta(days=3650)),
}


def period(text: str) -> timedelta:
    """ "90d", "12h", "30m" as a timedelta."""
    return timedelta(**{_UNITS[text[-1]]: int(text[:-1])})


class SettingsError(Exception):
    """A missing or malformed setting, explained in one line."""


class PortInUse(Exception):
    """The web server's port is taken by another program."""

    def __init__(self, host: str, port: int, setting: str = "USAR_HTTP_PORT") -> None:
        super().__init__(
            f"port {port} on {host} is in use by another program: stop that program, or choose another port "
            f"with {setting}"
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="USAR_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///usar.db",
        description="sqlite:///FILE, or postgresql://USER:PASSWORD@HOST/DATABASE",
    )
    default_language: Literal["ar", "en"] = Field(default="ar", description="ar or en")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="DEBUG, INFO, WARNING or ERROR"
    )
    # Text lines for a terminal or the journal; one JSON object a line for a log collector.
    log_format: Literal["text", "json"] = Field(default="text", description="text or json")

    http_host: str = "127.0.0.1"
    http_port: int = Field(
        default=8080, ge=0, le=65535, description="a port from 1 to 65535, or 0 for any free one"
    )
    # Where Telegram and Twilio reach our web server.
    # Where Prometheus reads /metrics and /readyz's details: off unless a port is given (each process of a
    # host its own port), on this machine alone unless a host is given.
    metrics_host: str = Field(
        default="127.0.0.1", description="an address of this machine, such as 127.0.0.1"
    )
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="a port from 1 to 65535, or 0 for any free one"
    )
    public_url: HttpUrl | None = Field(default=None, description="a URL such as https://usar.example.org")
    # The reverse proxies in front of the web server (their addresses, comma-separated): for a request from
    # one, the console takes the client's address from the X-Forwarded-For entry the proxy added.
    trusted_proxies: str = ""
    # Where WhatsApp messages wait while the database is out of reach (beside the SQLite file by default,
    # else ./usar-spool): every web process must see the same directory.
    spool_directory: Path | None = None

    # The keys that seal national IDs and mobiles at rest (storage.sealing): given here, or read from the key
    # file, which a fresh install makes beside the SQLite file (else in the working directory).
    data_key: SecretStr | None = Field(
        default=None, description="numbered keys of 32 bytes in base64, such as 1:KEY or 1:KEY,2:KEY"
    )
    data_key_file: Path | None = Field(default=None, description="the path of the key file")

    telegram_token: SecretStr | None = Field(default=None, description="the bot's token from @BotFather")
    # When announcements, tips and invitations wait for morning, in Riyadh time; "off" for never.
    quiet_hours: str = Field(
        default="22:00-08:00",
        pattern=r"^(off|\d{2}:\d{2}-\d{2}:\d{2})$",
        description="two times of day, HH:MM-HH:MM such as 22:00-08:00, or off",
    )
    # Messages a second on each channel, by all workers together (they share the pace through the database):
    # under Telegram's ~30 a bot and Twilio's default 80 a sender (higher values: self-hosted test peers).
    telegram_rate: float = Field(default=25.0, gt=0, description="a number of messages a second above 0")
    whatsapp_rate: float = Field(default=50.0, gt=0, description="a number of messages a second above 0")
    # Before an event, when those going are reminded: hours (h) or minutes (m), comma-separated.
    reminders: str = Field(
        default="24h,2h",
        pattern=r"^\d{1,4}[hm](,\d{1,4}[hm])*$",
        description="hours or minutes before the start, comma-separated, such as 24h,2h or 90m",
    )
    # A family's question unanswered this many of her office's working hours: flagged, and its staff told.
    unanswered_hours: float = Field(
        default=8, gt=0, le=1000, description="a number of hours above 0, up to 1000"
    )
    # Sends in flight at once on each channel, in each worker (the rate above still holds).
    dispatch_concurrency: int = Field(default=20, ge=1, le=100, description="a whole number from 1 to 100")
    # Retention (decision 0116): how long what has served is kept before the scheduler purges it.
    # A file checked in the console and never confirmed (an office's list of families).
    keep_uploads: str = Field(
        default="1h", pattern=PERIOD, description="a period from 10m to 24h, such as 1h or 30m"
    )
    # What a message we sent said, and where it went; its outcome stays.
    keep_delivery_texts: str = Field(
        default="90d", pattern=PERIOD, description="a period from 7d to 3650d, such as 90d"
    )
    # The references to her files (voice notes, photos) on a question closed this long ago.
    keep_thread_files: str = Field(
        default="365d", pattern=PERIOD, description="a period from 7d to 3650d, such as 365d"
    )
    # A family of an office's list who never registered, this long after her office imported her.
    keep_contacts: str = Field(
        default="365d", pattern=PERIOD, description="a period from 30d to 3650d, such as 365d"
    )
    telegram_api_base: HttpUrl | None = Field(  # a self-hosted Bot API server; Telegram's by default
        default=None, description="a URL such as http://127.0.0.1:8081"
    )

    twilio_account_sid: str | None = Field(
        default=None, pattern=r"^AC[0-9a-fA-F]{32}$", description="AC followed by 32 hexadecimal digits"
    )
    twilio_auth_token: SecretStr | None = Field(default=None, description="the account's auth token")
    twilio_whatsapp_from: str | None = Field(
        default=None,
        pattern=r"^(whatsapp:)?\+[1-9]\d{6,14}$",
        description="the sender's number in international form, such as whatsapp:+966500000000",
    )
    twilio_api_base: HttpUrl | None = Field(  # another host for Twilio's REST API; Twilio's by default
        default=None, description="a URL such as http://127.0.0.1:8082"
    )
    # The approved template (Content SID) for each kind of message we start outside the 24-hour window,
    # as JSON: {"announcement": "HX…", "reminder": "HX…"}.
    whatsapp_templates: dict[str, str] = Field(
        default_factory=dict,
        description='JSON naming a Content SID for each kind, such as {"announcement": "HX…"}',
    )

    @property
    def reminder_offsets(self) -> list[timedelta]:
        return [
            timedelta(hours=int(part[:-1])) if part.endswith("h") else timedelta(minutes=int(part[:-1]))
            for part in self.reminders.split(",")
        ]

    @field_validator(*KEEP_BOUNDS)
    @classmethod
    def _kept_within(cls, text: str, info: ValidationInfo) -> str:
        shortest, longest = KEEP_BOUNDS[str(info.field_name)]
        if not shortest <= period(text) <= longest:
            raise ValueError("too short" if period(text) < shortest else "too long")
        return text

    def retention(self) -> Periods:
        """How long each kind of data is kept once it has served (`office.retention`)."""
        return Periods(
            uploads=period(self.keep_uploads),
            delivery_texts=period(self.keep_delivery_texts),
            thread_files=period(self.keep_thread_files),
            contacts=period(self.keep_contacts),
        )

    @field_validator("quiet_hours")
    @classmethod
    def _times_of_day(cls, hours: str) -> str:
        if hours != "off":
            try:
                QuietHours.parse(hours)
            except ValueError as problem:  # "25:00": the pattern holds, the hour does not
                raise ValueError(f"not a time of day ({problem})") from None
        return hours

    @field_validator("whatsapp_templates")
    @classmethod
    def _content_sids(cls, templates: dict[str, str]) -> dict[str, str]:
        wrong = sorted(kind for kind, sid in templates.items() if not re.fullmatch(r"HX[0-9a-fA-F]{32}", sid))
        if wrong:
            raise ValueError(f"not a Content SID (HX followed by 32 hex digits) for: {', '.join(wrong)}")
        return templates

    @model_validator(mode="after")
    def _whatsapp_complete(self) -> Settings:
        given = [self.twilio_account_sid, self.twilio_auth_token, self.twilio_whatsapp_from]
        if any(value is not None for value in given):
            if any(value is None for value in given):
                names = "USAR_TWILIO_ACCOUNT_SID, USAR_TWILIO_AUTH_TOKEN and USAR_TWILIO_WHATSAPP_FROM"
                raise ValueError(f"WhatsApp needs all of {names}")
            if self.public_url is None:
                raise ValueError("WhatsApp needs USAR_PUBLIC_URL: Twilio calls our webhook there")
        return self

    @property
    def whatsapp(self) -> bool:
        return self.twilio_auth_token is not None

    @property
    def channels(self) -> bool:
        return self.telegram_token is not None or self.whatsapp

    def quiet(self) -> QuietHours | None:
        return None if self.quiet_hours == "off" else QuietHours.parse(self.quiet_hours)

    def senders(self) -> Senders:
        """What the outbox can send on here: the channels set up, and the kinds with a WhatsApp template."""
        on = {"telegram"} if self.telegram_token is not None else set()
        if self.whatsapp:
            on.add("whatsapp")
        return Senders(frozenset(on), frozenset(self.whatsapp_templates) if self.whatsapp else frozenset())

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not _TOKEN.fullmatch(token.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return token

    @property
    def telegram_webhook_secret(self) -> str:
        """The secret Telegram echoes on every webhook call: derived from the token, so never stored."""
        if self.telegram_token is None:
            raise ValueError("no Telegram token")
        digest = hashlib.sha256(b"usar-telegram-webhook:" + self.telegram_token.get_secret_value().encode())
        return digest.hexdigest()

    def spool(self) -> Path:
        return self.spool_directory or self._beside_the_database("usar-spool")

    def key_file(self) -> Path:
        """Where the data keys are kept, unless USAR_DATA_KEY gives them."""
        return self.data_key_file or self._beside_the_database("usar-data.key")

    def _beside_the_database(self, name: str) -> Path:
        """`name` beside the SQLite file, else in the working directory."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).resolve().parent / name
        return Path(name).resolve()

    @property
    def proxies(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.trusted_proxies.split(",") if part.strip())

    @property
    def https(self) -> bool:
        """Reached over https: the console's cookies are sent over https alone."""
        return self.public_url is not None and self.public_url.scheme == "https"

    def public_endpoint(self, path: str) -> str:
        if self.public_url is None:
            raise ValueError("no public URL")
        return str(self.public_url).rstrip("/") + path

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        try:
            async_url(url)
        except DatabaseURLError as problem:
            raise ValueError(str(problem)) from problem
        return url


# USAR_ names that are not settings of the product: the tests' and the benchmarks' own.
NOT_SETTINGS = frozenset({"USAR_TEST_POSTGRES_URL", "USAR_BENCH_POSTGRES_URL", "USAR_SCREENSHOTS"})
_HIDDEN = frozenset({"telegram_token", "twilio_auth_token", "data_key"})
_PLAIN_REASONS = frozenset({"value_error", "url_parsing", "url_scheme"})  # said well enough to repeat


def load_settings() -> Settings:
    """The settings, or SettingsError: one line naming the variable, what was given and what is allowed."""
    try:
        return Settings()
    except ValidationError as problems:
        first = problems.errors()[0]
        if not first["loc"]:  # a rule across settings: its message names them
            raise SettingsError(f"settings: {first['msg'].removeprefix('Value error, ')}") from None
        field = str(first["loc"][0])
        reason = first["msg"].removeprefix("Value error, ") if first["type"] in _PLAIN_REASONS else ""
        raise SettingsError(_refusal(field, reason)) from None
    except PydanticSettingsError as problem:  # a value that should be JSON and is not
        named = re.search(r'field "(\w+)"', str(problem))
        if named is None:
            raise SettingsError(f"settings: {problem}") from None
        raise SettingsError(_refusal(named.group(1), "not JSON")) from None


def _refusal(field: str, reason: str) -> str:
    name = f"USAR_{field.upper()}"
    given = _given(name)
    if field in _HIDDEN:
        shown = f"(hidden, {len(given)} characters)"
    else:
        shown = repr(given if len(given) <= 80 else given[:77] + "...")
    described = Settings.model_fields[field].description if field in Settings.model_fields else None
    allowed = f" Allowed: {described}." if described else ""
    said = reason[:1].lower() + reason[1:] if reason else "not allowed"
    return f"setting {name} is {shown}: {said}.{allowed}"


def _given(name: str) -> str:
    """What the environment, or else the .env file, says for `name`."""
    if name in os.environ:
        return os.environ[name]
    return str(_dotenv().get(name) or "")


def _dotenv() -> dict[str, str | None]:
    path = Path(".env")
    return dotenv_values(path) if path.is_file() else {}


def unknown_settings() -> list[str]:
    """A warning for each USAR_ name in the environment or .env that is no setting, with the closest one."""
    known = {f"USAR_{field.upper()}" for field in Settings.model_fields}
    given = {name for name in (*os.environ, *_dotenv()) if name.upper().startswith("USAR_")}
    warnings = []
    for name in sorted(given - known - NOT_SETTINGS):
        closest = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.75)
        hint = f" (did you mean {closest[0]}?)" if closest else ""
        warnings.append(f"warning: {name} is not a setting and is ignored{hint}")
    return warnings
