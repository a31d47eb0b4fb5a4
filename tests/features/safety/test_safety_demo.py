"""The demo shows a crisis reply and the alert being taken, played through the real simulator."""

from __future__ import annotations

import io

from bot.sim.demo import run_demo


async def test_demo_shows_a_crisis_reply_and_the_alert_taken() -> None:
    out = io.StringIO()
    assert await run_demo(out) == 0
    text = out.getvalue()
    assert "demo step failed" not in text
    crisis = text.split("Ana writes in #general")[1].split("Next morning")[0]
    assert "(a reply to the message): @Ana, I'm really glad you said something" in crisis
    assert "findahelpline.com" in crisis
    assert "Warmline → #moderators: @Ana may be having thoughts" in crisis
    assert "[link to the message in #general]" in crisis
    assert "want to die" not in crisis.split("Warmline → #moderators")[1]  # never quoted
    assert "Priya taps «I'm on it»" in crisis and "@Priya is on it" in crisis
