"""The "My path" tab: the form's reading of a profile, and the tab in a real Chromium on a desktop and a phone
(report with a bar per area, cited plan, Markdown download, no CSP violation, no horizontal scrolling)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pydantic import ValidationError

from advisor.service import Advisor
from advisor.web.my_path import MyPathHandlers, profile_from_form
from tests.web.conftest import PHONE, Served, screenshot

FORM: tuple[Any, ...] = ("MD", "hospital medicine", 8.0, "", ["mentor"], [], "", "", [], ["insurer"])
EIGHT = "8 years in practice; the articles put the usual requirement at five to ten"


def test_the_form_states_the_whole_situation():
    profile = profile_from_form(*FORM)
    assert profile.years_in_practice == 8 and profile.mentor is True and profile.budget_experience is False
    assert profile.roles == [] and profile.committees == [] and profile.target_settings == ["insurer"]
    with_roles = profile_from_form(None, "", None, "PGY-2", [], ["chief resident"], "EHR rollout lead",
                                   "quality, ethics", ["MBA"], [])
    assert with_roles.training_year == "PGY-2" and with_roles.degree is None
    assert with_roles.roles == ["chief resident", "EHR rollout lead"]
    assert with_roles.committees == ["quality", "ethics"]
    with pytest.raises(ValidationError):
        profile_from_form(None, "", None, "junior", [], [], "", "", [], [])


def test_the_handler_returns_the_report_and_a_download(advisor: Advisor, tmp_path: Path):
    markdown, button = MyPathHandlers(advisor, tmp_path).report(*FORM)
    assert "## Your 90-day plan" in markdown and "insurance" in markdown
    written = next(tmp_path.glob("my-path-*.md"))
    assert written.read_text(encoding="utf-8") == markdown
    message, _ = MyPathHandlers(advisor, tmp_path).report(None, "", None, "junior", [], [], "", "", [], [])
    assert message.startswith("Please check: training_year")


def open_tab(open_page: Any, url: str, viewport: dict[str, int] | None = None) -> tuple[Any, Any]:
    page, watch = open_page(url + "/", viewport)
    page.get_by_role("tab", name="My path").click()
    expect(page.locator("#my-path-go")).to_be_visible(timeout=30_000)
    return page, watch


def fill_and_show(page: Any) -> Any:
    page.locator("#my-path-years input").fill("8")
    page.locator("#my-path-specialty textarea, #my-path-specialty input").first.fill("hospital medicine")
    page.locator("#my-path-targets").get_by_label("Health insurer").check()
    page.locator("#my-path-have").get_by_label("A mentor in a senior leadership role").check()
    page.locator("#my-path-go").click()
    report = page.locator("#my-path-report")
    expect(report).to_contain_text("Your 90-day plan", timeout=60_000)
    return report


def test_my_path_on_a_desktop(open_page: Any, web_server: Served, tmp_path: Path) -> None:
    page, watch = open_tab(open_page, web_server.url)
    page.locator("#my-path-degree input").click()
    page.get_by_role("option", name="MD").click()
    report = fill_and_show(page)
    expect(report.locator("table").first).to_contain_text("Leadership experience")
    expect(report).to_contain_text(EIGHT)
    expect(report).to_contain_text("Learn what a medical director at a health insurer oversees")
    expect(report).to_contain_text("Medical Directors in health insurance organizations oversee")
    assert "Find a mentor" not in report.inner_text()  # ticked: never advised
    with page.expect_download() as download:
        page.locator("#my-path-download").click()
    saved = tmp_path / "plan.md"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("# My path") and "### Days 1-30" in text
    screenshot(page, "my-path-desktop")
    watch.assert_clean()


def test_my_path_on_a_phone(open_page: Any, web_server: Served) -> None:
    page, watch = open_tab(open_page, web_server.url, PHONE)
    fill_and_show(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("#my-path-go").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(page.locator("#my-path-download")).to_be_visible()
    screenshot(page, "my-path-phone")
    watch.assert_clean()


# ---- the widget's "My path" panel ---------------------------------------------------------------------
def show_embed_path(frame: Any) -> Any:
    frame.locator("#my-path-toggle").click()
    form = frame.locator("#my-path-form")
    expect(form).to_be_visible(timeout=30_000)
    expect(frame.locator("#log")).to_be_hidden()
    form.locator('select[name="degree"]').select_option("MD")
    form.locator('input[name="years"]').fill("8")
    form.locator('select[name="setting"]').select_option("insurer")
    form.get_by_label("A mentor in leadership").check()
    form.locator("button.go").click()
    result = frame.locator("#my-path-result")
    expect(result).to_contain_text("Your 90-day plan", timeout=60_000)
    return result


def check_embed_report(result: Any) -> None:
    expect(result.locator("li.area")).to_have_count(5)
    expect(result.locator("li.area progress").first).to_be_attached()
    expect(result).to_contain_text(EIGHT)
    expect(result).to_contain_text("Learn what a medical director at a health insurer oversees")
    assert "Find a mentor" not in result.inner_text()
    snippet = result.locator("li.step details.citation").first
    snippet.locator("summary").click()
    expect(snippet.locator("blockquote")).to_be_visible()


def test_widget_my_path_on_a_desktop_with_a_download(open_page: Any, web_server: Served,
                                                     tmp_path: Path) -> None:
    page, watch = open_page(f"{web_server.url}/embed", {"width": 480, "height": 800})
    result = show_embed_path(page)
    check_embed_report(result)
    with page.expect_download() as download:
        page.locator("#my-path-download").click()
    saved = tmp_path / "plan.md"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").startswith("# My path")
    screenshot(page, "widget-my-path", full_page=False)
    page.locator("#my-path-toggle").click()  # back to the chat
    expect(page.locator("#log")).to_be_visible()
    expect(page.locator("#my-path")).to_be_hidden()
    watch.assert_clean()


def test_widget_my_path_on_a_phone_inside_a_portal(open_page: Any, keyed_setup: Any) -> None:
    page, watch = open_page(f"{keyed_setup.portal_url}/", PHONE)
    frame = next(f for f in page.frames if f.url.startswith(f"{keyed_setup.advisor.url}/embed"))
    result = show_embed_path(frame)  # with the portal's widget token
    check_embed_report(result)
    width = frame.evaluate("() => document.documentElement.clientWidth")
    assert frame.evaluate("() => document.documentElement.scrollWidth") <= width
    screenshot(page, "widget-my-path-phone")
    watch.assert_clean()
