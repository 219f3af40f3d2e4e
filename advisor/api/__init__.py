"""The HTTP API: a thin FastAPI adapter over the `Advisor` service (see `advisor.api.app.create_app`)."""
