"""Helpers for listening scenarios, run through the real simulator (core, scheduler, SQLite file,
outbox): a community with a support channel, and short ways to post and reply there."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.config import Settings, default_settings
from bot.features.listening.feature import Listening
from bot.features.listening.repo import ListeningRepo
from bot.sim.simulate import Simulation
from tests.helpers.checkins import run

SUPPORT = "support-chan"


def make_settings(**listening: Any) -> Settings:
    base = default_settings()
    return replace(base, listening=replace(base.listening, **listening))


async def world(s: Simulation) -> None:
    """A moderator, a member who shares, two supporters, a member who is not one, and channels."""
    for line in (
        {"community": {"id": "c"}},
        {"member": {"id": "mod", "name": "Priya", "roles": ["moderator"]}},
        {"member": {"id": "sam", "name": "Sam"}},
        {"member": {"id": "dee", "name": "Dee", "roles": ["supporter"]}},
        {"member": {"id": "kai", "name": "Kai", "roles": ["supporter"]}},
        {"member": {"id": "ana", "name": "Ana"}},
        {"channel": {"id": SUPPORT, "purpose": "support"}},
        {"channel": {"id": "supporters-chan", "purpose": "supporters"}},
    ):
        await s.run_line(line)


async def post(s: Simulation, user: str, message_id: str, text: str, *,
               channel: str = SUPPORT, **extra: str) -> list[dict[str, Any]]:
    """A message in a channel (a post, or with ``reply_to``/``thread`` a reply)."""
    return await run(s, {"event": {"type": "message", "user": user, "channel": channel,
                                   "message_id": message_id, "text": text, **extra}})


async def reply(s: Simulation, user: str, message_id: str, to: str,
                text: str) -> list[dict[str, Any]]:
    return await post(s, user, message_id, text, reply_to=to)


def listening_repo(s: Simulation) -> ListeningRepo:
    (feature,) = [f for f in s.bot.core.features if isinstance(f, Listening)]
    return feature.repo
