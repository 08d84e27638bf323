"""A small search over what Usar already knows: her question against the library's entries (the tips, the
services, the pages about her own trainings, office and applications), ranked by BM25 on the same folded and
stemmed words as everything she types (`understanding.stem`), with her dialect's words for a thing made the
library's ("اكل" is "طعام", "موية" is "ماء": `[library] same` of words.toml).

The library is a few hundred short entries, so the index is kept in memory, built once for each set of
entries (docs/decisions/0105-answers-from-the-library.md says why not SQLite's FTS5 or PostgreSQL's text
search: neither stems Gulf Arabic the way the rest of Usar does, and the two would rank differently).

An entry is found only when it answers most of what she asked: at least two of her words are in it, they
carry at least `ENOUGH` of the weight of all her words (a rare word weighs more than a common one), and no
other entry ranks nearly as high. Otherwise nothing is found, and her office is offered her words: she is
never shown a wrong answer with confidence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from conversations.engine.understanding import WORDS_FILE, bare, is_question, stem, words
from core.text import fold

K1, B = 1.2, 0.75  # BM25's usual saturation and length weights
ENOUGH = 0.5  # the share of her question's weight that an entry must answer
MARGIN = 1.15  # how far ahead of the next entry the first must rank
FAR_AHEAD = 1.4  # or: this far ahead, with this share of her question (three of her words, or two)
PART, TWO_WORDS_PART = 0.3, 0.4
NEAR = 85  # rapidfuzz's ratio from which a word of hers is a library word misspelt
NEARLY = 0.8  # what a misspelt word counts for, against the word itself


@dataclass(frozen=True)
class LibraryWords:
    ignore: frozenset[str]
    question_words: frozenset[str]  # dropped when no entry has them: "كيف", "وين"
    asking: frozenset[str]  # a request opens with one: «ابي», «ممكن», "can"
    same: dict[str, str]  # a stemmed way of saying a thing → the library's stem for it
    pages: dict[str, tuple[str, ...]]  # her own pages ("trainings", "office", "application") → their words
    wishes: dict[str, tuple[str, ...]]  # each intent's phrasings (`[intents]`), as they are written


@lru_cache(maxsize=1)
def library_words() -> LibraryWords:
    import tomllib

    with WORDS_FILE.open("rb") as file:
        everything = tomllib.load(file)
    data = everything["library"]
    same: dict[str, str] = {}
    for first, *others in data["same"]:
        for word in (first, *others):
            same.setdefault(_stem(word), _stem(first))
    return LibraryWords(
        ignore=frozenset(fold(word) for word in data["ignore"]) | words().fillers,
        question_words=frozenset(_stem(word) for word in data["question_words"]),
        asking=frozenset(fold(word) for word in data["asking"]),
        same=same,
        pages={page: tuple(data[page]) for page in ("trainings", "office", "application")},
        wishes={name: tuple(phrases) for name, phrases in everything["intents"].items()},
    )


def _stem(word: str) -> str:
    """A word of hers or of the library as the library's stem: an article or a "و" off the front, the letter
    that says who does a verb ("اغطي" and "غطي", "تحفظين" and "احفظي"), and the endings that say whose
    ("شعرك", "اخزنهم")."""
    folded = fold(word)
    found = bare(stem(folded)) if folded.startswith(_ARTICLES) else stem(bare(folded))
    for ending in _WHOSE:
        if found.endswith(ending) and len(found) - len(ending) >= 3:
            return found[: -len(ending)]
    return found


_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال", "و")
_WHOSE = ("كم", "هم", "نا", "ك")


def terms(text: str) -> tuple[str, ...]:
    """Her words as the library's: folded, without the words that say nothing, stemmed, each of her ways of
    saying a thing made the library's way ("الاكل" → "طعام")."""
    known = library_words()
    found = []
    for word in fold(text).split(" "):
        if not word or word in known.ignore:
            continue
        stemmed = _stem(word)
        found.append(known.same.get(stemmed, stemmed))
    return tuple(found)


@lru_cache(maxsize=32)
def wish_terms(wish: str) -> frozenset[str]:
    """The library's words for every way of saying a wish ("register": "سجل", "تسجيل" …)."""
    return frozenset(term for phrase in library_words().wishes.get(wish, ()) for term in terms(phrase))


@dataclass(frozen=True)
class Found:
    key: str
    score: float
    answered: float  # the share of her question's weight that the entry has
    matched: int  # how many of her words it has


NOTHING = Found("", 0.0, 0.0, 0)


def asks(text: str) -> bool:
    """Whether her words are a question: a question mark or a question word, or a request that opens with
    what she wants («ابي رابط موقع الغرفة التجارية», «طريقة تذويب الدجاج»). A statement is not one («طلعت
    الشهاده الصحيه ابي اضيفها» is news for her office, not a question for the tips), nor an answer («بعيد عن
    الاكل»)."""
    if is_question(text):
        return True
    asking, fillers = library_words().asking, words().fillers
    for word in fold(text).split(" "):  # «لو سمحت ابي رابط …»: after greetings and courtesies, a request
        if word in asking:
            return len(terms(text)) >= 2
        if word not in fillers:
            return False
    return False


def _plain(found: Found, next_one: Found) -> bool:
    """Whether `found` answers her question plainly, ahead of `next_one`: most of her question, or part of it
    and far ahead."""
    if found.matched < 2 or found.score <= 0:
        return False
    if found.answered >= ENOUGH and found.score >= next_one.score * MARGIN:
        return True
    far_ahead = found.score >= next_one.score * FAR_AHEAD
    return far_ahead and found.answered >= (PART if found.matched >= 3 else TWO_WORDS_PART)


class Index:
    """BM25 over the entries, each a key and its text."""

    def __init__(self, entries: Sequence[tuple[str, str]]) -> None:
        self.keys = [key for key, _text in entries]
        self.bags = [Counter(terms(text)) for _key, text in entries]
        self.lengths = [sum(bag.values()) for bag in self.bags]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        held = Counter(term for bag in self.bags for term in bag)
        count = len(self.bags)
        self.weights = {term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in held.items()}
        # A word of hers that no entry has weighs as much as a usual word of the library: enough that an
        # entry answering only part of her question is not taken for the answer.
        self.unknown = sum(self.weights.values()) / len(self.weights) if self.weights else 1.0
        self.vocabulary = tuple(self.weights)

    def answers(self, text: str, besides: frozenset[str] = frozenset()) -> tuple[Found, ...]:
        """The entry that answers her question, or the two that answer it equally well; none when nothing
        answers it plainly. Her words among `besides` (a wish she said too) are left out: the rest must be a
        question of their own."""
        if not asks(text):
            return ()
        asked = [(term, counts) for term, counts in self._asked(text) if term not in besides]
        if len(asked) < 2:
            return ()  # one word is a wish ("مقاصف"), not a question
        # A question word («وين», «كم») says which of her pages she asks about; it is not a part of her
        # question that a tip must answer.
        whole = sum(
            self._weight(term) for term, _counts in asked if term not in library_words().question_words
        )
        ranked = sorted(
            (self._score(place, asked, whole) for place in range(len(self.bags))),
            key=lambda found: found.score,
            reverse=True,
        )
        first, second, third = (*ranked, NOTHING, NOTHING, NOTHING)[:3]
        if not _plain(first, second):
            both_tips = first.key.startswith("tip:") and second.key.startswith("tip:")
            if both_tips and _plain(second, third) and _plain(first, third):
                return (first, second)  # two tips that answer it alike: both are the answer
            return ()
        return (first,)

    def _asked(self, text: str) -> list[tuple[str, float]]:
        """Her words, each as the library word it is (a misspelt one as the word nearest, counting less),
        and what it counts for; a question word the library does not have is left out."""
        asked: list[tuple[str, float]] = []
        question_words = library_words().question_words
        for term in dict.fromkeys(terms(text)):
            if term in self.weights:
                asked.append((term, 1.0))
                continue
            near = (
                process.extractOne(term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=NEAR)
                if len(term) >= 4
                else None
            )
            if near is not None:
                asked.append((near[0], NEARLY))
            elif term not in question_words:
                asked.append((term, 0.0))  # a word no entry has: it weighs against every entry
        return asked

    def _weight(self, term: str) -> float:
        return self.weights.get(term, self.unknown)

    def _score(self, place: int, asked: list[tuple[str, float]], whole: float) -> Found:
        bag, length = self.bags[place], self.lengths[place]
        score = answered = 0.0
        matched = 0
        for term, counts in asked:
            times = bag.get(term, 0)
            if not times or not counts:
                continue
            matched += 1
            weight = self.weights[term]
            score += counts * weight * times * (K1 + 1) / (times + K1 * (1 - B + B * length / self.average))
            answered += 0.0 if term in library_words().question_words else counts * weight
        return Found(self.keys[place], score, answered / whole if whole else 0.0, matched)


@lru_cache(maxsize=8)
def index(entries: tuple[tuple[str, str], ...]) -> Index:
    """The index of these entries, built once for each set (the library changes when staff import tips)."""
    return Index(entries)
