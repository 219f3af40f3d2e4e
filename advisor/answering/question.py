"""Question analysis: what kind of answer a question wants and what it is about.

The answer type (a definition, a yes or no, a list, a comparison, a figure, steps, advice for the asker's
situation, or an open question) decides which sentence should lead the answer; the focus (the CMQ, MBA vs MHA,
"a typical day") decides whether the retrieved text answers it at all. Written the way physicians type:
lowercase, abbreviations and chat shorthand ("whats", "med director", "yrs") are read as meant.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from advisor.answering.answer_type import expected_quantity
from advisor.resources import read_resource

AnswerType = Literal["definition", "yes_no", "list", "comparison", "figure", "steps", "advice", "open"]

_AUX = (r"is|are|am|was|were|do|does|did|can|could|should|would|will|has|have|had|isn'?t|aren'?t|"
        r"doesn'?t|don'?t|won'?t|shall|may|might|must")
_WHAT_IS = re.compile(r"^(?:so\s+|and\s+|but\s+|ok\s+)?(?:what|wat|wht)\s*(?:'s|s|\s+is|\s+are|\s+r)\s+"
                      r"(?:an?\s+|the\s+)?(?P<focus>.+?)\s*[?.!]*$", re.I)
_STANDS_FOR = re.compile(r"\b(?:what|wat)\s+(?:does|do|is)\s+(?P<focus>.+?)\s+"
                         r"(?:stand\s+for|mean|refer\s+to)\b",
                         re.I)
_DEFINE = re.compile(r"^(?:define|meaning\s+of|definition\s+of|tell\s+me\s+(?:more\s+)?about|"
                     r"explain)\s+(?:an?\s+|the\s+)?(?P<focus>.+?)\s*[?.!]*$", re.I)
_BETWEEN = re.compile(r"\b(?:difference|differences|differ|distinguish)\b.*?\bbetween\s+(?:an?\s+|the\s+)?"
                      r"(?P<a>.+?)\s+(?:and|&|vs\.?|versus)\s+(?:an?\s+|the\s+)?(?P<b>.+?)\s*[?.!]*$", re.I)
_DIFFERENT_FROM = re.compile(r"\bhow\s+(?:is|are|does|do)\s+(?:an?\s+|the\s+)?(?P<a>.+?)\s+"
                             r"(?:different|differ)\s+(?:from|than)\s+(?:an?\s+|the\s+)?(?P<b>.+?)\s*[?.!]*$",
                             re.I)
_VERSUS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.I)
_OR = re.compile(r"\s+or\s+", re.I)
_WHICH_BETTER = re.compile(r"\bwhich\s+(?:one\s+)?(?:is|would\s+be|pays?|should)\b|\b(?:better|best)\b", re.I)
_QUOTED = re.compile(r"['\"‘“]([^'\"’”]{2,40})['\"’”]")
_AND_ASK = re.compile(rf"\s+(?:and|but|or)\s+(?=(?:{_AUX}|how|what|which|why|where)\b)", re.I)
_LIST = re.compile(r"^(?:what|which)\s+(?:are|r|kinds?\s+of|types?\s+of|sorts?\s+of)\b|\b(?:top|main|key|"
                   r"common|list(?:\s+of)?|kinds\s+of|types\s+of)\s+\w+|\blist\b|\bwhat\s+\w+\s+(?:are\s+there|"
                   r"exist)\b", re.I)
_STEPS = re.compile(r"^(?:and\s+|so\s+|ok\s+)?(?:how\s+(?:do|can|should|would|could|might)\s+"
                    r"(?:i|you|one|we|a\s+\w+)|"
                    r"how\s+to|what\s+(?:should|can|do|would)\s+i\s+do|what\s+(?:are\s+)?(?:the\s+)?steps|"
                    r"where\s+(?:do|can|should)\s+i|any\s+tips|tips\b|what'?s\s+the\s+(?:first|best)\s+(?:thing|step|way))",
                    re.I)
_YES_NO = re.compile(rf"^(?:and\s+|so\s+|but\s+|ok\s+|also\s+)?(?:{_AUX})\b", re.I)
_ADVICE = re.compile(r"\b(?:should\s+i|am\s+i\s+(?:ready|qualified|eligible)|is\s+(?:that|this|it)\s+enough|"
                     r"do\s+i\s+(?:need|have|qualify)|would\s+i|could\s+i|can\s+i)\b", re.I)
_MONEY = re.compile(r"\$|\b(?:salary|salaries|pay|pays|paid|earn|earns|compensation|income|ballpark|"
                    r"makes?\s+(?:per|a|each|in\s+a)\s+year)\b", re.I)
_LIST_NOUNS = (r"duties|skills|steps|qualities|requirements|qualifications|certifications|certs|"
               r"responsibilities|"
               r"types|kinds|options|parts|roles|settings|paths|ways|tips|degrees|areas|competencies|traits|"
               r"jobs|positions|organi[sz]ations|places|employers|things")
_LIST_HEAD = re.compile(rf"^(?:and\s+|so\s+)?(?:what|which)\s*(?:'re|\s+are|\s+r)\s+(?:the\s+|some\s+)?"
                        rf"(?:\w+\s+){{0,2}}(?:{_LIST_NOUNS})\b", re.I)
_DESCRIPTION = re.compile(r"\blike\s*[?.!]*$", re.I)  # "what is a typical day like?" asks for a description
_DESCRIBE = re.compile(r"^(?:so\s+|and\s+)?(?:what|how)\s*(?:'s|s|\s+is|\s+are|\s+r|\s+does)\s+"
                       r"(?:an?\s+|the\s+)?"
                       r"(?P<focus>[^?]{2,50}?)\s+(?:like|look\s+like)\b", re.I)
_NOT_A_TERM = re.compile(r"^(?:the\s+)?(?:difference|best|point|role|job|pay|salary|process|path|way|"
                         r"requirements?|next\s+step)\b", re.I)
_WHAT_DOES = re.compile(r"^(?:so\s+|and\s+)?(?:what|wat)\s*(?:'s|s|\s+does|\s+do|\s+would)\s+"
                        r"(?:an?\s+|the\s+)?"
                        r"(?P<focus>[^?]{2,40}?)\s+(?:actually\s+|even\s+|really\s+)?do\b", re.I)
_CLAUSE = re.compile(r"[^?!.]+[?!.]*")


@dataclass(frozen=True)
class QuestionAnalysis:
    """What a question asks: the kind of answer, the phrase it is about, and a comparison's sides."""

    type: AnswerType
    focus: str = ""
    sides: tuple[str, ...] = ()
    clause: str = ""  # the part of the message that asks (a statement of the asker's situation is not asked)
    evaluative: bool = False  # "which is better / pays more": only a sentence that compares answers it
    named: bool = False  # the focus must be named by the answer ("what is X?", "what is X like?")


@lru_cache(maxsize=4096)
def analyse(question: str, has_situation: bool = False) -> QuestionAnalysis:
    """The answer type and focus of `question` (its last clause that asks something decides); remembered,
    since the guard, the request and the plan all ask about the same question.

    `has_situation`: the asker has told about themselves, so "should I…/is that enough?" asks for advice."""
    text = normalise(question)
    clause = _asking_clause(text)
    return replace(_analyse(text, clause, has_situation), clause=_trim(clause))


def _analyse(text: str, clause: str, has_situation: bool) -> QuestionAnalysis:
    between = _BETWEEN.search(clause) or _DIFFERENT_FROM.search(clause)
    if between:
        return QuestionAnalysis("comparison", f"{between['a']} and {between['b']}",
                                (_trim(between["a"]), _trim(between["b"])))
    sides = _sides(text)
    if sides:
        return QuestionAnalysis("comparison", " and ".join(sides), sides,
                                evaluative=bool(_WHICH_BETTER.search(text)))
    if expected_quantity(clause) is not None or _MONEY.search(clause):
        return QuestionAnalysis("figure", _trim(clause))
    if _LIST_HEAD.search(clause):
        return QuestionAnalysis("list", _trim(clause))
    stands_for = _STANDS_FOR.search(clause)
    if stands_for:
        quoted = _QUOTED.search(text)
        named = quoted.group(1) if quoted else _acronym_in(text)
        return QuestionAnalysis("definition", named or _trim(stands_for["focus"]), named=True)
    tries = [clause, _AND_ASK.split(clause)[0]]
    if "what" in clause.lower():
        tries.append(clause[clause.lower().rfind("what"):])
    for pattern in (_WHAT_IS, _DEFINE):
        for attempt in tries:
            match = pattern.match(attempt)
            if match and _is_term(match["focus"]):
                return QuestionAnalysis("definition", _trim(match["focus"]), named=True)
    does = _WHAT_DOES.match(_AND_ASK.split(clause)[0])
    if does and _is_term(does["focus"]):
        return QuestionAnalysis("open", _trim(does["focus"]), named=True)
    describe = _DESCRIBE.match(clause)
    if describe:
        focus = re.sub(r"\s+(?:for|of|as)\s+.*$", "", describe["focus"])
        return QuestionAnalysis("open", _trim(focus), named=True)
    if has_situation and _ADVICE.search(clause):
        return QuestionAnalysis("advice", _trim(clause))
    if _STEPS.search(clause):
        return QuestionAnalysis("steps", _trim(clause))
    if _LIST.search(clause):
        return QuestionAnalysis("list", _trim(clause))
    if _YES_NO.match(clause):
        return QuestionAnalysis("yes_no", _trim(clause))
    return QuestionAnalysis("open", _trim(clause))


def _sides(text: str) -> tuple[str, ...]:
    """The two things compared: "X vs Y", or "X or Y ... which is better?"."""
    for part in _CLAUSE.findall(text):
        if _VERSUS.search(part):
            a, b = _VERSUS.split(part, maxsplit=1)
        elif _OR.search(part) and _WHICH_BETTER.search(text):
            a, b = _OR.split(part, maxsplit=1)
        else:
            continue
        a_words = re.sub(r"^.*\b(?:between|is|a|an|the|what's|whats|which)\s+", "", a.strip(),
                         flags=re.I).split()
        b_words = re.split(r"\s+(?:for|as|to|in|at|which|when|if)\b|[,?.!]", b.strip(), maxsplit=1)[0].split()
        b_words = [w for w in b_words if w.lower() not in ("better", "best", "more", "only")]
        if a_words and b_words:
            return (_trim(" ".join(a_words[-4:])), _trim(" ".join(b_words[:4])))
    return ()


def normalise(question: str) -> str:
    """`question` with chat shorthand spelled out ("med" -> "medical", "yrs" -> "years", "whats" -> "what's").
    Acronyms are left as written; `expansions` says what they stand for."""
    shorthand = _shorthand()

    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        return shorthand.get(word.lower(), word)

    return re.sub(r"(?<![\w'])[A-Za-z][\w/]*(?![\w'])", spell, question)


def expansions(question: str) -> list[str]:
    """What the acronyms of `question` stand for ("EM" -> "emergency medicine"), in order of appearance."""
    return [long for _, long in acronyms_in(question)]


def is_acronym(word: str) -> bool:
    """Whether `word` is an acronym or shorthand the advisor knows ("SNF", "CMIO")."""
    return word in _acronyms() or word.lower() in _shorthand()


def acronyms_in(question: str) -> list[tuple[str, str]]:
    """The known acronyms of `question` with what they stand for, in order of appearance."""
    known = _acronyms()
    found = dict.fromkeys(re.findall(r"\b[A-Z][A-Za-z0-9&]{1,5}\b", question))
    return [(w, known[w]) for w in found if w in known]


def _asking_clause(text: str) -> str:
    """The last clause that asks something (else the whole text): "im a hospitalist. is that enough?" asks
    "is that enough?"."""
    clauses = [c.strip() for c in _CLAUSE.findall(text) if c.strip()]
    asking = [c for c in clauses if c.endswith("?")]
    if len(asking) > 1:  # two questions in one message: the first one sets the type
        return asking[0]
    return asking[-1] if asking else (clauses[-1] if clauses else text)


def _is_term(phrase: str) -> bool:
    """Whether "what is X" asks for the definition of a term X (a short noun phrase), not a description
    ("a typical day like") or another question ("the difference between...")."""
    words = phrase.split()
    return 0 < len(words) <= 6 and not _DESCRIPTION.search(phrase) and not _NOT_A_TERM.match(phrase) \
        and not re.search(rf"\b(?:{_AUX}|i|you|my|between|responsible|involved|required|needed)\b", phrase,
                          re.I) \
        and not re.search(r"\b(?:for|of|to|with|about|in|on|at|by)\s*[?.!]*$", phrase, re.I)


def _acronym_in(text: str) -> str:
    found = re.findall(r"\b[A-Z]{2,6}\b", text)
    return found[-1] if found else ""


def _trim(phrase: str) -> str:
    """`phrase` without surrounding punctuation and trailing hedges ("value based care exactly")."""
    phrase = phrase.strip(" ?.!,;:'\"").strip()
    hedges = r"(?:\s+(?:exactly|actually|really|even|specifically|again|then|though|anyway))+$"
    return re.sub(hedges, "", phrase, flags=re.I)


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, dict[str, str]]:
    data = json.loads(read_resource("chat_vocabulary.json"))
    return {"shorthand": dict(data["shorthand"]), "acronyms": dict(data["acronyms"])}


def _shorthand() -> dict[str, str]:
    return _vocabulary()["shorthand"]


def _acronyms() -> dict[str, str]:
    return _vocabulary()["acronyms"]
