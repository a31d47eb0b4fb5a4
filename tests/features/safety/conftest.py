"""Fixtures for safety scenarios; the helpers they use are in tests/helpers/safety.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, world
from tests.helpers.safety import RecordingRouter, safety_settings


@pytest.fixture
def router() -> RecordingRouter:
    return RecordingRouter()


@pytest.fixture
async def sim(tmp_path: Path, router: RecordingRouter) -> AsyncIterator[Simulation]:
    async with simulation(db=tmp_path / "safety.db", settings=safety_settings(),
                          start=MONDAY) as s:
        s.bot.core.router = router
        await world(s)
        yield s
