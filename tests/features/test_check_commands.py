"""The evaluation commands keep their contract: one JSON line per input line, on stdout."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=30, check=False)


def test_warmline_listening_check_json() -> None:
    proc = run("listening", "check", "--json", stdin=(
        "you should just try melatonin\n"
        '{"text": "that sounds exhausting. what has tonight been like?", "context": "I cannot sleep"}\n'
    ))
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert set(first) == {"nudge", "cues", "signals", "suggestion"}
    assert first["nudge"] is True and first["cues"][0]["kind"] == "advice"
    assert second["nudge"] is False


def test_warmline_safety_check_json() -> None:
    proc = run("safety", "check", "--json", stdin=(
        "I feel like ending it all tonight\n"
        '{"text": "these meetings are killing me"}\n'
    ))
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert {"crisis", "tier", "matches"} <= set(first)
    assert first["crisis"] is True and second["crisis"] is False


def test_a_channel_is_named_by_its_platform_mention_on_discord_and_slack() -> None:
    from bot.features.basics import channel_mention

    assert channel_mention("123456789012345678") == "<#123456789012345678>"
    assert channel_mention("C0123ABCD") == "<#C0123ABCD>"
    assert channel_mention("support") == "#support"  # a name (the simulator), not an id
    assert channel_mention("Cafe") == "#Cafe"
