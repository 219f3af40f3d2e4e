"""Web boilerplate in the shipped documents can never be retrieved or cited."""

from __future__ import annotations

import pytest

from advisor.ingestion.cleaning import clean_text, is_boilerplate
from tests.conftest import CORPUS_DIR

# Every line of page furniture the shipped documents carry, verbatim.
BOILERPLATE = [
    "Post navigation",
    '"Get paid to offer your opinion! Earn up to $300 per survey. New $20 joining bonus. '
    'MDForLives is seeking '
    'health care providers to complete paid medical surveys."',
    "Published by",
    "References",
    "https://physiciansthrive.com/physician-compensation/medical-director/",
    "https://www.indeed.com/career-advice/careers/what-does-a-medical-director-do",
    "Subscribe To Personalized Notifications",
    "You are subscribing to jobs matching your current search criteria.",
    "Email Notifications",
    "Email notifications will be sent to you Subscribe",
    "Custom RSS Feed",
    "Your personalized RSS Feed is below, copy the address to your RSS reader.",
    "Subscribe",
    "Views: 118",
    "Comment",
    "You need to be a member of RecruitingBlogs to add comments!",
    "Join RecruitingBlogs",
    "All the recruiting news you see here, delivered straight to your inbox.",
    "Just enter your e-mail address below",
    "Webinar",
    "RecruitingBlogs on Twitter",
    "© 2024   All Rights Reserved   Powered by",
    "Badges  |  Report an Issue  |  Privacy Policy  |  Terms of Service",
]


def corpus_lines() -> set[str]:
    return {
        line.strip() for path in CORPUS_DIR.glob("*.txt") for line in path.read_text("utf-8").splitlines()
    }


def test_the_boilerplate_list_is_really_in_the_corpus():
    lines = {" ".join(line.split()) for line in corpus_lines()}
    for line in BOILERPLATE:
        assert " ".join(line.split()) in lines, line


@pytest.mark.parametrize("line", BOILERPLATE)
def test_boilerplate_lines_are_removed_by_cleaning(line: str):
    for path in CORPUS_DIR.glob("*.txt"):
        cleaned = {" ".join(x.split()) for x in clean_text(path.read_text("utf-8")).split("\n")}
        assert " ".join(line.split()) not in cleaned


def test_content_lines_are_kept():
    assert not is_boilerplate("Formal Certifications")
    assert not is_boilerplate("Medical directors play a pivotal role in the healthcare system.")
    kept = clean_text((CORPUS_DIR / "medical-director-eligibility-opportunities.txt").read_text("utf-8"))
    assert "How is the role of a Medical Director evolving with the changing healthcare landscape?" in kept
    assert kept.startswith("How To Become A Medical Director: Eligibilities, Requirements, And Opportunities")


QUERIES = [
    "How do I subscribe to email notifications?",
    "Get paid to offer your opinion in surveys",
    "RSS feed reader address",
    "Views comments and privacy policy",
    "Join RecruitingBlogs on Twitter",
    "references physiciansthrive indeed zippia",
]


@pytest.mark.parametrize("query", QUERIES)
def test_boilerplate_is_never_retrieved_or_cited(advisor, query: str):
    furniture = [" ".join(b.split()).strip('"') for b in BOILERPLATE if len(b) > 12]
    for mode in ("hybrid", "dense", "bm25"):
        for hit in advisor.retrieve(query, mode=mode, k=10):
            text = " ".join(hit.chunk.text.split())
            assert not any(line in text for line in furniture), (mode, hit.chunk.chunk_id)
    answer = advisor.ask(query)
    for citation in answer.citations:
        assert not any(line in " ".join(citation.snippet.split()) for line in furniture)
