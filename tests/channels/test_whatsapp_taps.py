"""WhatsApp's taps end to end: every choice inside the 24 hours arrives as buttons or a list (content
templates the service makes in the fake Twilio when it starts), and what she taps comes back as Twilio posts
it: a button's payload, a list item's id."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.service import Service
from conversations.engine.choices import ShowEvent
from core.channel import Channel, Inbound, Option, Reply
from handlers.whatsapp.inbound import inbound_from_form
from handlers.whatsapp.sender import WhatsAppSender, twilio_client
from handlers.whatsapp.tap_templates import RETRY, SHAPES, TapTemplates
from handlers.whatsapp.taps import pages
from office import event_notices
from storage import events
from storage.audiences import Audience
from storage.db import Database
from storage.models import Beneficiary, Office
from tests.support.builders import FORUM
from tests.support.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BUSINESS,
    FakeTwilio,
    OnWhatsApp,
    shown_taps,
    template_type,
    whatsapp_settings,
)
from tests.support.people import Clock
from tests.support.reads import guest_statuses

REFUSED = "replies go as numbered text, not taps"


@pytest.fixture
async def whatsapp(
    fake_twilio: FakeTwilio, database: Database, database_url: str, clock: Clock
) -> AsyncIterator[Service]:
    settings = whatsapp_settings(database_url, api_base=fake_twilio.url)
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
def fatima(whatsapp: Service, fake_twilio: FakeTwilio) -> OnWhatsApp:
    return OnWhatsApp(whatsapp, "+966551234567", twilio=fake_twilio)


async def settled(service: Service) -> None:
    """Once the templates of taps the service was looking for in the background are found or made."""
    [sender] = [channel.sender for channel in service.channels if isinstance(channel.sender, WhatsAppSender)]
    assert sender.tap_templates is not None
    await sender.tap_templates.settled()


def titles(her: OnWhatsApp) -> list[str]:
    return [title for title, _id, _about in her.taps]


async def test_a_registration_on_whatsapp_by_taps_and_her_name_and_id_typed(
    whatsapp: Service, fatima: OnWhatsApp, fake_twilio: FakeTwilio, database: Database
) -> None:
    assert len(fake_twilio.contents) == len(SHAPES)  # made when the service started
    welcome = await fatima.says("السلام عليكم")
    assert "كيف يمكنني مساعدتك؟\n[الخيارات]\n• تسجيل أسرتي\n• عن مشروع أسر" in welcome  # a list
    assert fatima.tap_type == "twilio/list-picker" and "1. " not in welcome
    assert "ما اسمك الكامل؟" in await fatima.taps_on("تسجيل أسرتي")
    await fatima.says("فاطمة أحمد الزهراني")
    office = await fatima.says("١٠٠٠٠٠٠٠٠٨")
    assert "[مكة المكرمة]  [الجموم]  [جدة]" in office and fatima.tap_type == "twilio/quick-reply"
    assert "ماذا تنتج أسرتك؟" in await fatima.taps_on("جدة")
    assert "• ✅ وجبات مطبوخة" in await fatima.taps_on("وجبات مطبوخة")  # chosen, and still on the list
    assert "[نعم]  [لا]" in await fatima.taps_on("تم")  # a health certificate?
    await fatima.taps_on("نعم")
    assert "[أوافق]  [لا أوافق]" in await fatima.taps_on("لا")  # a canteen? no; consent
    summary = await fatima.taps_on("أوافق")
    assert "المكتب: جدة" in summary and titles(fatima) == ["حفظ", "تعديل إجابة"]
    assert "القائمة الرئيسية" in await fatima.taps_on("حفظ")
    [family] = await database.run(lambda s: s.scalars(select(Beneficiary)).all())
    assert (family.national_id, family.office_code, family.products) == (
        "1000000008",
        "jeddah",
        ["cooked_meals"],
    )
    # Every turn with options went as taps; those without (her name, her ID) in the webhook's response.
    assert all("ContentSid" in sent for sent in fake_twilio.created) and len(fake_twilio.created) == 9


async def test_typing_the_number_or_the_words_still_chooses(fatima: OnWhatsApp) -> None:
    await fatima.says("مرحبا")
    assert "ما اسمك الكامل؟" in await fatima.says("١")
    await fatima.says("فاطمة أحمد")
    await fatima.says("1000000008")
    assert "ماذا تنتج أسرتك؟" in await fatima.says("جده")


async def test_a_tap_on_an_old_message_is_answered_with_where_she_is(fatima: OnWhatsApp) -> None:
    await fatima.says("مرحبا")
    menu = list(fatima.taps)
    await fatima.taps_on("تسجيل أسرتي")
    await fatima.says("فاطمة أحمد")
    heard = await fatima.taps_on("عن مشروع أسر", among=menu)  # the welcome's list, tapped again
    assert "هذا الخيار لم يعد متاحاً. لنكمل من حيث توقفنا:" in heard
    assert "رقم هويتك" in heard and "فاطمة أحمد" not in heard  # her name kept, not taken for her ID


async def test_a_tap_of_a_template_we_did_not_make_reads_as_her_words(fatima: OnWhatsApp) -> None:
    await fatima.says("مرحبا")
    await fatima.post({"Body": "تسجيل أسرتي", "ButtonPayload": "تسجيل أسرتي", "ButtonText": "تسجيل أسرتي"})
    assert "ما اسمك الكامل؟" in "\n".join(fatima.heard)


async def test_a_long_list_comes_in_pages_of_nine_with_long_names_cut_at_a_word(
    fatima: OnWhatsApp, database: Database, fake_twilio: FakeTwilio
) -> None:
    long_name = "مكتب الضمان الاجتماعي بمحافظة الجموم الشمالية"  # 46 letters: more than a list item's 24

    def more_offices(session: object) -> None:
        for number in range(1, 10):
            session.add(  # type: ignore[attr-defined]
                Office(
                    code=f"o{number}",
                    name_ar=f"مكتب {number}",
                    name_en=f"Office {number}",
                    position=10 + number,
                )
            )
        session.add(Office(code="north", name_ar=long_name, name_en="North", position=30))  # type: ignore[attr-defined]

    await database.run(more_offices)
    await fatima.says("مرحبا")
    await fatima.taps_on("تسجيل أسرتي")
    await fatima.says("فاطمة أحمد")
    first = await fatima.says("1000000008")
    assert len(fatima.taps) == 10 and titles(fatima)[-1] == "خيارات أخرى"  # nine offices and "more"
    assert titles(fatima)[:3] == ["مكة المكرمة", "الجموم", "جدة"] and "مكتب 6" in titles(fatima)
    assert "مكتب 7" not in first
    second = await fatima.taps_on("خيارات أخرى")
    assert "ما مكتب الضمان الاجتماعي الذي يخدمك؟" in second
    assert titles(fatima) == ["مكتب 7", "مكتب 8", "مكتب 9", "مكتب الضمان الاجتماعي…"]
    assert long_name not in second.split("\n[")[0]  # cut after a whole word, and whole under its title:
    [(_title, _id, description)] = [item for item in fatima.taps if item[0].endswith("…")]
    assert description == long_name
    assert "ماذا تنتج أسرتك؟" in await fatima.taps_on("مكتب الضمان الاجتماعي…")


async def test_when_the_content_api_fails_she_gets_numbered_text_and_taps_come_back_later(
    fake_twilio: FakeTwilio,
    database: Database,
    database_url: str,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_twilio.fail_content(503, 20500, "Service unavailable")
    settings = whatsapp_settings(database_url, api_base=fake_twilio.url)
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    with caplog.at_level(logging.WARNING):
        await service.start()
        try:
            fatima = OnWhatsApp(service, "+966551234567", twilio=fake_twilio)
            assert "1. تسجيل أسرتي\n2. عن مشروع أسر" in await fatima.says("مرحبا")  # in the response, as text
            assert "ما اسمك الكامل؟" in await fatima.says("١")
            assert fake_twilio.created == []  # nothing went through the REST API
            assert sum(REFUSED in record.message for record in caplog.records) == 1  # said once

            clock.advance(seconds=RETRY.total_seconds() + 1)
            await fatima.says("فاطمة أحمد")
            assert "1. مكة المكرمة" in await fatima.says("1000000008")  # the templates looked for meanwhile
            await settled(service)
            assert "• وجبات مطبوخة" in await fatima.says("جدة")  # taps again
            assert len(fake_twilio.contents) == len(SHAPES)
        finally:
            await service.stop()


async def test_a_template_deleted_in_twilio_means_text_for_that_reply_and_the_template_made_again(
    whatsapp: Service,
    fatima: OnWhatsApp,
    fake_twilio: FakeTwilio,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await fatima.says("مرحبا")
    fake_twilio.delete_contents()
    with caplog.at_level(logging.WARNING):
        heard = await fatima.says("عن المشروع")
        assert "1. " in heard and "[" not in heard  # the refused reply went as numbered text
        await fatima.says("مرحبا")
    assert sum(REFUSED in record.message for record in caplog.records) == 1
    clock.advance(seconds=(RETRY + timedelta(seconds=1)).total_seconds())
    assert "1. " in await fatima.says("مرحبا")  # the templates looked for meanwhile, in the background
    await settled(whatsapp)
    assert "[الخيارات]" in await fatima.says("مرحبا")
    assert len(fake_twilio.contents) == len(SHAPES)  # made again
    sent = fake_twilio.created[-1]
    assert fake_twilio.content(sent["ContentSid"]) is not None and json.loads(sent["ContentVariables"])


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 10, 11, 19])
async def test_each_shape_is_sent_and_each_tap_comes_back_as_its_option(
    fake_twilio: FakeTwilio, database: Database, clock: Clock, count: int
) -> None:
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, fake_twilio.url)
    tap_templates = TapTemplates(client, database, clock)
    await tap_templates.ready()  # as `usar run` does at its start
    sender = WhatsAppSender(client, BUSINESS, {}, None, clock, tap_templates)
    options = tuple(Option(f"تدريب رقم {n}", ShowEvent(n).pack()) for n in range(1, count + 1))
    try:
        for page in range(pages(Reply("اختاري تدريباً", options))):
            asked = Inbound(Channel.WHATSAPP, "+966551234567", clock.now, page=page)
            left = await sender.answer(asked, [Reply("اختاري تدريباً", options)])
            assert left == []  # all sent through the REST API
            sent = fake_twilio.created[-1]
            template = fake_twilio.content(sent["ContentSid"])
            assert template is not None
            body, _button, items = shown_taps(template, json.loads(sent["ContentVariables"]))
            kind = "twilio/quick-reply" if count <= 3 else "twilio/list-picker"
            assert body == "اختاري تدريباً" and template_type(template) == kind
            shown = options[page * 9 : page * 9 + 9] if count > 10 else options
            assert [title for title, _id, _about in items[: len(shown)]] == [o.label for o in shown]
            for (_title, tapped, _about), option in zip(items, shown, strict=False):
                field = "ListId" if kind == "twilio/list-picker" else "ButtonPayload"
                inbound = inbound_from_form({"From": "whatsapp:+966551234567", field: tapped}, clock.now)
                assert inbound is not None and (inbound.payload, inbound.text) == (option.payload, "")
            if count > 10 and page < pages(Reply("", options)) - 1:  # the last item opens the next page
                more = {"From": "whatsapp:+966551234567", "ListId": items[-1][1], "ListTitle": items[-1][0]}
                opened = inbound_from_form(more, clock.now)
                assert items[-1][0] == "خيارات أخرى" and opened is not None and opened.page == page + 1
    finally:
        await client.http_client.close()


async def sender_with_taps(
    fake_twilio: FakeTwilio, database: Database, clock: Clock
) -> AsyncIterator[WhatsAppSender]:
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, fake_twilio.url)
    tap_templates = TapTemplates(client, database, clock)
    await tap_templates.ready()
    yield WhatsAppSender(client, BUSINESS, {}, None, clock, tap_templates)
    await client.http_client.close()


async def test_a_message_the_rest_api_refuses_and_those_after_it_go_in_the_response_once(
    fake_twilio: FakeTwilio, database: Database, clock: Clock
) -> None:
    yes_no = (Option("نعم", ShowEvent(1).pack()), Option("لا", ShowEvent(2).pack()))
    replies = [Reply("السؤال الأول", yes_no), Reply("السؤال الثاني", yes_no), Reply("شكراً")]
    async for sender in sender_with_taps(fake_twilio, database, clock):
        fake_twilio.fail_next(503, 20500, "Service unavailable", after=1)  # the second message fails
        left = await sender.answer(Inbound(Channel.WHATSAPP, "+966551234567", clock.now), replies)
        [first] = fake_twilio.created
        assert json.loads(first["ContentVariables"])["1"] == "السؤال الأول"  # sent, and not again:
        assert left == ["السؤال الثاني\n1. نعم\n2. لا", "شكراً"]
        fake_twilio.fail_next(400, 21211, "Invalid 'To' Phone Number")  # about her number, not the taps
        assert len(await sender.answer(Inbound(Channel.WHATSAPP, "+966", clock.now), replies[:1])) == 1
        await sender.answer(Inbound(Channel.WHATSAPP, "+966551234567", clock.now), replies[:1])
        assert "ContentSid" in fake_twilio.created[-1]  # taps are still on


INVITATION = "HX" + "b" * 32  # the approved invitation template: its buttons send {{2}} and {{3}}
APPROVED_INVITATION = {
    "sid": INVITATION,
    "friendly_name": "usar_invitation_ar",
    "language": "ar",
    "variables": {"1": "دعوة", "2": "rsvp:1:yes", "3": "rsvp:1:no"},
    "types": {
        "twilio/quick-reply": {
            "body": "دعوة من مكتبك:\n{{1}}\nنرجو الرد.",
            "actions": [
                {"type": "QUICK_REPLY", "title": "✅ سأحضر", "id": "{{2}}"},
                {"type": "QUICK_REPLY", "title": "❌ لن أحضر", "id": "{{3}}"},
            ],
        }
    },
}


async def registers_by_taps(her: OnWhatsApp, name: str, national_id: str, office: str) -> None:
    await her.says("السلام عليكم")
    await her.taps_on("تسجيل أسرتي")
    await her.says(name)
    await her.says(national_id)
    await her.taps_on(office)
    await her.taps_on("وجبات مطبوخة")
    await her.taps_on("تم")
    await her.taps_on("نعم")
    await her.taps_on("لا")
    await her.taps_on("أوافق")
    assert "القائمة الرئيسية" in await her.taps_on("حفظ")


async def test_outside_the_24_hours_an_invitation_is_answered_with_one_tap_of_its_template(
    fake_twilio: FakeTwilio, database: Database, database_url: str, clock: Clock
) -> None:
    fake_twilio.contents.append(APPROVED_INVITATION)
    settings = whatsapp_settings(database_url, api_base=fake_twilio.url)
    settings.whatsapp_templates = {"invitation": INVITATION}
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    try:
        fatima = OnWhatsApp(service, "+966551234567", twilio=fake_twilio)
        noura = OnWhatsApp(service, "+966551234568", twilio=fake_twilio)
        await registers_by_taps(fatima, "فاطمة أحمد", "1000000008", "مكة المكرمة")
        await registers_by_taps(noura, "نورة سعد", "1000000016", "مكة المكرمة")
        one_place = replace(FORUM, capacity=1)
        forum = await database.run(
            lambda s: (
                events.create(s, one_place, Audience(offices=("makkah",)), clock.now, "900", clock.now).id
            )
        )
        clock.advance(hours=25)  # both wrote more than a day ago: only an approved template reaches them
        await database.run(lambda s: event_notices.invite_due(s, clock.now))
        before = len(fake_twilio.created)
        await service.dispatch_due()
        invitations = [sent for sent in fake_twilio.created[before:] if sent.get("ContentSid") == INVITATION]
        assert len(invitations) == 2
        filled = json.loads(invitations[0]["ContentVariables"])
        assert (
            "ملتقى الأسر المنتجة" in filled["1"] and "\n" not in filled["1"]
        )  # WhatsApp refuses line breaks
        assert "قاعة الغرفة التجارية، مكة · 🗺️" in filled["1"]
        assert (filled["2"], filled["3"]) == (f"rsvp:{forum}:yes", f"rsvp:{forum}:no")
        for her in (fatima, noura):
            [shown] = her.arrived(before)  # the invitation, on her phone
            assert shown.startswith("دعوة من مكتبك:") and shown.endswith("[✅ سأحضر]  [❌ لن أحضر]")
        invitation = list(fatima.taps)

        assert "سُجّلتِ في «ملتقى الأسر المنتجة»" in await fatima.taps_on("✅ سأحضر")
        assert "فأصبحتِ على قائمة الانتظار" in await noura.taps_on("✅ سأحضر")  # one place: hers is taken
        heard = await fatima.taps_on("❌ لن أحضر", among=invitation)  # she changes her mind
        assert "سجّلنا أنك لن تحضري «ملتقى الأسر المنتجة»" in heard
        before = len(fake_twilio.created)
        await service.dispatch_due()
        [promoted] = noura.arrived(before)  # the place is Noura's; she wrote just now: taps, not a template
        assert "وهو لك" in promoted and noura.taps[1][0] == "❌ لن أحضر"
        assert await guest_statuses(database, forum) == {1: "not_going", 2: "going"}  # Fatima, Noura
    finally:
        await service.stop()
