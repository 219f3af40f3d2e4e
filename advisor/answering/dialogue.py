"""What a message does before it is a question: a greeting, thanks, or "what can you do?" gets a short
friendly reply (from a prompt file), never a refusal; a question wrapped in pleasantries ("hi! what does a
medical director earn?") is answered without them."""

from __future__ import annotations

import re
from typing import Literal

from advisor.text import content_words

SmallTalk = Literal["greeting", "thanks", "capabilities"]

_GREETING = re.compile(
    r"^\s*(?:hi+|hello+|hey+|heya|hiya|howdy|greetings|yo|sup|(?:good\s+)?(?:morning|afternoon|evening)|"
    r"good\s+day)\b"
    r"(?:\s+(?:there|all|everyone|again|advisor))?[\s,.!:;-]*",
    re.I,
)
_THANKS = re.compile(
    r"\b(?:thank\s+you(?:\s+(?:so\s+much|very\s+much|again))?|thanks?(?:\s+(?:a\s+lot|so\s+much|again|"
    r"very\s+much))?|thx|ty|cheers|much\s+appreciated|(?:i\s+)?appreciate\s+(?:it|that|this|the\s+help))\b",
    re.I,
)
_ACKNOWLEDGEMENT = re.compile(
    r"\b(?:ok(?:ay)?|great|perfect|got\s+it|cool|awesome|nice|good|helpful|that\s+helps?|this\s+helps?|"
    r"(?:that|this)\s+(?:was|is)\s+(?:very\s+|really\s+|super\s+)?(?:helpful|useful|great)|makes\s+sense|"
    r"bye|goodbye|see\s+you|have\s+a\s+good\s+(?:day|one)|will\s+do|sounds\s+good|super|very|really|so|"
    r"lol|haha+|lmao|thumbs\s+up)\b",
    re.I,
)
_LEADING_ACK = re.compile(r"\b(?:ok(?:ay)?|alright|all\s+right|great|cool|got\s+it|i\s+see|hmm+|right|sure|"
                          r"perfect|nice|interesting)\b", re.I)
_CAPABILITIES = re.compile(
    r"\b(?:what\s+(?:can|do)\s+you\s+(?:do|help\s+with|know)|what\s+are\s+you|who\s+are\s+you|"
    r"are\s+you\s+(?:a\s+|an\s+)?(?:real\s+)?(?:person|human|bot|robot|ai|chatbot|doctor|machine)"
    r"(?:\s+or\s+(?:a\s+|an\s+|just\s+)?(?:real\s+)?(?:person|human|bot|robot|ai|chatbot|machine|program|not))?|"
    r"(?:is\s+this|am\s+i\s+(?:talking|chatting|speaking)\s+(?:to|with))\s+(?:a\s+|an\s+)?(?:real\s+|actual\s+)?"
    r"(?:person|human|bot|robot|ai|chatbot|machine|program)"
    r"(?:\s+or\s+(?:a\s+|an\s+)?(?:real\s+|actual\s+)?(?:person|human|bot|robot|ai|chatbot|machine|program))?|"
    r"how\s+(?:does\s+this|do\s+you)\s+work|what\s+(?:can|should)\s+i\s+ask(?:\s+you)?|what\s+is\s+this|"
    r"(?:can|could)\s+you\s+help(?:\s+me)?(?:\s+(?:out|with\s+(?:this|that|something)))?|"
    r"how\s+can\s+you\s+help(?:\s+me)?|help\s+me\s+out|i\s+need\s+(?:some\s+)?help)\b",
    re.I,
)
_SELF = re.compile(r"^[\s,.!]*(?:i'?m|i\s+am|i'?ve|i\s+have|i\s+was|i\s+work|i\s+just|my|as\s+an?|been)\b",
                   re.I)
_ASKING = re.compile(
    r"^[\s,.!-]*(?:what|which|how|why|when|where|who|whom|whose|is|are|do|does|did|can|could|should|would|"
    r"will|am|was|were|has|have|tell|explain|describe|list|give|show|help|compare|define|any|need|want|"
    r"looking\s+for|wondering|curious)\b",
    re.I,
)
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def small_talk(message: str) -> SmallTalk | None:
    """The kind of small talk `message` is, or None when it asks or states something to answer.

    A message is small talk when nothing is left once greetings, thanks, acknowledgements and requests for
    help are taken out, or when what is left only tells the asker's situation ("hey, I'm a family doctor
    thinking about a career change. can you help?")."""
    found: list[SmallTalk] = []
    rest = message
    if _GREETING.search(rest):
        found.append("greeting")
        rest = _GREETING.sub(" ", rest, count=1)
    if _CAPABILITIES.search(rest):
        found.append("capabilities")
        rest = _CAPABILITIES.sub(" ", rest)
    if _THANKS.search(rest):
        found.append("thanks")
        rest = _THANKS.sub(" ", rest)
    acknowledged = _ACKNOWLEDGEMENT.search(rest) is not None
    rest = _ACKNOWLEDGEMENT.sub(" ", rest)
    if content_words(rest):
        # what is left only tells something ("just got off a night shift", "I'm a hospitalist"): the
        # greeting or the request for help is what the message does
        if found and not _asks(rest) and ("capabilities" not in found or _only_tells_situation(rest)):
            return "capabilities" if "capabilities" in found else found[0]
        return None
    for kind in ("capabilities", "thanks", "greeting"):
        if kind in found:
            return kind  # type: ignore[return-value]
    return "thanks" if acknowledged else None


def without_pleasantries(message: str) -> str:
    """The question without a leading greeting, thanks or acknowledgement ("hi! what does it pay?" -> "what
    does it pay?", "ok and after residency?" -> "and after residency?")."""
    rest = _GREETING.sub("", message, count=1)
    for _ in range(3):  # "great, thanks! ok, ..." in any order
        for pattern in (_THANKS, _LEADING_ACK):
            rest = re.sub(r"^\s*(?:" + pattern.pattern + r")[\s,.!:;-]*", "", rest, count=1, flags=re.I)
    return rest.strip() or message


def _asks(text: str) -> bool:
    """Whether `text` asks something: a question, or a request ("tell me…", "explain…")."""
    return any("?" in s or _ASKING.match(s) for s in _SENTENCE.findall(text) if content_words(s))


def _only_tells_situation(text: str) -> bool:
    """Whether every sentence of `text` that says something is the asker telling about themselves."""
    said = [s for s in _SENTENCE.findall(text) if content_words(s)]
    return bool(said) and all(_SELF.match(s) and "?" not in s for s in said)
