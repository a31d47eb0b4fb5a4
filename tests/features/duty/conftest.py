"""A community with three supporters in different zones, a member, and the usual channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, make_settings


async def supporters_world(s: Simulation) -> None:
    for line in (
        {"community": {"id": "c"}},
        {"member": {"id": "mod", "name": "Priya", "roles": ["moderator"],
                    "timezone": "Europe/London"}},
        {"member": {"id": "sam", "name": "Sam", "timezone": "Europe/London"}},
        {"member": {"id": "dee", "name": "Dee", "roles": ["supporter"],
                    "timezone": "America/New_York"}},
        {"member": {"id": "eve", "name": "Eve", "roles": ["supporter"],
                    "timezone": "Europe/London"}},
        {"member": {"id": "fay", "name": "Fay", "roles": ["supporter"],
                    "timezone": "Australia/Sydney"}},
        {"channel": {"id": "supporters-chan", "purpose": "supporters"}},
        {"channel": {"id": "mods-chan", "purpose": "moderators"}},
    ):
        await s.run_line(line)


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Simulation]:
    async with simulation(db=tmp_path / "duty.db", settings=make_settings(), start=MONDAY) as s:
        await supporters_world(s)
        yield s
