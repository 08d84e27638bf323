"""Personal numbers never reach the logs."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import RedactingFilter, RedactingFormatter, configure, redact


def test_ids_and_phones_are_masked_wherever_they_appear() -> None:
    assert redact("id 1000000008 phone +966 55 123 4567 and 0551234567") == "id ***08 phone ***67 and ***67"
    assert redact("at 2026-11-28, 3 tries, 42 rows") == "at 2026-11-28, 3 tries, 42 rows"


def test_a_log_line_and_its_traceback_carry_no_national_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter("%(message)s"))
    log = logging.getLogger("usar.test")
    log.addHandler(handler)
    try:
        log.warning("lookup of %s failed", "1000000008")
        try:
            raise ValueError("duplicate key 1000000008")
        except ValueError:
            log.exception("saving +966551234567 failed")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "1000000008" not in written and "551234567" not in written
    assert "lookup of ***08 failed" in written and "duplicate key ***08" in written


def test_a_line_per_update_is_kept_for_debugging() -> None:
    try:
        configure("INFO")
        assert not logging.getLogger("aiogram.event").isEnabledFor(logging.INFO)
        assert logging.getLogger("aiogram.dispatcher").isEnabledFor(logging.INFO)  # polling started, stopped
        configure("DEBUG")
        assert logging.getLogger("aiogram.event").isEnabledFor(logging.INFO)
    finally:
        for name in ("aiogram.event", "alembic"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        logging.basicConfig(level=logging.WARNING, force=True)


def test_json_logs_are_one_object_a_line_masked_like_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        configure("INFO", "json")
        log = logging.getLogger("usar.test")
        log.info("registered %s", "0551234567")
        try:
            raise ValueError("duplicate key 1000000008\non two lines")
        except ValueError:
            log.exception("saving failed")
    finally:
        logging.basicConfig(level=logging.WARNING, force=True)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert (
        first["level"] == "INFO" and first["logger"] == "usar.test" and first["message"] == "registered ***67"
    )
    assert "ValueError: duplicate key ***08" in second["traceback"] and "1000000008" not in lines[1]
