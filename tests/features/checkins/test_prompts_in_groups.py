"""A fan-out decides its prompts in groups (``run_prompts``, one statement for a group's prompt
rows), and that must change nothing anyone sees: the same messages, buttons, rows and outcomes
as deciding each occurrence alone (``run_prompt``), with every case the runner knows about in
one group: goals, pauses, closed DMs, two schedules due at once, thread delivery."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.actions import SendDirect, action_to_json
from bot.adapter import Unreachable
from bot.feature import Later
from bot.features.checkins.common import PROMPT
from bot.features.checkins.declare import handlers
from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, command, make_settings, world

PEOPLE = ("sam", "ny", "dee", "ana", "ben", "cai", "eve")


async def _script(s: Simulation) -> list[Any]:
    """A week of check-ins with everything that makes a prompt differ, and what came out."""
    await world(s)
    for extra, zone in (("ana", "Asia/Kolkata"), ("ben", "UTC"), ("cai", "Europe/London"),
                        ("eve", "America/New_York")):
        await s.run_line({"member": {"id": extra, "name": extra.title(), "timezone": zone}})
    for person in PEOPLE:
        await command(s, person, "checkin join")
    await command(s, "sam", "checkin goal", text="walk twice this week")
    await command(s, "ny", "checkin pause", days="2")
    # Two schedules due at the same time on weekdays: a member twice in one group.
    await command(s, "mod", "checkin setup", schedule="mon-fri 09:00; daily 09:00")
    s.adapter.fail_next(Unreachable("ben", "dms-closed"))  # Ben's first DM fails
    out: list[Any] = []
    for day in range(1, 4):
        for hour in ("08:30", "09:30", "14:00", "23:00"):
            when = MONDAY.replace(day=MONDAY.day + day).strftime(f"%Y-%m-%dT{hour}:00Z")
            sent = await s.run_line({"clock": {"set": when}})
            out.append([json.loads(json.dumps(action_to_json(x.action), default=str))
                        for x in sent])
        if day == 2:
            await command(s, "mod", "checkin setup", delivery="thread")
    rows = await s.bot.store.db.fetchall(
        "SELECT id, member_id, sent_at, expires_at, status, goal IS NOT NULL AS has_goal "
        "FROM checkin_prompts ORDER BY id")
    outcomes = await s.bot.store.db.fetchall(
        "SELECT d.status, d.reason, COUNT(*) AS n FROM deliveries d JOIN jobs j "
        "ON j.id = d.job_id WHERE j.kind = ? GROUP BY d.status, d.reason "
        "ORDER BY d.status, d.reason", (PROMPT,))
    out.append([tuple(r) for r in rows])
    out.append([tuple(r) for r in outcomes])
    return out


async def test_prompts_decided_in_groups_are_the_ones_decided_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with simulation(db=tmp_path / "groups.db", settings=make_settings(),
                          start=MONDAY) as grouped:
        in_groups = await _script(grouped)
    monkeypatch.setitem(handlers.jobs, PROMPT, replace(handlers.jobs[PROMPT], run_many=None))
    async with simulation(db=tmp_path / "alone.db", settings=make_settings(),
                          start=MONDAY) as alone:
        one_by_one = await _script(alone)
    assert any(day for day in in_groups[:-2]), "the script sent no prompt at all"
    assert sum(len(r) for r in in_groups[-2:-1]) >= 10  # prompts were made, not skipped
    assert in_groups == one_by_one


def test_later_puts_actions_into_words_once_on_first_use() -> None:
    calls: list[int] = []
    action = SendDirect(platform="sim", user="u1", text="hello")

    def make() -> list[SendDirect]:
        calls.append(1)
        return [action]

    later = Later(make)
    assert calls == []
    assert len(later) == 1 and later[0] == action and list(later) == [action]
    assert calls == [1]
