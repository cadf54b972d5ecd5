"""Prometheus metrics shared by all services, served on a port of their own.

Labels are bounded: service, method, code, topic; never ids or names.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RPC_HANDLED = Counter(
    "pakt_grpc_server_handled_total", "gRPC calls completed, by method and status code", ["method", "code"]
)
RPC_SECONDS = Histogram(
    "pakt_grpc_server_handling_seconds",
    "Time to handle a gRPC call",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter("pakt_events_published_total", "Events published from the outbox", ["topic"])
EVENTS_CONSUMED = Counter(
    "pakt_events_consumed_total", "Events consumed, by outcome (applied, duplicate, ignored)", ["topic", "outcome"]
)
OUTBOX_PENDING = Gauge("pakt_outbox_pending_events", "Events written to the outbox and not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "pakt_outbox_oldest_pending_age_seconds", "Age of the oldest event in the outbox not yet published (0: none)"
)
OUTBOX_REPUBLISHED = Counter(
    "pakt_outbox_republished_total",
    "Events queued again from the outbox because the broker no longer had them, by topic",
    ["topic"],
)
CONSUMER_LAG = Gauge(
    "pakt_consumer_lag_events", "Events on the broker not yet applied by the consumer group", ["group", "topic"]
)
CONSUMER_REWOUND = Counter(
    "pakt_consumer_rewound_total",
    "Times a consumer read its partitions again from the beginning because the broker lost its place",
    ["group"],
)
NOT_READY = Gauge(
    "pakt_not_ready", "1 while a component keeps the process from serving, by component and reason", ["component", "reason"]
)


def serve_metrics(host: str, port: int) -> None:
    start_http_server(port, addr=host)
