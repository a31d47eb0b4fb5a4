"""Helpers for safety scenarios through the real simulator: a message, a router that remembers
what it was told, and the stored detections."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.config import Settings, default_settings
from bot.features.safety.feature import Safety
from bot.features.safety.repo import DetectionRecord, SafetyRepo
from bot.routing import ChannelRouter, Routed, SupportRequest, Where
from bot.sim.simulate import Simulation
from tests.helpers.checkins import run

CRISIS = "I feel like ending it all tonight"
"""Imminent: ending it, with a time."""
ACTIVE = "I want to kill myself"
PASSIVE = "I want to die"


def safety_settings(**safety: Any) -> Settings:
    base = default_settings()
    return replace(base, safety=replace(base.safety, **safety))


async def say(s: Simulation, user: str, text: str, *, channel: str = "general",
              **extra: Any) -> list[dict[str, Any]]:
    """``user`` writes ``text`` in ``channel`` (or a DM with ``is_dm=True``)."""
    s.lineno += 1
    body = {"type": "message", "user": user, "channel": channel,
            "message_id": f"msg-{s.lineno}", "text": text, **extra}
    return await run(s, {"event": body})


def kinds(actions: list[dict[str, Any]]) -> list[str]:
    return [a["type"] for a in actions]


def safety_repo(s: Simulation) -> SafetyRepo:
    (feature,) = [f for f in s.bot.core.features if isinstance(f, Safety)]
    return feature.repo


async def detections(s: Simulation) -> list[DetectionRecord]:
    repo = safety_repo(s)
    found = []
    for number in range(1, 50):
        record = await repo.get(number)
        if record is not None:
            found.append(record)
    return found


class RecordingRouter:
    """The default router, remembering each request, and each piece of work taken and ended."""

    def __init__(self) -> None:
        self.requests: list[SupportRequest] = []
        self.taken: list[tuple[str, str, str, bool]] = []
        self.ended: list[tuple[str, str]] = []

    async def route(self, request: SupportRequest, ctx: Where) -> Routed:
        self.requests.append(request)
        return await ChannelRouter().route(request, ctx)

    async def took(self, supporter: str, kind: str, subject: str, ctx: Where, *,
                   heavy: bool = False) -> None:
        self.taken.append((supporter, kind, subject, heavy))

    async def done(self, kind: str, subject: str, ctx: Where) -> None:
        self.ended.append((kind, subject))
