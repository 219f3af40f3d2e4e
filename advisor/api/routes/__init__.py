"""The API's routes, one module per area; `API_ROUTERS` hold everything under /v1."""

from advisor.api.routes import chat, conversations, health, openai_compat, readiness, sources, widget

API_ROUTERS = [chat.router, conversations.router, sources.router, widget.router, openai_compat.router,
               readiness.router]

__all__ = ["API_ROUTERS", "health"]
