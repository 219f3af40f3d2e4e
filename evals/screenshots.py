"""Regenerate the screenshots the README shows: the chat UI (desktop and phone), /docs, /embed and /demo.

Indexes corpus/ into a temporary data directory, serves the full app on a free loopback port and drives
Debian's Chromium through Playwright, with every request off loopback blocked (the pages must not need one:
the script fails if any was made). Usage:

    HF_HUB_OFFLINE=1 .venv/bin/python evals/screenshots.py [--out evals/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer, build_app, wait_ready  # noqa: E402

DESKTOP = {"width": 1280, "height": 1000}
WIDGET = {"width": 420, "height": 640}
TIMEOUT_MS = 60_000


def answered_in_chat(page: Any, question: str) -> Any:
    """Ask `question` in the chat UI; the answer's locator once its footnotes are shown."""
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    answer = page.locator('#chat [data-testid="bot"]').last
    answer.locator("details.citation").first.wait_for(state="attached", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # the last scroll of the conversation
    return answer


def answered_in_widget(frame: Any, question: str) -> Any:
    frame.locator("#question").fill(question)
    frame.locator("#send").click()
    answer = frame.locator(".msg.assistant").last
    answer.locator("details.citation").first.wait_for(state="attached", timeout=TIMEOUT_MS)
    return answer


def chat_desktop(page: Any) -> None:
    answer = answered_in_chat(page, "How do I become a medical director?")
    answer.locator("details.citation summary").first.click()  # source [1], opened where it is


def chat_phone(page: Any) -> None:
    answered_in_chat(page, "Which skills and qualifications help?")


def api_docs(page: Any) -> None:
    page.locator(".opblock").first.wait_for(timeout=TIMEOUT_MS)
    page.locator(".opblock-summary-path", has_text="/v1/chat/stream").first.click()


def embed(page: Any) -> None:
    answered_in_widget(page, "What does a medical director do?")


def demo(page: Any) -> None:
    answered_in_widget(page.frame_locator("#advisor-frame"), "Where do medical directors work?")
    page.locator(".advisor-widget-button").click()  # the floating button's panel, over the page
    page.frame_locator(".advisor-widget-frame").locator("#question").wait_for(timeout=TIMEOUT_MS)


# name -> (path, viewport, what to do before the shot)
SHOTS: dict[str, tuple[str, dict[str, int], Callable[[Any], None]]] = {
    "chat-desktop": ("/", DESKTOP, chat_desktop),
    "chat-phone": ("/", PHONE, chat_phone),
    "api-docs": ("/docs", DESKTOP, api_docs),
    "embed": ("/embed", WIDGET, embed),
    "demo": ("/demo", DESKTOP, demo),
}


def take(url: str, out: Path, names: list[str]) -> list[Path]:
    """Save each named screenshot as `out/<name>.png`. Raises RuntimeError if a page reached off loopback."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []

    def loopback_only(route: Any) -> None:
        address = route.request.url
        if address.startswith(("data:", "blob:")) or urlsplit(address).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(address)
            route.abort()

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for name in names:
            path, viewport, prepare = SHOTS[name]
            context = browser.new_context(viewport=viewport, reduced_motion="reduce")
            context.route("**/*", loopback_only)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url + path)
            prepare(page)
            page.wait_for_timeout(300)
            written.append(out / f"{name}.png")
            page.screenshot(path=str(written[-1]))
            context.close()
        browser.close()
    if blocked:
        raise RuntimeError(f"pages requested addresses off loopback: {blocked}")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "evals" / "screenshots")
    parser.add_argument("--only", nargs="*", choices=sorted(SHOTS), help="some of the screenshots")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: run scripts/system-deps.sh")
    with tempfile.TemporaryDirectory(prefix="advisor-screenshots-") as data:
        settings = Settings(data_dir=Path(data), corpus_dir=ROOT / "corpus", _env_file=None)  # type: ignore[call-arg]
        advisor = Advisor(settings)
        report = advisor.ingest()
        if not report.ok:
            sys.exit(f"ingest failed: {report.errors}")
        server = LiveServer(build_app(settings, advisor)).start()
        try:
            wait_ready(server.url)
            for path in take(server.url, args.out, args.only or list(SHOTS)):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
