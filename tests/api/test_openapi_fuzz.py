"""Schemathesis against /openapi.json, in-process: no 5xx, and every response matches the documented schema.

Positive and negative (schema-violating) requests, a bounded number per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import KEY_A, AppFactory

OPERATIONS = [
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
    ("POST", "/v1/chat"), ("POST", "/v1/chat/stream"),
    ("GET", "/v1/conversations/{conversation_id}"), ("DELETE", "/v1/conversations/{conversation_id}"),
    ("POST", "/v1/feedback"), ("GET", "/v1/sources"), ("GET", "/v1/sources/{doc_id}"),
    ("POST", "/v1/widget-tokens"), ("GET", "/v1/models"), ("POST", "/v1/chat/completions"),
    ("POST", "/v1/readiness"), ("GET", "/v1/readiness/{report_id}"), ("DELETE", "/v1/readiness/{report_id}"),
]


@pytest.fixture
def api_schema(make_app: AppFactory):  # noqa: ANN201
    app = make_app(api_keys=[KEY_A], cors_origins=["https://portal.example.org"])
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_fuzzed(api_schema):  # noqa: ANN001
    documented = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_conforms_to_its_schema(api_schema, method: str, path: str):  # noqa: ANN001
    operation = api_schema[path][method]
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    # A schema-valid message list can still hold no question (`[{"role": "tool"}]`): 422 `no_question`, a
    # rule JSON Schema cannot state. Every other check still applies to the completions route.
    excluded = [positive_data_acceptance] if path == "/v1/chat/completions" else []

    @given(case=strategy)
    @settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case) -> None:  # noqa: ANN001
        case.call_and_validate(headers={"Authorization": f"Bearer {KEY_A}"}, excluded_checks=excluded)

    check()
