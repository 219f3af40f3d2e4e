"""XSS payloads in a real Chromium on the chat UI (/), the widget page (/embed) and the demo page (/demo).

Each payload (`PAYLOADS`, markup, markdown links, template and encoding tricks) would set `window.__xss` (or
open a dialog) if it ever ran. It reaches the pages three ways: in a question typed into the chat, in a
document the answer quotes (its text and its title, shown in the citation), and in the page's address
(query and fragment, a postMessage token). After each delivery every frame is checked: `window.__xss`
unset, no dialog opened, and no element with an inline event handler or a `javascript:` address anywhere
in the page. Counted: deliveries, payloads shown as text, and executions (which must be 0).

    .venv/bin/python evals/reliability/xss.py [--json OUT]      # about five minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# `{n}` is the payload's number: what `window.__xss` would be set to (or the dialog would say).
PAYLOADS = [
    '<img src=x onerror="window.__xss={n}">',
    "<script>window.__xss={n}</script>",
    '<svg onload="window.__xss={n}">',
    "<svg><script>window.__xss={n}</script></svg>",
    '<iframe srcdoc="<script>parent.__xss={n}</script>"></iframe>',
    '<iframe src="javascript:parent.__xss={n}"></iframe>',
    '<details open ontoggle="window.__xss={n}">x</details>',
    '<body onload="window.__xss={n}">',
    '<input autofocus onfocus="window.__xss={n}">',
    '<video><source onerror="window.__xss={n}"></video>',
    '<audio src=x onerror="window.__xss={n}">',
    '<object data="javascript:window.__xss={n}"></object>',
    '<embed src="javascript:window.__xss={n}">',
    '<marquee onstart="window.__xss={n}">x</marquee>',
    '<a href="javascript:window.__xss={n}">click</a>',
    "[click](javascript:window.__xss={n})",
    "![x](javascript:window.__xss={n})",
    '![x](x" onerror="window.__xss={n})',
    '<a href="&#106;avascript:window.__xss={n}">x</a>',
    '"><img src=x onerror=window.__xss={n}>',
    "'><svg onload=window.__xss={n}>",
    "</textarea><img src=x onerror=window.__xss={n}>",
    "</title><img src=x onerror=window.__xss={n}>",
    "</script><script>window.__xss={n}</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss={n}>",
    '<noscript><p title="</noscript><img src=x onerror=window.__xss={n}>">',
    '<form><button formaction="javascript:window.__xss={n}">x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss={n}">',
    '<base href="javascript:window.__xss={n}//">',
    "<style>@import 'javascript:window.__xss={n}';</style>",
    '<div style="background:url(javascript:window.__xss={n})">x</div>',
    "<img src=x:window.__xss={n} onerror=eval(src)>",
    '<img srcset=",,,,x" onerror="window.__xss={n}">',
    '<select autofocus onfocus="window.__xss={n}"></select>',
    '<textarea autofocus onfocus="window.__xss={n}"></textarea>',
    '<svg><animate onbegin="window.__xss={n}" attributeName=x dur=1s>',
    "{{{{constructor.constructor('window.__xss={n}')()}}}}",
    "${{window.__xss={n}}}",
    '&lt;img src=x onerror="window.__xss={n}"&gt;',
    '\\u003cimg src=x onerror="window.__xss={n}"\\u003e',
    "%3Cimg%20src%3Dx%20onerror%3D%22window.__xss%3D{n}%22%3E",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="x" onerror="alert({n})">',
    "javascript:window.__xss={n}",
    '<svg><foreignObject><iframe srcdoc="&lt;script&gt;top.__xss={n}&lt;/script&gt;"></iframe>'
    "</foreignObject></svg>",
    "<img src=x onerror=window.__xss={n}//",
    "<scr<script>ipt>window.__xss={n}</scr</script>ipt>",
    "<IMG SRC=x OnErRoR=window.__xss={n}>",
    "<<img src=x onerror=window.__xss={n}>>",
    '<a href="  javascript:window.__xss={n}">x</a>',
]

ORGS = ["Aldergate", "Bramblecourt", "Cobaltridge", "Driftmoor", "Emberfield", "Foxglade", "Gullhaven",
        "Hollowmere", "Irongate", "Jasperwick"]


@dataclass(frozen=True)
class XssCase:
    """One payload: its number, the document carrying it and the question about that document."""

    n: int
    payload: str
    org: str
    question: str

    @property
    def doc_name(self) -> str:
        return f"xss-{self.n:02d}.txt"


def make_cases() -> list[XssCase]:
    cases = []
    for i, template in enumerate(PAYLOADS):
        n = i + 1
        org = f"{ORGS[i % len(ORGS)]} {['Clinic', 'Health', 'Hospital', 'Care', 'Group'][i // len(ORGS)]}"
        cases.append(XssCase(n, template.format(n=n), org,
                             f"What does the medical director at {org} oversee? {template.format(n=n)}"))
    return cases


def write_documents(folder: Path, cases: list[XssCase]) -> None:
    """One plain-text article per payload: the payload in its title and in the sentences an answer quotes."""
    folder.mkdir(parents=True, exist_ok=True)
    for case in cases:
        (folder / case.doc_name).write_text(
            f"Medical directors at {case.org} {case.payload}\n\n"
            f"At {case.org}, the medical director oversees clinical quality, credentialing and the "
            f"departmental budget {case.payload}.\n\n"
            f"{case.org} asks medical director candidates for board certification and five years of "
            f"practice {case.payload}.\n", encoding="utf-8")


@dataclass
class SurfaceResult:
    surface: str
    deliveries: int = 0  # payloads put into the page (questions, quoted documents, addresses)
    shown_as_text: int = 0  # payloads found verbatim in the page's visible text
    answers_quoting_payload: int = 0
    executed: int = 0  # must be 0
    dialogs: int = 0  # must be 0
    injected_elements: int = 0  # elements with inline handlers or javascript: addresses; must be 0
    csp_reports: int = 0  # attempts the Content-Security-Policy blocked (informative)
    failures: list[str] = field(default_factory=list)


# ---- the page checks --------------------------------------------------------------------------------------
_SCAN = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = (attr.value || '').replace(/[\\s\\u0000-\\u001f]/g, '');
      if (name.startsWith('on') || (['href', 'src', 'action', 'formaction', 'data', 'srcdoc'].includes(name)
          && /^(javascript|vbscript|data:text\\/html)/i.test(value)) || name === 'srcdoc') {
        bad.push(el.tagName + ' ' + name + '=' + value.slice(0, 60));
      }
    }
  }
  return {xss: window.__xss === undefined ? null : String(window.__xss), bad};
}"""


class Watch:
    """What a page did: dialogs opened and CSP reports, counted from the browser's events."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def check(page: Any, watch: Watch, result: SurfaceResult, what: str, baseline: set[str]) -> None:
    """Every frame of `page`: no `window.__xss`, no new element with a handler or a script address."""
    for frame in page.frames:
        try:
            found = frame.evaluate(_SCAN)
        except Exception:  # a frame navigating away or gone: nothing of ours runs there  # noqa: BLE001
            continue
        if found["xss"] is not None:
            result.executed += 1
            result.failures.append(f"{result.surface}: {what}: window.__xss = {found['xss']} in {frame.url}")
        new = [b for b in found["bad"] if b not in baseline]
        if new:
            result.injected_elements += len(new)
            result.failures.append(f"{result.surface}: {what}: injected {new[:3]} in {frame.url}")
        frame.evaluate("() => { window.__xss = undefined; }")
    if watch.dialogs:
        result.dialogs += len(watch.dialogs)
        result.failures.append(f"{result.surface}: {what}: dialog {watch.dialogs}")
        watch.dialogs.clear()


def baseline_of(page: Any) -> set[str]:
    return {b for frame in page.frames for b in frame.evaluate(_SCAN)["bad"]}


# ---- asking on each surface -------------------------------------------------------------------------------
def settle(read: Callable[[], str], timeout: float = 60.0) -> str:
    """The text once it has stopped changing (an answer streams in) and is no longer a placeholder."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        text = read()
        if text != last:
            last, since = text, time.monotonic()
        elif text.strip() not in ("", "…") and time.monotonic() - since > 0.6:
            return text
        time.sleep(0.1)
    return last or ""


def ask_chat_ui(page: Any, question: str) -> tuple[str, str]:
    """Ask in the Gradio chat at /; returns (the question as shown, the answer's text)."""
    bots = page.locator('#chat [data-testid="bot"]')
    before = bots.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    bots.nth(before).wait_for(state="attached", timeout=60_000)
    page.locator("#chat .writing-cue").wait_for(state="detached", timeout=60_000)
    answer = settle(lambda: bots.nth(before).inner_text())
    shown = page.locator('#chat [data-testid="user"]').nth(before).inner_text()
    return shown, answer


def ask_widget(frame: Any, question: str) -> tuple[str, str]:
    """Ask in the widget (/embed, or the frame of /demo); returns (question shown, answer text)."""
    answers = frame.locator(".msg.assistant")
    before = answers.count()
    frame.locator("#question").fill(question)
    frame.locator("#send").click()
    answer = answers.nth(before)
    answer.wait_for(state="attached", timeout=60_000)
    text = settle(lambda: "" if "pending" in (answer.get_attribute("class") or "") else answer.inner_text())
    shown = frame.locator(".msg.user").nth(before).inner_text()
    return shown, text


def deliver(result: SurfaceResult, case: XssCase, asked: tuple[str, str]) -> None:
    shown, answer = asked
    result.deliveries += 2  # in the question, and in the document the question is about
    result.shown_as_text += case.payload in shown
    if case.payload in answer:
        result.answers_quoting_payload += 1
        result.shown_as_text += 1


def run_surface(browser: Any, base: str, surface: str, cases: list[XssCase]) -> SurfaceResult:
    """Every case asked on one surface, in one page; checked after each answer."""
    result = SurfaceResult(surface)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        watch = Watch(page)
        if surface == "/":
            page.goto(f"{base}/")
            page.locator("#chat").wait_for(timeout=60_000)
            ask: Callable[[str], tuple[str, str]] = lambda q: ask_chat_ui(page, q)  # noqa: E731
        elif surface == "/embed":
            page.goto(f"{base}/embed")
            ask = lambda q: ask_widget(page, q)  # noqa: E731
        else:
            page.goto(f"{base}/demo")
            frame = page.frame_locator("#advisor-frame")
            frame.locator("#question").wait_for(timeout=60_000)
            ask = lambda q: ask_widget(frame, q)  # noqa: E731
        baseline = baseline_of(page)
        for case in cases:
            deliver(result, case, ask(case.question))
            check(page, watch, result, f"payload {case.n}", baseline)
        result.csp_reports = len(watch.csp)
    finally:
        context.close()
    return result


def address_vectors(cases: list[XssCase]) -> list[str]:
    """Paths (with query and fragment) that put payloads into the pages' addresses."""
    paths = []
    for case in cases:
        encoded = quote(case.payload, safe="")
        paths += [f"/embed#token={encoded}", f"/embed?q={encoded}#{encoded}", f"/demo?x={encoded}#{encoded}"]
        if case.n % 5 == 0:  # the chat UI is slow to load: every fifth payload
            paths.append(f"/?__theme={encoded}#{encoded}")
    return paths


def run_addresses(browser: Any, base: str, cases: list[XssCase]) -> SurfaceResult:
    """Payloads in addresses, and in a widget token posted to the frame of the demo page."""
    result = SurfaceResult("addresses and postMessage")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        watch = Watch(page)
        baselines = {}
        for path in ("/embed", "/demo", "/"):
            page.goto(f"{base}{path}", wait_until="load")
            page.wait_for_timeout(500)
            baselines[path] = baseline_of(page)
        for path in address_vectors(cases):
            page.goto(f"{base}{path}", wait_until="load")
            page.wait_for_timeout(150)
            result.deliveries += 1
            check(page, watch, result, path[:60], baselines["/" + path[1:].split("?")[0].split("#")[0]])
        page.goto(f"{base}/demo")
        frame = page.frame_locator("#advisor-frame")
        frame.locator("#question").wait_for(timeout=60_000)
        for case in cases:  # a parent page posting a hostile "token" to the chat frame, then a question
            page.evaluate("""(token) => document.querySelector('#advisor-frame').contentWindow
                .postMessage({type: 'advisor:token', token}, '*')""", case.payload)
            result.deliveries += 1
        ask_widget(frame, "What does a medical director do?")
        check(page, watch, result, "postMessage tokens", baselines["/demo"])
        result.csp_reports = len(watch.csp)
    finally:
        context.close()
    return result


# ---- serving ---------------------------------------------------------------------------------------------
@contextmanager
def serve_xss_advisor(work: Path, embedder: Any = None) -> Iterator[tuple[str, list[XssCase]]]:
    """The full app (chat UI, widget, demo) on 127.0.0.1 over the shipped corpus and the payload articles,
    key-less (loopback development mode); yields its base URL and the cases."""
    import uvicorn

    from advisor.server import create_server_app
    from advisor.service import Advisor
    from advisor.settings import Settings

    cases = make_cases()
    write_documents(work / "xss-docs", cases)
    settings = Settings(data_dir=work / "data", corpus_dir=ROOT / "corpus", rate_limit_per_minute=0,
                        database_url=f"sqlite:///{work / 'conversations.sqlite3'}",
                        _env_file=None)  # type: ignore[call-arg]
    advisor = Advisor(settings, embedder=embedder)
    report = advisor.ingest([ROOT / "corpus", work / "xss-docs"])
    if report.errors:
        raise RuntimeError(f"payload articles failed to ingest: {report.errors[:3]}")
    advisor.warm_up()
    app = create_server_app(settings, advisor)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", cases
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.state.api.conversations.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="xss-") as scratch, \
            serve_xss_advisor(Path(scratch)) as (base, cases), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        results = [run_surface(browser, base, surface, cases) for surface in ("/", "/embed", "/demo")]
        results.append(run_addresses(browser, base, cases))
        browser.close()
    for r in results:
        print(f"{r.surface}: {r.deliveries} deliveries, {r.shown_as_text} shown as text, "
              f"{r.answers_quoting_payload} answers quoting a payload; executed {r.executed}, dialogs "
              f"{r.dialogs}, injected elements {r.injected_elements}; {r.csp_reports} CSP reports")
        for line in r.failures[:20]:
            print("  " + line)
    print(f"{len(PAYLOADS)} payloads, {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"payloads": len(PAYLOADS), "surfaces": [asdict(r) for r in results]},
                                        indent=2))
    return 1 if any(r.executed or r.dialogs or r.injected_elements for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
