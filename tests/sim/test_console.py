"""The console lets a person play members against the real core."""

from __future__ import annotations

import io

from bot.config import default_settings
from bot.sim.console import run_console


async def play(script: str) -> str:
    out = io.StringIO()
    code = await run_console(default_settings(), stdin=io.StringIO(script), out=out)
    assert code == 0
    return out.getvalue()


async def test_switching_members_and_running_commands() -> None:
    text = await play("as Priya Europe/London moderator\n/warmline audit\nas Sam\n/privacy info\nquit\n")
    assert "you are now Priya" in text
    assert "No changes have been made yet." in text
    assert "you are now Sam" in text
    assert "What I keep" in text


async def test_buttons_are_numbered_and_pressable() -> None:
    text = await play("as Sam\n/privacy delete\npress 2\n")
    assert "[1] Yes, delete everything" in text
    assert "Nothing was deleted" in text


async def test_mistakes_get_a_hint_not_a_crash() -> None:
    text = await play("press 9\nwait soon\nfly away\nreply 4 hi\n")
    assert "press needs the number of a button" in text
    assert "not a duration" in text
    assert "unknown command 'fly'" in text
    assert "reply needs the number" in text


async def test_time_passes_on_request() -> None:
    text = await play("time\nwait 2h\n")
    assert "it is Mon 05 Jan 08:00 UTC" in text
    assert "it is now Mon 05 Jan 10:00 UTC" in text
