"""The content templates of WhatsApp's taps, made once through Twilio's Content API (the fake's) by `usar
whatsapp setup`: one per shape, their SIDs kept in the database, found again rather than made twice, and a
refusal said without keeping anything half made."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.cli import whatsapp
from core.channel import Option, Reply
from handlers.whatsapp.tap_templates import SHAPES, definition, shape_of, variables
from handlers.whatsapp.taps import Shape, Words, taps
from storage import tap_templates
from storage.db import Database
from tests.support.fake_twilio import FakeTwilio, whatsapp_settings

SETUP = argparse.Namespace(action="setup")


async def setup(fake: FakeTwilio, database_url: str) -> int:
    settings = whatsapp_settings(database_url).model_copy(update={"twilio_api_base": fake.url})
    return await whatsapp.run(SETUP, settings)


async def test_setup_makes_one_template_per_shape_once_and_keeps_their_sids(
    fake_twilio: FakeTwilio, database: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await setup(fake_twilio, database_url) == 0
    names = sorted(content["friendly_name"] for content in fake_twilio.contents)
    assert len(names) == len(SHAPES) == 13 and "usar_taps_quick_reply_3" in names
    kept = await database.run(tap_templates.sids)
    assert kept == {
        shape.name: next(c["sid"] for c in fake_twilio.contents if c["friendly_name"] == shape.friendly_name)
        for shape in SHAPES
    }
    assert "13 made now" in capsys.readouterr().out

    assert await setup(fake_twilio, database_url) == 0  # again: nothing made twice
    assert len(fake_twilio.contents) == 13 and "13 kept already" in capsys.readouterr().out


async def test_templates_made_before_are_found_in_twilio_by_name(
    fake_twilio: FakeTwilio, database: Database, database_url: str, tmp_path: Path
) -> None:
    assert await setup(fake_twilio, database_url) == 0
    other = f"sqlite:///{tmp_path}/another.db"  # a new database, the same Twilio account
    assert await setup(fake_twilio, other) == 0
    assert len(fake_twilio.contents) == 13
    again = Database(other)
    assert await again.run(tap_templates.sids) == await database.run(tap_templates.sids)
    await again.dispose()


async def test_a_refusal_is_said_and_nothing_is_kept(
    fake_twilio: FakeTwilio, database: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_twilio.fail_content(503, 20500, "Service unavailable")
    assert await setup(fake_twilio, database_url) == 1
    assert "Content API did not make the templates" in capsys.readouterr().err
    assert await database.run(tap_templates.sids) == {}


def test_a_templates_variables_are_its_messages_words() -> None:
    made = taps(
        Reply("هل ستحضرين؟", (Option("✅ سأحضر", "rsvp:1:yes"), Option("❌ لن أحضر", "rsvp:1:no"))),
        Words("الخيارات", "المزيد"),
    )
    assert made is not None and made.shape is Shape.QUICK_REPLY
    shape = shape_of(made)
    asked = definition(shape)["types"]["twilio/quick-reply"]
    filled = variables(made)
    assert asked["body"] == "{{1}}" and filled["1"] == "هل ستحضرين؟"
    assert [(filled[a["title"][2:-2]], filled[a["id"][2:-2]]) for a in asked["actions"]] == [
        ("✅ سأحضر", "rsvp:1:yes"),
        ("❌ لن أحضر", "rsvp:1:no"),
    ]
    menu = taps(
        Reply("القائمة", tuple(Option(f"خيار {n}", f"menu:{n}") for n in range(1, 6))),
        Words("الخيارات", "المزيد"),
    )
    assert menu is not None
    listed = definition(shape_of(menu))["types"]["twilio/list-picker"]
    filled = variables(menu)
    assert filled[listed["button"][2:-2]] == "الخيارات"
    assert [filled[item["id"][2:-2]] for item in listed["items"]] == [f"menu:{n}" for n in range(1, 6)]
