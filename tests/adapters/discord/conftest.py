"""Fixtures for the Discord adapter tests: a started fake and a :class:`Harness` over it.

``fake`` starts a fake Discord (127.0.0.1, port 0) and points discord.py at it; ``harness`` wraps
it (see :mod:`tests.helpers.discord`) and stops every runtime it started. Everything is stopped
and discord.py's URLs restored at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.discord_server import FakeDiscord, point_discord_at
from tests.helpers.discord import Harness


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(heartbeat_interval_ms=250) as server:
        restore = point_discord_at(server)
        try:
            yield server
        finally:
            restore()


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(fake, tmp_path)
    try:
        yield h
    finally:
        for run in list(h.running):
            await h.shutdown(run)
