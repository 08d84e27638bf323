"""Waiting for what the code under test logs: an event set when a line has been said often enough."""

from __future__ import annotations

import asyncio
import logging


class Counted(logging.Handler):
    """Counts the lines saying `words`; `reached` is set at `enough` of them."""

    def __init__(self, words: str, enough: int) -> None:
        super().__init__()
        self.words, self.enough, self.count, self.reached = words, enough, 0, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.count += self.words in record.getMessage()
        if self.count >= self.enough:
            self.reached.set()
