"""``[safety]``: its defaults ship real resources, and every mistake names the key and the fix."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, default_settings, parse_settings


def test_the_defaults_ship_the_resources_the_issue_names() -> None:
    resources = default_settings().safety.resources
    assert "988" in resources["US"] and "988" in resources["CA"]
    assert "116 123" in resources["GB"] and "116 123" in resources["IE"]
    assert "13 11 14" in resources["AU"]
    assert "findahelpline.com" in resources["international"]
    assert default_settings().safety.default_region == "international"
    assert default_settings().safety.enabled and default_settings().safety.ack_minutes == 10
    assert not default_settings().safety.alert_includes_text


def test_a_community_table_replaces_the_shipped_one() -> None:
    settings = parse_settings({"safety": {"default_region": "NZ", "resources": {
        "NZ": "In Aotearoa New Zealand: call or text 1737, any time, free."}}})
    assert list(settings.safety.resources) == ["NZ"]


@pytest.mark.parametrize(("safety", "expected"), [
    ({"default_region": "NZ"}, "safety.default_region = 'NZ': no resources for this region"),
    ({"resources": {"bad region!": "x"}}, "safety.resources.bad region!: a region is"),
    ({"resources": {"US": ""}}, "safety.resources.US = '': expected the resources as a text"),
    ({"resources": {"US": "x" * 501}}, "safety.resources.US: longer than 500 characters"),
    ({"reply": "channel"}, "safety.reply = 'channel': expected one of 'thread', 'dm'"),
    ({"ack_minutes": 0}, "safety.ack_minutes = 0: must be from 1 to 240 minutes"),
    ({"on_call": "123"}, "safety.on_call = '123': expected a list of user ids"),
])
def test_each_mistake_names_the_key(safety: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings({"safety": safety})
    assert any(line.startswith(expected) for line in raised.value.problems), raised.value.problems
