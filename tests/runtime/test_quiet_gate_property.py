"""The quiet-hours gate end to end, as a property: the real simulator (core, scheduler, gate,
releaser, a fresh SQLite file per example) on a virtual clock, driven by random sequences.

A member ("sam") in a random zone with a random quiet-hours window (their own, or the
community's default) meets a random sequence of: the clock moving on; job-originated direct
messages coming due (some stale after an hour, like a check-in prompt; some urgent); messages
from someone else's command (some urgent); sam's own command answered by a direct message; snooze
and snooze off; do-not-disturb on (with or without an end) and off; quiet hours off and on again;
and restarts of the runtime on the same file.

Invariants:

1. Nothing reaches sam while they are held (with their hold as it was then), except urgent
   actions and answers to what sam has just done, and those arrive at once.
2. Nothing is lost or repeated: once every hold is over and the clock has passed the last
   window, each message is delivered exactly once (alone or merged) or recorded as dropped with
   the reason ``expired`` (only a stale one, and only when it was held past its expiry), and no
   row is left waiting or sending.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import Action, OpenForm, Respond, action_from_json
from bot.features.registry import FEATURES
from bot.jsonform import encode_value
from bot.quiet import held_until
from bot.sim.recording import Sent
from bot.sim.simulate import Simulation, simulation
from bot.store.db import from_db
from bot.windows import Window, format_spec
from bot.windows import format as format_window
from tests.helpers.quiet_probe import STALE_AFTER, Probe, deferred_rows, hold_now, schedule

START = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # a Friday, two days before New York's change
ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata",
         "Pacific/Chatham", "UTC", "Asia/Kathmandu"]

quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))

steps = st.one_of(
    st.tuples(st.just("advance"), st.integers(5, 16 * 60)),
    st.tuples(st.just("job"), st.integers(0, 12 * 60), st.booleans(), st.booleans()),
    st.tuples(st.just("poke"), st.booleans()),
    st.tuples(st.just("self")),
    st.tuples(st.just("snooze"), st.integers(1, 30)),
    st.tuples(st.just("snooze off")),
    st.tuples(st.just("dnd"), st.one_of(st.none(), st.integers(10, 20 * 60))),
    st.tuples(st.just("dnd off")),
    st.tuples(st.just("quiet off")),
    st.tuples(st.just("quiet on")),
    st.tuples(st.just("restart")),
)


@dataclass
class Scenario:
    zone: str
    window: Window
    community_default: bool
    steps: list[tuple[Any, ...]]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    start, end = draw(quarter_hours), draw(quarter_hours)
    if start == end:
        end = time((end.hour + 8) % 24, end.minute)
    days = draw(st.one_of(st.just(frozenset(range(7))),
                          st.frozensets(st.integers(0, 6), min_size=1)))
    return Scenario(zone=draw(st.sampled_from(ZONES)), window=Window(start, end, days),
                    community_default=draw(st.booleans()),
                    steps=draw(st.lists(steps, min_size=3, max_size=14)))


def exempt(action: Action) -> bool:
    """What may reach a held person: urgent, or an answer to what they have just done."""
    return action.urgent or isinstance(action, Respond | OpenForm) or (
        str(getattr(action, "text", "")).startswith("self-"))


class Run:
    def __init__(self, sim: Simulation, scenario: Scenario) -> None:
        self.sim = sim
        self.scenario = scenario
        self.expected: dict[str, datetime] = {}
        """Every tracked message (its text) -> when it was decided."""
        self.stale: set[str] = set()
        self.urgent: set[str] = set()
        self.count = 0
        self.new: list[Sent] = []
        """What the current step sent."""

    def label(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}-{self.count}"

    async def line(self, obj: dict[str, Any]) -> None:
        self.new.extend(await self.sim.run_line(obj))

    async def sent_by(self, step: tuple[Any, ...]) -> list[Sent]:
        self.new = []
        await self.step(step)
        return self.new

    async def command(self, user: str, name: str, /, **args: str) -> None:
        await self.line({"event": {"type": "command", "user": user, "name": name, "args": args}})

    async def step(self, step: tuple[Any, ...]) -> None:
        sim, now = self.sim, self.sim.clock.now()
        kind = step[0]
        if kind == "advance":
            await self.line({"clock": {"set": encode_value(now + timedelta(minutes=step[1]))}})
        elif kind == "job":
            _, delay, stale, urgent = step
            text = self.label("job")
            at = now + timedelta(minutes=delay)
            await schedule(sim, "sam", at, text, stale=stale, urgent=urgent)
            self.expected[text] = at
            if stale:
                self.stale.add(text)
            if urgent:
                self.urgent.add(text)
        elif kind == "poke":
            text = self.label("poke")
            await self.command("pal", "probe poke", user="sam", text=text,
                               urgent="yes" if step[1] else "no")
            self.expected[text] = now
            if step[1]:
                self.urgent.add(text)
        elif kind == "self":
            text = self.label("self")
            await self.command("sam", "probe self", text=text)
            self.expected[text] = now
            self.urgent.add(text)  # must arrive at once, like an urgent one
        elif kind == "snooze":
            await self.command("sam", "snooze", **{"for": f"{step[1]}h"})
        elif kind == "snooze off":
            await self.command("sam", "snooze", **{"for": "off"})
        elif kind == "dnd":
            event: dict[str, Any] = {"type": "do_not_disturb", "user": "sam", "active": True}
            if step[1] is not None:
                event["until"] = encode_value(now + timedelta(minutes=step[1]))
            await self.line({"event": event})
        elif kind == "dnd off":
            await self.line({"event": {"type": "do_not_disturb", "user": "sam", "active": False}})
        elif kind == "quiet off":
            await self.command("sam", "quiet off")
        elif kind == "quiet on":
            days, _, hours = format_window(self.scenario.window).rpartition(" ")
            await self.command("sam", "quiet set", hours=hours, **({"days": days} if days else {}))
        elif kind == "restart":
            await sim.restart()


def check_sent(sent: list[Sent], hold_before: Any) -> None:
    for item in sent:
        if item.action.recipient != "sam" or exempt(item.action):
            continue
        assert held_until(hold_before, item.at) is None, (
            f"{item.action} reached sam at {item.at} while held until "
            f"{held_until(hold_before, item.at)}")


async def play(scenario: Scenario, db: Path) -> None:
    async with simulation(db=db, start=START, features=(*FEATURES, Probe)) as sim:
        spec = format_spec((scenario.window,))
        settings_ = {"quiet_hours": spec} if scenario.community_default else {}
        await sim.run_line({"community": {"id": "c", "settings": settings_}})
        member: dict[str, Any] = {"id": "sam", "timezone": scenario.zone}
        if not scenario.community_default:
            member["quiet_hours"] = spec
        await sim.run_line({"member": member})
        await sim.run_line({"member": {"id": "pal", "timezone": "UTC"}})
        run = Run(sim, scenario)
        sent: list[Sent] = []
        # Every hold ends at last: do-not-disturb off; then the clock passes any snooze and
        # window (31 h, four times).
        for step in [*scenario.steps, ("dnd off",), *[("advance", 31 * 60)] * 4]:
            hold = await hold_now(sim, "sam")
            new = await run.sent_by(step)
            check_sent(new, hold)
            sent.extend(new)
        await check_nothing_lost(run, sent)


async def check_nothing_lost(run: Run, sent: list[Sent]) -> None:
    delivered: dict[str, list[datetime]] = {}
    for item in sent:
        if item.action.recipient != "sam":
            continue
        for part in str(getattr(item.action, "text", "")).split("\n\n"):
            if part in run.expected:
                delivered.setdefault(part, []).append(item.at)
    rows = await deferred_rows(run.sim)
    assert [r for r in rows if r["status"] != "dropped"] == []
    dropped = {}
    for row in rows:
        assert row["reason"] == "expired", row
        action = action_from_json(json.loads(str(row["action"])))
        dropped[str(getattr(action, "text", ""))] = row
    for text, decided in run.expected.items():
        times = delivered.get(text, [])
        if text in dropped:
            assert times == [], f"{text} both delivered and dropped"
            assert text in run.stale, f"{text} dropped but it never expires"
            expires = dropped[text]["expires_at"]
            assert isinstance(expires, str) and from_db(expires) == decided + STALE_AFTER
        else:
            assert len(times) == 1, f"{text} delivered {len(times)} times"
            if text in run.stale:
                assert times[0] < decided + STALE_AFTER, f"{text} delivered after its expiry"
            if text in run.urgent:
                assert times == [decided], f"{text} passes anyway, so it arrives at once"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_nothing_reaches_a_held_member_and_nothing_is_lost(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory(prefix="warmline-quiet-") as folder:
        asyncio.run(play(scenario, Path(folder) / "quiet.db"))
