from __future__ import annotations

from datetime import timedelta

import pytest

from bot.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", timedelta(seconds=90)), ("15m", timedelta(minutes=15)),
     ("1h30m", timedelta(hours=1, minutes=30)), ("2d", timedelta(days=2)),
     (" 1h 5m ", timedelta(minutes=65))],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "soon", "5", "1x", "-1h"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="1h30m"):
        parse_duration(text)
