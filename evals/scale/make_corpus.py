"""Scale the shipped corpus to N chunks with synthetic documents that cannot answer the shipped questions.

Each synthetic paragraph (one chunk) is made of pseudo-sentences whose words are drawn at random from all
the shipped sentences (so word frequencies and sentence lengths are the corpus's own, realistic for BM25 and
the embedding model), but no original sentence, phrase or co-occurrence of a question's key terms survives
to compete with the real documents: the shipped questions keep their right documents.

    .venv/bin/python evals/scale/make_corpus.py --size 10000 --out /tmp/corpus-10k
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from advisor.ingestion.chunking import split_into_chunks
from advisor.ingestion.pipeline import load_documents
from advisor.models import IngestReport
from advisor.settings import Settings
from advisor.text import split_sentences

PARAGRAPHS_PER_DOC = 20
PARAGRAPH_CHARS = (600, 820)  # one paragraph per chunk at the default chunk_size of 900


def shipped_sentences(settings: Settings) -> tuple[dict[str, list[str]], int]:
    """The shipped documents' sentences by doc id (5+ words each), and the shipped chunk count."""
    documents = load_documents([settings.corpus_dir], settings, IngestReport())
    chunk_count = sum(len(split_into_chunks(d, settings.chunk_size)) for d in documents)
    sentences: dict[str, list[str]] = {}
    for document in documents:
        for paragraph in document.text.split("\n"):
            for unit in split_sentences(paragraph):
                if len(unit.text.split()) >= 5:
                    sentences.setdefault(document.doc_id, []).append(unit.text)
    return sentences, chunk_count


def synthetic_paragraph(rng: random.Random, words: list[str], lengths: list[int]) -> str:
    """Pseudo-sentences of corpus words in random order, each as long as some real sentence."""
    pieces: list[str] = []
    length = 0
    target = rng.randint(*PARAGRAPH_CHARS)
    while length < target:
        sentence = " ".join(rng.choices(words, k=rng.choice(lengths)))
        pieces.append(sentence[:1].upper() + sentence[1:] + ".")
        length += len(pieces[-1]) + 1
    return " ".join(pieces)[: PARAGRAPH_CHARS[1] + 60].rsplit(" ", 1)[0].rstrip(".") + "."


def make_corpus(size: int, out_dir: Path, seed: int = 0, settings: Settings | None = None) -> Path:
    """Write the shipped corpus plus synthetic documents totalling about `size` chunks into `out_dir`."""
    settings = settings or Settings(_env_file=None)  # type: ignore[call-arg]
    sentences, shipped_chunks = shipped_sentences(settings)
    tokens = [[w.strip(".,;:!?()\"“”•").lower() for w in sentence.split()]
              for doc in sentences.values() for sentence in doc]
    words = [w for sentence in tokens for w in sentence if w]
    lengths = [len(sentence) for sentence in tokens]
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.copytree(settings.corpus_dir, out_dir)
    rng = random.Random(seed)
    missing = max(0, size - shipped_chunks)
    for n in range((missing + PARAGRAPHS_PER_DOC - 1) // PARAGRAPHS_PER_DOC):
        paragraphs = [synthetic_paragraph(rng, words, lengths)
                      for _ in range(min(PARAGRAPHS_PER_DOC, missing - n * PARAGRAPHS_PER_DOC))]
        (out_dir / f"synthetic-{n:05d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True, help="Total chunks wanted (shipped + synthetic).")
    parser.add_argument("--out", type=Path, required=True, help="Folder to (re)create.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    folder = make_corpus(args.size, args.out, args.seed)
    print(f"{folder}: {len(list(folder.glob('*.txt')))} files")


if __name__ == "__main__":
    main()
