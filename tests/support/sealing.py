"""The tests' data key: fixed, so that a database made by one test process opens in the `usar` processes
it starts (they read it from USAR_DATA_KEY)."""

from __future__ import annotations

import base64
import hashlib

from storage.sealing import Keyring, parse_keys

TEST_KEY = hashlib.sha256(b"usar tests' data key").digest()
TEST_KEYS = f"1:{base64.b64encode(TEST_KEY).decode()}"


def keyring_of_the_tests() -> Keyring:
    return Keyring(parse_keys(TEST_KEYS))
