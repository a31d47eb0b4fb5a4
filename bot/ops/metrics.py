"""The one module that knows ``prometheus-client``: :mod:`bot.metrics`'s catalogue as Prometheus
counters and gauges, on a registry of the runtime's own (no global state, so two runtimes in one
process, as in the tests, never share a count).

Counters are ``warmline_<name>_total``; the gauges are read when scraped, from the runtime
(:class:`RuntimeGauges`). Every label value passes :func:`bot.metrics.label_value` again here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.adapter import adapter_ready
from bot.metrics import ADAPTER_READY, CATALOGUE, EVENTS_QUEUED, MetricSpec, label_value

if TYPE_CHECKING:
    from bot.runtime.app import Warmline

PREFIX = "warmline_"


class PrometheusMetrics:
    """A :class:`bot.metrics.Metrics` that counts into Prometheus counters."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._counters: dict[str, Counter] = {
            spec.name: Counter(PREFIX + spec.name, spec.help, spec.labels, registry=self.registry)
            for spec in CATALOGUE if spec.type == "counter"
        }

    def inc(self, spec: MetricSpec, amount: float = 1.0, **labels: str) -> None:
        counter = self._counters[spec.name]
        if spec.labels:
            counter.labels(**{k: label_value(v) for k, v in labels.items()}).inc(amount)
        else:
            counter.inc(amount)

    def watch(self, bot: Warmline) -> None:
        """Add the gauges read from ``bot`` when scraped."""
        self.registry.register(RuntimeGauges(bot))

    def exposition(self) -> bytes:
        """The text ``/metrics`` serves."""
        return generate_latest(self.registry)


class RuntimeGauges(Collector):
    """``events_queued`` and ``adapter_ready``, read from the runtime at scrape time."""

    def __init__(self, bot: Warmline) -> None:
        self.bot = bot

    def describe(self) -> Iterable[Metric]:
        return [_gauge(EVENTS_QUEUED), _gauge(ADAPTER_READY)]

    def collect(self) -> Iterable[Metric]:
        queued = _gauge(EVENTS_QUEUED)
        queued.add_metric([], self.bot.dispatcher.queued)
        ready = _gauge(ADAPTER_READY)
        running = {id(a) for a in self.bot.running}
        for adapter in self.bot.adapters:
            up = id(adapter) in running and adapter_ready(adapter) is not False
            ready.add_metric([label_value(adapter.platform)], 1.0 if up else 0.0)
        return [queued, ready]


def _gauge(spec: MetricSpec) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + spec.name, spec.help, labels=spec.labels)
