"""The API documentation page (/docs): Swagger UI served from the install, so it renders with no internet."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.conftest import PHONE, Served, screenshot


def test_api_docs_show_every_operation_with_the_network_cut_off(open_page: Any, web_server: Served) -> None:
    """Every request off loopback is blocked (and recorded) by the page watch: the page must not need one."""
    spec = httpx.get(f"{web_server.url}/openapi.json").json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    page, watch = open_page(f"{web_server.url}/docs")
    expect(page.locator(".opblock")).to_have_count(operations, timeout=30_000)
    expect(page.locator(".opblock-summary-path", has_text="/v1/chat/stream")).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/v1/feedback").click()  # an operation opens
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
    screenshot(page, "api-docs", full_page=False)
    watch.assert_clean()  # nothing fetched from elsewhere, no policy violation, no script error


def test_api_docs_read_well_at_phone_width(open_page: Any, web_server: Served) -> None:
    page, watch = open_page(f"{web_server.url}/docs", PHONE)
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"] + 1
    watch.assert_clean()


def test_api_docs_page_names_only_files_of_this_server_under_a_strict_policy(web_server: Served) -> None:
    page = httpx.get(f"{web_server.url}/docs")
    assert page.status_code == 200
    links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert links and all(link.startswith("/docs/assets/") for link in links), links
    assert "://" not in page.text.replace("window.location", "")
    policy = page.headers["content-security-policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([\w-]+)';", policy)
    assert nonce is not None and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert all(f'nonce="{nonce.group(1)}"' in tag for tag in re.findall(r"<script\b[^>]*>", page.text))
    for name, kind in (("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css"),
                       ("favicon.png", "image/png")):
        asset = httpx.get(f"{web_server.url}/docs/assets/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind), name
    assert httpx.get(f"{web_server.url}/docs/assets/core.py").status_code == 404
    assert httpx.get(f"{web_server.url}/docs/assets/..%2F__init__.py").status_code == 404
