"""Prometheus metrics of one app, kept in the app's own registry (several apps may live in one process)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from advisor.models import Answer

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Request counts and latencies, answers and refusals, feedback and rate limiting."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("advisor_http_requests", "HTTP requests served.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("advisor_http_request_duration_seconds", "Time to serve an HTTP request.",
                                 ["method", "route"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.answers = Counter("advisor_answers", "Questions answered, by outcome and refusal reason.",
                               ["outcome", "reason"], registry=self.registry)
        self.answer_latency = Histogram("advisor_answer_duration_seconds", "Time taken per answer.",
                                        buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.feedback = Counter("advisor_feedback", "Feedback received, by rating.", ["rating"],
                                registry=self.registry)
        self.rate_limited = Counter("advisor_rate_limited", "Requests refused by the rate limit.",
                                    registry=self.registry)
        self.ready = Gauge("advisor_ready", "1 once the model and the index are loaded.",
                           registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_answer(self, answer: Answer) -> None:
        outcome = "refused" if answer.refused else "answered"
        self.answers.labels(outcome, answer.refusal_reason or "").inc()
        if "total" in answer.timings_ms:
            self.answer_latency.observe(answer.timings_ms["total"] / 1000)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
