"""Helpers for check-in scenarios, run through the real simulator (core, scheduler, SQLite file,
outbox): a small world, and short ways to run lines and read what came out."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.actions import action_to_json
from bot.config import Settings, default_settings
from bot.features.checkins.feature import Checkins
from bot.features.checkins.repo import CheckinRepo
from bot.sim.simulate import Simulation

MONDAY = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


TEST_DATA_KEY = "dGVzdC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA="
"""A data key for tests only (32 bytes in base64): notes and goals are kept only with a key."""


def make_settings(*, data_key: str | None = TEST_DATA_KEY, **checkins: Any) -> Settings:
    base = default_settings()
    return replace(base, checkins=replace(base.checkins, **checkins),
                   privacy=replace(base.privacy, data_key=data_key))


SimFactory = Callable[..., Any]


async def world(s: Simulation) -> None:
    """A small community: a moderator, members in two zones, a supporter, and channels."""
    for line in (
        {"community": {"id": "c"}},
        {"member": {"id": "mod", "name": "Priya", "roles": ["moderator"],
                    "timezone": "Europe/London"}},
        {"member": {"id": "sam", "name": "Sam", "timezone": "Europe/London"}},
        {"member": {"id": "ny", "name": "Nia", "timezone": "America/New_York"}},
        {"member": {"id": "dee", "name": "Dee", "roles": ["supporter"],
                    "timezone": "America/New_York"}},
        {"channel": {"id": "supporters-chan", "purpose": "supporters"}},
        {"channel": {"id": "mods-chan", "purpose": "moderators"}},
        {"channel": {"id": "checkins-chan", "purpose": "checkins"}},
    ):
        await s.run_line(line)


async def run(s: Simulation, line: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one line; return the actions it caused as their JSON form (what adapters get)."""
    sent = await s.run_line(line)
    return [json.loads(json.dumps(action_to_json(x.action), default=str)) for x in sent]


async def command(s: Simulation, user: str, name: str, **args: str) -> list[dict[str, Any]]:
    return await run(s, {"event": {"type": "command", "user": user, "name": name, "args": args}})


async def press(s: Simulation, user: str, button: str) -> list[dict[str, Any]]:
    return await run(s, {"press": {"user": user, "button": button}})


async def advance(s: Simulation, until: str) -> list[dict[str, Any]]:
    return await run(s, {"clock": {"set": until}})


def texts_of(actions: list[dict[str, Any]]) -> list[str]:
    return [a.get("text", "") for a in actions]


def only(actions: list[dict[str, Any]], kind: str | None = None) -> dict[str, Any]:
    chosen = [a for a in actions if kind is None or a["type"] == kind]
    assert len(chosen) == 1, actions
    return chosen[0]


def prompts(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in actions
            if any(b["action"] == "checkin.mood" for b in a.get("buttons", ()))]


async def rows(s: Simulation, user: str, community: int = 1) -> list[Any]:
    """The member's stored prompts, oldest first."""
    member = await s.bot.store.members.find(community, user)
    assert member is not None
    return list(await checkin_repo(s).prompts_since(member.id, datetime(2000, 1, 1, tzinfo=UTC)))


def checkin_repo(s: Simulation) -> CheckinRepo:
    """The check-ins feature's own repository, as the running feature holds it."""
    (feature,) = [f for f in s.bot.core.features if isinstance(f, Checkins)]
    return feature.repo
