"""Answer-type checking: a question asking for a quantity is answered only by a sentence that states it.

"How much does malpractice insurance cost?" is not answered by a sentence giving a salary, nor "How many
vacation days...?" by "In the next 30 days, volunteer for a project": each names a number, but not of what
is asked. The question classes are the numeric ones of classic question classification (money, count,
duration, percentage); a sentence gives the answer when it has a number of that kind and names what the
question asks about (the subject of "how much does X cost", the counted thing of "how many X").

Questions of other kinds ("what does a medical director do?") expect no quantity: `expected_quantity`
returns None and nothing here applies.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Literal

from advisor.text import figure_tokens, stem, tokens_of

QuantityKind = Literal["money", "count", "duration", "amount", "percent"]

_AUXILIARIES = frozenset(
    "do does did will would can could should shall may might must is are was were has have had".split()
)
_ASKER = frozenset("i you we one someone somebody people me us".split())
_THEM = frozenset("it they them he she".split())
_DETERMINERS = frozenset("the a an this that these those my your their its his her our each".split())
_THE_ROLE = frozenset("job jobs role roles position positions post posts work career title".split())
_MONEY_VERBS = frozenset("cost costs earn earns earned make makes made pay pays paid charge charges".split())
_MONEY_NOUNS = frozenset("money salary salaries pay compensation income".split())
_TIME_UNITS = frozenset("year month week day hour minut decad".split())  # stemmed, as `stem` gives them
_NUMBER_WORDS = frozenset(  # not "one": "one patient at a time" counts nothing
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion dozen".split()
)
_LEARNING = frozenset("know learn understand study focus care worry master read grasp".split())
_SHARE_WORDS = frozenset("percentage percent proportion share fraction".split())
_NP_END = _AUXILIARIES | frozenset("of per in for to at on with a an the and or as".split())
_LEAD_INS = frozenset(  # words that may come before the wh-phrase of a question asking nothing else
    "and so ok okay then but also well now roughly approximately about exactly just".split()
)
_UNIT_REACH = 3  # a number's unit follows it within this many words ("five to ten years", "5-10 years")


@dataclass(frozen=True)
class ExpectedQuantity:
    """The quantity a question asks for: its kind, the words of what is counted or measured ("vacation
    days"), the words of what it is a quantity of ("malpractice insurance"), and whether the question asks
    nothing else ("What does a director do, and how much do they earn?" asks two things)."""

    kind: QuantityKind
    counted: tuple[str, ...] = ()
    about: tuple[str, ...] = ()
    sole: bool = True
    refers_back: bool = False  # "how much does it cost?": what "it" is, the conversation says


def expected_quantity(question: str) -> ExpectedQuantity | None:
    """The quantity `question` asks for, or None when it asks for something else."""
    words = figure_tokens(question)
    for i, word in enumerate(words[:-1]):
        if word in ("how", "what"):
            expected = _asked_quantity(words, i)
            if expected is not None:
                return replace(expected, sole=_LEAD_INS.issuperset(words[:i]))
    return None


def _asked_quantity(words: list[str], i: int) -> ExpectedQuantity | None:
    """The quantity asked by the wh-phrase at `words[i]`, if it asks one."""
    asked, following = words[i : i + 2], words[i + 2 :]
    if asked[0] == "what":
        return ExpectedQuantity("percent") if asked[1] in _SHARE_WORDS else None
    if asked[1] == "many":
        counted = _noun_phrase(following)
        return ExpectedQuantity("count", counted=counted) if counted else None
    if asked[1] == "long":
        return _how_long(following)
    if asked[1] == "much":
        return _how_much(following)
    return None


def _noun_phrase(words: list[str], limit: int = 3) -> tuple[str, ...]:
    phrase: list[str] = []
    for word in words[:limit]:
        if word in _NP_END:
            break
        phrase.append(word)
    return tuple(phrase)


def _how_much(words: list[str]) -> ExpectedQuantity | None:
    measured = _noun_phrase(words)  # "how much [clinical experience] ..."
    rest = words[len(measured) :]
    if measured and _asks_how_far(rest):
        return None  # "how much health law do I need to know?" asks how far, not how much
    if measured:
        if set(measured) & _MONEY_NOUNS:
            return ExpectedQuantity("money")
        if measured == ("time",):
            return ExpectedQuantity("duration")
        return ExpectedQuantity("amount", counted=measured)
    if not rest or rest[0] not in _AUXILIARIES:
        return None
    # "how much does [malpractice insurance] cost", "how much is [an MBA]"
    subject = rest[1:]
    verb = next((n for n, w in enumerate(subject) if w in _MONEY_VERBS), None)
    if verb is not None:
        subject = subject[:verb]
    elif rest[0] not in ("is", "are", "was", "were"):
        return None  # "how much do directors deal with budgets?" asks how far, not how much money
    about, refers_back = _subject(subject)
    return ExpectedQuantity("money", about=about, refers_back=refers_back)


def _asks_how_far(rest: list[str]) -> bool:
    """Whether the words after "how much X" ask how far the asker must go ("do I need to know", "should I
    learn"), not for an amount."""
    return bool(rest) and rest[0] in _AUXILIARIES and bool(set(rest[1:7]) & _LEARNING)


def _how_long(words: list[str]) -> ExpectedQuantity | None:
    if not words or words[0] not in _AUXILIARIES:
        return None  # "how long-term is..." and the like
    rest = words[1:]
    if rest[:2] in (["it", "take"], ["it", "takes"]):  # "how long does it take (me) to [complete an MHA]"
        rest = rest[2:]
        if "to" not in rest[:3]:
            return ExpectedQuantity("duration", refers_back=True)  # "how long does it take?"
        return ExpectedQuantity("duration", about=tuple(rest[rest.index("to") + 1 :]))
    about, refers_back = _subject(rest)
    return ExpectedQuantity("duration", about=about, refers_back=refers_back)


def _subject(words: list[str]) -> tuple[tuple[str, ...], bool]:
    """The words naming what a quantity is of, and whether they only point back at what the conversation
    is about ("it", "they", "the job"). A question about the asker ("can I expect to earn", "should I
    practise") names nothing the answer must repeat."""
    if not words or words[0] in _ASKER:
        return (), False
    if words[0] in _THEM:
        return (), True
    named = [w for w in words if w not in _DETERMINERS]
    if not named or (named[0] in _THE_ROLE and words[0] in ("the", "this", "that")):
        return (), True  # "this", "the job", "that role"
    return tuple(w for w in named if w not in _THE_ROLE), False


def states_quantity(expected: ExpectedQuantity, text: str, specific_terms: Collection[str]) -> bool:
    """Whether `text` states the quantity `expected` asks for.

    `specific_terms` are the (stemmed) terms of the question that say what it is about: the corpus's topic
    words ("medical director") are left out of them, since every sentence is about those.
    """
    present = set(tokens_of(text))
    about = [t for t in tokens_of(" ".join(expected.about)) if t in specific_terms]
    if about and not present.intersection(about):
        return False
    words = figure_tokens(text)
    # each number and how far after it its unit may come; "a" / "an" counts only right before one ("a year")
    numbers = [(n, 1 if w in ("a", "an") else _UNIT_REACH) for n, w in enumerate(words)
               if w[0].isdigit() or w[0] == "$" or w in _NUMBER_WORDS or w in ("a", "an")]

    def unit_after_number(units: Collection[str]) -> bool:
        return any(stem(w) in units for n, reach in numbers for w in words[n + 1 : n + 1 + reach])

    if expected.kind == "percent":
        return any(w.endswith("%") for w in words) or "percent" in words
    if expected.kind == "money":
        return any(w.startswith("$") for w in words) or unit_after_number({"dollar"})
    if expected.kind == "duration":
        return unit_after_number(_TIME_UNITS)
    head = stem(expected.counted[-1])
    named = [t for t in tokens_of(" ".join(expected.counted)) if t in specific_terms or t == head]
    if not present.issuperset(named):
        return False
    if expected.kind == "count":  # a count names what it counts right after the number
        return unit_after_number({head})
    # an amount ("how much clinical experience"): a number, or "a" + unit, where the thing is named
    return any(reach == _UNIT_REACH for _, reach in numbers) or unit_after_number(_TIME_UNITS)
