"""Prometheus metrics, one registry per app (so tests can build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("ktv_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram(
            "ktv_http_request_duration_seconds", "Time to answer an HTTP request",
            ["route"], registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10))
        self.generations = Counter("ktv_schedule_generations", "Schedule generations stored",
                                   ["trigger"], registry=r)
        self.keeper_runs = Counter("ktv_keeper_runs", "Background keeper passes",
                                   ["outcome"], registry=r)
        self.keeper_last_success = Gauge(
            "ktv_keeper_last_success_timestamp_seconds",
            "When the keeper last completed a pass without failures", registry=r)
        self.keeper_leader = Gauge("ktv_keeper_leader",
                                   "1 when this process runs the keeper", registry=r)
        self.onair_channels = Gauge("ktv_onair_channels",
                                    "Channels held in the in-memory schedule view", registry=r)
        self.stream_tunein = Histogram(
            "ktv_stream_tunein_seconds", "Stream request to its first byte sent",
            registry=r, buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10))
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # labels() takes a lock and builds a key each call: once
            children = (self.requests.labels(method, route, str(status)),
                        self.latency.labels(route))
            if len(self._children) < 1000:
                self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
