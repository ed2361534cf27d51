"""Prometheus metrics of one app: requests, latency, action-list computations, policy version.

Each app has its own registry (tests build many apps in one process). Request metrics are
labelled with the route template (``/v1/customers/{customer_id}``), never the concrete path, so
no customer id or other request data ends up in a label.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from api.policy_state import PolicyStatus

# The classic text format: what every Prometheus and scraper reads.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# The ``*_created`` timestamps double the exposition and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's metrics and the registry they are exposed from."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "dunning_http_requests",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dunning_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.computations = Counter(
            "dunning_action_list_computations",
            "Action lists evaluated (a cache miss: new policy version, ledger state or date).",
            registry=self.registry,
        )
        self.computation_seconds = Histogram(
            "dunning_action_list_computation_seconds",
            "Time to evaluate one action list.",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
            registry=self.registry,
        )
        self.updates = Counter(
            "dunning_action_list_updates",
            "Action lists brought up to date by evaluating again only the customers written to.",
            registry=self.registry,
        )
        self.update_seconds = Histogram(
            "dunning_action_list_update_seconds",
            "Time to bring an action list up to date after writes.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "dunning_action_list_cache_hits",
            "Requests answered from an action list computed before.",
            registry=self.registry,
        )
        self.policy_info = Gauge(
            "dunning_policy_version_info",
            "The policy version in force (value 1), labelled with its commit, ref and digest.",
            ["commit", "ref", "digest", "source"],
            registry=self.registry,
        )
        self.policy_degraded = Gauge(
            "dunning_policy_reload_failed",
            "1 when the last policy reload was refused (the previous policy stays), else 0.",
            registry=self.registry,
        )
        self.policy_reloads = Counter(
            "dunning_policy_reloads",
            "Policy load attempts, by result.",
            ["result"],
            registry=self.registry,
        )

    def policy_changed(self, status: PolicyStatus) -> None:
        """Update the policy gauges after a load or reload attempt."""
        self.policy_info.clear()
        if status.served is not None:
            version = status.served.version
            self.policy_info.labels(
                commit=version.commit or "",
                ref=version.ref or "",
                digest=version.digest,
                source=version.source,
            ).set(1)
        self.policy_degraded.set(1 if status.degraded else 0)
        if status.last_attempt is not None:
            self.policy_reloads.labels(result="ok" if status.last_attempt.ok else "refused").inc()

    def exposition(self) -> bytes:
        """Return the metrics in the Prometheus text format."""
        return generate_latest(self.registry)
