"""The metrics catalogue: documented metric by metric, labels that can never carry an id, and
the Prometheus adapter exposing exactly the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.metrics import ACTIONS_SENT, CATALOGUE, EVENTS_HANDLED, CountingMetrics, label_value
from bot.ops.metrics import PrometheusMetrics

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_every_metric_is_documented_with_its_labels() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in
            re.finditer(r"^\| `(warmline_[a-z_]+)`[^|]*\| ([^|]*) \|", text, re.MULTILINE)}
    for spec in CATALOGUE:
        name = f"warmline_{spec.name}" + ("_total" if spec.type == "counter" else "")
        assert name in rows, f"{name} is not in docs/operations.md"
        for label in spec.labels:
            assert f"`{label}`" in rows[name], f"{name}: label {label} undocumented"
    assert len(rows) == len(CATALOGUE)


@pytest.mark.parametrize("value", [
    "123456789012345678",   # a Discord snowflake
    "U024BE7LH",            # a Slack user id
    "C0SUPPORT5",
    "I feel awful today",   # text
    "sam@example.org",
    "x" * 200,
])
def test_ids_and_text_never_become_label_values(value: str) -> None:
    assert label_value(value) == "other"


@pytest.mark.parametrize("value", ["discord", "send_dm", "listening.nudge", "rate-limited",
                                   "warmline.retention", ""])
def test_names_stay_as_they_are(value: str) -> None:
    assert label_value(value) == value


def test_counting_metrics_refuse_labels_the_catalogue_does_not_name() -> None:
    metrics = CountingMetrics()
    metrics.inc(EVENTS_HANDLED, platform="sim", event="message")
    assert metrics.total(EVENTS_HANDLED, platform="sim") == 1
    with pytest.raises(ValueError, match="takes labels"):
        metrics.inc(EVENTS_HANDLED, platform="sim", user="U024BE7LH")


def test_prometheus_exposes_the_catalogue_and_sanitises_again() -> None:
    metrics = PrometheusMetrics()
    metrics.inc(ACTIONS_SENT, platform="sim", action="send_dm", kind="U024BE7LH")
    text = metrics.exposition().decode()
    assert "U024BE7LH" not in text
    assert 'warmline_actions_sent_total{action="send_dm",kind="other",platform="sim"} 1.0' in text
    for spec in CATALOGUE:
        if spec.type == "counter":
            assert f"# TYPE warmline_{spec.name}_total counter" in text or \
                f"# TYPE warmline_{spec.name} counter" in text, spec.name
    other = PrometheusMetrics()
    assert "send_dm" not in other.exposition().decode(), "each runtime has its own registry"
