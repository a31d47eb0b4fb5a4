"""Fixtures for check-in scenarios; the helpers they use are in tests/helpers/checkins.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, make_settings, world


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "checkins.db"


@pytest.fixture
async def sim(db: Path) -> AsyncIterator[Simulation]:
    async with simulation(db=db, settings=make_settings(), start=MONDAY) as s:
        await world(s)
        yield s
