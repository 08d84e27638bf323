"""Normalising what people type, and the checks for names, national IDs and mobiles."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.engine.forms import Invalid
from conversations.engine.options import match_many, match_one
from core.channel import Option, Reply
from core.dates import hijri_date, long_date
from core.i18n import use_language
from core.text import LRM, directed, fold, normalise
from core.validators import luhn_valid, mask, person_name, saudi_mobile, saudi_national_id, with_check_digit
from handlers.telegram.replies import messages
from handlers.whatsapp.replies import bodies


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("١٢٣٤٥٦٧٨٩٠", "1234567890"),
        ("۱۲۳۴۵۶۷۸۹۰", "1234567890"),
        ("\u200f٠٥٥\u200e ١٢٣  ٤٥٦٧ ", "055 123 4567"),
        ("فاطـــمة", "فاطمة"),
        ("  two\n\tlines ", "two lines"),
    ],
)
def test_normalise_digits_marks_tatweel_and_spaces(typed: str, normal: str) -> None:
    assert normalise(typed) == normal


def test_fold_ignores_case_hamza_taa_marbuta_and_diacritics() -> None:
    assert fold("إلغاء") == fold("الغاء") == fold("الْغاء")
    assert fold("القائمة") == fold("القائمه")
    assert fold("Menu!") == "menu"


OFFERED = [
    {"payload": "cooked_meals", "labels": [fold("Cooked meals"), fold("وجبات مطبوخة")]},
    {"payload": "drinks", "labels": [fold("Drinks"), fold("مشروبات")]},
    {"payload": "sewing", "labels": [fold("Sewing"), fold("خياطة")]},
]


@pytest.mark.parametrize("typed", ["2", "٢", "2.", "drinks", "مشروبات", "DRINKS"])
def test_a_number_a_label_in_either_language_or_the_payload_choose_the_same(typed: str) -> None:
    assert match_one(OFFERED, typed) == "drinks"


@pytest.mark.parametrize("typed", ["0", "4", "juice", ""])
def test_what_names_no_option_chooses_nothing(typed: str) -> None:
    assert match_one(OFFERED, typed) is None


SCREEN = [
    {"payload": "next", "labels": [fold("Next tip"), fold("النصيحة التالية")]},
    {"payload": "quiz", "labels": [fold("Take the quiz"), fold("ابدئي الاختبار")]},
    {"payload": "topics", "labels": [fold("Another topic"), fold("موضوع آخر")]},
    {"payload": "menu", "labels": [fold("Main menu"), fold("القائمة الرئيسية")]},
    {"payload": "stage:primary", "labels": [fold("Primary school"), fold("مدرسة ابتدائية")]},
    {"payload": "stage:secondary", "labels": [fold("Secondary school"), fold("مدرسة ثانوية")]},
]


@pytest.mark.parametrize(
    ("typed", "chosen"),
    [
        ("التالي", "next"),  # the start of a word of the label
        ("الاختبار", "quiz"),
        ("quiz", "quiz"),
        ("primary", "stage:primary"),
        ("ابتدائية", "stage:primary"),
        ("another", "topics"),
        ("school", None),  # two options have it: neither is chosen
        ("مدرسة", None),
        ("no", None),  # too short to choose by
        ("next quiz", None),  # words of two options
        ("primary kids", None),  # a word of none
    ],
)
def test_a_word_of_one_option_chooses_it(typed: str, chosen: str | None) -> None:
    assert match_one(SCREEN, typed) == chosen


INVITATION = [
    {"payload": "rsvp:1:yes", "labels": [fold("✅ Going"), fold("✅ سأحضر")]},
    {"payload": "rsvp:1:no", "labels": [fold("❌ Not going"), fold("❌ لن أحضر")]},
]


@pytest.mark.parametrize("typed", ["أحضر", "احضر", "not", "going not"])
def test_part_of_an_option_that_says_not_never_chooses_it(typed: str) -> None:
    assert match_one(INVITATION, typed) is None
    assert match_one(INVITATION, "لن أحضر") == "rsvp:1:no"  # its whole label does
    assert match_one(INVITATION, "2") == "rsvp:1:no"


def test_several_options_at_once() -> None:
    assert match_many(OFFERED, "١، ٣") == ["cooked_meals", "sewing"]
    assert match_many(OFFERED, "drinks and sewing") == ["drinks", "sewing"]
    assert match_many(OFFERED, "1 9") is None


@pytest.mark.parametrize("valid", ["1000000008", "2000000006", "1010101010", "1 000 000 008", "١٠٠٠٠٠٠٠٠٨"])
def test_valid_national_ids(valid: str) -> None:
    assert saudi_national_id(normalise(valid)) == normalise(valid).replace(" ", "")


@pytest.mark.parametrize(
    "invalid", ["1000000009", "3000000004", "100000000", "10000000080", "10000000a8", ""]
)
def test_invalid_national_ids(invalid: str) -> None:
    with use_language("en"), pytest.raises(Invalid):
        saudi_national_id(invalid)


def test_luhn_is_the_saudi_id_check_digit() -> None:
    assert luhn_valid("1000000008") and not luhn_valid("1000000007")
    assert sum(luhn_valid(f"1{n:08d}{d}") for n in range(50) for d in range(10)) == 50  # one check digit each


@pytest.mark.parametrize(
    "typed",
    [
        "0551234567",
        "551234567",
        "966551234567",
        "+966551234567",
        "00966551234567",
        "055-123-4567",
        "(055) 123 4567",
    ],
)
def test_mobiles_in_every_usual_form_become_e164(typed: str) -> None:
    assert saudi_mobile(typed) == "+966551234567"


@pytest.mark.parametrize("typed", ["0451234567", "05512345", "055123456789", "+971551234567", "mobile", "+"])
def test_what_is_not_a_saudi_mobile_is_refused(typed: str) -> None:
    with use_language("ar"), pytest.raises(Invalid):
        saudi_mobile(typed)


@pytest.mark.parametrize("name", ["فاطمة الزهراني", "Mary-Ann O'Neil", "نُورة بنت سعد", "Ñandú Pérez"])
def test_names_of_letters_in_any_script(name: str) -> None:
    assert person_name(name) == name


@pytest.mark.parametrize("name", ["فاطمة", "Fatima 2", "@@ ##", "a " * 60])
def test_what_is_not_a_full_name_is_refused(name: str) -> None:
    with use_language("en"), pytest.raises(Invalid):
        person_name(name)


def test_mask_keeps_the_last_four() -> None:
    assert mask("1000000008") == "******0008"


def test_the_seed_forum_day_in_both_calendars() -> None:
    # The seed article's forum: Tuesday 15 Sha'ban 1439 AH, 1 May 2018.
    forum = date(2018, 5, 1)
    assert hijri_date(forum, "ar") == "15 شعبان 1439 هـ"
    with use_language("en"):
        assert long_date(forum) == "May 1, 2018 (15 Sha'ban 1439 AH)"
    with use_language("ar"):
        assert long_date(forum) == "1 مايو 2018 (15 شعبان 1439 هـ)"


def test_a_date_outside_the_hijri_tables_shows_gregorian_only() -> None:
    with use_language("en"):
        assert long_date(date(1900, 1, 1)) == "January 1, 1900"


def test_a_check_digit_makes_any_nine_digits_a_valid_id() -> None:
    assert with_check_digit("100000000") == "1000000008"
    assert all(saudi_national_id(with_check_digit(f"2{n:08d}")) for n in range(0, 10**8, 9_999_991))


def test_numbers_in_arabic_text_read_as_typed_on_a_phone() -> None:
    """Between left-to-right marks, a mobile keeps its + in front, a masked ID its stars, a span its order."""
    said = "الجوال: +966551234567\nالهوية: ******0008\nالدوام: 08:00–14:00.\nاختاري 1 أو 2"
    assert directed(said) == (
        f"الجوال: {LRM}+966551234567{LRM}\nالهوية: {LRM}******0008{LRM}\n"
        f"الدوام: {LRM}08:00–14:00{LRM}.\nاختاري 1 أو 2"
    )
    assert directed("Mobile: +966551234567") == "Mobile: +966551234567"  # English reads left to right
    assert directed("🗺️ https://maps.example/2026-12-01 خريطة") == "🗺️ https://maps.example/2026-12-01 خريطة"
    reply = Reply(text="رقم جوالك: +966551234567", options=(Option(label="نعم", payload="yes"),))
    assert messages(reply)[0].text == f"رقم جوالك: {LRM}+966551234567{LRM}"  # Telegram
    assert bodies([reply]) == [f"رقم جوالك: {LRM}+966551234567{LRM}\n1. نعم"]  # WhatsApp
