"""Removes web boilerplate (ads, subscription boxes, counters, navigation, footers, link lists).

Cleaning only ever drops whole lines, so every sentence that survives is verbatim in the source file.
Every pattern runs in time linear in the line's length: where a run could be split in several ways
before a match fails, the quantifier is possessive (`*+`, `++`) or the group atomic (`(?>...)`).
"""

from __future__ import annotations

import re

# Lines that are never content, wherever they stand. Each rule covers a family of page furniture.
_BOILERPLATE_PATTERNS = [
    r"^(views?|hits|reads|likes|shares|comments?)\s*+:?\s*+\d[\d,]*+$",  # counters: "Views: 118"
    r"^(post|page|article)\s++navigation$",
    r"^(previous|next)\s++(post|article|page)\b.*$",
    r"^(comment|comments|reply|leave a (comment|reply)|share|share this|tweet|print|webinar|subscribe)$",
    r"\bsubscrib(e|ed|ing|tion)\b",
    r"\b(rss|atom)\s++feed\b",
    r"\be-?mail (address|notifications?|updates)\b",
    r"\bnewsletter\b",
    r"\b(delivered|sent) (straight |right )?to your inbox\b|^just enter your e-?mail\b",
    r"\bto add comments\b",
    r"^join\s++\S++$",
    r"\bon (twitter|facebook|linkedin|instagram|youtube|x)$",
    r"©|\(c\)\s*+\d{4}|\bcopyright\b|\ball rights reserved\b|\bpowered by\b",
    r"\bprivacy policy\b|\bterms of (service|use)\b|\bcookie (policy|settings)\b|\breport an issue\b",
    r"^(published|posted|written)\s++(by|on)\b.{0,40}$",
    r"^(advertisement|sponsored|ad)$",
    r"\bget paid\b|\bearn up to \$|\bjoining bonus\b|\bpaid (medical )?surveys?\b",
    r"^(https?://|www\.)\S++$",  # bare links (reference lists)
]
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE_PATTERNS), re.IGNORECASE)
# "Sign up to comment", "Log in for updates": a call to action is a short line, and the words stand in
# this order inside one sentence. Each atomic group settles on the first match after the previous one
# (which is enough to decide that the three stand in order), so a sentence is scanned once.
_CALL_TO_ACTION = re.compile(
    r"(?:^|[.!?])(?>[^.!?\n]*?\b(?:sign up|log in|login|register)\b)(?>[^.!?\n]*?\b(?:to|for)\b)"
    r"[^.!?\n]*?\b(?:comment|access|updates|newsletter)\b",
    re.IGNORECASE,
)
_CALL_TO_ACTION_MAX_WORDS = 15
_LINK_LIST_HEADINGS = re.compile(r"^(references|sources|further reading|external links|citations)$", re.I)
_URL = re.compile(r"^(https?://|www\.)\S++$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;)\"”’]$")


def is_boilerplate(line: str) -> bool:
    """True when a single stripped line is page furniture rather than content."""
    text = line.strip().strip('"“”')
    if not text or not any(ch.isalnum() for ch in text):
        return True
    if _BOILERPLATE.search(text):
        return True
    return len(text.split()) <= _CALL_TO_ACTION_MAX_WORDS and bool(_CALL_TO_ACTION.search(text))


def _is_fragment(line: str) -> bool:
    """A short line with no sentence ending: a label, a button, a menu entry."""
    return len(line.split()) <= 10 and not _SENTENCE_END.search(line)


def clean_lines(lines: list[str]) -> list[str]:
    """Drop boilerplate lines, link lists with their heading, and the furniture block that ends a page."""
    stripped = [line.strip() for line in lines]
    keep = [bool(s) and not is_boilerplate(s) for s in stripped]
    nonblank = [i for i, s in enumerate(stripped) if s]
    # A references heading whose following lines are only links goes with them.
    for pos, i in enumerate(nonblank):
        if _LINK_LIST_HEADINGS.match(stripped[i]):
            following = nonblank[pos + 1 : pos + 2]
            if following and _URL.match(stripped[following[0]]):
                keep[i] = False
    # The tail of a web page (after the last paragraph) is labels, buttons and footers.
    for i in reversed(nonblank):
        if keep[i] and not _is_fragment(stripped[i]):
            break
        keep[i] = False
    return [s for s, k in zip(stripped, keep, strict=True) if k]


def clean_text(raw: str) -> str:
    """The cleaned document: kept lines, one block per line, separated by blank lines."""
    return "\n\n".join(clean_lines(raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")))
