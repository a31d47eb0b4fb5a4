"""What the runtime counts, named once, behind a seam that knows nothing of Prometheus.

Why a seam: the counts live where the work happens (the dispatcher counts events, the outbox
sends, the delivery gate deferrals, the scheduler jobs), and those modules must stay testable
without an HTTP server or a metrics library. They call :class:`Metrics` (``inc``); ``warmline
run`` passes an adapter to ``prometheus-client`` (``bot.ops.metrics``), tests and the simulator
the no-op :data:`NO_METRICS` or :class:`CountingMetrics`.

Why a catalogue: every metric, its labels and its meaning are declared here, so the Prometheus
adapter, ``docs/operations.md`` and the tests read one list. Label values are names only (a
platform, an event or action type, a job kind, a feature's kind of message, a reason): **never a
user id, a channel id or any text a person wrote**. :func:`label_value` enforces it a second
time: a value that is not a short lowercase name becomes ``"other"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.jsonform import Registry

MetricType = Literal["counter", "gauge"]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    """Without the ``warmline_`` prefix and the ``_total`` suffix Prometheus adds to counters."""
    help: str
    labels: tuple[str, ...] = ()
    type: MetricType = "counter"


EVENTS_HANDLED = MetricSpec(
    "events_handled", "Inbound events handled (a failing handler's apology included).",
    ("platform", "event"))
HANDLER_ERRORS = MetricSpec(
    "handler_errors", "Handlers that raised: an event's handler (answered with an apology) or a "
    "job's runner (recorded failed).", ("source", "type"))
ACTIONS_SENT = MetricSpec(
    "actions_sent", "Actions the platform accepted. kind is what a feature marked the action "
    "as (listening.nudge, safety.reply, ...), empty for the rest.", ("platform", "action", "kind"))
ACTIONS_FAILED = MetricSpec(
    "actions_failed", "Actions that did not go out, by reason: fatal, transient or rate-limited "
    "(retries exhausted), unreachable, no-adapter.", ("platform", "action", "kind", "reason"))
ACTIONS_PARKED = MetricSpec(
    "actions_parked", "Scheduled sends that had to wait (a per-channel 429, a 5xx, shutdown) and "
    "were kept as a durable retry job instead of holding up the round.", ("platform", "reason"))
RATE_LIMITED = MetricSpec(
    "rate_limited", "429 answers from the platform (each one is retried or parked). scope is "
    "global (the whole bot waits) or route (one channel or endpoint).", ("platform", "scope"))
JOBS_DUE = MetricSpec(
    "jobs_due", "Scheduled occurrences that came due and were handled, by job kind and outcome "
    "(sent, skipped, failed).", ("kind", "outcome"))
JOBS_LATE = MetricSpec(
    "jobs_late", "Scheduled sends that went out later than their platform's delivery window "
    "(still sent).", ("kind",))
SCHEDULER_FAILURES = MetricSpec(
    "scheduler_failures", "Scheduler ticks that failed (a store error); the loop backs off and "
    "tries again.")
DEFERRED = MetricSpec(
    "deferred", "Actions the quiet-hours gate held back (quiet hours, snooze, do-not-disturb) "
    "until their person may be reached.", ("platform",))
RELEASED = MetricSpec(
    "released", "Held actions handed on when their person could be reached again.")
RELEASE_DROPPED = MetricSpec(
    "release_dropped", "Held actions dropped at release because their moment had passed.")
EVENTS_QUEUED = MetricSpec(
    "events_queued", "Events accepted from the adapters and not yet handled.", type="gauge")
ADAPTER_READY = MetricSpec(
    "adapter_ready", "1 when the adapter is connected and ready, else 0.", ("platform",),
    type="gauge")

CATALOGUE: tuple[MetricSpec, ...] = (
    EVENTS_HANDLED, HANDLER_ERRORS, ACTIONS_SENT, ACTIONS_FAILED, ACTIONS_PARKED, RATE_LIMITED,
    JOBS_DUE, JOBS_LATE, SCHEDULER_FAILURES, DEFERRED, RELEASED, RELEASE_DROPPED,
    EVENTS_QUEUED, ADAPTER_READY,
)

_NAME = re.compile(r"[a-z][a-z_-]{0,39}(?:\.[a-z][a-z_-]{0,39}){0,3}")


def label_value(value: str | None) -> str:
    """``value`` if it is a short lowercase name (letters, ``_``, ``-``, dots; no digits, so
    never a platform id), ``""`` for None, else ``"other"``."""
    if not value:
        return ""
    return value if _NAME.fullmatch(value) else "other"


def type_name(registry: Registry, obj: object) -> str:
    """The registered JSON name of an event or action (``message``, ``send_dm``), else
    ``"other"``."""
    try:
        return registry.name_of(obj)
    except KeyError:
        return "other"


class Metrics(Protocol):
    """Where the runtime counts. ``labels`` must name exactly ``spec.labels``."""

    def inc(self, spec: MetricSpec, amount: float = 1.0, **labels: str) -> None: ...


class NoMetrics:
    """Counts nothing: the default, for tests, the simulator and tools."""

    def inc(self, spec: MetricSpec, amount: float = 1.0, **labels: str) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()


class CountingMetrics:
    """Counts in memory, keyed by the metric's name and its labels (for tests)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def inc(self, spec: MetricSpec, amount: float = 1.0, **labels: str) -> None:
        if set(labels) != set(spec.labels):
            raise ValueError(f"{spec.name} takes labels {spec.labels}, got {tuple(labels)}")
        key = tuple(sorted((k, label_value(v)) for k, v in labels.items()))
        self.counts[(spec.name, key)] = self.counts.get((spec.name, key), 0.0) + amount

    def total(self, spec: MetricSpec, **where: str) -> float:
        """The sum over every label set that matches ``where``."""
        return sum(n for (name, key), n in self.counts.items()
                   if name == spec.name and _matches(dict(key), where))


def _matches(labels: Mapping[str, str], where: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in where.items())
