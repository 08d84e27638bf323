"""Understanding what she writes, beyond an option's number and whole label: her words folded and stemmed,
matched against the options on her screen, the yes and no of a question, the n-th option said in words, and
what she wants wherever she is (an intent). The words are data: locales/data/words.toml, both languages.

Order, for a message that is not a global word:
1. the option she names: by number or whole label (`options.match_one`), by yes or no where the screen asks
   one (`Meaning`), by its place («الثاني», «رقم ٣»), or by its words (every word she wrote that is not a
   filler is one of the label's, stemmed; a typo is a near miss);
2. else what she wants (`Intent`), by the longest phrase of `words.toml` whose words are all hers, with at
   most two other words beside them (a longer message is a question, not a wish);
3. else nothing: the flow's own answer (a form's value, or her office offered).

A near miss (`sure=False`) is never taken for an irreversible step: the screen asks first.

Stemming is Larkey's light10 (the basis of Lucene's Arabic stemmer) on folded words: articles and "و" off the
front, plural and possessive endings off the back, until the word would be shorter than three letters; see
docs/decisions/0104-understanding-her-words.md for why not snowball's or tashaphyne's.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from conversations.engine.options import DELETING
from core.channel import Meaning
from core.text import ascii_digits_only, fold, normalise

WORDS_FILE = Path(__file__).resolve().parents[2] / "locales" / "data" / "words.toml"
NEAR = 80  # rapidfuzz's ratio from which a word of four letters or more is the same word, misspelt
MOST_WORDS_OF_A_NO = 3  # "ما ابي احضر"; a longer message with a "not" in it is not a plain no
MOST_WORDS_OF_A_YES = 6  # a longer message with a yes in it says more than yes
NEAR_ENDING = 85  # the same, for a word whose last letter alone is wrong («دوراه» for «دوره»)
MOST_OTHER_WORDS = 2  # beside an intent's phrase: more, and the message is a question for a person
MOST_OTHER_WORDS_FOR_HELP = 1  # «ما فهمت» says little: with two words more, she asks about something


class Intent(StrEnum):
    """What she may want, wherever she is (the `[intents]` of words.toml)."""

    REGISTER = "register"
    TRAININGS = "trainings"
    TIPS = "tips"
    CANTEENS = "canteens"
    SERVICES = "services"
    ACCOUNT = "account"
    APPLICATIONS = "applications"
    DETAILS = "details"
    DELETE = "delete"  # her data: the account's "Delete my data", which asks first
    MY_OFFICE = "my_office"
    ASK_OFFICE = "ask_office"
    STOP = "stop"
    START = "start"
    BACK = "back"
    MENU = "menu"
    HELP = "help"
    LANGUAGE = "language"


@dataclass(frozen=True)
class Understood:
    """An option of her screen (its packed payload) or an intent; `sure` False for a near miss."""

    payload: str | None = None
    intent: Intent | None = None
    sure: bool = True
    others: int = 0  # her words beside the intent's phrase ("ابي اكلم موظفة عن الدورة": a question with it)
    phrase: tuple[str, ...] = ()  # the stems of the intent's phrase she said (the "not" of «ما فهمت» is its)


# -- the words ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    fillers: frozenset[str]
    negations: frozenset[str]
    hedges: frozenset[str]
    yes: frozenset[str]
    yes_phrases: tuple[str, ...]  # the yeses of several words, found inside a message
    soft: tuple[str, ...]  # yeses that may mean "maybe" («ان شاء الله»): not enough for a step not undone
    no: frozenset[str]
    no_phrases: tuple[str, ...]  # the noes of several words («ما راح اقدر»), found inside a message
    not_a_no: tuple[str, ...]  # a "not" that says nothing against («ما عندي شي»)
    but: frozenset[str]  # «بس», «لكن»: a "not" after one is about something else
    conditions: frozenset[str]  # «اذا», «لو»: a "not" after one is not her answer
    not_negating: tuple[str, ...]  # «قبل ما», «بعد ما»: a «ما» that means "that", not "not"
    yes_emoji: frozenset[str]
    no_emoji: frozenset[str]
    ordinals: dict[str, int]  # a stemmed ordinal word → its position (0-based; -1 the last)
    before_number: frozenset[str]
    numbers: dict[str, int]  # a number in words ("ثلاثه", "two") → its option's place (0-based)
    tens: dict[str, int]  # «اربعين» → 40
    joined: dict[str, str]  # a thing said in two words («ريد بول») → the one word of the library for it
    intents: tuple[tuple[Intent, tuple[str, ...]], ...]  # each phrase as its stems, longest first
    intent_words: tuple[str, ...]  # every stem of every phrase, once
    same: dict[str, str]  # a stem of one way of saying a thing → the stem of the usual way ("موية" → "ماء")
    options: dict[str, tuple[str, ...]]  # an option's payload → other words for it ("form:done": "تم" …)
    question_words: frozenset[str]  # «متى», «ليش», «كيف» …: her words ask something
    keep: frozenset[str]  # «نفسه», «زي ما هو»: the answer she gave, kept
    attending: frozenset[str]  # stems that say a yes or no is about coming to a training («احضر», «بجي»)
    beside_a_wish: frozenset[str]  # stems of words that do not make a wish a question («اقدر», «منتجه»)
    spellings: dict[str, str]  # each word of an intent's phrase as written (no article) → its stem
    skeletons: dict[str, tuple[str, ...]]  # an intent word's letters without their dots → the words


@lru_cache(maxsize=1)
def words() -> Words:
    with WORDS_FILE.open("rb") as file:
        data = tomllib.load(file)
    ordinals = {
        fold(word): position for position, same in enumerate(data["ordinals"]["words"]) for word in same
    }
    ordinals |= {fold(word): -1 for word in data["ordinals"]["last"]}
    fillers = frozenset(fold(word) for word in data["fillers"])
    phrases = [  # a filler in a phrase ("change my number") is dropped from it as from her words
        (Intent(name), stems(phrase, drop=fillers))
        for name, listed in data["intents"].items()
        for phrase in listed
    ]
    spellings = {
        _without_article(word): stem(word)
        for listed in data["intents"].values()
        for phrase in listed
        for word in fold(phrase).split(" ")
        if word and word not in fillers
    }
    intent_words = sorted({word for _wanted, phrase in phrases for word in phrase})
    skeletons: dict[str, list[str]] = {}
    for word in intent_words:
        if len(word) >= 4:
            skeletons.setdefault(skeleton(word), []).append(word)
    return Words(
        fillers=fillers,
        negations=frozenset(fold(word) for word in data["negations"]),
        hedges=frozenset(fold(word) for word in data["hedges"]),
        yes=frozenset(fold(word) for word in (*data["yes"]["words"], *data["yes"]["phrases"])),
        yes_phrases=tuple(fold(phrase) for phrase in data["yes"]["phrases"] if " " in fold(phrase)),
        soft=tuple(fold(phrase) for phrase in data["yes"]["soft"]),
        no=frozenset(fold(word) for word in (*data["no"]["words"], *data["no"]["phrases"])),
        no_phrases=tuple(fold(phrase) for phrase in data["no"]["phrases"] if " " in fold(phrase)),
        not_a_no=tuple(fold(phrase) for phrase in data["no"]["not_a_no"]),
        but=frozenset(fold(word) for word in data["no"]["but"]),
        conditions=frozenset(fold(word) for word in data["no"]["conditions"]),
        not_negating=tuple(fold(phrase) for phrase in data["no"]["not_negating"]),
        yes_emoji=frozenset(data["yes"]["emoji"]),
        no_emoji=frozenset(data["no"]["emoji"]),
        ordinals=ordinals,
        before_number=frozenset(fold(word) for word in data["ordinals"]["before_number"]),
        numbers={
            fold(word): place for place, same in enumerate(data["ordinals"]["numbers"]) for word in same
        },
        tens={
            fold(word): 10 * place
            for place, same in enumerate(data["ordinals"]["tens"], start=2)
            for word in same
        },
        joined={
            fold(word): fold(first)
            for first, *others in data["library"]["same"]
            for word in others
            if " " in word
        },
        intents=tuple(sorted(((i, p) for i, p in phrases if p), key=lambda found: -len(found[1]))),
        intent_words=tuple(intent_words),
        same={
            stem(fold(word)): stem(fold(first))
            for first, *others in data["library"]["same"]
            for word in others
            if " " not in word
        },
        options={payload: tuple(listed) for payload, listed in data["options"].items()},
        question_words=frozenset(fold(word) for word in data["library"]["question_words"]),
        beside_a_wish=frozenset(stem(fold(word)) for word in data["beside_a_wish"]),
        attending=frozenset(stem(fold(word)) for word in data["attending"]),
        keep=frozenset(fold(phrase) for phrase in data["keep"]),
        spellings=spellings,
        skeletons={shape: tuple(found) for shape, found in skeletons.items()},
    )


def _without_article(word: str) -> str:
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


def skeleton(word: str) -> str:
    """A word's letters without their dots: a finger that slips on a phone's keyboard from «ج» to «ح», or
    from «س» to «ش», types the same skeleton («اسحل» is «اسجل»)."""
    return word.translate(_UNDOTTED)


def _one_slip(typed: str, known: str) -> bool:
    """One letter, and only one, typed for its neighbour of the same shape («اسحل» for «اسجل»; not «بنات»
    for «بيان», two letters apart)."""
    return sum(1 for one, other in zip(typed, known, strict=True) if one != other) == 1


_UNDOTTED = str.maketrans("بتثنيجخذزشضظغقه", "ٮٮٮٮٮححدرسصطعفه")


# -- stems --------------------------------------------------------------------------------------------------

_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "هال", "ال")  # «هالمقصف»: this canteen
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """Larkey's light10 on a folded word: "الدورات" and "دوره" → "دور", "بياناتي" → "بيان"."""
    if not word or not ("\u0600" <= word[0] <= "\u06ff"):
        return word.removesuffix("s") if len(word) > 3 else word
    if len(word) > 3 and word.startswith("و"):
        word = word[1:]
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    cut = True
    while cut:
        cut = False
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word, cut = word[: -len(suffix)], True
                break
    return word


@lru_cache(maxsize=4096)
def stems(text: str, drop: frozenset[str] | None = None) -> tuple[str, ...]:
    """The stems of her words, in order, without the fillers (or the words in `drop`)."""
    left_out = words().fillers if drop is None else drop
    return tuple(stem(word) for word in fold(text).split(" ") if word and word not in left_out)


def _same(typed: str, known: str) -> bool | None:
    """True: the same word; False: the same word misspelt (a near miss); None: another word."""
    if typed == known:
        return True
    if min(len(typed), len(known)) >= 4 and fuzz.ratio(typed, known) >= NEAR:
        return False
    return None


@lru_cache(maxsize=8192)
def bare(word: str) -> str:
    """A verb without the letter that says who does it, or when: "احفظ" and "حفظ", "سأحضر" and "أحضر"."""
    if len(word) >= 4 and word[0] == "س" and word[1] in _PERSONS:
        word = word[1:]
    return word[1:] if len(word) >= 4 and word[0] in _PERSONS else word


_PERSONS = "اينت"
_JOINED = "بلفك"  # a letter joined to the word after it: «بمكه» (in Makkah), «لجده», «فالجموم»


def _covered(typed: Sequence[str], known: Iterable[str]) -> tuple[int, bool] | None:
    """How many of the `typed` stems are among `known` (exactly or nearly), and whether all exactly; None
    when one of them is not."""
    vocabulary = tuple(known)
    bare_ones = {bare(word) for word in vocabulary}
    exact = True
    for word in typed:
        if word in vocabulary or bare(word) in bare_ones:
            continue
        near = (
            process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=NEAR)
            if len(word) >= 4
            else None
        )
        if near is None or len(near[0]) < 4:
            return None
        exact = False
    return len(typed), exact


# -- yes, no, the n-th --------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def negated(text: str, besides: tuple[str, ...] = ()) -> bool:
    """Whether her words say "no", "not" or "don't" anywhere (but in the stems `besides`: the "not" of «ما
    فهمت» is the phrase's own)."""
    known = words()
    said = f" {fold(text)} "
    for phrase in known.not_negating:
        said = said.replace(f" {phrase} ", f" {phrase.split(' ')[0]} ")
    return any(word in known.negations and stem(word) not in besides for word in said.split())


def plain(text: str) -> str:
    """Folded, with a letter typed over and over once ("اكيييد", "yesss")."""
    return _REPEATED.sub(r"\1", fold(text))


_REPEATED = re.compile(r"(\w)\1{2,}")


def yes_or_no(text: str) -> Meaning | None:
    """Her yes or no, whole ("ايه", "ان شاء الله", "👍", "لا والله") or as the first of her words with
    nothing after it against it ("ايه موافقه", "نعم اكيد"); None if she said neither."""
    typed = normalise(text)
    marks = set(typed.replace(" ", ""))
    known = words()
    if typed in known.yes_emoji or (marks and all(mark in _YES_MARKS for mark in marks)):
        return Meaning.YES
    if typed in known.no_emoji or (marks and all(mark in _NO_MARKS for mark in marks)):
        return Meaning.NO
    folded = plain(typed)
    if not folded:
        return None
    if folded in known.yes:
        return Meaning.YES
    if folded in known.no:
        return Meaning.NO
    folded = _said_plainly(folded)
    if not folded:
        return None  # «ما عندي ارتباط» alone: free that day, or without what was asked? Asked plainly.
    said = [word for word in folded.split(" ") if word not in known.fillers or word in known.yes]
    if not said or any(word in known.hedges for word in said):
        return None
    # A no said plainly: it opens with one ("لا والله ما اقدر"), or a "not" opens a short answer ("ما ابي
    # احضر", "مو موافقه"). A "not" further on is not read as a no ("ما عندي شي ذاك اليوم بجي" is a yes).
    if said[0] in known.no or " ".join(said[:2]) in known.no:
        return Meaning.NO
    if said[0] in known.negations and len(said) <= MOST_WORDS_OF_A_NO:
        return Meaning.NO
    if any(word in known.negations for word in said):
        # A no of several words further on («عندي ظرف ما راح اقدر احضر»), with no "but" and no yes beside it.
        # Never in a question or a condition («ليش ما اقدر احضر الدوره؟», «اذا ما اقدر احضر»).
        a_no = any(f" {phrase} " in f" {folded} " for phrase in known.no_phrases)
        against = any(word in known.but for word in folded.split(" ")) or any(w in known.yes for w in said)
        asked = is_question(text) or any(word in known.conditions for word in folded.split(" "))
        return Meaning.NO if a_no and not against and not asked else None
    if len(said) <= MOST_WORDS_OF_A_YES and (
        any(word in known.yes for word in said) or any(phrase in folded for phrase in known.yes_phrases)
    ):
        return Meaning.YES  # "احضر ان شاء الله", "الحمدلله ايه بحضر": a yes in it, and nothing against it
    if said[0] in known.yes or " ".join(said[:2]) in known.yes or " ".join(said[:3]) in known.yes:
        return Meaning.YES
    return None


def _said_plainly(folded: str) -> str:
    """Her words without a "not" that says nothing against («ما عندي شي ذاك اليوم بجي»: "بجي"), and with a
    yes said with a "not" («ما راح افوتها», «لا مانع») as a plain yes."""
    known = words()
    padded = f" {folded} "
    for phrase in known.not_a_no:
        padded = padded.replace(f" {phrase} ", " ")
    for phrase in known.yes_phrases:  # the whole answer, or with yeses only: «ليش لا تردون علي» is no yes
        rest = padded.removeprefix(f" {phrase} ").strip()
        if negated(phrase) and padded.startswith(f" {phrase} ") and _only_yes(rest):
            padded = f" نعم {rest} "
    return padded.strip()


def _only_yes(text: str) -> bool:
    known = words()
    return text in known.yes or all(word in known.yes or word in known.fillers for word in text.split())


def unsure(text: str) -> bool:
    """An answer that is neither a yes nor a no, so she is asked to choose one: a short one that says "maybe"
    or "I don't think so" («ما اظن», «صعب شوي», «يمكن احضر»), or a yes with a "not" after it («اكيد اسحبه ما
    اقدر اشتغل هالسنه»)."""
    known = words()
    said = [word for word in plain(normalise(text)).split(" ") if word and word not in known.fillers]
    if not said or yes_or_no(text) is not None:
        return False
    if len(said) <= MOST_WORDS_OF_A_NO + 1 and any(word in known.hedges for word in said):
        return True
    if not _said_plainly(plain(normalise(text))):  # «ما عندي ارتباط», and nothing more
        return True
    return said[0] in known.yes and negated(text)


_YES_MARKS = frozenset("👍✅✔👌🆗\ufe0f🏻🏼🏽🏾🏿")
_NO_MARKS = frozenset("👎❌✖🚫\ufe0f🏻🏼🏽🏾🏿")


def keeps(text: str) -> bool:
    """Whether she says to keep the answer she gave («نفسه», «نفس الرقم», «خليه زي ما هو»)."""
    known = words()
    said = " ".join(word for word in plain(text).split(" ") if word and word not in known.fillers)
    return said in known.keep


def about_attending(text: str) -> bool:
    """Whether her words answer about coming to a training («ما راح اقدر احضر», «بجي ان شاء الله»): a verb of
    coming, in an answer rather than a question («ليش ما اقدر احضر؟»)."""
    return not is_question(text) and any(word in words().attending for word in stems(text, drop=frozenset()))


def asks_yes_or_no(offered: Sequence[dict[str, Any]]) -> bool:
    """Whether her screen asks a yes or a no of its own (a training's "will you come?", a Confirm)."""
    meanings = {option.get("means") for option in offered}
    return Meaning.YES.value in meanings and Meaning.NO.value in meanings


def soft_yes(text: str) -> bool:
    """Whether her yes is only one that may mean "maybe" («ان شاء الله», «طيب», "why not"): no firm yes word
    («نعم», «ايه», «اكيد») beside it."""
    known = words()
    folded = plain(normalise(text))
    if not any(f" {phrase} " in f" {folded} " for phrase in known.soft):
        return False
    firm = known.yes - set(known.soft)
    return not any(word in firm for word in folded.split(" "))


def is_question(text: str) -> bool:
    """Whether her words ask something: a question mark, or a question word («متى», «ليش», «كيف» …)."""
    asking = words().question_words
    return "?" in text or "؟" in text or any(word in asking for word in fold(text).split(" "))


def position(text: str, count: int) -> int | None:
    """The 0-based place of the option she names by its place: «الثاني», «رقم ٣», «خيار 2», "the last";
    None if she names none of the `count`."""
    known = words()
    said = [word for word in fold(text).split(" ") if word and word not in known.fillers]
    if len(said) == 2 and said[0] in known.before_number and ascii_digits_only(said[1]):
        number = int(said[1]) - 1
    elif len(said) == 2 and said[0] in known.before_number and said[1] in known.numbers:
        number = known.numbers[said[1]]
    elif (len(said) == 1 or said[1:] == ["one"]) and said[0] in known.ordinals:  # "the third one"
        number = known.ordinals[said[0]]
    elif len(said) == 2 and said[0] in ("الخيار", "خيار", "option", "رقم") and said[1] in known.ordinals:
        number = known.ordinals[said[1]]
    else:
        return None
    if number == -1:
        number = count - 1
    return number if 0 <= number < count else None


# -- options and intents ------------------------------------------------------------------------------------


def pick(offered: Sequence[dict[str, Any]], text: str) -> Understood | None:
    """The one option of her screen that her words name, other than by its number or whole label: its
    yes or no, its place, or its words. None when none, or more than one, fits."""
    if not offered:
        return None
    said = yes_or_no(text)
    if said is not None:
        meant = [option for option in offered if option.get("means") == said.value]
        if len(meant) == 1 and not (meant[0].get("firm") and soft_yes(text)):
            return Understood(payload=str(meant[0]["payload"]))
    numbered = not offered[0].get("unnumbered")
    place = position(text, len(offered)) if numbered else None
    if place is not None:
        return Understood(payload=str(offered[place]["payload"]))
    return _by_words(offered, text)


def _by_words(offered: Sequence[dict[str, Any]], text: str) -> Understood | None:
    typed = _her_stems(text)
    if not typed:
        return None
    saying_no = negated(text)
    best: list[tuple[bool, int, bool, str]] = []  # exactly, how many of her words, a label whole, the option
    typed_here = tuple(word for word in typed if not saying_no or word not in _negation_stems())
    for option in offered:
        labels = option["labels"]
        says_no = [negated(label) for label in labels]
        if option.get("means") == Meaning.NO.value:
            says_no = [True] * len(labels)
        # "أحضر" never picks "لن أحضر", nor "ما ابي" a yes; «ما ابي المقصف» picks what says it in a "not".
        fitting = tuple(label for label, no in zip(labels, says_no, strict=True) if no == saying_no)
        if not fitting:
            continue
        if not typed_here:  # she said only no («لا»): the option that says no, in most of its labels
            if sum(says_no) * 2 > len(labels):
                best.append((True, 0, True, str(option["payload"])))
            continue
        # An option that deletes is picked by words only when hers say so: «حسابي» typed again on her
        # account's screen is not «امسحي حسابي».
        if _option_stems(fitting) & _deleting_stems() and not set(typed_here) & _deleting_stems():
            continue
        # Her words among the option's words, in any of its labels («اتقدم على هالمقصف»).
        found = _covered(typed_here, _option_stems(fitting))
        if found is not None:
            count, exact = found
            # «البيانات» is all of "بياناتي" (my details), and only part of "تعديل بياناتي" (change them).
            whole = any(_label_stems(label) <= set(typed_here) for label in fitting)
            best.append((exact, count, whole, str(option["payload"])))
    if not best:
        return None
    best.sort(reverse=True)
    top = {payload for *found, payload in best if tuple(found) == best[0][:3]}
    if len(top) != 1:
        return None
    return Understood(payload=top.pop(), sure=best[0][0])


@lru_cache(maxsize=1)
def _deleting_stems() -> frozenset[str]:
    return frozenset(stem(fold(word)) for word in DELETING)


@lru_cache(maxsize=1024)
def _option_stems(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(word for label in labels for word in _label_stems(label))


@lru_cache(maxsize=1024)
def _label_stems(label: str) -> frozenset[str]:
    same = words().same
    return frozenset(same.get(word, word) for word in stems(spoken_numbers(fold(label)), drop=frozenset()))


def mentioned(offered: Sequence[dict[str, Any]], text: str) -> str | None:
    """The one option she names inside a longer message, by words only its labels have: "مكتب الضمان
    بالجموم" names Al-Jumum, "ساكنه في جده" Jeddah, "اسوي كيك وحلى" the sweets. When her words name two, the
    one that more of them name («قبل ما المس الاكل وانا اطبخ»: before touching food, not after cooking);
    None for none, as many for two, or two in a message with a "not" in it."""
    hers = set(_her_stems(text))
    hers |= {bare(word) for word in hers}
    hers |= {stem(word[1:]) for word in fold(text).split(" ") if len(word) > 3 and word[0] in _JOINED}
    owners: dict[str, set[str]] = {}
    for option in offered:
        for label in option["labels"]:
            for word in _label_stems(label):
                owners.setdefault(word, set()).add(str(option["payload"]))
    named = Counter(
        next(iter(payloads))
        for word, payloads in owners.items()
        if len(payloads) == 1 and len(word) >= 3 and (word in hers or bare(word) in hers)
    ).most_common(2)
    if not named or (len(named) == 2 and (named[0][1] == named[1][1] or negated(text))):
        return None  # «انا بالجموم مو بمكه»: which she names and which she does not, is not read here
    return named[0][0]


def _her_stems(text: str) -> tuple[str, ...]:
    """Her stems in the options' words: a thing said in two words as one («ريد بول»), a number in words as
    its digits («اربعين» → 40), and each way of saying a thing as the usual one («موية» → «ماء»)."""
    known = words()
    padded = f" {fold(text)} "
    for phrase, one in known.joined.items():
        padded = padded.replace(f" {phrase} ", f" {one} ")
    return tuple(known.same.get(word, word) for word in stems(spoken_numbers(padded)))


def spoken_numbers(folded: str) -> str:
    """Numbers written in words, as digits: «اربعين» → 40, «خمسه وخمسين» → 55, «من خمسه لستين» → 5 60,
    «عشر درجات» → 10."""
    said: list[str] = []
    for word in folded.split():
        joined = word[:1] in "ولب" and (_number(word[1:]) or 0) >= 10 and _number(word) is None  # not «لست»
        number = _number(word[1:] if joined else word)
        if number is None:
            said.append(word)
        elif word.startswith("و") and number >= 20 and said and said[-1].isdigit() and int(said[-1]) < 10:
            said[-1] = str(number + int(said[-1]))  # «خمسه وخمسين»
        else:
            said.append(str(number))
    return " ".join(said)


def _number(word: str) -> int | None:
    known = words()
    if word in known.tens:
        return known.tens[word]
    place = known.numbers.get(word)
    return None if place is None else place + 1


@lru_cache(maxsize=1)
def _negation_stems() -> frozenset[str]:
    return frozenset(stem(word) for word in words().negations)


@lru_cache(maxsize=1024)
def intent(text: str) -> Understood | None:
    """What she wants, by the longest phrase whose every word she wrote (stemmed, or nearly), with at most
    `MOST_OTHER_WORDS` others beside; None for none, or two wishes of the same length."""
    typed = stems(text)
    if not typed:
        return None
    known = words()
    exact = set(typed) | {bare(word) for word in typed}
    near = {  # the words of the phrases she nearly typed: each of hers against them all at once
        found
        for word in typed
        if len(word) >= 4
        for found, _score, _at in process.extract(
            word, known.intent_words, scorer=fuzz.ratio, score_cutoff=NEAR, limit=None
        )
        if len(found) >= 4
    }
    near |= {
        found for word in typed for found in known.skeletons.get(skeleton(word), ()) if _one_slip(word, found)
    }
    near |= {  # a misspelt ending the stemmer cannot take off («الدوراة»): the word as written, nearly
        known.spellings[found]
        for word in map(_without_article, fold(text).split(" "))
        if len(word) >= 4 and word not in known.fillers
        for found, _score, _at in process.extract(
            word, tuple(known.spellings), scorer=fuzz.ratio, score_cutoff=NEAR_ENDING, limit=None
        )
        if len(found) >= 4 and word.startswith(found[:-1])
    }
    # Each word of every phrase, once: hers (exactly, or but for the letter that says who), or nearly hers.
    hers = {word for word in known.intent_words if word in exact or bare(word) in exact}
    nearly = hers | near
    found: list[tuple[int, bool, Intent, tuple[str, ...]]] = []
    for wanted, phrase in known.intents:
        if found and len(phrase) < found[0][0]:
            break  # longest first: a shorter phrase says less
        if all(word in hers for word in phrase):
            found.append((len(phrase), True, wanted, phrase))
        elif all(word in nearly for word in phrase):
            found.append((len(phrase), False, wanted, phrase))
    if not found:
        return None
    exact_ones = [each for each in found if each[1]] or found
    if len({wanted for _length, _exact, wanted, _phrase in exact_ones}) != 1:
        return None
    _length, sure, wish, phrase = exact_ones[0]
    # Her other words, beside the phrase and the words that do not ask more («كيف اقدر اسجل كأسرة منتجة»).
    idle = sum(1 for word in typed if word in known.beside_a_wish and word not in phrase)
    others = max(len(typed) - len(phrase) - idle, 0)
    if others > (MOST_OTHER_WORDS_FOR_HELP if wish is Intent.HELP else MOST_OTHER_WORDS):
        return None  # «وش اسوي بالاكل البايت» is a question, not a wish for help
    return Understood(intent=wish, sure=sure, others=others, phrase=phrase)
