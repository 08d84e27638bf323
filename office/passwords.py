"""Console passwords: what one may be (`refusal`, the one policy of the console and the command line), and
argon2id hashes (argon2-cffi's defaults, RFC 9106's second choice: 64 MiB, 3 passes). A check takes a
noticeable part of a second on purpose; the console runs it off the event loop."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.i18n import _, ngettext

SHORTEST = 10  # characters
LONGEST = 1024  # characters: a longer one is never hashed (argon2 would take it, slowly), nor signs in

_hasher = PasswordHasher()
# Checked against when the login is unknown, so that an unknown login takes as long as a wrong password.
# Made at the first check, not at import: a hash takes 64 MiB and a part of a second, which a process that
# signs nobody in (a worker, a scheduler, most commands) should not pay at its start (decision 0119).
_nobody: str | None = None


def use(hasher: PasswordHasher) -> None:
    """Hash with other parameters from now on (tests: argon2's cheapest, their passwords guard nothing)."""
    global _hasher, _nobody
    _hasher, _nobody = hasher, None


def _nobodys() -> str:
    global _nobody
    if _nobody is None:
        _nobody = _hasher.hash("a password nobody has")
    return _nobody


def hashed(password: str) -> str:
    return _hasher.hash(password)


def matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _nobodys(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def refusal(password: str, login: str | None) -> str | None:
    """Why this cannot be her password, in a sentence in the reader's language; None if it can. `login`:
    hers, which her password must not be."""
    if len(password) < SHORTEST:
        return ngettext(
            "The password is too short: it needs at least %(count)d character.",
            "The password is too short: it needs at least %(count)d characters.",
            SHORTEST,
        )
    if len(password) > LONGEST:
        return ngettext(
            "The password is too long: it may have at most %(count)d character.",
            "The password is too long: it may have at most %(count)d characters.",
            LONGEST,
        )
    if not password.strip():
        return _("The password is only spaces: anyone could guess it. Use letters, digits or signs too.")
    if len(set(password)) == 1:
        return _("The password repeats one character: anyone could guess it. Mix several characters.")
    if login is not None and password.strip().casefold() == login.casefold():
        return _("The password is the login itself: anyone who knows the login could guess it.")
    return None
