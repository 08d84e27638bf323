"""The shipped content: the food-safety and nutrition library (topics, tips, quizzes) and the useful services.

Both files are read with tomllib exactly as the bot reads them; these tests check that they are complete,
in both languages, and that every tip and question names the public guidance it follows.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

CONTENT = Path(__file__).resolve().parents[2] / "locales" / "data"
TIPS_FILE = CONTENT / "tips.toml"
SERVICES_FILE = CONTENT / "services.toml"

TOPICS = (
    "clean",
    "separate",
    "cook",
    "temperatures",
    "storing",
    "packaging",
    "transport",
    "water",
    "canteen",
    "children",
)
MIN_TIPS_PER_TOPIC = 6
QUIZZES_PER_TOPIC = 3
MIN_TIPS = 60
OPTIONS = 3

# The fields of each kind of item; a misspelt field name would otherwise be silently ignored.
TOPIC_FIELDS = {"id", "ar", "en"}
TIP_FIELDS = {"id", "topic", "ar", "en", "source", "source_ar"}
QUIZ_FIELDS = {
    "id",
    "source_ar",
    "topic",
    "question_ar",
    "question_en",
    "options_ar",
    "options_en",
    "answer",
    "explain_ar",
    "explain_en",
    "source",
}
SERVICE_FIELDS = {"id", "name_ar", "name_en", "about_ar", "about_en", "how_ar", "how_en", "link"}
SERVICE_OPTIONAL = {"phone", "offices"}  # a phone where one is known; the offices it is for (none: all)

# The database's column widths (storage/models.py).
MAX_ID = 32
MAX_SOURCE = 300

# Letters only: Arabic-Indic digits and Arabic punctuation alone do not make a text Arabic.
ARABIC_LETTER = re.compile(
    r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFC]"
)
ID = re.compile(r"[a-z][a-z0-9-]*")

Item = dict[str, Any]


@cache
def read(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def topics() -> list[Item]:
    return list(read(TIPS_FILE).get("topic", []))


def tips() -> list[Item]:
    return list(read(TIPS_FILE).get("tip", []))


def quizzes() -> list[Item]:
    return list(read(TIPS_FILE).get("quiz", []))


def services() -> list[Item]:
    return list(read(SERVICES_FILE).get("service", []))


def texts_in(item: Item, language: str) -> dict[str, str]:
    """The item's texts in one language ("ar" or "en") by field name; a list gives one entry per element."""
    found: dict[str, str] = {}
    for field, value in item.items():
        if field != language and not field.endswith(f"_{language}"):
            continue
        if isinstance(value, list):
            found.update({f"{field}[{n}]": element for n, element in enumerate(value)})
        else:
            found[field] = value
    return found


def blank_texts(item: Item) -> list[str]:
    return [
        f"{item.get('id')}.{field}"
        for language in ("ar", "en")
        for field, text in texts_in(item, language).items()
        if not isinstance(text, str) or not text.strip()
    ]


def duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def unexpected_fields(items: list[Item], expected: set[str]) -> list[str]:
    return [f"{item.get('id')}: {sorted(set(item) ^ expected)}" for item in items if set(item) != expected]


def has_arabic(text: str) -> bool:
    return ARABIC_LETTER.search(text) is not None


def everything() -> list[Item]:
    return topics() + tips() + quizzes() + services()


def labelled_texts(items: list[Item], language: str) -> list[tuple[str, str]]:
    """(`id.field`, text) for every text in `language`."""
    return [
        (f"{item['id']}.{field}", text) for item in items for field, text in texts_in(item, language).items()
    ]


def has_three_distinct_options(quiz: Item, field: str) -> bool:
    options = quiz[field]
    return isinstance(options, list) and len(options) == OPTIONS and len(set(options)) == OPTIONS


def answer_is_an_option(quiz: Item) -> bool:
    answer = quiz["answer"]
    return type(answer) is int and 1 <= answer <= OPTIONS


def has_source(item: Item) -> bool:
    source = item["source"]
    return isinstance(source, str) and bool(source.strip()) and len(source) <= MAX_SOURCE


def link_is_empty_or_https(service: Item) -> bool:
    link = service["link"]
    return isinstance(link, str) and (link == "" or link.startswith("https://"))


# -- topics -------------------------------------------------------------------------------------------------


def test_the_ten_topics_come_in_order() -> None:
    assert [topic["id"] for topic in topics()] == list(TOPICS)


def test_every_topic_is_named_in_both_languages() -> None:
    assert unexpected_fields(topics(), TOPIC_FIELDS) == []
    assert [blank for topic in topics() for blank in blank_texts(topic)] == []


# -- tips ---------------------------------------------------------------------------------------------------


def test_the_library_holds_at_least_sixty_tips() -> None:
    assert len(tips()) >= MIN_TIPS


def test_every_topic_has_at_least_six_tips() -> None:
    per_topic = Counter(tip["topic"] for tip in tips())
    assert {topic: per_topic[topic] for topic in TOPICS if per_topic[topic] < MIN_TIPS_PER_TOPIC} == {}


def test_every_tip_belongs_to_a_known_topic() -> None:
    assert [tip["id"] for tip in tips() if tip["topic"] not in TOPICS] == []


def test_tip_ids_are_unique_and_named_after_their_topic() -> None:
    ids = [tip["id"] for tip in tips()]
    assert duplicates(ids) == []
    assert [tip["id"] for tip in tips() if not re.fullmatch(rf"{tip['topic']}-\d\d", tip["id"])] == []


def test_every_tip_has_exactly_the_expected_fields() -> None:
    assert unexpected_fields(tips(), TIP_FIELDS) == []


def test_every_tip_is_written_in_both_languages() -> None:
    assert [blank for tip in tips() for blank in blank_texts(tip)] == []


def test_arabic_readers_read_one_digit_style_and_sources_in_arabic_without_notes() -> None:
    """Latin digits in Arabic text, as in the dates, times and counts the bot writes; the source in Arabic."""
    arabic_texts = [
        (item["id"], text)
        for item in [*tips(), *quizzes()]
        for key in ("ar", "question_ar", "explain_ar", "source_ar", "options_ar")
        for text in ([item[key]] if isinstance(item.get(key), str) else item.get(key, []))
    ]
    assert [name for name, text in arabic_texts if re.search("[٠-٩]", text)] == []
    assert [
        item["id"] for item in [*tips(), *quizzes()] if not re.search("[\u0600-\u06ff]", item["source_ar"])
    ] == []
    assert [item["id"] for item in [*tips(), *quizzes()] if "(why)" in item["source"]] == []


# -- quizzes ------------------------------------------------------------------------------------------------


def test_every_topic_has_exactly_three_questions() -> None:
    per_topic = Counter(quiz["topic"] for quiz in quizzes())
    assert {topic: per_topic[topic] for topic in TOPICS} == dict.fromkeys(TOPICS, QUIZZES_PER_TOPIC)


def test_every_question_belongs_to_a_known_topic() -> None:
    assert [quiz["id"] for quiz in quizzes() if quiz["topic"] not in TOPICS] == []


def test_question_ids_are_unique_and_named_after_their_topic() -> None:
    ids = [quiz["id"] for quiz in quizzes()]
    assert duplicates(ids) == []
    assert [quiz["id"] for quiz in quizzes() if not re.fullmatch(rf"{quiz['topic']}-q\d+", quiz["id"])] == []


def test_every_question_has_exactly_the_expected_fields() -> None:
    assert unexpected_fields(quizzes(), QUIZ_FIELDS) == []


def test_every_question_is_written_in_both_languages() -> None:
    assert [blank for quiz in quizzes() for blank in blank_texts(quiz)] == []


def test_every_question_has_three_distinct_options_in_each_language() -> None:
    wrong = [
        f"{quiz['id']}.{field}"
        for quiz in quizzes()
        for field in ("options_ar", "options_en")
        if not has_three_distinct_options(quiz, field)
    ]
    assert wrong == []


def test_every_answer_points_at_one_of_the_three_options() -> None:
    assert [quiz["id"] for quiz in quizzes() if not answer_is_an_option(quiz)] == []


# -- tips and quizzes together ------------------------------------------------------------------------------


def test_every_tip_and_question_names_its_source() -> None:
    assert [item["id"] for item in tips() + quizzes() if not has_source(item)] == []


def test_ids_are_short_lowercase_ascii() -> None:
    ids = [item["id"] for item in everything()]
    assert [i for i in ids if not ID.fullmatch(i) or len(i) > MAX_ID] == []


def test_arabic_texts_are_in_arabic() -> None:
    assert [label for label, text in labelled_texts(everything(), "ar") if not has_arabic(text)] == []


def test_english_texts_hold_no_arabic_letters() -> None:
    assert [label for label, text in labelled_texts(everything(), "en") if has_arabic(text)] == []


# -- services -----------------------------------------------------------------------------------------------


def test_there_are_three_to_six_services_with_unique_ids() -> None:
    assert 3 <= len(services()) <= 6
    assert duplicates([service["id"] for service in services()]) == []


def test_every_service_has_exactly_the_expected_fields() -> None:
    required = [
        {key: value for key, value in service.items() if key not in SERVICE_OPTIONAL}
        for service in services()
    ]
    assert unexpected_fields(required, SERVICE_FIELDS) == []
    known = {"makkah", "jumum", "jeddah"}
    assert [service["id"] for service in services() if not set(service.get("offices", [])) <= known] == []


def test_every_service_is_described_in_both_languages() -> None:
    assert [blank for service in services() for blank in blank_texts(service)] == []


def test_service_links_are_empty_or_https() -> None:
    assert [service["id"] for service in services() if not link_is_empty_or_https(service)] == []
