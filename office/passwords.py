"""Console passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second choice: 64 MiB, 3 passes).
A check takes a noticeable part of a second on purpose; the console runs it off the event loop."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked against when the login is unknown, so that an unknown login takes as long as a wrong password.
_nobody = _hasher.hash("a password nobody has")


def use(hasher: PasswordHasher) -> None:
    """Hash with other parameters from now on (tests: argon2's cheapest, their passwords guard nothing)."""
    global _hasher, _nobody
    _hasher, _nobody = hasher, hasher.hash("a password nobody has")


def hashed(password: str) -> str:
    return _hasher.hash(password)


def matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _nobody, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
