"""WhatsApp taps: a reply's options as quick-reply buttons or a list, within WhatsApp's limits, Arabic labels
cut at a word with the whole label kept in the body, and long lists in pages of nine and "more"."""

from __future__ import annotations

from core.channel import Option, Reply
from handlers.whatsapp.taps import (
    BODY_MOST,
    BUTTON_TITLE,
    ITEM_DESCRIPTION,
    ITEM_TITLE,
    Shape,
    Words,
    more_page,
    pages,
    shortened,
    taps,
    whatsapp_length,
)

WORDS = Words(button="الخيارات", more="المزيد ⬅️")


def options(*labels: str) -> tuple[Option, ...]:
    return tuple(Option(label, f"menu:{number}") for number, label in enumerate(labels, start=1))


def test_two_answers_are_two_buttons_with_their_labels_whole() -> None:
    made = taps(Reply("هل ستحضرين؟", options("✅ سأحضر", "❌ لن أحضر")), WORDS)
    assert made is not None and made.shape is Shape.QUICK_REPLY
    assert [(item.title, item.id) for item in made.items] == [
        ("✅ سأحضر", "menu:1"),
        ("❌ لن أحضر", "menu:2"),
    ]
    assert made.body == "هل ستحضرين؟"  # nothing was cut: nothing is repeated


def test_a_long_arabic_label_is_cut_after_a_word_and_kept_whole_in_the_body() -> None:
    long = "لا، فبعض الجراثيم الخطيرة تتكاثر حتى تحت 5 درجات مئوية"
    made = taps(Reply("هل يكفي الثلج؟", options("نعم", long)), WORDS)
    assert made is not None
    title = made.items[1].title
    assert whatsapp_length(title) <= BUTTON_TITLE and title.endswith("…")
    assert long.startswith(title.removesuffix("…")) and long[len(title) - 1] == " "  # a whole word ends it
    assert made.body == f"هل يكفي الثلج؟\n• نعم\n• {long}"  # every answer whole: none stands out


def test_four_to_ten_options_are_one_list_with_a_button_in_her_language() -> None:
    menu = options("الدورات التدريبية", "نصائح سلامة الغذاء", "فرص المقاصف المدرسية", "خدمات مفيدة", "حسابي")
    made = taps(Reply("القائمة الرئيسية", menu), WORDS)
    assert made is not None and made.shape is Shape.LIST_PICKER and made.button == "الخيارات"
    assert [item.title for item in made.items] == [option.label for option in menu]
    assert all(item.description == "" for item in made.items)


def test_a_list_items_cut_title_has_the_rest_in_its_description() -> None:
    long = "اسم الطعام ومكوّناته وتاريخ إنتاجه وتاريخ انتهائه"
    made = taps(
        Reply("ماذا تكتبين على الملصق؟", options("السعر فقط", "اسم المنتج فقط", long, "لا شيء")), WORDS
    )
    assert made is not None
    item = made.items[2]
    assert whatsapp_length(item.title) <= ITEM_TITLE and item.title.endswith("…")
    assert item.description == long and whatsapp_length(long) <= ITEM_DESCRIPTION
    assert made.body == "ماذا تكتبين على الملصق؟"  # under its title, not again in the body


def test_a_label_longer_than_a_description_is_written_whole_in_the_body() -> None:
    longest = "اكتبي اسم الطعام ومكوّناته كلها وتاريخ إنتاجه وتاريخ انتهائه وطريقة حفظه ورقم جوالك للطلب"
    made = taps(Reply("ماذا تكتبين؟", options("السعر", "الاسم", "لا شيء", longest)), WORDS)
    assert made is not None and whatsapp_length(longest) > ITEM_DESCRIPTION
    assert made.items[3].description.endswith("…") and made.body == f"ماذا تكتبين؟\n• {longest}"


def test_more_than_ten_options_come_in_pages_of_nine_and_more() -> None:
    twelve = options(*(f"مكتب {number}" for number in range(1, 13)))
    reply = Reply("اختاري مكتبك", twelve)
    assert pages(reply) == 2
    first = taps(reply, WORDS, page=0)
    assert first is not None and len(first.items) == 10
    assert [item.id for item in first.items[:9]] == [option.payload for option in twelve[:9]]
    assert first.items[9].title == "المزيد ⬅️" and more_page(first.items[9].id) == 1
    second = taps(reply, WORDS, page=1)
    assert second is not None and [item.id for item in second.items] == ["menu:10", "menu:11", "menu:12"]
    assert taps(reply, WORDS, page=2) is None


def test_an_emoji_outside_the_basic_plane_counts_two() -> None:
    assert whatsapp_length("📆") == 2 and whatsapp_length("✅") == 1 and whatsapp_length("نعم") == 3
    label = "📆 أضيفيها إلى تقويمي هنا"  # 24 code points, 25 as WhatsApp counts them
    assert len(label) == 24 and shortened(label, ITEM_TITLE) == "📆 أضيفيها إلى تقويمي…"


def test_a_first_word_too_long_for_a_title_gives_its_number_and_no_reply_too_long_is_tapped() -> None:
    made = taps(Reply("اختاري", options("نعم", "لااااااااااااااااااااااااا")), WORDS)
    assert made is not None and made.items[1].title == "2"
    assert taps(Reply("ن" * (BODY_MOST + 1), options("نعم", "لا")), WORDS) is None
    assert taps(Reply("لا خيارات هنا"), WORDS) is None
    assert more_page("menu:1") is None and more_page("whatsapp:more:x") is None
    assert more_page("whatsapp:more:²") is None and more_page("whatsapp:more:12345") is None
