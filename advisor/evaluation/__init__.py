"""Evaluation of the advisor: the test question set, deterministic metrics, the harness and its reports.

Modules: `questions` (load and validate the set), `metrics` (per-question scores), `summary` (aggregates
and floors), `harness` (runs questions through `Advisor.ask`), `report` and `charts` (Markdown and PNG),
`judge` (optional LLM faithfulness judge) and `baseline` (the textbook LangChain retriever).
"""
