"""The simulator runs scenarios on a virtual clock and reports bad lines without stopping."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.actions import Action, PostMessage
from bot.events import CommandInvoked, MessagePosted
from bot.feature import Context, Feature, Handlers
from bot.features import basics
from bot.features.registry import FEATURES
from bot.jsonform import encode_value
from bot.sim.simulate import Simulation, run_stream, simulation

ROOT = Path(__file__).resolve().parents[2]


async def arun(lines: list[object | str], db: Path | None = None) -> tuple[list[dict[str, object]], str, int]:
    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    out, err = io.StringIO(), io.StringIO()
    bad = await run_stream(text, out, err, db=db)
    return [json.loads(x) for x in out.getvalue().splitlines()], err.getvalue(), bad


async def test_a_command_is_answered_privately_and_stamped_with_virtual_time() -> None:
    out, err, bad = await arun([
        {"member": {"id": "sam", "name": "Sam", "timezone": "Europe/London"}},
        {"clock": {"set": "2026-03-02T08:00:00Z"}},
        {"event": {"type": "command", "user": "sam", "name": "privacy info"}},
    ])
    assert (err, bad) == ("", 0)
    assert len(out) == 1
    assert out[0]["at"] == "2026-03-02T08:00:00Z"
    action = out[0]["action"]
    assert isinstance(action, dict)
    assert action["type"] == "respond" and action["private"] is True
    assert action["interaction"] == "i3"


async def test_bad_lines_name_their_line_number_and_the_run_continues() -> None:
    out, err, bad = await arun([
        "{not json",
        {"clock": {"advance": "soon"}},
        {"event": {"type": "command", "user": "sam", "name": "privacy info", "colour": 1}},
        {"nonsense": {}},
        {"event": {"type": "command", "user": "sam", "name": "privacy info"}},
    ])
    assert bad == 4
    assert re.search(r"^line 1: not valid JSON", err, re.M)
    assert re.search(r"^line 2: clock.advance: 'soon' is not a duration", err, re.M)
    assert re.search(r"^line 3: event: .*unknown field\(s\) colour", err, re.M)
    assert re.search(r"^line 4: unknown line kind 'nonsense'", err, re.M)
    assert len(out) == 1  # line 5 still ran


async def test_the_clock_cannot_go_back() -> None:
    _, err, bad = await arun([
        {"clock": {"set": "2026-03-02T08:00:00Z"}},
        {"clock": {"set": "2026-03-01T08:00:00Z"}},
    ])
    assert bad == 1 and "cannot go back" in err


async def test_moderator_commands_follow_declared_roles() -> None:
    out, _, _ = await arun([
        {"member": {"id": "priya", "roles": ["moderator"]}},
        {"member": {"id": "sam"}},
        {"event": {"type": "command", "user": "sam", "name": "warmline setup timezone",
                   "args": {"zone": "Europe/Paris"}}},
        {"event": {"type": "command", "user": "priya", "name": "warmline setup timezone",
                   "args": {"zone": "Europe/Paris"}}},
        {"event": {"type": "command", "user": "priya", "name": "warmline audit"}},
    ])
    texts = [o["action"]["text"] for o in out]  # type: ignore[index]
    assert "Only moderators" in texts[0]
    assert "Europe/Paris" in texts[1]
    assert "Europe/Paris" in texts[2] and "setup timezone" in texts[2]


async def test_a_redelivered_event_is_handled_once() -> None:
    command = {"event": {"type": "command", "user": "sam", "name": "privacy info",
                         "event_id": "same", "interaction": "i"}}
    out, _, _ = await arun([command, command])
    assert len(out) == 1


async def test_a_given_db_file_survives_the_run(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    await arun([{"member": {"id": "sam", "timezone": "Asia/Kolkata"}}], db=db)
    async with simulation(db=db) as sim:
        community = await sim.bot.store.communities.find("sim", "community")
        assert community is not None
        member = await sim.bot.store.members.find(community.id, "sam")
        assert member is not None and member.timezone == "Asia/Kolkata"


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


async def test_the_documented_examples_round_trip_exactly() -> None:
    doc = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    scenarios = _blocks(doc, "jsonl scenario")
    expected = _blocks(doc, "jsonl actions")
    assert len(scenarios) == len(expected) == 2, "docs/simulation.md lost its example blocks"
    for scenario, actions in zip(scenarios, expected, strict=True):
        out, err, bad = await arun(scenario.splitlines())
        assert (err, bad) == ("", 0)
        assert [json.dumps(o, ensure_ascii=False) for o in out] == actions.splitlines()


async def test_a_member_whose_dms_failed_hears_about_it_with_their_next_command_once() -> None:
    from bot.adapter import Unreachable

    async with simulation() as sim:
        await sim.run_line({"member": {"id": "sam", "timezone": "Europe/London"}})
        await sim.run_line({"event": {"type": "command", "user": "sam", "name": "checkin join"}})
        sim.adapter.fail_next(Unreachable("sam", "dm_closed"))
        await sim.run_line({"clock": {"set": "2026-01-05T09:00:00Z"}})  # the prompt cannot be sent
        community = await sim.bot.store.communities.find("sim", "community")
        assert community is not None
        member = await sim.bot.store.members.find(community.id, "sam")
        assert member is not None and not member.reachable
        first = await sim.run_line({"event": {"type": "command", "user": "sam", "name": "privacy info"}})
        second = await sim.run_line({"event": {"type": "command", "user": "sam", "name": "privacy info"}})
    assert "direct messages are closed" in first[0].action.text  # type: ignore[attr-defined]
    assert "direct messages are closed" not in second[0].action.text  # type: ignore[attr-defined]


async def test_a_members_private_conversation_is_remembered_and_reused() -> None:
    async with simulation() as sim:
        await sim.run_line({"member": {"id": "sam", "timezone": "UTC"}})
        await sim.run_line({"event": {"type": "command", "user": "sam", "name": "checkin join"}})
        first = await sim.run_line({"clock": {"set": "2026-01-05T09:00:00Z"}})
        second = await sim.run_line({"clock": {"set": "2026-01-06T09:00:00Z"}})
        community = await sim.bot.store.communities.find("sim", "community")
        assert community is not None
        member = await sim.bot.store.members.find(community.id, "sam")
    assert first[0].action.channel is None  # type: ignore[attr-defined]  # opened by the platform
    assert member is not None and member.dm_channel == first[0].result.channel
    assert second[0].action.channel == member.dm_channel  # type: ignore[attr-defined]


async def test_a_prompt_sent_after_downtime_beyond_the_delivery_window_is_counted_late(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    db = tmp_path / "down.db"
    async with simulation(db=db) as sim:
        await sim.run_line({"member": {"id": "sam", "timezone": "UTC"}})
        await sim.run_line({"event": {"type": "command", "user": "sam", "name": "checkin join"}})
    # the bot was down over 09:00 and comes back at 09:20: still worth sending, but late
    async with simulation(db=db, start=datetime(2026, 1, 5, 9, 20, tzinfo=UTC)) as sim:
        await sim.bot.run_due_once()
        assert [type(s.action).__name__ for s in sim.adapter.sent] == ["SendDirect"]
        assert sim.bot.late == 1


async def test_a_line_whose_handler_raises_is_reported_by_type_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, _ = basics.handlers.commands["privacy info"]

    async def broken(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
        raise ZeroDivisionError("a message that might quote a member")

    monkeypatch.setitem(basics.handlers.commands, "privacy info", (spec, broken))
    out, err, bad = await arun([
        {"member": {"id": "sam"}},
        {"event": {"type": "command", "user": "sam", "name": "privacy info"}},
        {"event": {"type": "command", "user": "sam", "name": "warmline help"}},
        {"event": {"type": "command", "user": "sam", "name": "checkin join"}},
    ])
    assert bad == 1
    assert re.fullmatch(r"line 2: handling it raised ZeroDivisionError \(at [\w.]+:\d+\); the run goes on\n",
                        err), err
    assert "might quote" not in err
    assert [o["action"]["interaction"] for o in out] == ["i2", "i3", "i4"]  # type: ignore[index]
    assert "went wrong on my side" in out[0]["action"]["text"]  # type: ignore[index]


# -- event ids across runs on one database ------------------------------------------------------


async def test_two_runs_on_one_db_both_get_their_answers(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    scenario = [{"event": {"type": "command", "user": "sam", "name": "privacy info"}}]
    first, _, _ = await arun(scenario, db=db)
    second, err, bad = await arun(scenario, db=db)
    assert (len(first), len(second), err, bad) == (1, 1, "", 0)


async def test_an_event_id_given_in_the_scenario_is_kept_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    scenario = [{"event": {"type": "command", "user": "sam", "name": "privacy info",
                           "event_id": "given", "interaction": "i"}}]
    first, _, _ = await arun(scenario, db=db)
    second, _, _ = await arun(scenario, db=db)
    assert (len(first), len(second)) == (1, 0)  # the second is the same event, redelivered


# -- downtime -------------------------------------------------------------------------------------

JOIN_ON_MONDAY = [  # 2026-03-02 is a Monday; check-ins come mon-fri at 09:00 by default
    {"member": {"id": "sam", "name": "Sam", "timezone": "UTC"}},
    {"clock": {"set": "2026-03-02T08:00:00Z"}},
    {"event": {"type": "command", "user": "sam", "name": "checkin join"}},
]


def prompts(out: list[dict[str, Any]]) -> list[str]:
    return [o["at"] for o in out if o["action"]["type"] == "send_dm"]


async def deliveries(sim: Simulation) -> list[tuple[object, str, str | None]]:
    """Every recorded occurrence of every job (but the deployment's daily retention purge):
    (when it was due, its status, the reason)."""
    found = []
    for row in await sim.bot.store.db.fetchall(
            "SELECT id FROM jobs WHERE kind <> 'warmline.retention' ORDER BY id"):
        for d in await sim.bot.store.jobs.deliveries(int(row["id"])):
            found.append((encode_value(d.occurrence), d.status, d.reason))
    return found


async def test_a_check_in_due_during_downtime_is_sent_once_at_the_restart() -> None:
    out, err, bad = await arun([
        *JOIN_ON_MONDAY,
        {"down": {"until": "2026-03-02T10:00:00Z"}},
        {"clock": {"advance": "30m"}},
        {"clock": {"set": "2026-03-02T11:00:00Z"}},
    ])
    assert (err, bad) == ("", 0)
    assert prompts(out) == ["2026-03-02T10:00:00Z"]


async def test_down_for_a_duration_is_the_same_as_down_until_its_end() -> None:
    out, err, bad = await arun([
        *JOIN_ON_MONDAY,
        {"down": {"for": "2h"}},
        {"clock": {"advance": "3h"}},
    ])
    assert (err, bad) == ("", 0)
    assert prompts(out) == ["2026-03-02T10:00:00Z"]


async def test_a_check_in_missed_by_more_than_its_expiry_is_skipped_and_the_next_one_comes() -> None:
    async with simulation() as sim:
        for line in JOIN_ON_MONDAY:
            await sim.run_line(line)
        # 09:00 + the 12 hours of expiry = 21:00; the bot is back at 22:00
        after_restart = [
            *await sim.run_line({"down": {"until": "2026-03-02T22:00:00Z"}}),
            *await sim.run_line({"clock": {"set": "2026-03-02T22:00:00Z"}}),
        ]
        assert after_restart == []
        assert await deliveries(sim) == [("2026-03-02T09:00:00Z", "skipped", "expired")]
        tuesday = await sim.run_line({"clock": {"set": "2026-03-03T09:00:00Z"}})
    assert [(type(s.action).__name__, s.at.isoformat()) for s in tuesday] == [
        ("SendDirect", "2026-03-03T09:00:00+00:00")]


async def test_check_ins_missed_on_three_days_of_downtime_send_only_the_latest() -> None:
    async with simulation() as sim:
        for line in JOIN_ON_MONDAY:
            await sim.run_line(line)
        await sim.run_line({"down": {"until": "2026-03-04T10:00:00Z"}})  # Monday to Wednesday
        sent = await sim.run_line({"clock": {"set": "2026-03-04T12:00:00Z"}})
        assert [(type(s.action).__name__, s.at.isoformat()) for s in sent] == [
            ("SendDirect", "2026-03-04T10:00:00+00:00")]
        assert await deliveries(sim) == [("2026-03-04T09:00:00Z", "sent", None)]


async def test_events_while_the_bot_is_down_are_error_lines_and_are_not_seen() -> None:
    out, err, bad = await arun([
        {"member": {"id": "sam"}},
        {"down": {"for": "1h"}},
        {"event": {"type": "command", "user": "sam", "name": "privacy info"}},
        {"clock": {"advance": "1h"}},
        {"event": {"type": "command", "user": "sam", "name": "privacy info"}},
    ])
    assert bad == 1
    assert re.fullmatch(r"line 3: event: the bot is down until 2026-01-05T09:00:00Z, .*\n", err), err
    assert [o["action"]["interaction"] for o in out] == ["i5"]  # type: ignore[index]


async def test_downtime_lines_that_cannot_be_run_say_why() -> None:
    _, err, bad = await arun([
        {"down": {"until": "2026-01-05T07:00:00Z"}},
        {"down": {"for": "soon"}},
        {"down": {"from": "now"}},
        {"down": {"for": "1h"}},
        {"down": {"for": "1h"}},
    ])
    assert bad == 4
    assert re.search(r"^line 1: down: 2026-01-05T07:00:00Z is not after the clock", err, re.M)
    assert re.search(r"^line 2: down.for: 'soon' is not a duration", err, re.M)
    assert re.search(r'^line 3: down takes \{"until": ', err, re.M)
    assert re.search(r"^line 5: down: the bot is already down until 2026-01-05T09:00:00Z", err, re.M)


echo: Handlers[None] = Handlers("echo")


@echo.event(MessagePosted)
async def heard(event: MessagePosted, ctx: Context[None]) -> Sequence[Action]:
    return [PostMessage(platform=event.platform, community=event.community,
                        channel=event.channel, text="heard")]


class Echo(Feature[None]):
    """Answers every message, so a test can see which messages the core handled."""

    name = "echo"
    handlers = echo


async def test_a_restart_forgets_the_event_ids_it_held_only_in_memory() -> None:
    """Like a real restart: a plain message is not recorded durably, so the same message
    delivered again after the restart is handled again."""
    message = {"event": {"type": "message", "user": "sam", "channel": "general", "message_id": "m",
                         "text": "hello", "event_id": "same"}}
    async with simulation(features=(*FEATURES, Echo)) as sim:
        first = await sim.run_line(message)
        again = await sim.run_line(message)
        await sim.run_line({"down": {"for": "1m"}})
        await sim.run_line({"clock": {"advance": "1m"}})
        after_restart = await sim.run_line(message)
    assert [len(first), len(again), len(after_restart)] == [1, 0, 1]
