"""The auth grid of `evals/reliability/auth_grid.py`: every route against every kind of credential, keyed
and key-less, and the failed-authentication throttle. Deterministic and in-process: it runs with the suite."""

from __future__ import annotations

from evals.reliability.auth_grid import CREDENTIALS, ROUTES, run_grid
from tests.api.conftest import ClientFactory, make_app, make_client  # noqa: F401  (fixtures)


def test_every_route_answers_every_credential_as_the_rules_say(make_client: ClientFactory):  # noqa: F811
    result = run_grid(make_client)
    assert result.cells == 2 * len(ROUTES) * len(CREDENTIALS) + 301
    assert result.mismatches == []
    assert result.throttle_checked
