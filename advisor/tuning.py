"""Expert knobs: the weights and limits of retrieval, answer composition and the scope guard.

They are set on measured question sets (`make eval`, `make calibration`), not per deployment; a user who
wants to experiment sets them as `ADVISOR_TUNING__<NAME>` (nested ones as
`ADVISOR_TUNING__FUSION_WEIGHTS__DENSE=0.4`) and re-runs the evaluation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class FusionWeights(BaseModel):
    """Weights of the evidence hybrid retrieval fuses into one score per chunk."""

    dense: float = 0.3
    focused: float = Field(0.3, description="Dense similarity of the question without its topic words.")
    bm25: float = 0.15
    sentence: float = Field(0.25, description="The chunk's best sentence's similarity to the question.")
    heading: float = Field(0.2, description="The chunk's section heading's similarity to the question.")


class UnitWeights(BaseModel):
    """Weights of an answer sentence's scores in the extractive answerer."""

    meaning: float = Field(0.4, description="Embedding similarity of the sentence under its heading.")
    own_meaning: float = Field(0.2, description="Embedding similarity of the sentence's own words.")
    words: float = Field(0.25, description="IDF-weighted share of the question's terms it holds.")
    rank: float = Field(0.15, description="The rank of the chunk it comes from.")
    substance: float = Field(0.05, description="Length, up to 30 words.")


class QueryMix(BaseModel):
    """How much each form of the question counts when sentences are scored against it."""

    standalone: float = Field(0.3, description="The standalone question: what the conversation is about.")
    asked: float = Field(0.2, description="The question as asked (differs from standalone for follow-ups).")
    focused: float = Field(0.5, description="The question without the corpus's topic words.")


class Tuning(BaseModel):
    """Weights and limits set on the evaluation and calibration sets."""

    # retrieval
    candidate_k: int = Field(20, description="Candidates per retriever before fusion.")
    fusion: Literal["weighted", "rrf"] = "weighted"
    rrf_k: int = 60
    fusion_weights: FusionWeights = FusionWeights()
    sentence_candidates: int = Field(12, description="Leading hybrid candidates whose sentences are scored.")
    centre_embeddings: bool = Field(False, description="Score chunks by cosine centred on the corpus mean.")
    short_focus_words: int = Field(
        4, description="A focused query shorter than this many words passes fusion weight to the full query.")
    topic_word_share: float = Field(
        0.4, description="Words found in more than this share of chunks are the corpus's topic words.")
    rerank_weight: float = Field(
        1.5, ge=0, description="The hit with the best fused score plus this times its best sentence's score "
        "leads the sources (hybrid only); 0 keeps retrieval order.")
    # extractive answers
    max_answer_units: int = 7
    max_answer_words: int = 140
    max_units_per_chunk: int = Field(3, description="Leaves room for the other sources.")
    unit_weights: UnitWeights = UnitWeights()
    query_mix: QueryMix = QueryMix()
    unit_floor: float = Field(0.4, description="Answer units score at least this share of the best unit.")
    continuation_floor: float = Field(
        0.3, description="The sentence after a chosen one joins it when it scores this share of the floor.")
    mmr_relevance: float = Field(
        0.75, description="Maximal marginal relevance: the weight of relevance; the rest penalises repeats.")
    redundancy_limit: float = Field(
        0.85, description="A unit this similar to one already picked is a repeat and is left out.")
    dangling_penalty: float = Field(
        0.05, description="Taken off a sentence that opens by pointing back ('This', 'They') at another.")
    # answer planning: which sentence leads
    lead_role_bonus: float = Field(
        0.05, description="Added for a sentence whose role fits the question ('what is X?': a definition).")
    lead_focus_weight: float = Field(
        0.3, description="Weight of the share of the question's focus a sentence names, choosing the lead.")
    lead_dangling_penalty: float = Field(
        0.1, description="Taken off a lead that opens by pointing back at the sentence before it.")
    # scope
    relevance_threshold: float = Field(
        0.30, description="Minimum cosine similarity between question and best chunk to answer at all.")
    scope_margin: float = Field(
        0.01, description="How much closer a question must be to refusal exemplars than to career ones.")
    # generative answers
    llm_support_threshold: float = Field(
        0.5, description="Share of an uncited sentence's words a retrieved unit must hold to be cited.")
