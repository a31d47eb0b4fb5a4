"""Fixtures for listening scenarios; the helpers they use are in tests/helpers/listening.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY
from tests.helpers.listening import make_settings, world


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Simulation]:
    async with simulation(db=tmp_path / "listening.db", settings=make_settings(),
                          start=MONDAY) as s:
        await world(s)
        yield s
