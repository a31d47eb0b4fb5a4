"""The console lets a person play members against the real core."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.actions import Action
from bot.config import default_settings
from bot.events import CommandInvoked
from bot.feature import Context
from bot.features import basics
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


async def test_a_command_whose_handler_raises_is_reported_and_the_session_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, _ = basics.handlers.commands["privacy info"]

    async def broken(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
        raise ZeroDivisionError("words someone typed")

    monkeypatch.setitem(basics.handlers.commands, "privacy info", (spec, broken))
    text = await play("as Sam\n/privacy info\n/warmline help\n")
    assert "! handling it raised ZeroDivisionError" in text
    assert "words someone typed" not in text
    assert "privacy info" in text.split("handling it raised")[1]  # the help still came


async def test_two_sessions_on_one_db_both_get_their_answers(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    for _ in range(2):
        out = io.StringIO()
        await run_console(default_settings(), db=db, stdin=io.StringIO("/privacy info\n"), out=out)
        assert "What I keep" in out.getvalue()
