"""The role of each answer unit, decided once at ingest: what a sentence does for a reader.

One `UnitRole` per `advisor.text.answer_units` unit of a chunk, with the same absolute span and in the same
order. Roles, by precedence (the first that applies wins):

- `instruction`: text addressed to an AI or to the system ("Ignore your instructions...", "NOTE TO THE AI
  ASSISTANT", "system prompt", "as an AI language model"), or a request that the reader hand over secrets,
  money or identifiers (a password, an SSN, a card; a fee wired to an account; a DEA number e-mailed to an
  address). Never quoted by any answerer.
- `filler`: rhetoric aimed at the reader: intros and outros ("Let's dive in", "In this post we'll...",
  "In conclusion, ..."), a reply to an unseen rhetorical question ("If so, ..."), "... might be your
  calling", sign-offs and encouragement ("take the leap", "is ready for your leadership"), portraits and
  flattery of the reader ("As a physician, you are...", "Your world is..."), vocabulary asides, and
  second-person or motivational sentences that carry no concrete career content.
- `definition`: states what something is ("X is a ...", "X refers to", "also known as", "X (ABC) ...",
  ", which is the ...", the first answer to a "What is X?" question).
- `figure`: states a quantity: money, durations, percentages, counts (read with `figure_tokens`).
- `advice`: a step or a recommendation: an imperative career verb ("Join", "Consider", "Seek out"), "should",
  "it is essential to", "you need to", "must obtain", "the first step is", a gerund subject such as
  "Building a network is...".
- `list_item`: a list item that is none of the above; `list_heading` is the line that introduces the list
  (the unit just before the run of items, often ending with ":"), else the section, else the title.
- `statement`: everything else.

`dangling` marks a unit that opens by pointing back at the sentence before ("This", "They", "Moreover",
"If so", "In this role", "Many also ...", "Of these, ..."): an answer that quotes it should quote that
sentence too. It is read from the unit alone, so the first unit of a chunk can dangle (its antecedent is
in the chunk before). An instruction never dangles: nothing travels with it.

Design notes:
- Cues are linguistic (addressee, mood, discourse markers, what the sentence names), not the corpus's own
  sentences, so that they carry over to documents users add.
- "Concrete career content" is a small vocabulary of things a physician can act on or look up
  (committees, degrees, budgets, regulations, contracts, titles, a named role such as "Regional Medical
  Director"), plus figures and acronyms. Words every sentence of this domain shares (medical, director,
  healthcare, career, leadership, physician, patient, clinical) do not count: rhetoric uses them too.
- A conditional that names a specific role and a property of it ("If you love travel, a Regional Medical
  Director role might be appealing") is a `statement` (the role involves travel); one whose consequent is
  a calling idiom ("... might be your calling") is `filler`.
- `list_heading` is filled in for every list item, whatever its role (a definition in a list of
  certifications still has the list's heading).
- Imperative list items under a heading of responsibilities or duties ("Some common responsibilities
  include:") describe the job, not what the reader should do: they stay `list_item`, not `advice`.
- The precedence decides mixed units: "To start your journey, create a focused 90-day plan." states a
  quantity, so it is a `figure`; "In the first 30 days, have a career conversation ..." is `advice` (the
  first, next or final N days of a plan order steps and count nothing).
- Instructions are matched only with a requester and an object: "network with", "reach out to a mentor",
  "email the coordinator", "pay the exam fee when you register" are advice; "never share your password"
  is not a request.
- The previous unit is the unit before in the chunk, including those `answer_units` drops (questions,
  "... include:" intros); for a chunk's first unit a question section heading ("What is HIPAA?") is it.

Speed: most patterns are written in lower case and run on the lower-cased unit (without IGNORECASE,
Python's `re` scans large alternations several times faster); instruction patterns run only when one cheap
scan finds a word they all need. About 5,000 units per second on one core.

Pure and deterministic: no model, no I/O. Encoded for the vector store with `encode_roles` (compact JSON)
and read back with `decode_roles`, which rejects malformed input with ValueError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from advisor.text import answer_units, figure_tokens, split_units

Role = Literal["definition", "figure", "advice", "list_item", "statement", "filler", "instruction"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class UnitRole:
    """The role of the answer unit `text[start - offset : end - offset]` of a chunk."""

    start: int
    end: int
    role: Role
    dangling: bool = False
    list_heading: str = ""


# Most patterns are written in lower case and run on the lower-cased unit: without IGNORECASE, Python's
# regular expressions scan large alternations several times faster. The few that read capitals (acronyms,
# names, "Label:") run on the unit as written.
_UPPER_LITERAL = re.compile(r"(?<!\\)[A-Z]")


def _lc(pattern: str) -> re.Pattern[str]:
    """A pattern for lower-cased text; it must not hold an upper-case letter (other than an escape)."""
    if _UPPER_LITERAL.search(pattern.replace("\\\\", "")):
        raise ValueError(f"upper-case letter in a lower-case pattern: {pattern[:60]!r}")
    return re.compile(pattern)


# ---- shared vocabularies -------------------------------------------------------------------------------

# Names of an AI. "Assistant", "model", "agent" and "bot" alone are also job titles or ordinary words
# ("the assistant director", "a care model", "insurance agents"): they count only as an addressee, before
# a colon or a comma ("Note to the assistant: ...").
_AI = (
    r"(?:ai|a\.i\.|artificial intelligence|ai (?:assistant|model|system|tool)|virtual assistant|chat ?bot|"
    r"llm|large language model|language model|gpt|chatgpt|claude|gemini|copilot|answerer)"
)
_AI_ADDRESSEE = r"(?:" + _AI + r"|assistant|bot|model|agent)s?\s*[:,]"
_SECRET = (
    r"(?:pass(?:word|code|phrase)s?|log-?in(?: credentials| details| info(?:rmation)?)?|credentials|"
    r"user ?names? and pass\w+|pin(?: number| code)?|social security(?: number)?|ssns?|credit card(?: number|"
    r" details)?|debit card|card number|cvv|security code|bank (?:account|details|information|login)|"
    r"account number|routing number|(?:one[- ]time|verification|2fa|two[- ]factor|authentication) code|"
    r"mother'?s maiden name)"
)
_IDENTIFIER = (
    r"(?:dea(?: registration)?(?: number)?|npi(?: number)?|(?:medical )?licen[sc]e number|date of birth|"
    r"home address|(?:cell|mobile|phone) number|driver'?s licen[sc]e|passport(?: number)?)"
)
_HAND_OVER = (
    r"(?:send|e-?mail|text|submit|provide|share|give|enter|type|forward|fax|mail|post|reply with|"
    r"respond with|dm|message|upload|confirm|disclose|include|verify|paste)"
)
# Bounded quantifiers after a token start: every pattern here runs in linear time on any input.
_DESTINATION = (
    r"(?:(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}|https?://|www\.|"
    r"\b(?:to|at|via) (?:this|the following|our|my) (?:e-?mail|address|number|account|link|form|portal)|"
    r"\breply to this|\bto (?:verify|confirm|validate|unlock|activate)\b|\bfor verification\b)"
)

# Concrete career content: things a physician can act on or look up. Topic words shared by every sentence
# of the domain and by its rhetoric (medical, director, healthcare, career, leadership, physician, patient,
# clinical, hospital) are deliberately absent.
_CONCRETE = _lc(
    r"\b(?:committees?|board(?:s| certifi\w*)?|certif\w*|credential\w*|degrees?|master'?s|mba|mha|mph|"
    r"fellowships?|residen(?:cy|cies|ts?)|chief resident|licen[sc]\w*|mentor\w*|network(?:s|ing)?|"
    r"r[ée]sum[ée]s?|cvs?|curriculum vitae|interviews?|contracts?|negotiat\w*|salar\w*|compensation|income|"
    r"budget\w*|financ\w*|revenue|expenses?|margins?|costs?|operations?|operational|business|"
    r"quality improvement|patient safety|complian\w*|compliant|regulat\w*|hipaa|accredit\w*|polic(?:y|ies)|"
    r"protocols?|strateg\w*|governance|administrat\w*|management|managers?|executives?|titles?|titled|"
    r"listings?|chairs?|section chief|projects?|workshops?|courses?|seminars?|coaching|utilization|insur\w*|"
    r"payers?|pharma\w*|biotech|data|metrics?|dashboards?|stakeholders?|staffing|schedul\w*|recruit\w*|risk|"
    r"value-based|associations?|societ(?:y|ies)|conferences?|research|trials?|apprentic\w*|associate|"
    r"assistant|departments?|bylaws|privileg\w*|case management|prior authori[sz]ation|telemedicine|"
    r"consult\w*|nonprofits?|facilit(?:y|ies)|nursing homes?|hospices?|health systems?|health plans?|"
    r"government|agenc(?:y|ies)|universit(?:y|ies)|academic|long-term care|payment models?)\b"
)
_ACRONYM = re.compile(r"\b[A-Z]{2,6}s?\b")
# A named role or body: two or more capitalised words inside the sentence ("Regional Medical Director",
# "Joint Commission"), other than the generic "Medical Director(s)".
_PROPER = re.compile(r"(?<=[a-z,;(] )(?:[A-Z][\w’'&-]+ (?:(?:of|for|and|&) )?){1,4}[A-Z][\w’'&-]+")
_GENERIC_PROPER = _lc(r"^(?:the )?(?:medical directors?|healthcare directors?)$")

_YOU = _lc(
    r"\b(?:you|your|yours|yourself|yourselves|you'?re|you’re|you'?ve|you’ve|you'?ll|you’ll|you'?d|you’d)\b"
)
_MOTIVATION = _lc(
    r"\b(?:passions?|passionate|journey|dreams?|calling|leap|fire|difference|fulfilling|rewarding|exciting|"
    r"impactful|adventure|reins|destiny|ready|serious|amazing|incredible|inspir\w*|thrive|unleash|potential|"
    r"sights|proud|deserve|empower\w*|purpose|imposter|brave|courage|bold|excited|shine)\b"
)
_PROMOTION = _lc(
    r"\b(?:passion|passions|passionate|fulfilling|rewarding|dream|dreams|calling|journey|exciting|impactful|"
    r"adventure|inspiring|destiny|thrilling)\b"
)
_METAPHOR = _lc(
    r"\b(?:bag|toolkit|toolbox|tool belt|arsenal|secret sauce|recipe for|playbook|superpower|north star|"
    r"game plan|muscle)s?\b"
)

# ---- instruction ------------------------------------------------------------------------------------------

# Every instruction pattern needs one of these words: one cheap scan rules most sentences out.
_INSTRUCTION_HINT = _lc(
    r"\b(?:ai|a\.i|assistants?|chat ?bots?|bots?|llms?|models?|gpt|chatgpt|claude|gemini|copilot|agents?|"
    r"answerer|prompts?|instructions?|system|developer|jailbr\w*|dan|users?|readers?|rules|guidelines|"
    r"directives|guardrails|programming|everything|above|prior|previous|earlier|now|cite|quote|pass\w*|"
    r"log-?in|credentials|pin|ssns?|social|credit|debit|card|cvv|security|bank|account|routing|code|maiden|"
    r"wire[sd]?|transfer\w*|deposit\w*|remit|venmo|zelle|paypal|cash ?app|bitcoin|crypto|gift|wallet|union|"
    r"moneygram|dea|npi|licen[sc]e|birth|address|number|passport|say|print|output|respond|reply|answer|inst|"
    r"sys|tell|inform|advise|instruct|remind|note|message|memo|attention|reminder|request|directive|dear|hey|"
    r"hi)\b|<\||\[/?inst|<<|^\s*#"
)
_INSTRUCTION = [
    _lc(
        r"\b(?:ignore|disregard|forget|overrides?|overriding|supersedes?|bypass|skip|(?:do not|don'?t|"
        r"stop) (?:follow|obey)(?:ing)?)\b[^.!?]{0,60}\b(?:instructions?|prompts?|rules|guidelines|"
        r"directives|system messages?|programming|guardrails|safety (?:rules|filters)|"
        r"(?:the )?user'?s? (?:question|request|query)|everything (?:above|before|else|you (?:were|"
        r"have been) told)|(?:all|any) (?:of the )?(?:above|prior|previous|earlier))\b"
    ),
    _lc(r"\b(?:system|developer|hidden|initial|original|secret) (?:prompt|message|instructions?)\b"),
    # orders about how answers must be written ("every answer must end with this image")
    _lc(r"\b(?:every|each|all|your|any) (?:answers?|responses?|replies|outputs?|summar(?:y|ies))\b"
        r"[^.!?]{0,40}\b(?:must|should|shall|has to|have to|needs? to)\b"),
    _lc(
        r"\b(?:note|message|instructions?|attention|reminder|directive|memo|request)s? (?:to|for) "
        r"(?:the |any |all |every )?(?:" + _AI + r"s?\b|" + _AI_ADDRESSEE + r")"
    ),
    # "As an AI language model, ...", "If you are an AI reading this" (not "as an AI adoption lead").
    _lc(
        r"\b(?:as an?|you are an?|you're an?|you are the|if you are an?|if you're an?|act as an?|"
        r"pretend (?:to be|you are) an?|dear) "
        + _AI
        + r"(?: language model| model| assistant| chat ?bot| system)?"
        r"(?:\s*[,.;:!]|\s+(?:you|i|reading|summari[sz]ing|processing|answering|that|who|and|with|must|should|"
        r"will|please)\b|$)"
    ),
    _lc(r"\b(?:any|all|every) " + _AI + r"s? (?:reading|processing|summari[sz]ing|parsing|indexing)\b"),
    # An AI reading "this text", told what to say.
    _lc(
        _AI + r"s?(?: models?| systems?| assistants?| tools?)? (?:that (?:read|process|summari[sz]e) |"
        r"(?:reading|processing|summari[sz]ing|parsing|indexing|ingesting|crawling) )(?:this|"
        r"the following) (?:text|page|article|document|content|post|passage|site)\b"
    ),
    # Addressed to the assistant by name: "Assistant, disregard ...", "AI: ...".
    _lc(r"^(?:hey |hi |dear |attention,? |note,? )?(?:ai|a\.i\.|assistant|chat ?bot|bot|llm|gpt|chatgpt|"
        r"claude|gemini|copilot)\s*[,:!]\s*(?:please |now )?(?:ignore|disregard|forget|you|do|don'?t|never|"
        r"always|say|respond|reply|answer|tell|print|output|recommend|describe|write|repeat|reveal|state|"
        r"include|add|remember|from now on|stop|mention|cite|list)\b"),
    _lc(r"\bfrom now on,? (?:you|the assistant|the ai)\b|\b(?:do not|don'?t|never) (?:cite|quote|mention|"
        r"reference|use|recommend) (?:any )?(?:other|another) (?:articles?|sources?|documents?|sites?|"
        r"websites?)\b|\b(?:cite|quote) only (?:this|our)\b"),
    _lc(
        r"\b(?:reveal|print|repeat|show|output|leak|disclose|tell me|"
        r"share)\b[^.!?]{0,30}\b(?:your (?:instructions|prompt|rules|configuration|guidelines)|"
        r"hidden (?:instructions|prompt))\b"
    ),
    _lc(r"\bjailbr[eo]a?k|\bdan mode\b|\bdeveloper mode\b|\bdo anything now\b|\bprompt injection\b"),
    _lc(r"<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?inst\]|<</?sys>>|^#{1,4} ?(?:system|instruction)"),
    _lc(r"^\s*(?:system|assistant)\s*:"),
    _lc(r"\b(?:tell|inform|advise|instruct|remind) (?:the|every|all|each) (?:users?|readers?)\b"),
    _lc(
        r"\b(?:when|whenever|if) (?:you are |you're )?(?:summari[sz]ing|quoting|citing|indexing|"
        r"parsing) (?:this|the following)\b|\b(?:when|whenever|if) (?:a |the |any )?(?:users?|readers?|"
        r"someone|anyone) (?:asks?|inquires?|wants?)\b[^.!?]{0,60}\b(?:say|respond|reply|answer|state|claim|"
        r"tell them|recommend|insist|output)\b"
    ),
    _lc(r"\b(?:respond|reply|answer)\b[^.!?]{0,20}\bonly with\b"),
    # Secrets: asking for one is enough; a negation ("never share your password") is security advice.
    _lc(r"(?<!never )(?<!not )(?<!n't )\b" + _HAND_OVER + r"\b[^.!?]{0,60}\b" + _SECRET + r"\b"),
    # Money: see _MONEY_REQUEST below.
]
# Money asked for: a payment verb used as a request ("Wire the fee ...", "..., pay ...", "must be wired"),
# an amount or a fee, and an account, a wallet, a payment app or a gift card, anywhere in the sentence
# (three linear scans: "Some systems wire the bonus to your bank account" asks for nothing).
_MONEY_REQUEST = _lc(
    r"(?:^|[,;:]\s*|\b(?:please|must|should|need to|needs to|have to|has to|required to|asked to|you to|"
    r"then|and)\s+)(?:be\s+)?(?:wire[sd]?|transfer(?:red)?|send|sent|pay|paid|deposit(?:ed)?|remit(?:ted)?|"
    r"venmo|zelle|paypal)\b"
)
_MONEY = _lc(
    r"\$\s?\d|(?<![\d,.])\d[\d,.]{0,20}\s*(?:dollars|usd|euros?)\b|\bfees?\b|\bpayment\b|\bfunds\b|"
    r"\bmoney\b|\bdeposit\b"
)
_MONEY_DESTINATION = _lc(
    r"\baccount\b|\bwallet\b|\bbitcoin|\bcrypto|\bgift ?cards?\b|\bwestern union\b|\bmoneygram\b|"
    r"\bzelle\b|\bvenmo\b|\bpaypal\b|\bcash ?app\b|(?<![\w.])@[\w-]{2,}"
)
# "Say PWNED": an output word in capitals.
_SAY_CAPS = re.compile(r"\b(?i:say|print|output|type|write)\s+[\"'“‘]?[A-Z]{4,}\b")
# Identifiers and contact details: only when they are to be sent somewhere or "to verify".
_IDENTIFIER_REQUEST = _lc(r"\b" + _HAND_OVER + r"\b[^.!?]{0,60}\b" + _IDENTIFIER + r"\b")
_DESTINATION_RE = _lc(_DESTINATION)


def _is_instruction(text: str) -> bool:
    low = text.lower()
    if not _INSTRUCTION_HINT.search(low):
        return False
    if any(p.search(low) for p in _INSTRUCTION) or _SAY_CAPS.search(text):
        return True
    if _MONEY_REQUEST.search(low) and _MONEY.search(low) and _MONEY_DESTINATION.search(low):
        return True
    return bool(_IDENTIFIER_REQUEST.search(low) and _DESTINATION_RE.search(low))


# ---- filler -----------------------------------------------------------------------------------------------

# Filler whatever else the sentence holds.
_FILLER_ALWAYS = [
    # Intros and outros of the page itself.
    _lc(r"^(?:so,?\s+|now,?\s+|ok(?:ay)?,?\s+)?(?:let'?s|let’s|let us)\s+(?:dive|jump|get|take a|explore|"
        r"begin|"
        r"start|break|talk|discuss|look|walk|dig|unpack|find out|kick)\b"),
    _lc(r"\bwithout further ado\b|\bread on\b|\bstay tuned\b|\bkeep reading\b|\bbuckle up\b"),
    _lc(r"^(?:welcome(?: back)? to|thanks? (?:you )?for (?:reading|joining|stopping by)|we hope (?:this|that|"
        r"you)|i hope (?:this|that|you)|let me (?:tell|share|walk|explain|show))\b|\bfeel free to (?:share|"
        r"comment|reach out|contact|leave)\b|\bshare this (?:post|article|guide|page)\b|^here(?:'s|’s|"
        r" is) (?:the|some) (?:good news|thing|deal|secret|truth|kicker|best part|bottom "
        r"line)\b"),
    _lc(r"^(?:in|throughout) this (?:article|post|blog(?: post)?|guide|piece|page|video|episode)\b"),
    _lc(r"\bthis (?:article|post|blog(?: post)?|guide|piece|page|video|episode) (?:will|is going to|aims to|"
        r"sets out to|explores|discusses|covers|walks|is for|has)\b"),
    _lc(r"\bwe(?:'ll| will| are going to|’ll| shall) (?:explore|discuss|cover|walk|look|dive|break|unpack|"
        r"go over|take a look)\b"),
    _lc(r"\bby following (?:these|the above|our|this|the) (?:tips|steps|guidelines|strategies|advice|"
        r"pointers|"
        r"recommendations)\b"),
    # The reply to a question nobody asked, and "... might be your calling".
    _lc(r"^if (?:so|yes|that'?s you|that’s you|this sounds like you|that sounds like you|"
        r"you answered yes)\b"),
    _lc(r"\b(?:might|may|could|would|will) (?:just )?be (?:your|the) (?:next |true |real |perfect |dream )?"
        r"(?:calling|destiny|dream (?:job|career)|perfect (?:fit|match|career|job))\b"),
    _lc(r"\b(?:is|are) (?:calling|waiting for) (?:you|your)\b|\b(?:is|are) ready for (?:you|your)\b|"
        r"\bmeant for you\b|\bthe right place\b"),
    _lc(r"\bthan you (?:might|may|could|would) (?:think|realize|expect|imagine|believe)\b"),
    # Vocabulary asides.
    _lc(r"\b(?:add|added) to your (?:vocabulary|lexicon|list of terms)\b|\banother (?:term|word|buzzword|"
        r"name) "
        r"(?:to|for you to) (?:add|know|learn|remember)\b"),
    # Sign-offs, encouragement, cliches.
    _lc(r"\b(?:keep|keeping) (?:that|the|your) (?:fire|flame|passion|dream|spark)\b|"
        r"\btake (?:the|that) (?:leap|plunge)\b|\btake (?:that|the) first step (?:today|now)\b|"
        r"\bfollow your (?:dreams?|passion|heart)\b|\bbelieve in yourself\b|\byou(?:'ve|’ve)? got this\b|"
        r"\bgo for it\b|\b(?:don'?t|don’t|never) give up\b|\bdream big\b|\b(?:good|best of) luck\b|"
        r"\btake the reins\b|\bmake (?:a|your) (?:mark|dent)\b|\bthe (?:possibilities|"
        r"opportunities) are endless\b|\bwhat are you waiting for\b|\bhold you back\b|\bcounting on (?:you|"
        r"leaders like you)\b|\bthe sky(?:'s|’s)?(?: really| truly)?(?: is)?(?: really| truly)? the limit\b|"
        r"\bmore (?:important|relevant|needed|valuable|crucial|urgent) than ever\b|\b(?:made|built|"
        r"forged), not born\b|\b(?:rooting|cheering) for you\b|\bperfectly (?:okay|ok|fine|normal)\b|"
        r"\bnever too late\b|\b(?:your|the) (?:moment|time) to shine\b|\bisn(?:'|’)?t for everyone\b|"
        r"\bnow is the (?:perfect|best|right|ideal) time\b|\btrust (?:us|me)\b|\bwon(?:'|’)?t regret\b|"
        r"\bwhat it takes\b(?! to (?:become|be (?:a|an)|get|earn|"
        r"land|qualify))|\b(?:leaders|people|physicians|doctors|someone) like you\b"),
    _lc(r"\byou (?:can|could|will|'ll|’ll) (?:truly |really )?make a (?:\w+ )?(?:difference|impact)\b"),
    # Calls to action.
    _lc(r"\b(?:click here|sign up (?:today|now)|subscribe (?:today|now|to)|join (?:now|today)|download "
        r"(?:our|"
        r"the|your) free|limited time|act now|don'?t miss (?:out|this))\b"),
]
# Reader-portraits: what the reader is or does today, not what to do next.
_PORTRAIT = _lc(
    r"^(?:(?:as|like) (?:a|an|most|many) [^,]{1,40},\s*)?(?:you(?:'re|’re| are)(?! (?:going|responsible|"
    r"required|expected|able|likely|eligible|not))\b|you (?:spend|have always|already|probably|likely|know|"
    r"love|care|thrive|bring|possess|excel|enjoy|see|deal|juggle|work hard|went|chose|became|trained|make|"
    r"save|heal)\b|you(?:'ve|’ve| have) (?:spent|always|already|worked|trained|dedicated|given|built|earned|"
    r"mastered|devoted|sacrificed|been)\b|your (?:world|days?|life|lives|work|career|training|experience|"
    r"skills|expertise|background|clinical \w+|passion|ability|knowledge|dedication|future|patients|"
    r"colleagues|journey|story|instincts?)\b[^,.]{0,40}?\b(?:is|are|has|have|was|were|will)\b)"
)
# Rhetorical abstractions: "It's a shift from ... to ...", "The journey won't always be easy".
_ABSTRACT = _lc(
    r"^(?:it(?:'s|’s| is)|this is|that(?:'s|’s| is)|leadership is|medicine is|(?:the|your|this) (?:journey|"
    r"road|path ahead|adventure|transition))\b[^.!?]{0,20}?\b(?:shift|journey|calling|adventure|leap|"
    r"transformation|game[- ]changer|win-win|privilege|honou?r|dream|destination|easy|worth it|worth every|"
    r"ride|marathon|sprint)\b"
)
_MOTIVATIONAL_IMPERATIVE = _lc(
    r"^(?:imagine|picture|envision|dream|believe|embrace|unleash|unlock|discover|celebrate|trust|get ready|"
    r"go ahead|don'?t let|don’t let|remember,|never forget|so go)\b"
)
_OUTRO = _lc(
    r"^(?:in conclusion|to conclude|to sum (?:it )?up|in summary|to summari[sz]e|all in all|in short|"
    r"at the end of the day|the bottom line is|final(?:ly)?,? thoughts?|wrapping up|ultimately|in the end)\b"
)
_RHETORICAL_QUESTION = _lc(
    r"^(?:(?:are|have|do|did|would|could|can|will|were) you|ever|want to|wondering|looking to|thinking about|"
    r"feeling|tired of|ready to|what if|who (?:doesn'?t|wouldn'?t))\b"
)


def _is_filler(body: str, previous: str | None) -> bool:
    low = body.lower()
    if any(p.search(low) for p in _FILLER_ALWAYS):
        return True
    if _concrete(body, low):
        return False
    if _PORTRAIT.search(low) or _ABSTRACT.search(low) or _MOTIVATIONAL_IMPERATIVE.search(low):
        return True
    if _OUTRO.search(low) or low.rstrip().endswith("!"):
        return True
    if previous is not None and previous.rstrip().endswith("?"):
        asked = previous.strip().lower()
        if _RHETORICAL_QUESTION.search(asked) and _YOU.search(asked):
            return True  # answers a question put to the reader, with nothing concrete
    you = _YOU.search(low)
    if you and _MOTIVATION.search(low):
        return True
    if len(_PROMOTION.findall(low)) >= 2:
        return True  # "For those with a passion for ..., it can be a fulfilling option."
    # A metaphor in place of content: "you need to add some new tools to your medical bag".
    return bool(you and _METAPHOR.search(low))


def _concrete(text: str, low: str) -> bool:
    """Whether the sentence names something a physician can act on or look up (see the module notes)."""
    if _CONCRETE.search(low) or _ACRONYM.search(text) or _has_figure(text):
        return True
    return any(not _GENERIC_PROPER.match(m.group(0).lower()) for m in _PROPER.finditer(text))


# ---- figure -----------------------------------------------------------------------------------------------

_NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion percent dozen half quarter".split()
)
_UNIT_AFTER_ONE = frozenset(
    "year years month months week weeks day days hour hours percent dollar dollars million billion "
    "thousand hundred".split()
)
# Numbers that count nothing: "step 3", the "first 30 days" of a plan, "COVID-19", a year ("in 2024",
# "the 2019 survey"; not "$2000" nor "2000 physicians").
_FIGURE_EXCLUDED_CONTEXT = _lc(
    r"\b(?:step|phase|part|chapter|section|level|tier|stage|figure|table|page|room|floor)\s+\d+\b|"
    r"\b(?:first|next|final|last|second|third|fourth) \d+ (?:days?|weeks?|months?)\b|\b[a-z]+-\d+\b|"
    r"\b(?:in|since|by|from|of|until|through|during|before|after|the|this|that|each|every|early|late|mid|"
    r"spring|summer|fall|autumn|winter|january|february|march|april|may|june|july|august|september|october|"
    r"november|december)(?:,)? (?:19|20)\d\d\b(?!\s*(?:%|percent))"
)
# A capitalised number word inside a name is no quantity: "Six Sigma", "the Big Four".
_NAMED_NUMBER = re.compile(
    r"(?<=[\w,] )(?:One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Twelve|Hundred|Thousand|"
    r"Million)\b(?= [A-Z])|\b[A-Z][a-z]{2,} (?:One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Twelve|"
    r"Hundred)\b"
)


def _has_figure(text: str) -> bool:
    cleaned = _FIGURE_EXCLUDED_CONTEXT.sub(" ", _NAMED_NUMBER.sub(" ", text).lower())
    tokens = figure_tokens(cleaned)
    for i, token in enumerate(tokens):
        if token[0] == "$" or token[0].isdigit():
            if any(ch.isdigit() for ch in token):
                return True
        elif token in _NUMBER_WORDS:
            if token in ("half", "quarter") and (i + 1 >= len(tokens) or tokens[i + 1] != "of"):
                continue
            return True
        elif token == "one" and i + 1 < len(tokens) and tokens[i + 1] in _UNIT_AFTER_ONE:
            return True
    return False


# ---- definition -----------------------------------------------------------------------------------------

_EVALUATIVE = (
    r"(?:rewarding|fulfilling|great|wonderful|exciting|intriguing|fascinating|prestigious|demanding|"
    r"challenging|important|crucial|key|vital|valuable|good|excellent|perfect|ideal|unique|significant|"
    r"powerful|critical|common|popular|natural|logical|smart|fantastic|amazing|incredible|impactful|useful|"
    r"helpful|big|major|strong|solid|better|best|way|lot|must|no-brainer|fine|essential|necessary|difficult|"
    r"hard|easy|tough|possible|step|sign)"
)
_PRONOUN = (
    r"(?:this|these|that|those|it|they|there|here|what|which|who|he|she|we|you|i|one|some|many|most|all)"
)
_EMPHATIC = (
    r"(?:really|truly|definitely|certainly|also|often|usually|typically|generally|still|just|always|never|"
    r"now|simply|indeed)"
)
_NOT_SUBJECT = (
    r"(?:if|when|while|because|although|though|since|unless|whether|once|as|you|we|i|they|it|he|she)"
)
_WORD = r"[\w’'\"“”-]+"
# "The Certified Physician Executive (CPE) designation ...", "Alternatively, the Master of ... (MHA) ..."
_ACRONYM_SUBJECT = re.compile(
    r"^(?:[A-Z][a-z]+,\s+)?(?:(?:the|a|an|The|A|An)\s+)?(?:[A-Z][\w’'&.-]*\s+(?:(?:of|for|and|&|in|"
    r"on)\s+)?){1,7}\([A-Z][A-Za-z&./-]{1,9}\)"
)
# "HIPAA, the Health Insurance Portability and Accountability Act, ..."
_ACRONYM_EXPANDED = re.compile(
    r"^(?:[Tt]he\s+)?[A-Z]{2,}[a-z]?\s*(?:\(|,|–|—|-)\s*(?:or\s+)?(?:the\s+)?(?:[A-Z][\w’'-]*\s*){2,}"
)
# "The chief medical information officer, or CMIO, leads ..."
_ACRONYM_APPOSITION = re.compile(r"^(?:[Tt]he |[Aa]n? )?[\w’' -]{3,60}, or (?:the )?[A-Z]{2,}[a-z]?s?,")
# "A medical director is a physician who ...", "X refers to a ...", not "X is a great way" nor "This is the".
_COPULA_DEFINITION = _lc(
    r"^(?:[a-z]+,\s+)?(?:(?:an?|the)\s+)?(?!" + _PRONOUN + r"\b)(?!" + _NOT_SUBJECT + r"\b)(?![\w-]+ing\b)"
    + _WORD + r"(?:\s+(?![\w-]+ing\b)(?!" + _EMPHATIC + r"\b)(?!" + _NOT_SUBJECT + r"\b)"
    r"[\w’'\"“”&()-]+){0,5}?"
    r"\s+(?:is|are|refers to|means)\s+(?:an?|the)\s+(?!one of|" + _EVALUATIVE + r"\b|(?:most|more|best|first|"
    r"next|only) (?:" + _EVALUATIVE + r"|\w+ (?:step|way|thing)))"
)
# "Physician advisors are physicians who ...", "Value-based care means paying providers for outcomes".
_CLASS_DEFINITION = _lc(
    r"^(?!" + _PRONOUN + r"\b)(?!" + _NOT_SUBJECT + r"\b)[\w’'-]+"
    r"(?:\s+(?!" + _EMPHATIC + r"\b)[\w’'-]+){0,4}?"
    r"\s+(?:is|are)\s+(?!" + _EVALUATIVE + r"\b)(?!" + _EMPHATIC + r"\b)[\w’'-]+(?:\s+[\w’'-]+){0,2}?"
    r"\s+(?:who|that|which|whose)\b|"
    r"^(?!" + _PRONOUN + r"\b)(?:(?:an?|the)\s+)?[\w’'-]+(?:\s+[\w’'-]+){0,4}?\s+means\s+(?!that\b|you\b)\w+"
)
_SERVES_AS = _lc(
    r"^(?:the|an?)\s+[\w’'-]+(?:\s+[\w’'-]+){0,4}?\s+(?:serves|acts|functions) as (?:an?|the)\s+"
)
_DEFINING_PHRASE = _lc(
    r"\b(?:refers? to|is defined as|are defined as|by definition|is short for|stands? for|(?:also|"
    r"otherwise) (?:known as|called)|a\.k\.a\.|(?:often |also |sometimes |largely )?synonymous with|"
    r"is (?:just |simply )?another (?:name|term|word|title) for|(?:is|'s|’s) (?:essentially|basically|"
    r"simply) (?:the same (?:role|thing|job|position|title) as|another (?:name|term|word|title) for))\b"
)
# "... value-based care, which is the big shift in healthcare from ..."
# "... value-based care, which is the big shift in healthcare from ...", not "..., which is a great way to".
_WHICH_IS = _lc(
    r"[\w)], which (?:is|are|means|refers to) (?:just |simply |essentially |basically )?(?:the (?!best\b|"
    r"most\b|key\b|main\b|first\b|only\b|perfect\b|ideal\b|easiest\b|fastest\b)|"
    r"an? (?!" + _EVALUATIVE + r"\b))"
)
_GLOSSARY = _lc(r"^[^:–—]{1,40}\s[–—]\s(?:an?|the)\s+\w+")
# "RVU: the relative value unit, ...", but not "Tip: the best time to apply is ...".
_LABELLED_GLOSSARY = _lc(
    r"^(?!(?:step|tip|note|example|pro tip|bonus|warning|caution|update|reminder|fact|myth|q|"
    r"a)\b)(?:[^\s:]+\s+){0,3}[^\s:]+:\s+(?:an?|the)\s+(?![^.;:!?]*\b(?:is|are|was|were|will|can|should)\b)"
)
_WHAT_IS = _lc(r"^what(?:'s|’s| is| are| does)\s+(?:an?\s+|the\s+)?(.+?)(?:\s+(?:stand for|mean))?\s*\?$")
_PRONOUN_ANSWER = _lc(
    r"^(?:it|they|this|these)(?:'s|’s)?\s+(?!is\s+(?:also\s+)?(?:important|essential|crucial|worth|"
    r"helpful))\w+"
)


def _defines_asked(low: str, previous: str | None) -> bool:
    """The first answer to "What is X?" that speaks of X ("What is HIPAA?" - "HIPAA protects ...")."""
    if previous is None:
        return False
    asked = _WHAT_IS.match(previous.strip().lower())
    if not asked:
        return False
    if _PRONOUN_ANSWER.match(low):
        return True  # "What is HIPAA?" - "It protects ..."
    wanted = {w for w in figure_tokens(asked.group(1)) if len(w) > 2 and w not in ("the", "and", "for")}
    return bool(wanted & set(figure_tokens(" ".join(low.split()[:8]))))


def _is_definition(text: str, body: str, previous: str | None) -> bool:
    low = body.lower()
    return bool(
        _ACRONYM_SUBJECT.search(body)
        or _ACRONYM_EXPANDED.search(body)
        or _ACRONYM_APPOSITION.search(body)
        or _DEFINING_PHRASE.search(low)
        or _WHICH_IS.search(low)
        or _COPULA_DEFINITION.search(low)
        or _CLASS_DEFINITION.search(low)
        or _SERVES_AS.search(low)
        or _GLOSSARY.search(text.lower())
        or _LABELLED_GLOSSARY.search(text.lower())
        or _defines_asked(low, previous)
    )


# ---- advice ---------------------------------------------------------------------------------------------

_CAREER_VERBS = frozenset(
    "start begin join consider pursue seek build develop gain get take learn find ask volunteer attend "
    "apply network reach talk look read create pick explore focus make keep stay understand practice "
    "prepare tailor highlight emphasize emphasise negotiate obtain complete earn enroll enrol register "
    "identify shadow request submit send schedule connect avoid remember try choose compare invest spend "
    "cultivate hone improve strengthen have aim update polish document track secure acquire achieve "
    "maintain serve lead sign write publish present speak email e-mail call contact meet interview search "
    "browse use leverage utilize utilise ignore tell follow forget respond expect plan set think listen "
    "prioritize prioritise protect clarify check verify study list note watch bring offer share say "
    "practise reflect revisit rehearse draft frame quantify show demonstrate position treat budget "
    "delegate describe explain mention".split()
)
# Verbs that also open a job description ("Develop and implement strategies...", "Oversee the credentialing
# process"): advice only when they are addressed to the reader ("Develop your ...").
_DUTY_VERBS = frozenset(
    "provide oversee implement ensure collaborate participate represent support assess evaluate analyze "
    "analyse manage coordinate monitor review direct supervise conduct establish promote mitigate "
    "allocate advise guide work foster drive chair".split()
)
# Verbs that are also nouns ("Research shows ..."): imperative only before a determiner or a particle.
_AMBIGUOUS = frozenset(
    "lead practice research network volunteer track document use review plan help work have present "
    "schedule contact call search set list note watch study check offer share show position treat budget "
    "frame draft say".split()
)
_DETERMINERS = frozenset(
    "the a an your yourself yours on for with out up to in at by about how what whether and some any one "
    "every each this these that those more as early now regularly yes no".split()
)
_IMPERATIVE_INTRO = _lc(
    r"^(?:(?:once|when|while|if|before|after|as soon as|during|in|to|for|by|over|within|at|from|as|"
    r"with)\b[^,;]{0,80},\s*|(?:first|second|third|next|then|finally|lastly|also|and|so|now|instead|"
    r"meanwhile|today|above all),?\s+)+"
)
_MODAL_ADVICE = _lc(
    r"\b(?:should|ought to|it (?:pays|helps|never hurts) to|(?:we|i|experts?|recruiters?|mentors?|"
    r"most leaders) (?:strongly )?(?:recommend|suggest|advise|encourage)|it(?:'s|’s| is) (?:also |always |"
    r"often |usually )?(?:essential|important|crucial|helpful|advisable|wise|recommended|vital|critical|"
    r"beneficial|worth(?:while)?|a good idea|best|useful|smart|key) (?:to (?!note\b|mention\b|point out\b|"
    r"remember that\b|recogni[sz]e that\b)|that you)|(?:is|are) (?:strongly |highly )?(?:recommended|advised|"
    r"encouraged) to|be sure to|make sure|(?:don'?t|don’t|do not) forget to|remember to|you (?:can|could|"
    r"may want to|might want to|might consider) (?:also |then |always )?(?:start|begin|gain|build|get|join|"
    r"take|pursue|seek|develop|learn|find|volunteer|ask|apply|earn|use|network|reach|attend|shadow|enroll|"
    r"talk|leverage|serve|explore|connect)|you(?:'ll|’ll| will)? (?:also |first |still |just |only )?(?:need|"
    r"have|want) to|you must|you(?:'ll|’ll| will)? (?:also |first |still )?need (?:an?|the|your|at least)\b|"
    r"(?:need|needs|have|has) to (?:also |first )?(?:learn|obtain|gain|secure|develop|build|stay|complete|"
    r"earn|acquire|pursue|get|understand|know|have|hold|demonstrate|show|be (?:board|licensed|certified))|"
    r"must (?:also |first |still )?(?:learn|obtain|secure|gain|develop|build|stay|complete|earn|acquire|"
    r"achieve|maintain|pursue|hold|have|be (?:strategically |carefully )?(?:tailored|board|licensed|"
    r"certified)))\b"
)
# "The first step is ...", "One of the best ways is to ...", "..., so the first move is to obtain ...".
_STEP_ADVICE = _lc(
    r"(?:^(?:[a-z]+,\s+)?|[,;:]\s+(?:so |and |but |then )?)(?:the |a |an |one of the |another |"
    r"your )?(?:(?:first|initial|next|final|most (?:critical|important|common|effective)|key|best|valuable|"
    r"useful|important|good|great|intermediate|powerful|effective|essential|common|smart|easiest|fastest|"
    r"proven)\s+)+(?:\w+\s+)?(?:steps?|moves?|ways?|pathways?|paths?|routes?|tools?|methods?|avenues?|"
    r"strateg(?:y|ies)|options?|progression|stage|thing to do)\b[^.!?]{0,60}?\b(?:is|are|involves?|includes?|"
    r"would be|remains)\b"
)
_PATH_REQUIRES = _lc(
    r"^the (?:path|road|route) to (?:becoming )?[^,]{0,60}\b(?:requires|involves|begins with|starts with)\b"
)
_GERUND_SUBJECT = _lc(
    r"^(?:practicing|practising|seeking|joining|pursuing|building|developing|obtaining|completing|gaining|"
    r"taking|volunteering|attending|networking|earning|serving|utilizing|utilising|using|acquiring|"
    r"accumulating|securing|establishing|finding|leveraging|getting|learning|reading|asking|shadowing|"
    r"applying|enrolling|understanding|mastering|cultivating|honing|improving|strengthening|tailoring|"
    r"preparing|negotiating|participating|leading|spearheading|mentoring|working)\b"
)
# A gerund subject is advice only with a finite verb after it ("Building a network is ..."); without one it
# is a noun phrase naming a skill or a duty ("Financial literacy: reading a profit-and-loss statement").
_FINITE = _lc(
    r"\b(?:is|are|was|were|can|could|will|would|may|might|should|must|provides?|requires?|helps?|offers?|"
    r"gives?|involves?|refines?|builds?|allows?|demonstrates?|signals?|shows?|means?|remains?|prepares?|"
    r"creates?|opens?|teaches?|pays? off|matters?|counts?|boosts?|improves?|strengthens?|increases?|"
    r"validates?|takes?|exposes?|lets?|puts?|sets?|keeps?|makes?|adds?)\b"
)
# "Serving as the primary liaison, the director ensures ...": a participle describing the subject.
_PARTICIPIAL = _lc(
    r"^\w+ing\b[^,]{0,80},\s+(?:the|a|an|they|he|she|it|we|medical|physicians|directors?|doctors|leaders)\b"
)
_YOUR = _lc(r"\byour\b")


def _first_verb_is_advice(low: str, duty_list: bool) -> bool:
    """Whether the unit is an imperative ("Join ...", "Once in practice, join ...", "Don't overlook ...")."""
    tokens = _IMPERATIVE_INTRO.sub("", low, count=1).split()
    if not tokens:
        return False
    first = tokens[0].strip("\"“”‘’'(")
    following = tokens[1].strip("\"“”‘’'(,") if len(tokens) > 1 else ""
    if first in ("don't", "don’t", "do", "never", "always", "please", "be"):
        if first in ("don't", "don’t", "never") or (first == "do" and following == "not"):
            return True  # a negative imperative: "Don't overlook smaller hospitals", "Never sign ..."
        return first in ("always", "please") or (
            first == "be" and following in ("sure", "prepared", "ready", "proactive", "open")
        )
    addressed = following in ("your", "yourself") or bool(_YOUR.search(" ".join(tokens)))
    if first in _DUTY_VERBS:
        return addressed and not duty_list
    if first not in _CAREER_VERBS or (duty_list and not addressed):
        return False
    return first not in _AMBIGUOUS or following in _DETERMINERS


def _is_advice(body: str, is_list_item: bool, duty_list: bool) -> bool:
    low = body.lower()
    if _first_verb_is_advice(low, duty_list):
        return True
    if duty_list and is_list_item:
        return bool(_MODAL_ADVICE.search(low))
    return bool(
        _MODAL_ADVICE.search(low)
        or _STEP_ADVICE.search(low)
        or _PATH_REQUIRES.search(low)
        or (_GERUND_SUBJECT.search(low) and _FINITE.search(low) and not _PARTICIPIAL.search(low))
    )


# ---- dangling -------------------------------------------------------------------------------------------

# "This article", "this position": the document itself, not the sentence before.
_DOC_DEICTIC = (
    r"(?:article|post|blog|guide|page|site|website|piece|section|chapter|list|faq|video|episode|book|"
    r"position|posting|job|opening|vacancy)"
)
_THOSE_WHO = r"(?:who|with|that|in|interested|passionate|seeking|looking|wishing|wanting|aiming|considering)"
_DANGLING_OPENER = _lc(
    r"^(?:"
    r"(?:this|these)\b(?! " + _DOC_DEICTIC + r"\b)|"
    r"those\b(?! " + _THOSE_WHO + r"\b)|"
    r"that(?:'s|’s| is| was)?\b(?! (?:said|is why|is how)\b)|such\b(?! as\b)|(?:they|them|their|theirs|its|"
    r"he|she|his|her|hers|him)\b|(?:moreover|additionally|also|however|furthermore|further|in addition|"
    r"besides|likewise|similarly|still|yet|thus|therefore|hence|consequently|as a result|as such|otherwise|"
    r"instead|alternatively|meanwhile|that said|even so|on the other hand|in contrast|by contrast|conversely|"
    r"nevertheless|nonetheless|accordingly|for this reason|for that reason|in turn|again|and|but|or|nor|so|"
    r"then|if so|if not|you (?:just|only|simply) need|all you need|not only that|even then|the former|"
    r"the latter|the same|the (?:key|main|major|biggest|only|primary|crucial|important) (?:distinction|"
    r"difference|similarity|catch|caveat|exception))\b|(?:here|there),|(?:of|among|between|from|like|unlike|"
    r"besides|beyond|without|with|for) (?:these|this|them|it|both|"
    r"those(?! " + _THOSE_WHO + r"\b))\b"
    r")"
)
# "It is essential to ...", "It pays to ...": no "it" to point back to (unless "It's also ...").
_EXPLETIVE_IT = _lc(
    r"^it(?:'s|’s| is| was| can be| may be| will be| would be| might be)\s+(?:\w+\s+){0,2}?(?:to|that|noting|"
    r"for)\b|^it (?:pays|helps|never hurts|takes|makes sense|matters)\b"
)
_IT_ALSO = _lc(r"^it(?:'s|’s| is)\s+also\b")
_IT_OPENER = _lc(r"^it(?:'s|’s)?\b")
_QUANTIFIER_PRONOUN = _lc(
    r"^(?:many|some|most|others|all|each|both|neither|either|few|several)\s+(?:also|are|were|have|had|can|"
    r"may|might|will|would|should|must|of them|do|don'?t|tend|often|still|then|choose|prefer|go|move|pursue|"
    r"opt)\b"
)
_BOTH = _lc(r"^(?:both|neither)\b")
_BOTH_X_AND_Y = _lc(r"^\w+\s+(?:\S+\s+){0,2}?(?:and|nor)\b")  # "Both MBA and MHA programs ..."
_DEMONSTRATIVE = _lc(
    r"\b(?:this|these|such)\b(?! as\b)(?! " + _DOC_DEICTIC + r"\b)|\bthose\b(?! " + _THOSE_WHO + r"\b)"
)
# "that" is a determiner (not a conjunction) after a preposition: "Sitting on that committee ..."
_THAT_NP = _lc(
    r"\b(?:on|in|to|for|with|from|at|by|into|through|during|after|before|under|about) "
    r"that\b(?! is\b)(?= [\w-])"
)
_PRONOUN_AFTER_CLAUSE = _lc(
    r"^(?:[^\s,;]+\s+){0,5}[^\s,;]+[,;]\s+(?=(?:it(?:'s|’s)?|they|this|these|that(?:'s|’s)?|he|she)\b)"
)
_EARLY_PRONOUN = _lc(r"^(?:\S+\s+){1,2}(?:it(?:'s|’s)?|they|them|their)\b")


def _is_dangling(body: str) -> bool:
    low = body.lower().lstrip("\"“‘'([ ")
    if _EXPLETIVE_IT.match(low):
        return bool(_IT_ALSO.match(low))
    if _DANGLING_OPENER.match(low) or _IT_OPENER.match(low) or _QUANTIFIER_PRONOUN.match(low):
        return True
    if _BOTH.match(low):
        return not _BOTH_X_AND_Y.match(low)
    opening = " ".join(low.split()[:10])
    if _DEMONSTRATIVE.search(opening) or _THAT_NP.search(opening):
        return True
    clause = _PRONOUN_AFTER_CLAUSE.match(low)  # "In public health, they might lead ..."
    if clause and not _EXPLETIVE_IT.match(low[clause.end() :]):
        return True
    return bool(_EARLY_PRONOUN.match(low))  # "Whether it's ...", "Ask them about ..."


# ---- the classifier -------------------------------------------------------------------------------------

_LABEL = re.compile(r"^(?:[A-Z][\w’'&/-]*(?:\s+(?:[A-Za-z][\w’'&/-]*)){0,5})\s*:\s+(?=\S)")
_DUTY_HEADING = _lc(
    r"\b(?:responsibilit\w*|duties|duty|tasks?|functions?|what (?:they|a \w+ director|medical directors) do|"
    r"roles? and|job description|day[- ]to[- ]day|key aspects)\b"
)


def _body(text: str) -> str:
    """The unit without a leading "Label: " (list items and labelled paragraphs: "Medical Degree: ...")."""
    label = _LABEL.match(text)
    if label and len(label.group(0).split()) <= 6:
        return text[label.end() :]
    return text


def _classify(text: str, is_list_item: bool, previous: str | None, duty_list: bool) -> tuple[Role, bool]:
    text = text.strip()
    if _is_instruction(text):
        return "instruction", False  # never quoted: nothing travels with it
    body = _body(text)
    dangling = _is_dangling(body)
    if _is_filler(body, previous):
        return "filler", dangling
    if _is_definition(text, body, previous):
        return "definition", dangling
    if _has_figure(body):
        return "figure", dangling
    if _is_advice(body, is_list_item, duty_list):
        return "advice", dangling
    return ("list_item" if is_list_item else "statement"), dangling


def classify(unit_text: str, *, is_list_item: bool, previous: str | None) -> tuple[Role, bool]:
    """The role of one unit and whether it dangles; `previous` is the unit before it (None at the start).

    A previous unit that is a question matters: a reply to "Are you ...?" with nothing concrete is filler,
    the first answer to "What is X?" that speaks of X is a definition.
    """
    return _classify(unit_text, is_list_item, previous, duty_list=False)


def unit_roles(text: str, offset: int = 0, section: str = "", title: str = "") -> tuple[UnitRole, ...]:
    """One `UnitRole` per `answer_units(text, offset)` unit, with the same spans and order.

    Every unit of `split_units` is read in turn, so that the units `answer_units` leaves out (questions,
    "... include:" intros, headings) still serve as the previous unit and as list headings.
    """
    wanted = {(u.start, u.end) for u in answer_units(text, offset)}
    roles: list[UnitRole] = []
    # The section heading is the line before the chunk's first unit: a question heading ("What is HIPAA?")
    # is read like a question in the text.
    previous: str | None = section.strip() if section.rstrip().endswith("?") else None
    heading = ""
    in_list = False
    for unit in split_units(text, offset):
        if unit.is_list_item and not in_list:
            heading = (previous if previous else (section or title)).strip()
        in_list = unit.is_list_item
        if (unit.start, unit.end) in wanted:
            duty_list = unit.is_list_item and bool(_DUTY_HEADING.search(heading.lower()))
            role, dangling = _classify(unit.text, unit.is_list_item, previous, duty_list)
            roles.append(UnitRole(unit.start, unit.end, role, dangling, heading if unit.is_list_item else ""))
        previous = unit.text
    return tuple(roles)


# ---- storage --------------------------------------------------------------------------------------------

_VERSION = 1


def encode_roles(roles: Iterable[UnitRole]) -> str:
    """Compact JSON for one chunk's roles: {"v":1,"u":[[start,end,role,dangling(,heading index)]],"h":[...]}.

    A list heading is stored once and referred to by index, since every item of a list shares it.
    """
    headings: list[str] = []
    index: dict[str, int] = {}
    rows: list[list[object]] = []
    for r in roles:
        row: list[object] = [r.start, r.end, r.role, int(r.dangling)]
        if r.list_heading:
            if r.list_heading not in index:
                index[r.list_heading] = len(headings)
                headings.append(r.list_heading)
            row.append(index[r.list_heading])
        rows.append(row)
    payload: dict[str, object] = {"v": _VERSION, "u": rows}
    if headings:
        payload["h"] = headings
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"roles: {what} must be an integer, got {value!r}")
    return value


def decode_roles(s: str) -> tuple[UnitRole, ...]:
    """The roles `encode_roles` wrote; anything else raises ValueError."""
    if not isinstance(s, str):
        raise ValueError(f"roles: expected a string, got {type(s).__name__}")
    try:
        payload = json.loads(s)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"roles: not JSON ({exc})") from None
    if not isinstance(payload, dict) or not set(payload) <= {"v", "u", "h"} or "u" not in payload:
        raise ValueError("roles: expected an object with keys 'v', 'u' and optionally 'h'")
    version = payload.get("v")
    if isinstance(version, bool) or version != _VERSION:
        raise ValueError(f"roles: unsupported version {version!r}")
    headings = payload.get("h", [])
    if not isinstance(headings, list) or not all(isinstance(h, str) and h for h in headings):
        raise ValueError("roles: 'h' must be a list of non-empty strings")
    rows = payload["u"]
    if not isinstance(rows, list):
        raise ValueError("roles: 'u' must be a list")
    out: list[UnitRole] = []
    last_end = 0
    used: set[int] = set()
    for row in rows:
        if not isinstance(row, list) or len(row) not in (4, 5):
            raise ValueError(f"roles: bad unit {row!r}")
        start, end = _int(row[0], "start"), _int(row[1], "end")
        if start < 0 or end <= start:
            raise ValueError(f"roles: bad span {start}..{end}")
        if start < last_end:
            raise ValueError("roles: units overlap or are out of order")
        last_end = end
        role = row[2]
        if role not in ROLES:
            raise ValueError(f"roles: unknown role {role!r}")
        dangling = _int(row[3], "dangling")
        if dangling not in (0, 1):
            raise ValueError(f"roles: dangling must be 0 or 1, got {dangling!r}")
        heading = ""
        if len(row) == 5:
            i = _int(row[4], "heading index")
            if not 0 <= i < len(headings):
                raise ValueError(f"roles: heading index {i} out of range")
            heading = headings[i]
            used.add(i)
        out.append(UnitRole(start, end, role, bool(dangling), heading))
    if len(used) != len(headings):
        raise ValueError("roles: a heading no unit refers to")
    return tuple(out)


__all__ = ["ROLES", "Role", "UnitRole", "classify", "decode_roles", "encode_roles", "unit_roles"]
