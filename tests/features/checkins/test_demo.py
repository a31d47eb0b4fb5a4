"""The demo shows a check-in, an answer with a note, a low mood, a consented reach-out and its
claim, all played through the real simulator."""

from __future__ import annotations

import io

from bot.sim.demo import SCRIPT, run_demo


async def test_demo_shows_the_checkin_moments() -> None:
    # Only the check-in moments: the other features' texts are not this test's business.
    script = [line for line in SCRIPT
              if not str(line.get("event", {}).get("name", "")).startswith("warmline")]
    out = io.StringIO()
    assert await run_demo(out, script=script) == 0
    text = out.getvalue()
    assert "demo step failed" not in text
    assert "How are you doing today?" in text
    assert "Your note is saved" in text
    assert "Would you like someone from the group to reach out?" in text
    assert "Sam would welcome someone from the group reaching out" in text
    assert "Dee from the group will reach out to you soon" in text
    assert "Slept badly" not in text.split("fills in the form")[-1]
