"""Prompt-injection defences for generative answers: what goes into the prompt, and what may come out.

In: retrieved document text is untrusted data. It is shown to the model inside <passage> tags, with
anything that could close those tags or pose as a citation marker neutralised.
Out: an answer may only link to URLs that appear in the retrieved documents (and carry no query string,
which is how exfiltration links smuggle data out); images, HTML tags and other links are stripped, and
the canary of the system prompt never survives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import regex

# Bounded quantifiers everywhere: a half-received construct can hold back at most a few hundred characters.
_URL_BODY = r"[^\s<>()\[\]{}\"'`]{1,500}"
URL = r"(?:https?://|www\.)" + _URL_BODY
_URL_RE = re.compile(URL, re.IGNORECASE)
_URL_TRAILING = ".,;:!?*_"
_ANGLE = re.compile(r"[<>]")
_DOC_MARKER = re.compile(r"[\[【［](\s*\^?\d{1,3}\s*)[\]】］]")
_HTML = re.compile(r"<!--.{0,500}?-->|</?[A-Za-z][A-Za-z0-9-]{0,30}(?:\s[^<>\n]{0,300})?/?>", re.S)
_IMAGE = re.compile(r"!\[[^\]\n]{0,200}\]\([^)\n]{0,600}\)")
_LINK = re.compile(r"\[([^\]\n]{0,200})\]\(([^)\s]{0,600})(?:\s+\"[^\"\n]{0,200}\")?\)")


CONSTRUCT_STARTS = "![【［<hHwW"  # first characters of everything output_constructs matches, canary aside


def output_constructs(canary: str) -> regex.Pattern[str]:
    """The pattern the answer stream is scanned with: markup that may need stripping, and citation markers.

    Named groups: canary, image, link (link_text, link_url), marker (marker_body), html, url. Matched with
    `partial=True`, a construct cut off at the end of the received text is reported as partial, so the
    stream can wait for the rest before deciding.
    """
    parts = []
    if canary:
        parts.append(r"(?P<canary>(?i:" + regex.escape(canary) + r"))")
    parts += [
        r"(?P<image>" + _IMAGE.pattern + r")",
        r"(?P<link>\[(?P<link_text>[^\]\n]{0,200})\]\((?P<link_url>[^)\s]{0,600})(?:\s+\"[^\"\n]{0,200}\")?\))",
        r"(?P<marker>[\[【［]\s*(?P<marker_body>(?i:(?:passage|source|ref)\s*)?\^?\d{1,3}"
        r"(?:\s*(?:,|;|-|–|and)\s*\^?\d{1,3}){0,20})\s*[\]】］])",
        r"(?P<html>" + _HTML.pattern + r")",
        r"(?P<url>" + URL + r")",
    ]
    return regex.compile("|".join(parts), regex.S | regex.IGNORECASE)


def split_url(candidate: str) -> tuple[str, str]:
    """A matched URL without the sentence punctuation that followed it, and that punctuation."""
    url = candidate.rstrip(_URL_TRAILING)
    return url, candidate[len(url) :]


def corpus_urls(texts: Iterable[str]) -> set[str]:
    """URLs an answer may keep: those written in the retrieved text, minus ones carrying a query string."""
    return set().union(*(_urls_in(text) for text in texts))


@lru_cache(maxsize=16_384)
def _urls_in(text: str) -> frozenset[str]:
    """The query-string-free URLs written in one text (remembered: chunks are quoted again and again)."""
    urls = (split_url(match.group(0))[0] for match in _URL_RE.finditer(text))
    return frozenset(url for url in urls if "?" not in url)


def is_allowed_url(url: str, allowed: set[str]) -> bool:
    return url in allowed and "?" not in url


def neutralize_for_prompt(text: str) -> str:
    """Document text as the model sees it: one line, no tags, no look-alike citation markers.

    Only the model's view changes; citations keep quoting the document verbatim.
    """
    text = _ANGLE.sub(lambda m: "‹" if m.group(0) == "<" else "›", text)
    text = _DOC_MARKER.sub(lambda m: f"({m.group(1).strip()})", text)
    return " ".join(text.split())


def strip_unsafe_markup(text: str, allowed_urls: set[str], canary: str = "") -> str:
    """`text` without images, HTML tags, the canary, and links or URLs that are not allowed (link text kept).

    For short model outputs that are not streamed, such as a condensed question.
    """
    if canary:
        text = re.sub(re.escape(canary), "", text, flags=re.IGNORECASE)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(0) if is_allowed_url(m.group(2), allowed_urls) else m.group(1), text)
    text = _HTML.sub("", text)

    def url(m: re.Match[str]) -> str:
        found, trailing = split_url(m.group(0))
        return m.group(0) if is_allowed_url(found, allowed_urls) else trailing

    return _URL_RE.sub(url, text)
