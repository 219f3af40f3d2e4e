# The commands the README gives. `make run` and `make test` work on a fresh clone.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install system-deps run ingest serve chat test test-fast lint eval check-floors calibration bench reliability clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# The CPU build of PyTorch first, so nothing below can pull a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev,llamacpp]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the browser, PostgreSQL and server tests use (installed only where missing).
system-deps:
	@bash scripts/system-deps.sh

ingest: install
	$(VENV)/bin/advisor ingest

run: install ingest
	$(VENV)/bin/advisor serve

chat: install ingest
	$(VENV)/bin/advisor chat

lint: install
	$(VENV)/bin/ruff check advisor tests evals
	$(VENV)/bin/mypy advisor

# Everything: browser, PostgreSQL, Chroma server, llama.cpp and the evaluation floors too (CI runs this).
test: install system-deps lint
	$(VENV)/bin/pytest -q

# The unit tier: no browser, database or LLM server, no subprocess server, no evaluation run.
test-fast: install
	$(VENV)/bin/pytest -q -m "not slow"

# The shipped set with four retrievers (evals/REPORT.md), the users' set with the configured one
# (evals/REPORT_users.md), and 25 representative answers of both in full (evals/ANSWERS.md).
eval: install ingest
	$(VENV)/bin/advisor eval --questions evals/questions.jsonl --questions evals/questions_users.jsonl \
		--compare hybrid,dense,bm25,baseline --md evals/REPORT.md --json evals/out/report.json \
		--answers-md evals/ANSWERS.md

check-floors: install
	$(VENV)/bin/pytest -q -rxX tests/evaluation/test_floors.py

calibration: install ingest
	$(PY) evals/check_calibration.py

bench: install ingest
	$(PY) evals/bench_core.py

# The reliability suite (about 45 minutes on 2 cores): hostile documents, kill -9 during ingestion, planted
# injections (extractive and the local LLM), XSS payloads in Chromium, schemathesis on every route for five
# minutes and the auth grid; writes evals/RELIABILITY.md. Its fast, deterministic parts also run in `make test`.
reliability: install system-deps
	$(PY) evals/reliability/run.py --md evals/RELIABILITY.md

clean:
	rm -rf $(VENV) .advisor .pytest_cache .mypy_cache .ruff_cache
