"""Citations as plain text: labels without repeated or empty parts, short quotes cut between words."""

from __future__ import annotations

from advisor.formatting import citation_label, format_sources, short_quote, with_sources
from advisor.models import Citation

LONG = ("Medical directors oversee clinical programs, set quality standards, review utilization, mentor "
        "physicians, and represent the medical staff to executives, boards and regulators, which requires "
        "years of clinical practice and some business training.")


def citation(n: int = 1, **overrides: object) -> Citation:
    fields: dict[str, object] = {"n": n, "doc_id": "doc", "title": "A Career", "section": "Steps",
                                 "snippet": "Start early.", "start": 0, "end": 12, "chunk_id": f"c{n}"}
    fields.update(overrides)
    return Citation(**fields)  # type: ignore[arg-type]


def test_label_names_title_section_and_page() -> None:
    assert citation_label(citation()) == "A Career — Steps"
    assert citation_label(citation(page=3)) == "A Career — Steps — p. 3"


def test_label_never_repeats_the_title_nor_ends_in_an_empty_section() -> None:
    assert citation_label(citation(section="A Career")) == "A Career"
    assert citation_label(citation(section=" A Career ")) == "A Career"
    assert citation_label(citation(section="")) == "A Career"
    assert citation_label(citation(section="  ", page=2)) == "A Career — p. 2"
    assert citation_label(citation(title="", section="")) == "doc"
    for c in (citation(section="A Career"), citation(section="")):
        line = format_sources([c])
        assert "A Career — A Career" not in line and "— :" not in line and " :" not in line


def test_short_quote_is_cut_at_a_word_boundary() -> None:
    quote = short_quote(LONG, max_words=10)
    assert quote.endswith("…") and len(quote.split()) == 10
    assert LONG.startswith(quote.removesuffix("…"))  # whole words only, in order
    assert quote == "Medical directors oversee clinical programs, set quality standards, review utilization…"
    assert short_quote(LONG) == " ".join(LONG.split()[:25]).rstrip(",") + "…"
    assert short_quote("Short and\n  complete.") == "Short and complete."  # kept whole, on one line
    assert short_quote(" ".join(["w"] * 25)) == " ".join(["w"] * 25)  # exactly the limit: no ellipsis


def test_sources_are_numbered_lines_with_short_quotes_in_citation_order() -> None:
    cited = [citation(2, section="", page=4, snippet=LONG), citation(1)]
    assert format_sources(cited) == (
        "Sources:\n"
        "[1] A Career — Steps: “Start early.”\n"
        f"[2] A Career — p. 4: “{short_quote(LONG)}”"
    )
    assert LONG not in format_sources(cited)
    assert format_sources([]) == ""


def test_with_sources_appends_them_after_a_blank_line() -> None:
    assert with_sources("Answer [1].", [citation()]) == (
        "Answer [1].\n\nSources:\n[1] A Career — Steps: “Start early.”")
    assert with_sources("Sorry, I cannot help with that.", []) == "Sorry, I cannot help with that."
