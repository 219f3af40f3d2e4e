"""`advisor serve`: the HTTP API under /v1, the chat UI at / and the widget under /embed, on uvicorn."""

from __future__ import annotations

import ipaddress
import socket

import typer

from advisor.cli.app import app
from advisor.settings import get_settings

APP_FACTORY = "advisor.server:app_from_env"  # imported by each worker process, not here


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        try:  # a host name: loopback only if every address it resolves to is
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError:
            return False
        return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback
                                       for a in addresses)


@app.command()
def serve(
    host: str = typer.Option(None, "--host", help="Address to bind (default: ADVISOR_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port to listen on (default: ADVISOR_PORT, 8000)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes, each with its own model."),
) -> None:
    """Serve the API (/v1, docs at /docs), the chat UI (/) and the widget (/embed).

    Without API keys (ADVISOR_API_KEYS) the server refuses to listen on anything but a loopback address.
    Run `advisor ingest` first: serving loads the index, it does not build it.
    """
    import uvicorn

    from advisor.api.logs import configure_logging

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    configure_logging(settings.log_level)
    if not settings.api_keys and not is_loopback(host):
        typer.echo(
            f"error: refusing to listen on {host} without API keys: anyone on the network could use the "
            "advisor. Set ADVISOR_API_KEYS (a JSON list, e.g. '[\"a-long-random-key\"]') or bind 127.0.0.1.",
            err=True,
        )
        raise typer.Exit(2)
    if workers > 1 and settings.widget_token_secret is None:
        typer.echo("warning: ADVISOR_WIDGET_TOKEN_SECRET is not set, so each worker signs widget tokens with "
                   "its own secret and most requests will reject them; set it when running several workers.",
                   err=True)
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_config=None,
                access_log=False, proxy_headers=True, server_header=False)
