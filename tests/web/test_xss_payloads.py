"""XSS payloads in a real Chromium: in questions, in the articles answers quote (text and title) and in page
addresses, on the chat UI (/), the widget (/embed) and the demo page (/demo). None may run.

The payloads and the checks are those of `evals/reliability/xss.py` (which `make reliability` runs in full:
every payload on every surface); here every payload goes through the widget and the addresses, and a
sample of them through the chat UI and the demo page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evals.reliability.xss import PAYLOADS, XssCase, run_addresses, run_surface, serve_xss_advisor


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory,
               embedder: Any) -> Iterator[tuple[str, list[XssCase]]]:
    """The full app, key-less on loopback, over the shipped corpus and one article per payload."""
    with serve_xss_advisor(tmp_path_factory.mktemp("xss"), embedder=embedder) as served:
        yield served


def assert_nothing_ran(result: Any) -> None:
    assert result.executed == 0 and result.dialogs == 0 and result.injected_elements == 0, result.failures


def test_every_payload_in_the_widget_is_shown_as_text_and_never_runs(browser: Any, xss_server):
    base, cases = xss_server
    result = run_surface(browser, base, "/embed", cases)
    assert_nothing_ran(result)
    assert result.deliveries == 2 * len(PAYLOADS)
    assert result.shown_as_text >= len(PAYLOADS)  # every question shows its payload as typed
    assert result.answers_quoting_payload >= len(PAYLOADS) // 2  # and most answers quote their article's


@pytest.mark.parametrize("surface", ["/", "/demo"])
def test_payloads_on_the_chat_ui_and_the_demo_page_never_run(browser: Any, xss_server, surface: str):
    base, cases = xss_server
    sample = cases[::4]
    result = run_surface(browser, base, surface, sample)
    assert_nothing_ran(result)
    assert result.shown_as_text >= len(sample)


def test_payloads_in_addresses_and_posted_tokens_never_run(browser: Any, xss_server):
    base, cases = xss_server
    result = run_addresses(browser, base, cases)
    assert_nothing_ran(result)
    assert result.deliveries >= 3 * len(PAYLOADS)


def test_the_checks_catch_a_payload_that_does_get_in(browser: Any, xss_server):
    """A positive control: markup put into the page unescaped is reported (the checks are not blind)."""
    from evals.reliability.xss import SurfaceResult, Watch, baseline_of, check

    base, _ = xss_server
    context = browser.new_context()
    try:
        page = context.new_page()
        watch = Watch(page)
        page.goto(f"{base}/embed")
        baseline = baseline_of(page)
        page.evaluate("""() => { document.body.insertAdjacentHTML('beforeend',
            '<img src=x onerror="window.__xss=1">'); window.__xss = 'set by a script'; }""")
        result = SurfaceResult("control")
        check(page, watch, result, "control", baseline)
    finally:
        context.close()
    assert result.executed == 1 and result.injected_elements == 1


def test_there_are_at_least_forty_distinct_payloads():
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 40
