"""Personal numbers sealed at rest: national IDs, mobiles, what she types while she registers, and the lists
offices check before importing them are kept encrypted in the database (AES-GCM, `cryptography`), so that a
copy of the database file or of a backup gives none of them away (decision 0114).

- **Sealed columns** (`SealedText`, `SealedJSON`, `SealedBytes`) encrypt on the way in and decrypt on the way
  out, so code reads `family.national_id` as before. Each value is sealed under the newest key with a fresh
  nonce and the column's purpose as associated data (a value copied into another column does not open), and
  is stored as `NUMBER:CIPHERTEXT`, NUMBER naming the key. A sealed column can't be compared in SQL: the same
  value seals differently each time, and the comparison would silently find nothing, so it raises instead.
- **Look-ups** go through a keyed hash of the value (`key_of`: HMAC-SHA256, 128 bits), kept in its own
  indexed column (`national_id_key`, `mobile_key`) which also keeps them unique; the last four digits are kept
  in clear (`national_id_tail`, `mobile_tail`) for staff's search and the masked display.
- **Keys** are numbered, 32 random bytes each, from `USAR_DATA_KEY` or the key file (bot/keys.py). The
  highest number seals; every key opens what it sealed; key 1 also makes the look-up keys, so it stays for
  good. `usar keys rotate` adds a key and reseals every row under it while the service runs (`reseal`): a
  process re-reads the key file when it changes (at most once a second) and at once when it meets a key it
  does not know.

One keyring serves a process (`use`): the column types are called by SQLAlchemy without any context of ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary, Table, Text, select, tuple_, type_coerce, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")
KEY_BYTES = 32
NONCE_BYTES = 12
RELOAD_SECONDS = 1.0  # how often a process looks at the key file for a new key (a rotation)
LOOKUP_KEY = 1  # the key the look-up keys are made from: kept for good
FILE_HEADER = (
    "# Usar's data keys: they open the national IDs and mobiles in the database. Keep this file secret,\n"
    "# readable by Usar alone, and keep a copy apart from the database's backups: without it they can't be\n"
    "# read. Each line is a key's number and the key. The highest number seals; key 1 also makes the\n"
    "# look-up keys and stays for good; an older key opens what it sealed (backups made before a rotation).\n"
)


class NoKey(Exception):
    """No data key where one should be, or a value sealed under a key this process does not have."""


class KeyFormatError(ValueError):
    """A key file or USAR_DATA_KEY that does not read as keys."""


def _derived(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"usar " + purpose).derive(key)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def parse_keys(text: str) -> dict[int, bytes]:
    """Keys as the key file writes them (a number and a key a line, `#` comments) or as USAR_DATA_KEY gives
    them (`1:KEY,2:KEY`, or a lone KEY for key 1), each key 32 bytes in base64."""
    keys: dict[int, bytes] = {}
    entries = [
        line.strip()
        for part in text.splitlines()
        if not part.lstrip().startswith("#")
        for line in part.split(",")
        if line.strip()
    ]
    for entry in entries:
        number_text, _, key_text = entry.replace(":", " ").rpartition(" ")
        number_text = number_text.strip() or ("1" if len(entries) == 1 else "")
        try:
            number, key = int(number_text), base64.b64decode(key_text, validate=True)
        except ValueError:
            raise KeyFormatError("each key is a number and 32 bytes in base64, such as 1:q83v…") from None
        if number < 1 or len(key) != KEY_BYTES:
            raise KeyFormatError(f"key {number}: a key is numbered from 1 and is {KEY_BYTES} bytes in base64")
        if number in keys:
            raise KeyFormatError(f"key {number} is given twice")
        keys[number] = key
    if not keys:
        raise KeyFormatError("no key in it")
    if LOOKUP_KEY not in keys:
        raise KeyFormatError(f"key {LOOKUP_KEY} is missing: it makes the look-up keys and stays for good")
    return keys


def format_keys(keys: Mapping[int, bytes]) -> str:
    lines = (f"{number} {base64.b64encode(key).decode()}" for number, key in sorted(keys.items()))
    return FILE_HEADER + "\n".join(lines) + "\n"


def write_key_file(path: Path, keys: Mapping[int, bytes], *, new: bool = False) -> None:
    """The keys written whole, readable by their owner alone: a new file (`new`: never over one there), or
    in place of the old one at once (a rotation), so that a process re-reading it never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path if new else path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(format_keys(keys))
        file.flush()
        os.fsync(file.fileno())
    if not new:
        os.replace(target, path)


class Keyring:
    """A process's data keys: what seals and opens values, and makes look-up keys."""

    def __init__(
        self,
        keys: Mapping[int, bytes],
        file: Path | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.file = file
        self._clock = clock
        self._looked_at = clock()
        self._file_stamp = self._stamp()
        self._take(dict(keys))

    @classmethod
    def from_file(cls, path: Path, *, clock: Callable[[], float] = time.monotonic) -> Keyring:
        try:
            text = path.read_text(encoding="ascii")
        except UnicodeDecodeError:
            raise KeyFormatError(f"{path} is not a key file") from None
        return cls(parse_keys(text), path, clock=clock)

    def _take(self, keys: dict[int, bytes]) -> None:
        if LOOKUP_KEY not in keys:
            raise KeyFormatError(f"key {LOOKUP_KEY} is missing: it makes the look-up keys and stays for good")
        self.keys = keys
        self.current = max(keys)
        self._sealers = {number: AESGCM(_derived(key, b"seal")) for number, key in keys.items()}
        self._lookup = hmac.new(_derived(keys[LOOKUP_KEY], b"lookup"), digestmod=hashlib.sha256)

    def _stamp(self) -> tuple[int, int] | None:
        if self.file is None:
            return None
        try:
            found = self.file.stat()
        except OSError:
            return None
        return found.st_mtime_ns, found.st_size

    def reload(self) -> bool:
        """Read the key file again if it changed; whether a key was added."""
        self._looked_at = self._clock()
        stamp = self._stamp()
        if self.file is None or stamp == self._file_stamp:
            return False
        keys = parse_keys(self.file.read_text(encoding="ascii"))
        self._file_stamp = stamp
        added = set(keys) - set(self.keys)
        self._take({**self.keys, **keys})  # a key is never dropped while the process runs
        return bool(added)

    def _sealing(self) -> tuple[int, AESGCM]:
        if self.file is not None and self._clock() - self._looked_at >= RELOAD_SECONDS:
            self.reload()
        return self.current, self._sealers[self.current]

    def seal(self, plain: bytes, purpose: bytes) -> bytes:
        """`NUMBER:` then the nonce and the ciphertext, for a bytes column."""
        number, sealer = self._sealing()
        nonce = os.urandom(NONCE_BYTES)
        return b"%d:" % number + nonce + sealer.encrypt(nonce, plain, purpose)

    def open(self, sealed: bytes, purpose: bytes) -> bytes:
        number, body = _split(sealed)
        sealer = self._sealers.get(number)
        if sealer is None and self.reload():
            sealer = self._sealers.get(number)
        if sealer is None:
            raise NoKey(f"a value is sealed under key {number}, which this process does not have")
        try:
            return sealer.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], purpose)
        except InvalidTag:
            raise NoKey(f"a value under key {number} does not open: it was sealed with another key") from None

    def seal_text(self, plain: bytes, purpose: bytes) -> str:
        number, body = _split(self.seal(plain, purpose))
        return f"{number}:{base64.b64encode(body).decode()}"

    def open_text(self, sealed: str, purpose: bytes) -> bytes:
        number, _, body = sealed.partition(":")
        return self.open(number.encode() + b":" + base64.b64decode(body), purpose)

    def key_of(self, value: str) -> str:
        """The look-up key of a value in its normal form (a national ID's ten digits, a mobile's +966…)."""
        digest = self._lookup.copy()  # keyed once: a copy is cheaper than keying again
        digest.update(value.encode())
        return digest.hexdigest()[:32]

    def fingerprint(self, number: int) -> str:
        """What the database keeps of a key, to tell the right key from a wrong one: nothing it opens."""
        return hmac.new(self.keys[number], b"usar key fingerprint", hashlib.sha256).hexdigest()[:16]


def _split(sealed: bytes) -> tuple[int, bytes]:
    number, colon, body = sealed.partition(b":")
    if not colon or not number.isdigit():
        raise NoKey("a value that should be sealed is not")
    return int(number), body


def sealed_under(raw: str | bytes) -> int:
    """The number of the key a stored value was sealed under."""
    return _split(raw.encode() if isinstance(raw, str) else raw)[0]


_keyring: Keyring | None = None


def use(keyring: Keyring | None) -> None:
    """The keyring this process seals and opens with (bot.keys, at start; the tests, one of their own)."""
    global _keyring
    _keyring = keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise NoKey("no data key: start through bot.app, which reads USAR_DATA_KEY or the key file")
    return _keyring


def key_of(value: str) -> str:
    return keyring().key_of(value)


class _NotInSQL(TypeDecorator.Comparator[Any]):
    """A sealed column compares with NULL alone: any other comparison would silently match nothing."""

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        if op in (operators.is_, operators.is_not):
            return super().operate(op, *other, **kwargs)
        raise TypeError("a sealed column can't be compared in SQL: compare its look-up key (sealing.key_of)")

    def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
        raise TypeError("a sealed column can't be compared in SQL: compare its look-up key (sealing.key_of)")


class Sealed(TypeDecorator[T]):
    """A column kept sealed; `purpose` names it (the associated data). Its kinds below say what it holds."""

    comparator_factory = _NotInSQL

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose


class SealedText(Sealed[str]):
    """Text kept sealed."""

    impl = Text
    cache_ok = True  # SQLAlchemy reads it on each class itself

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring().seal_text(value.encode(), self.purpose.encode())

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring().open_text(value, self.purpose.encode()).decode()


class SealedJSON(Sealed[Any]):
    """A JSON value kept sealed (what she has typed so far in a conversation)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return keyring().seal_text(plain, self.purpose.encode())

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(keyring().open_text(value, self.purpose.encode()))


class SealedBytes(Sealed[bytes]):
    """A file kept sealed (an office's list waiting to be imported)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else keyring().seal(value, self.purpose.encode())

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else keyring().open(bytes(value), self.purpose.encode())


def sealed_columns(tables: list[Table]) -> Iterator[tuple[Table, list[str]]]:
    """Every table with sealed columns, and their names: what a rotation reseals (a new sealed column is
    resealed without telling it)."""
    for table in tables:
        names = [column.name for column in table.columns if isinstance(column.type, Sealed)]
        if names:
            yield table, names


@dataclass
class Resealed:
    rows: int = 0  # rows looked at
    values: int = 0  # values sealed again under the newest key
    last: tuple[Any, ...] | None = None  # where the next batch starts


def reseal_batch(session: Session, table: Table, names: list[str], after: Resealed, size: int) -> Resealed:
    """One batch of `table`'s rows, in primary-key order after `after.last`: each value sealed under an older
    key is sealed again under the newest, written only if nobody changed it meanwhile (a value she changes
    at this moment is sealed under the newest key already, or met by the next pass)."""
    ring = keyring()
    key = list(table.primary_key.columns)
    raw = [_as_stored(table, name) for name in names]
    query = select(*key, *raw).order_by(*key).limit(size)
    if after.last is not None:
        query = query.where(tuple_(*key) > tuple_(*after.last))
    rows = session.execute(query).all()
    done = Resealed(after.rows + len(rows), after.values, tuple(rows[-1][: len(key)]) if rows else None)
    for row in rows:
        for index, name in enumerate(names):
            stored = row[len(key) + index]
            if stored is None or sealed_under(stored) == ring.current:
                continue
            purpose = _sealed(table, name).purpose.encode()
            if isinstance(stored, str):
                again: str | bytes = ring.seal_text(ring.open_text(stored, purpose), purpose)
            else:
                again = ring.seal(ring.open(bytes(stored), purpose), purpose)
            changed = session.execute(
                update(table)
                .where(*(part == value for part, value in zip(key, row[: len(key)], strict=True)))
                .where(raw[index] == stored)
                .values({table.c[name]: type_coerce(again, _sealed(table, name).impl_instance)})
            )
            done.values += changed.rowcount  # type: ignore[attr-defined]
    return done


def _sealed(table: Table, name: str) -> Sealed[Any]:
    kind = table.c[name].type
    assert isinstance(kind, Sealed)
    return kind


def _as_stored(table: Table, name: str) -> Any:
    """The column as it is stored (sealed), not opened on the way out."""
    return type_coerce(table.c[name], _sealed(table, name).impl_instance)


def under_older_keys(session: Session, table: Table, names: list[str]) -> int:
    """How many of `table`'s values are sealed under a key older than the newest."""
    ring = keyring()
    older = 0
    for name in names:
        column = _as_stored(table, name)
        for (stored,) in session.execute(select(column).where(column.is_not(None))):
            older += sealed_under(stored) != ring.current
    return older


def recorded_keys(session: Session, now: datetime) -> list[int]:
    """The database keeps a fingerprint of each key it has seen (`data_keys`): a key it knows that this
    process lacks, or has under another fingerprint, stops the start with a clear message rather than
    failing at the first family opened. Keys new to it are recorded; which, in order."""
    from storage.models import DataKey

    ring = keyring()
    known = {row.number: row.fingerprint for row in session.scalars(select(DataKey))}
    for number, fingerprint in known.items():
        if number not in ring.keys:
            raise NoKey(
                f"the database holds values sealed under key {number}, which is not in the keys given"
            )
        if ring.fingerprint(number) != fingerprint:
            raise NoKey(f"key {number} is not the key this database was sealed with")
    added = sorted(set(ring.keys) - set(known))
    session.add_all(
        DataKey(number=number, fingerprint=ring.fingerprint(number), added_at=now) for number in added
    )
    session.flush()
    return added
