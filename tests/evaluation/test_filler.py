"""The hand-annotated filler list: the loader's checks; the shipped list against the corpus and the sets."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from advisor.evaluation import metrics as m
from advisor.evaluation.filler import KINDS, FillerListError, load_filler
from advisor.evaluation.questions import load_corpus_texts, load_questions
from tests.conftest import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
FILLER = PROJECT_ROOT / "evals" / "filler.jsonl"
DOC = "medical-director-eligibility-opportunities"
CALLING = "If so, medical director jobs might be your calling."


def write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "filler.jsonl"
    text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def entry(**changes: object) -> dict[str, object]:
    return {"doc": DOC, "kind": "rhetoric", "text": CALLING, **changes}


def test_a_valid_list_loads(tmp_path: Path) -> None:
    dive = "Let’s dive right in and discuss what it takes to become a medical director."
    items = load_filler(write(tmp_path, entry(), "", entry(kind="intro", text=dive)), CORPUS)
    assert [(i.kind, i.line) for i in items] == [("rhetoric", 1), ("intro", 3)]


@pytest.mark.parametrize(("row", "message"), [
    ("{oops", "not valid JSON"),
    ({"doc": DOC, "text": CALLING}, 'exactly "doc", "kind" and "text"'),
    (entry(note="x"), 'exactly "doc", "kind" and "text"'),
    (entry(kind="boring"), "unknown kind 'boring'"),
    (entry(text=""), "'text' must be non-empty"),
    (entry(text=f" {CALLING}"), "without surrounding spaces"),
    (entry(doc="no-such-doc"), "unknown document id 'no-such-doc'"),
    (entry(text="If so, medical director jobs might be your destiny."), "not verbatim"),
    (entry(doc="recruitingblogs-become-medical-director", text="Views: 118"), "not in the cleaned text"),
    (entry(doc="career-as-medical-director"), "not verbatim in career-as-medical-director"),
])
def test_each_error_names_the_line(tmp_path: Path, row: object, message: str) -> None:
    with pytest.raises(FillerListError) as caught:
        load_filler(write(tmp_path, entry(), row), CORPUS)
    assert "filler.jsonl:2" in str(caught.value) and message in str(caught.value)


def test_duplicates_missing_files_and_documents_outside_the_corpus(tmp_path: Path) -> None:
    with pytest.raises(FillerListError, match="filler.jsonl:2: the same sentence is listed twice"):
        load_filler(write(tmp_path, entry(), entry(kind="intro")), CORPUS)
    with pytest.raises(FillerListError, match="does not exist"):
        load_filler(tmp_path / "missing.jsonl", CORPUS)
    # An evaluation over some of the documents leaves out the other documents' entries.
    other = {"career-as-medical-director": load_corpus_texts(CORPUS)["career-as-medical-director"]}
    with pytest.raises(FillerListError, match="unknown document id"):
        load_filler(write(tmp_path, entry()), corpus=other)
    assert load_filler(write(tmp_path, entry()), corpus=other, skip_unknown_docs=True) == ()


# ---- the shipped list -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped() -> tuple:
    return load_filler(FILLER, CORPUS)  # validated: every text verbatim in the raw and the cleaned document


def test_the_list_holds_the_first_run_s_clear_filler_and_covers_every_article(shipped: tuple) -> None:
    texts = {m.normalize_text(f.text) for f in shipped}
    clear = [  # the "Clear filler" of evals/USERS_FIRST_RUN.md
        CALLING, "Let's dive right in and discuss what it takes to become a medical director.",
        "So, if you've got your sights set on medical director jobs, keep that fire burning and take the "
        "leap.",
        "The world of healthcare is ready for your leadership.",
        "You are already a master of problem-solving under pressure.",
        "As a physician, you are a highly trained expert in diagnosing and treating patients.",
        "It's a shift from treating illness to shaping the system of care itself.",
        "Your clinical skills are more valuable to leadership than you might think.",
        "Healthcare Director - another term to add to your vocabulary.",
    ]
    assert all(m.normalize_text(t) in texts for t in clear)
    assert set(Counter(f.doc for f in shipped)) == set(load_corpus_texts(CORPUS))
    assert {f.kind for f in shipped} <= KINDS


def test_no_filler_sentence_is_evidence_for_a_question(shipped: tuple) -> None:
    """A sentence that answers a question of either set is content there, never filler."""
    for name in ("questions.jsonl", "questions_users.jsonl"):
        for question in load_questions(PROJECT_ROOT / "evals" / name, CORPUS):
            for evidence in question.evidence:
                for filler in shipped:
                    assert evidence.quote not in filler.text and filler.text not in evidence.quote, (
                        question.id, filler.text)


def test_each_entry_is_one_sentence_by_the_metrics_splitter(shipped: tuple) -> None:
    for filler in shipped:
        assert m.answer_sentences(filler.text) == [m.normalize_text(filler.text)], filler.text
