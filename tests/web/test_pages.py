"""The web pages over real HTTP: security headers, the widget's files, the demo page, the token exchange."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import API_KEY, PortalSetup, Served


def test_chat_ui_scripts_carry_a_fresh_nonce_named_by_the_policy(web_server: Served) -> None:
    pages = [httpx.get(f"{web_server.url}/") for _ in range(2)]
    nonces = []
    for page in pages:
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([\w-]+)'", policy)
        assert nonce is not None and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'self'" in policy and "connect-src 'self'" in policy
        tags = re.findall(r"<script\b[^>]*>", page.text)
        assert tags and all(f'nonce="{nonce.group(1)}"' in tag for tag in tags)
        assert page.headers["x-content-type-options"] == "nosniff"
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]


def test_embed_page_policy_allows_only_its_own_files(web_server: Served) -> None:
    page = httpx.get(f"{web_server.url}/embed")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'self';" in policy  # nothing configured: only this server may frame it
    assert f'maxlength="{web_server.settings.max_message_chars}"' in page.text
    assert "<script" in page.text and "<script>" not in page.text  # no inline script


def test_widget_files_are_served_with_their_types(web_server: Served) -> None:
    widget = httpx.get(f"{web_server.url}/embed/widget.js")
    assert widget.status_code == 200 and widget.headers["content-type"].startswith("text/javascript")
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "data-token-url" in widget.text
    assert httpx.get(f"{web_server.url}/embed/embed.css").headers["content-type"].startswith("text/css")
    script = httpx.get(f"{web_server.url}/chat-ui/chat.js")  # the chat UI's, named in its <head>
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "chat-ui/chat.js" in httpx.get(f"{web_server.url}/").text
    assert httpx.get(f"{web_server.url}/embed/../settings.py").status_code == 404
    assert httpx.get(f"{web_server.url}/embed/secret.txt").status_code == 404


def test_demo_page_embeds_this_server_both_ways(web_server: Served) -> None:
    page = httpx.get(f"{web_server.url}/demo")
    assert page.status_code == 200
    assert f'src="{web_server.url}/embed"' in page.text
    assert f'src="{web_server.url}/embed/widget.js"' in page.text
    assert "frame-src 'self'" in page.headers["content-security-policy"]
    assert "{{" not in page.text


def test_keyed_setup_frames_only_from_the_portal_and_keeps_the_key_server_side(
        keyed_setup: PortalSetup) -> None:
    advisor_url, portal_url = keyed_setup.advisor.url, keyed_setup.portal_url
    embed = httpx.get(f"{advisor_url}/embed")
    assert f"frame-ancestors 'self' {portal_url};" in embed.headers["content-security-policy"]
    portal_page = httpx.get(portal_url)
    assert portal_page.status_code == 200 and API_KEY not in portal_page.text
    assert re.search(rf'src="{re.escape(advisor_url)}/embed#token=wt_[\w.-]+"', portal_page.text)
    token = httpx.post(f"{portal_url}/advisor-token").json()["token"]
    assert token.startswith("wt_") and API_KEY not in token
    # The token works only from the advisor's own origin (its /embed page), and no key means no answer.
    body = {"message": "What does a medical director do?"}
    assert httpx.post(f"{advisor_url}/v1/chat", json=body).status_code == 401
    foreign = httpx.post(f"{advisor_url}/v1/chat", json=body,
                         headers={"Authorization": f"Bearer {token}", "Origin": "https://evil.example"})
    assert foreign.status_code == 401
    own = httpx.post(f"{advisor_url}/v1/chat", json=body,
                     headers={"Authorization": f"Bearer {token}", "Origin": advisor_url})
    assert own.status_code == 200 and own.json()["citations"]


def test_the_chat_ui_queue_does_not_poll_every_millisecond(advisor, settings) -> None:
    """Gradio's idle queue loop wakes every millisecond by default, taking the GIL from API requests."""
    from starlette.routing import Mount

    from advisor.web.mount import _GRADIO_IDLE_POLL_SECONDS
    from tests.web.conftest import build_app

    app = build_app(settings, advisor)
    gradio_app = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "")
    assert gradio_app.get_blocks()._queue.sleep_when_free == _GRADIO_IDLE_POLL_SECONDS
