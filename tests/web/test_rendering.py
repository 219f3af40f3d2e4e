"""The HTML the chat UI shows: escaping of every text, citation footnotes, and the security header helpers."""

from __future__ import annotations

from advisor.models import Citation, SourceInfo
from advisor.web.pages import fill_template
from advisor.web.rendering import (
    render_answer,
    render_failure,
    render_pending,
    render_plain,
    render_question,
    render_sources,
)
from advisor.web.security import embed_policy, frame_ancestors_sources

PAYLOAD = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def citation(n: int, **overrides: object) -> Citation:
    fields: dict[str, object] = {"n": n, "doc_id": "doc", "title": "A Career", "section": "Steps", "start": 0,
                                 "snippet": f"Quoted passage {n}.", "end": 10, "chunk_id": f"c{n}"}
    fields.update(overrides)
    return Citation(**fields)  # type: ignore[arg-type]


def test_answer_markers_become_superscripts_and_footnotes_expand_to_the_snippet() -> None:
    text = "First claim. [1] Second claim. [2]\n\nAnother paragraph. [7]"
    html = render_answer(text, [citation(1), citation(2)])
    assert html.count("<p>") == 2
    marker = '<sup class="cite-ref" role="button" tabindex="0" title="Show source {n}">[{n}]</sup>'
    assert marker.format(n=1) in html and marker.format(n=2) in html  # static/chat.js opens footnote n
    assert "[7]" in html and "Show source 7" not in html  # no such citation: left as text
    assert html.count('<details class="citation"') == 2
    assert "<summary><span class=\"cite-n\">[1]</span> A Career — Steps</summary>" in html
    assert '<blockquote class="cite-snippet">Quoted passage 2.</blockquote>' in html


def test_every_text_in_an_answer_is_escaped() -> None:
    cited = citation(1, title=PAYLOAD, section=PAYLOAD, snippet=PAYLOAD)
    html = render_answer(f"Answer {PAYLOAD} [1]", [cited])
    assert "<img" not in html and "<script" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 3  # text, summary, snippet
    assert "<img" not in render_plain(PAYLOAD) and "<script" not in render_question(PAYLOAD)
    assert render_question("a\nb <b>") == "a<br>b &lt;b&gt;"


def test_footnotes_are_labelled_like_every_other_adapter_but_quote_the_whole_snippet() -> None:
    long_snippet = " ".join(f"word{i}" for i in range(60))
    html = render_answer("Claim. [1] Other. [2]", [citation(1, section="A Career", snippet=long_snippet),
                                                   citation(2, section="", page=3)])
    assert '<span class="cite-n">[1]</span> A Career</summary>' in html  # no "A Career — A Career"
    assert '<span class="cite-n">[2]</span> A Career — p. 3</summary>' in html  # no "A Career — :"
    assert f'<blockquote class="cite-snippet">{long_snippet}</blockquote>' in html


def test_sources_list_is_escaped_and_says_when_nothing_is_indexed() -> None:
    html = render_sources([SourceInfo(doc_id="d", title=PAYLOAD, site="<b>site</b>", chunk_count=4)])
    assert "<img" not in html and "&lt;b&gt;site&lt;/b&gt;" in html and "4 passages" in html
    assert "advisor ingest" in render_sources([])


def test_templates_escape_their_values() -> None:
    assert fill_template('<a href="{{u}}">{{u}}</a>', {"u": '"><script>'}) == (
        '<a href="&quot;&gt;&lt;script&gt;">&quot;&gt;&lt;script&gt;</a>')


def test_frame_ancestors_default_to_self_and_drop_anything_that_is_not_a_source() -> None:
    assert frame_ancestors_sources([]) == "'self'"
    assert frame_ancestors_sources(["https://portal.example.org", "https://x; script-src *", " "]) == (
        "'self' https://portal.example.org")
    assert frame_ancestors_sources(["'none'"]) == "'none'"
    assert "frame-ancestors 'self' https://p.example;" in embed_policy(["https://p.example"])


def test_an_answer_being_written_carries_the_writing_cue_and_a_failure_its_own_class() -> None:
    assert render_pending() == (
        '<div class="answer-pending"><p class="writing-cue" role="status">Writing the answer'
        '<span class="dots" aria-hidden="true"><span class="dot">.</span><span class="dot">.</span>'
        '<span class="dot">.</span></span></p></div>')
    so_far = render_pending(f"Half an answer {PAYLOAD}")
    assert so_far.startswith('<div class="answer-pending"><p>Half an answer &lt;img') and "<img" not in so_far
    assert "Writing the answer" in so_far
    assert render_failure(f"Sorry {PAYLOAD}").startswith('<div class="answer-failed"><p>Sorry &lt;img')
